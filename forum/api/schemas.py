"""Declared shapes of the API's input and output; the OpenAPI description comes from these."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from forum.api.fields import (
    MAX_ID,
    Id,
    Markdown,
    QueryInt,
    StrictBool,
    Text,
    When,
    WholeNumber,
)
from forum.models import (
    COHORT_ROLES,
    NOTIFY_EMAIL,
    OFFICE_HOUR_STATUSES,
    PROGRESS_STATUSES,
    ROLES,
    THREAD_KINDS,
    VISIBILITIES,
)
from forum.search.base import TYPES as SEARCH_TYPES
from forum.services import validation as v
from forum.services.notifications import KINDS as NOTIFICATION_KINDS
from forum.services.posts import REASON_MAX


class In(Schema):
    """Input: unknown fields are ignored, so clients written for later versions keep working."""

    class Meta:
        unknown = EXCLUDE


# Errors ----------------------------------------------------------------------------------


class ErrorBodySchema(Schema):
    code = fields.String(metadata={"description": "A word: invalid, unauthorized, not_found…"})
    message = fields.String(metadata={"description": "A sentence for people"})
    fields_ = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Only for invalid input: field name -> problem"},
    )


class ErrorSchema(Schema):
    """Every error answer (documentation only: forum/errors.py writes it)."""

    error = fields.Nested(ErrorBodySchema, required=True)


# Lists -----------------------------------------------------------------------------------


class PageArgs(In):
    """``?page=`` from 1; ``?per_page=`` from 1, and anything above 100 is served as 100."""

    page = QueryInt(load_default=1, validate=validate.Range(min=1))
    per_page = QueryInt(load_default=20, validate=validate.Range(min=1))


_LISTS: dict[type[Schema], type[Schema]] = {}


def list_of(item: type[Schema]) -> type[Schema]:
    """The list envelope around ``item``; one class per item, so OpenAPI names it once."""
    if item not in _LISTS:
        _LISTS[item] = _envelope_schema(item)
    return _LISTS[item]


def _envelope_schema(item: type[Schema]) -> type[Schema]:
    return type(
        f"{item.__name__.removesuffix('Schema')}ListSchema",
        (Schema,),
        {
            "items": fields.List(fields.Nested(item)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
    )


# People ------------------------------------------------------------------------------------


class UserRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    handle = fields.String(
        allow_none=True,
        metadata={
            "description": "Unique; what @mentions use. Show it beside the name: two people "
            "may share a name"
        },
    )


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    active = fields.Boolean()


class NewUserSchema(UserSchema):
    invite_url = fields.String(metadata={"description": "Only when created without a password"})


class TokenIn(In):
    email = fields.String(required=True, validate=validate.Length(max=v.EMAIL_MAX))
    password = fields.String(required=True, validate=validate.Length(max=v.PASSWORD_MAX))


class TokenOut(Schema):
    token = fields.String()
    expires_at = When()
    user = fields.Nested(UserSchema)


class MeSchema(UserSchema):
    """The caller, with their own settings."""

    timezone = fields.String(metadata={"description": "IANA name; the site's when not chosen"})
    notify_email = fields.String(metadata={"enum": list(NOTIFY_EMAIL)})
    reminder_email = fields.Boolean()


class MePatchIn(In):
    current_password = fields.String(validate=validate.Length(max=v.PASSWORD_MAX))
    password = fields.String(validate=validate.Length(max=v.PASSWORD_MAX))
    timezone = fields.String(validate=validate.Length(max=64))
    notify_email = fields.String(validate=validate.OneOf(NOTIFY_EMAIL))
    reminder_email = StrictBool()


class TokenInfoSchema(Schema):
    """One of the caller's API tokens (never the token itself)."""

    id = fields.Integer()
    label = fields.String()
    created_at = When()
    last_used_at = When(allow_none=True)
    expires_at = When()


