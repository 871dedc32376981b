"""Forms of the schedule pages (the live room's own forms are in forms.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from forum.services.validation import TITLE_MAX
from forum.web.common import IdSelectField

LOCAL_TIME = {"type": "datetime-local"}


class RescheduleForm(FlaskForm):
    title = StringField("Title", [DataRequired(), Length(max=TITLE_MAX)])
    starts_at = StringField("Starts", [DataRequired(), Length(max=40)], render_kw=LOCAL_TIME)
    ends_at = StringField("Ends", [DataRequired(), Length(max=40)], render_kw=LOCAL_TIME)


class ScheduleForm(RescheduleForm):
    # The choices are what the person may pick; the service checks the ids again.
    cohort_id = IdSelectField(
        "For cohort",
        validate_choice=False,
        description="Its members may join and are told. None: everyone may join.",
    )
    module_id = IdSelectField(
        "About module",
        validate_choice=False,
        description="Optional. Without a cohort, the module's followers are told.",
    )


class ArchiveForm(FlaskForm):
    answer = TextAreaField("The answer", [DataRequired()])
    module_id = IdSelectField("In module", validate_choice=False)


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token."""
