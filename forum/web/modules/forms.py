from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField, URLField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from forum.services.validation import BODY_MAX, SUMMARY_MAX, TITLE_MAX, URL_MAX
from forum.web.common import IdSelectField


class ModuleForm(FlaskForm):
    """Create or edit a module; the view drops ``owner_id`` for editors who are not managers."""

    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])
    summary = TextAreaField(
        "Summary",
        validators=[Optional(), Length(max=SUMMARY_MAX)],
        description="One or two sentences shown in the module list.",
    )
    body = TextAreaField(
        "Lesson",
        validators=[DataRequired(), Length(max=BODY_MAX)],
        description="Markdown: headings, lists, tables, links and ``` fenced code blocks.",
    )
    video_url = URLField(
        "Video link",
        validators=[Optional(), Length(max=URL_MAX)],
        description="Optional. An http:// or https:// address.",
    )
    owner_id = IdSelectField(
        "Owner",
        description="The subject owner edits the module and answers on it.",
    )
    published = BooleanField(
        "Published", default=True, description="Drafts are seen only by their owner and managers."
    )


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class PublishForm(FlaskForm):
    published = HiddenField(validators=[AnyOf(["yes", "no"])])