class UserCreateIn(In):
    email = Text(max_len=v.EMAIL_MAX, min_len=1, required=True)
    name = Text(max_len=v.NAME_MAX, min_len=1, required=True)
    password = fields.String(
        validate=validate.Length(min=v.PASSWORD_MIN, max=v.PASSWORD_MAX), allow_none=True
    )
    role = fields.String(load_default="member", validate=validate.OneOf(ROLES))


class UserPatchIn(In):
    name = Text(max_len=v.NAME_MAX, min_len=1)
    role = fields.String(validate=validate.OneOf(ROLES))
    active = StrictBool()


# Cohorts -----------------------------------------------------------------------------------


class CohortIn(In):
    name = Text(max_len=v.TITLE_MAX, min_len=1, required=True)
    description = Text(max_len=2_000, allow_none=True)


class CohortSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    member_count = fields.Integer()


class MemberSchema(Schema):
    user = fields.Nested(UserRefSchema)
    role = fields.String()


class ScheduleSchema(Schema):
    module_id = fields.Integer()
    due_at = When()


class CohortDetailSchema(CohortSchema):
    members = fields.List(fields.Nested(MemberSchema))
    schedule = fields.List(fields.Nested(ScheduleSchema))


class MemberIn(In):
    user_id = Id(required=True)
    role = fields.String(load_default="learner", validate=validate.OneOf(COHORT_ROLES))


class ScheduleIn(In):
    due_at = When(required=True)


# Modules -----------------------------------------------------------------------------------


class FaqEntrySchema(Schema):
    id = fields.Integer()
    module_id = fields.Integer()
    question = fields.String()
    answer = fields.String()
    answer_html = fields.String()
    source_thread_id = fields.Integer(allow_none=True)
    promoted_by = fields.Nested(UserRefSchema, allow_none=True)
    position = fields.Integer()
    created_at = When()


class PromoteIn(In):
    question = Text(max_len=v.TITLE_MAX, min_len=1)
    answer = Markdown()


class FaqPatchIn(In):
    question = Text(max_len=v.TITLE_MAX, min_len=1)
    answer = Markdown()
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000))


class ModuleSummarySchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    title = fields.String()
    summary = fields.String()
    video_url = fields.String(allow_none=True)
    owner = fields.Nested(UserRefSchema, allow_none=True)
    position = fields.Integer()
    published = fields.Boolean()
    revision = fields.Integer()
    updated_at = When()


class ModuleSchema(ModuleSummarySchema):
    body = fields.String()
    body_html = fields.String()
    faq = fields.List(fields.Nested(FaqEntrySchema))


class ModuleCreateIn(In):
    title = Text(max_len=v.TITLE_MAX, min_len=1, required=True)
    body = Markdown(required=True)
    summary = Text(max_len=v.SUMMARY_MAX, allow_none=True)
    video_url = fields.String(validate=validate.Length(max=v.URL_MAX), allow_none=True)
    owner_id = Id(allow_none=True)
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=1_000_000))
    published = StrictBool(load_default=True)


class ModulePatchIn(In):
    title = Text(max_len=v.TITLE_MAX, min_len=1)
    body = Markdown()
    summary = Text(max_len=v.SUMMARY_MAX, allow_none=True)
    video_url = fields.String(validate=validate.Length(max=v.URL_MAX), allow_none=True)
    owner_id = Id()
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=1_000_000))
    published = StrictBool()


class RevisionSchema(Schema):
    revision = fields.Integer()
    title = fields.String()
    summary = fields.String()
    body = fields.String()
    author = fields.Nested(UserRefSchema, allow_none=True)
    created_at = When()


# Progress and knowledge checks ---------------------------------------------------------------


class ProgressIn(In):
    status = fields.String(required=True, validate=validate.OneOf(PROGRESS_STATUSES))


class ProgressSchema(Schema):
    module_id = fields.Integer()
    status = fields.String(metadata={"enum": list(PROGRESS_STATUSES)})
    completed_at = When(allow_none=True)


