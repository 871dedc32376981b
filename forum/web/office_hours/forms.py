from flask_wtf import FlaskForm
from wtforms import TextAreaField


class ChatForm(FlaskForm):
    # The service checks the text (not empty, at most 2,000 characters), as for the socket.
    body = TextAreaField("Message")


class HandForm(FlaskForm):
    question = TextAreaField("Your question")


class ButtonForm(FlaskForm):
    """A host's button: only the CSRF token."""
