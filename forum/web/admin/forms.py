from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from forum.services.validation import EMAIL_MAX, NAME_MAX


class InviteForm(FlaskForm):
    """The role choices are set by the view: only the roles the inviter may create."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=EMAIL_MAX)])
    name = StringField("Name", validators=[DataRequired(), Length(max=NAME_MAX)])
    role = SelectField("Role")


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[AnyOf(["yes", "no"])])


class RoleForm(FlaskForm):
    role = SelectField("Role")