class QuizQuestionIn(In):
    prompt = fields.String(required=True)
    choices = fields.List(fields.String(), required=True)
    answer = WholeNumber(required=True, metadata={"description": "index into choices"})


class QuizIn(In):
    pass_mark = WholeNumber(required=True, metadata={"minimum": 0, "maximum": 100})
    questions = fields.List(fields.Nested(QuizQuestionIn), required=True)


class QuizQuestionSchema(Schema):
    prompt = fields.String()
    choices = fields.List(fields.String())
    answer = fields.Integer(
        metadata={"description": "only for the check's editors and learners who passed it"}
    )


class QuizSchema(Schema):
    module_id = fields.Integer()
    pass_mark = fields.Integer()
    questions = fields.List(fields.Nested(QuizQuestionSchema))
    passed = fields.Boolean(metadata={"description": "the caller has passed this check"})
    created_at = When()


class AttemptIn(In):
    answers = fields.List(WholeNumber(), required=True)


class AttemptSchema(Schema):
    id = fields.Integer()
    score = fields.Integer(metadata={"description": "100 x correct / questions, half up"})
    passed = fields.Boolean()
    wrong = fields.List(fields.Integer(), metadata={"description": "question indexes"})
    created_at = When()


class ProgressCellSchema(Schema):
    status = fields.String(metadata={"enum": list(PROGRESS_STATUSES)})
    completed_at = When(allow_none=True)
    overdue = fields.Boolean()


class ScheduledModuleSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    due_at = When()


class ProgressRowSchema(Schema):
    user = fields.Nested(UserRefSchema)
    progress = fields.Dict(keys=fields.String(), values=fields.Nested(ProgressCellSchema))


class CohortProgressSchema(Schema):
    modules = fields.List(fields.Nested(ScheduledModuleSchema))
    members = fields.List(fields.Nested(ProgressRowSchema))


# Health ------------------------------------------------------------------------------------


class HealthSchema(Schema):
    status = fields.String(metadata={"enum": ["ok", "degraded"]})
    database = fields.String()
    search = fields.String()
    message_queue = fields.String()


# Discussion --------------------------------------------------------------------------------

SORTS = ("active", "recent", "top")
READ_IDS_MAX = 1_000


class PostSchema(Schema):
    """A post as the caller sees it: ``author`` is null when deleted or hidden by anonymity."""

    id = fields.Integer()
    thread_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    author = fields.Nested(UserRefSchema, allow_none=True)
    anonymous = fields.Boolean()
    deleted = fields.Boolean()
    body = fields.String()
    body_html = fields.String()
    created_at = When()
    edited_at = When(allow_none=True)
    score = fields.Integer()
    my_vote = fields.Integer(metadata={"description": "The caller's vote: 1 or 0"})


class ThreadSummarySchema(Schema):
    """A thread in a list (no ``posts``)."""

    id = fields.Integer()
    module_id = fields.Integer()
    cohort_id = fields.Integer(allow_none=True)
    visibility = fields.String(metadata={"enum": ["everyone", "cohort"]})
    kind = fields.String(metadata={"enum": ["question", "discussion"]})
    title = fields.String()
    author = fields.Nested(UserRefSchema, allow_none=True)
    anonymous = fields.Boolean()
    created_at = When()
    last_activity_at = When()
    reply_count = fields.Integer()
    accepted_post_id = fields.Integer(allow_none=True)
    pinned = fields.Boolean()
    locked = fields.Boolean()
    score = fields.Integer(metadata={"description": "The opening post's score"})
    prompt = fields.Boolean(metadata={"description": "A discussion prompt started by the owner"})
    unread: fields.Field = fields.Boolean(
        metadata={"description": "Has posts the caller has not read"}
    )


