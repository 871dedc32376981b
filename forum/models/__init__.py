"""Every model, imported here so Alembic autogenerate sees every table."""

from forum.models.archive import SimilarOpen
from forum.models.base import UTCDateTime, utcnow
from forum.models.cohorts import COHORT_ROLES, Cohort, Membership, ScheduleEntry
from forum.models.discussion import (
    THREAD_KINDS,
    VISIBILITIES,
    Flag,
    ModerationEntry,
    ModuleFollow,
    Notification,
    Post,
    PostRevision,
    ReadMark,
    Thread,
    ThreadFollow,
    Vote,
)
from forum.models.jobs import Job
from forum.models.modules import FaqEntry, Module, ModuleRevision
from forum.models.office_hours import (
    OFFICE_HOUR_STATUSES,
    QUESTION_STATUSES,
    OfficeHour,
    OfficeHourMessage,
    OfficeHourQuestion,
    OfficeHourRemoval,
)
from forum.models.progress import PROGRESS_STATUSES, Progress, Quiz, QuizAttempt, QuizQuestion
from forum.models.reminders import REMINDER_KINDS, Reminder
from forum.models.users import NOTIFY_EMAIL, ROLES, AccountLink, ApiToken, User, UserSession

__all__ = [
    "COHORT_ROLES",
    "NOTIFY_EMAIL",
    "OFFICE_HOUR_STATUSES",
    "PROGRESS_STATUSES",
    "QUESTION_STATUSES",
    "REMINDER_KINDS",
    "ROLES",
    "THREAD_KINDS",
    "VISIBILITIES",
    "AccountLink",
    "ApiToken",
    "Cohort",
    "FaqEntry",
    "Flag",
    "Job",
    "Membership",
    "ModerationEntry",
    "Module",
    "ModuleFollow",
    "ModuleRevision",
    "Notification",
    "OfficeHour",
    "OfficeHourMessage",
    "OfficeHourQuestion",
    "OfficeHourRemoval",
    "Post",
    "PostRevision",
    "Progress",
    "Quiz",
    "QuizAttempt",
    "QuizQuestion",
    "ReadMark",
    "Reminder",
    "ScheduleEntry",
    "SimilarOpen",
    "Thread",
    "ThreadFollow",
    "UTCDateTime",
    "User",
    "UserSession",
    "Vote",
    "utcnow",
]
