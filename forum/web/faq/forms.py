from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from forum.services.faq import POSITION_MAX
from forum.services.validation import BODY_MAX, TITLE_MAX


class FaqForm(FlaskForm):
    question = StringField("Question", validators=[DataRequired(), Length(max=TITLE_MAX)])
    answer = TextAreaField(
        "Answer",
        validators=[DataRequired(), Length(max=BODY_MAX)],
        description="Markdown. Published with the module, for everyone who reads it, "
        "with no author's name.",
    )


class FaqEditForm(FaqForm):
    position = IntegerField(
        "Position",
        validators=[NumberRange(min=0, max=POSITION_MAX)],
        description="Entries are shown from the lowest number up.",
    )