class ThreadSchema(ThreadSummarySchema):
    """A thread with its posts: the opening post, then replies oldest first."""

    posts = fields.List(fields.Nested(PostSchema))
    # A ThreadView knows where the caller's unread posts begin; unread is whether they do.
    unread = fields.Function(
        lambda view: view.first_unread_post_id is not None,
        metadata={"type": "boolean", "description": "Had posts the caller had not read"},
    )
    first_unread_post_id = fields.Integer(
        allow_none=True,
        metadata={"description": "Where the caller's unread posts began before this request"},
    )
    following = fields.Boolean()


class QueryFlag(fields.Boolean):
    """A yes/no filter in the query string: ``1``/``true`` or ``0``/``false``."""

    def __init__(self, **kwargs):
        super().__init__(truthy={"1", "true"}, falsy={"0", "false", ""}, **kwargs)


def query_id(**kwargs) -> fields.Integer:
    # Query values arrive as text, so not Id (strict): "5" is fine, "5.0" and "abc" are not.
    return QueryInt(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class ThreadListArgs(PageArgs):
    cohort_id = query_id()
    kind = fields.String(validate=validate.OneOf(THREAD_KINDS))
    unanswered = QueryFlag(
        load_default=False,
        metadata={"description": "1: question threads without an accepted answer"},
    )
    mine = QueryFlag(load_default=False, metadata={"description": "1: threads of my cohorts"})
    sort = fields.String(load_default="active", validate=validate.OneOf(SORTS))


class ThreadCreateIn(In):
    title = Text(max_len=v.TITLE_MAX, min_len=1, required=True)
    body = Markdown(required=True)
    kind = fields.String(load_default="question", validate=validate.OneOf(THREAD_KINDS))
    cohort_id = Id(allow_none=True)
    visibility = fields.String(validate=validate.OneOf(VISIBILITIES), allow_none=True)
    anonymous = StrictBool(load_default=False)


class ThreadPatchIn(In):
    pinned = StrictBool()
    locked = StrictBool()
    title = Text(max_len=v.TITLE_MAX, min_len=1)


class AcceptIn(In):
    post_id = Id(required=True)


class PostCreateIn(In):
    body = Markdown(required=True)
    parent_id = Id(allow_none=True)
    anonymous = StrictBool(load_default=False)


class PostPatchIn(In):
    body = Markdown(required=True)


class PostRevisionSchema(Schema):
    body = fields.String()
    edited_by = fields.Nested(UserRefSchema, allow_none=True)
    created_at = When()


class FlagIn(In):
    reason = Text(max_len=REASON_MAX, min_len=1, required=True)


class VoteIn(In):
    value = fields.Integer(strict=True, required=True, validate=validate.OneOf((0, 1)))


class ScoreSchema(Schema):
    score = fields.Integer()


class SearchArgs(PageArgs):
    q = fields.String(load_default="", metadata={"description": 'words, "phrases", prefix*'})
    module_id = query_id()
    cohort_id = query_id()
    kind = fields.String(validate=validate.OneOf(THREAD_KINDS))
    answered = QueryFlag(
        load_default=False, metadata={"description": "1: answered questions and their posts"}
    )
    type = fields.String(validate=validate.OneOf(SEARCH_TYPES))


class SimilarArgs(In):
    q = fields.String(load_default="", validate=validate.Length(max=2_000))


class SearchHitSchema(Schema):
    type = fields.String(metadata={"enum": list(SEARCH_TYPES)})
    id = fields.Integer(metadata={"description": "the id of the object of that type"})
    thread_id = fields.Integer(allow_none=True)
    module_id = fields.Integer(allow_none=True)
    title = fields.String()
    snippet = fields.String(metadata={"description": "escaped text; only <mark> tags are live"})
    url = fields.String()
    score = fields.Float()


class SearchResultsSchema(list_of(SearchHitSchema)):  # type: ignore[misc]  # made at import
    suggestion = fields.String(
        allow_none=True, metadata={"description": "the query with misspellings corrected"}
    )


class NotificationArgs(PageArgs):
    unread = QueryFlag(load_default=False, metadata={"description": "1: only unread ones"})


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": list(NOTIFICATION_KINDS)})
    thread_id = fields.Integer(allow_none=True)
    post_id = fields.Integer(allow_none=True)
    module_id = fields.Integer(allow_none=True)
    office_hour_id = fields.Integer(allow_none=True)
    actor = fields.Nested(UserRefSchema, allow_none=True)
    read = fields.Boolean()
    created_at = When()


class NotificationsReadIn(In):
    ids = fields.List(Id(), validate=validate.Length(min=1, max=READ_IDS_MAX))
    all_ = StrictBool(data_key="all")


class ModerationLogArgs(PageArgs):
    cohort_id = query_id()
    module_id = query_id()


class ModerationEntrySchema(Schema):
    id = fields.Integer()
    actor = fields.Nested(UserRefSchema, allow_none=True)
    action = fields.String()
    thread_id = fields.Integer(allow_none=True)
    post_id = fields.Integer(allow_none=True)
    module_id = fields.Integer(allow_none=True)
    cohort_id = fields.Integer(allow_none=True)
    detail = fields.String()
    created_at = When()


class FlaggedPostSchema(PostSchema):
    class Meta:
        exclude = ("my_vote",)


class FlagSchema(Schema):
    """An open flag in the moderators' queue."""

    id = fields.Integer()
    reason = fields.String()
    created_at = When()
    flagged_by = fields.Nested(UserRefSchema, attribute="user")
    thread_id = fields.Integer(attribute="thread.id")
    thread_title = fields.String(attribute="thread.title")
    post = fields.Nested(FlaggedPostSchema)


# Office hours ------------------------------------------------------------------------------
#
# Answers are made by forum/wire.py (shared with the /live namespace); these schemas check
# input and describe the answers in OpenAPI. Times in answers are already ISO 8601 text.


def _time_text(**kwargs) -> fields.String:
    return fields.String(metadata={"format": "date-time"}, **kwargs)


class OfficeHourSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    host = fields.Nested(UserRefSchema, allow_none=True)
    starts_at = _time_text()
    ends_at = _time_text()
    cohort_id = fields.Integer(allow_none=True)
    module_id = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": list(OFFICE_HOUR_STATUSES)})
    started_at = _time_text(allow_none=True)
    ended_at = _time_text(allow_none=True)


class OfficeHourIn(In):
    title = Text(max_len=v.TITLE_MAX, min_len=1, required=True)
    starts_at = When(required=True)
    ends_at = When(required=True)
    cohort_id = Id(allow_none=True)
    module_id = Id(allow_none=True)


class OfficeHourPatchIn(In):
    title = Text(max_len=v.TITLE_MAX, min_len=1)
    starts_at = When()
    ends_at = When()


class OfficeHourListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(OFFICE_HOUR_STATUSES))


class OfficeHourMessageSchema(Schema):
    id = fields.Integer()
    office_hour_id = fields.Integer()
    author = fields.Nested(UserRefSchema, allow_none=True)
    body = fields.String()
    body_html = fields.String()
    created_at = _time_text()


class OfficeHourQuestionSchema(Schema):
    id = fields.Integer()
    office_hour_id = fields.Integer()
    author = fields.Nested(UserRefSchema, allow_none=True)
    question = fields.String()
    status = fields.String(metadata={"enum": ["waiting", "answering", "answered"]})
    thread_id = fields.Integer(allow_none=True)
    created_at = _time_text()


class TranscriptSchema(Schema):
    messages = fields.List(fields.Nested(OfficeHourMessageSchema))
    questions = fields.List(fields.Nested(OfficeHourQuestionSchema))


class ArchiveQuestionIn(In):
    answer = Markdown(required=True)
    module_id = Id(allow_none=True)
