from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

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


NOTIFY_CHOICES = [
    SelectChoice("immediate", "At once: an e-mail for each notification"),
    SelectChoice("daily", "A daily digest of what you have not read"),
    SelectChoice("off", "No e-mail: only here, under the bell"),
]


class EmailSettingsForm(FlaskForm):
    notify_email = RadioField(
        "E-mail about replies, mentions and other notifications",
        choices=NOTIFY_CHOICES,
        validators=[InputRequired(message="Choose one.")],
    )
    reminder_email = BooleanField(
        "E-mail me reminders about modules due soon or overdue",
        description="Reminders always show under the bell as well.",
    )
