from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from forum.models import COHORT_ROLES
from forum.services.cohorts import DESCRIPTION_MAX
from forum.services.validation import TITLE_MAX
from forum.web.common import IdSelectField


class CohortForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField(
        "Description",
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        description="Who is in it and what it is for; members see this on the cohort page.",
    )


class MemberForm(FlaskForm):
    # The choices are the people not yet in the cohort; the service checks the id again.
    user_id = IdSelectField("Person", [DataRequired()], validate_choice=False)
    role = SelectField("Role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(r, r.capitalize()) for r in COHORT_ROLES]


class ScheduleForm(FlaskForm):
    """One per module row, with a prefix so that ids and labels stay unique on the page."""

    due_at = StringField(
        "Due date",
        validators=[Length(max=40)],
        render_kw={"type": "date"},
        description="The end of that day, in the site's time zone.",
    )
    save = SubmitField("Set")
    clear = SubmitField("Clear")
