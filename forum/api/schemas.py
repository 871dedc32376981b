"""Declared shapes of the API's input and output; the OpenAPI description comes from these."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from forum.api.fields import Id, StrictBool, Text, When
from forum.models import COHORT_ROLES, ROLES
from forum.services import validation as v


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

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1))


def list_of(item: type[Schema]) -> type[Schema]:
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
    user = fields.Nested(UserSchema)


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
    body = Text(max_len=v.BODY_MAX, min_len=1, required=True)
    summary = Text(max_len=v.SUMMARY_MAX, allow_none=True)
    video_url = fields.String(validate=validate.Length(max=v.URL_MAX), allow_none=True)
    owner_id = Id(allow_none=True)
    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=1_000_000))
    published = StrictBool(load_default=True)


class ModulePatchIn(In):
    title = Text(max_len=v.TITLE_MAX, min_len=1)
    body = Text(max_len=v.BODY_MAX, min_len=1)
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


# Health ------------------------------------------------------------------------------------


class HealthSchema(Schema):
    status = fields.String(metadata={"enum": ["ok", "degraded"]})
    database = fields.String()
    search = fields.String()
    message_queue = fields.String()
