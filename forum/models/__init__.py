"""Every model, imported here so Alembic autogenerate sees every table."""

from forum.models.base import UTCDateTime, utcnow
from forum.models.cohorts import COHORT_ROLES, Cohort, Membership, ScheduleEntry
from forum.models.jobs import Job
from forum.models.modules import Module, ModuleRevision
from forum.models.users import ROLES, AccountLink, ApiToken, User

__all__ = [
    "COHORT_ROLES",
    "ROLES",
    "AccountLink",
    "ApiToken",
    "Cohort",
    "Job",
    "Membership",
    "Module",
    "ModuleRevision",
    "ScheduleEntry",
    "UTCDateTime",
    "User",
    "utcnow",
]
