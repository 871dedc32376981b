"""Forms of the discussion pages. The services check everything again; these give each
field its label, limits and error place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from forum.models import THREAD_KINDS
from forum.services.posts import REASON_MAX
from forum.services.validation import BODY_MAX, TITLE_MAX
from forum.web.common import IdField, IdSelectField

MARKDOWN_HINT = "Markdown: **bold**, lists, `code`, ``` fenced blocks; @handle to mention someone."


class NewThreadForm(FlaskForm):
    """The module page's form; its field names are part of the public contract."""

    title = StringField(
        "Title",
        validators=[DataRequired(), Length(max=TITLE_MAX)],
        description="One line that says what you want to know or discuss.",
    )
    body = TextAreaField("Details", validators=[DataRequired(), Length(max=BODY_MAX)])
    kind = SelectField(
        "Kind",
        choices=[SelectChoice("question", "Question"), SelectChoice("discussion", "Discussion")],
        validators=[AnyOf(THREAD_KINDS)],
        default="question",
        description="A question can get an accepted answer.",
    )
    # Choices are the person's cohorts; the service checks membership again.
    cohort_id = IdSelectField(
        "Cohort",
        invalid="Must be one of your cohorts, or none.",
        validate_choice=False,
        description="Ask your own cohort, or the module's whole discussion.",
    )
    visibility = SelectField(
        "Who can see it",
        choices=[
            SelectChoice("", "The cohort only when one is chosen, otherwise everyone"),
            SelectChoice("cohort", "Only the chosen cohort"),
            SelectChoice("everyone", "Everyone who can see this module"),
        ],
        validators=[Optional(), AnyOf(["", "cohort", "everyone"])],
        default="",
    )
    anonymous = BooleanField(
        "Ask anonymously",
        description="Other learners see “Anonymous”; the thread's moderators still see your name.",
    )


class PromptForm(FlaskForm):
    """A pinned discussion prompt; prefixed so its fields never clash with the new-thread form."""

    title = StringField("Prompt", validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(
        "Opening words",
        validators=[DataRequired(), Length(max=BODY_MAX)],
        description="Ask something each cohort can answer from experience.",
    )


REPLY_LABEL = "Your reply"
ANONYMOUS_LABEL = "Reply anonymously"
ANONYMOUS_HINT = "Other learners see “Anonymous”; the thread's moderators still see your name."


class ReplyForm(FlaskForm):
    body = TextAreaField(
        REPLY_LABEL, validators=[DataRequired(), Length(max=BODY_MAX)], description=MARKDOWN_HINT
    )
    parent_id = IdField()
    anonymous = BooleanField(ANONYMOUS_LABEL, description=ANONYMOUS_HINT)


@dataclass(frozen=True)
class ReplyBox:
    """What the thread page's reply form shows, as plain values.

    The thread page is the busiest page of all, and WTForms' widgets cost about a
    millisecond a view there (bench/thread_page.py), so its reply form is written out in
    the template from these values. A posted reply is still parsed and checked by
    ``ReplyForm``; after a failed one, ``of(form)`` carries its text and errors back."""

    body: str = ""
    anonymous: bool = False
    parent_id: str = ""
    body_errors: tuple[str, ...] = ()
    anonymous_errors: tuple[str, ...] = ()
    parent_errors: tuple[str, ...] = ()
    form: ReplyForm | None = None  # the posted form, for its form-wide errors (CSRF)
    label: ClassVar[str] = REPLY_LABEL
    hint: ClassVar[str] = MARKDOWN_HINT
    anonymous_label: ClassVar[str] = ANONYMOUS_LABEL
    anonymous_hint: ClassVar[str] = ANONYMOUS_HINT
    max_len: ClassVar[int] = BODY_MAX

    @classmethod
    def of(cls, form: ReplyForm) -> ReplyBox:
        return cls(
            body=form.body.data or "",
            anonymous=bool(form.anonymous.data),
            parent_id=str(form.parent_id.data or ""),
            body_errors=tuple(form.body.errors),
            anonymous_errors=tuple(form.anonymous.errors),
            parent_errors=tuple(form.parent_id.errors),
            form=form,
        )


class EditForm(FlaskForm):
    body = TextAreaField(
        "Text", validators=[DataRequired(), Length(max=BODY_MAX)], description=MARKDOWN_HINT
    )


class FlagForm(FlaskForm):
    reason = TextAreaField(
        "Why should a moderator look at this?",
        validators=[DataRequired(), Length(max=REASON_MAX)],
        description="Only the thread's moderators read this.",
    )


class TitleForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])


class ToggleForm(FlaskForm):
    """A yes/no button: follow, pin, lock, confirm."""

    on = HiddenField(validators=[AnyOf(["yes", "no"])])


class VoteForm(FlaskForm):
    value = HiddenField(validators=[AnyOf(["0", "1"])])


class AcceptForm(FlaskForm):
    post_id = IdField(validators=[DataRequired()])


class ReadForm(FlaskForm):
    """Mark one notification read (``id``) or all of them (``all=yes``)."""

    id = IdField()
    all = HiddenField(validators=[Optional(), AnyOf(["yes"])])
