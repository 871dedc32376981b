from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from forum.services.accounts import LABEL_MAX
from forum.services.validation import PASSWORD_MAX, PASSWORD_MIN


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=PASSWORD_MAX)]
    )
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
        description=f"At least {PASSWORD_MIN} characters.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


class NewTokenForm(FlaskForm):
    label = StringField(
        "What is it for?",
        validators=[DataRequired(), Length(max=LABEL_MAX)],
        description="A name you will recognise later, such as “weekly report script”.",
    )
