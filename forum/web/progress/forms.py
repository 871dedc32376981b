"""Forms of the progress pages, and the knowledge check's plain-text format for editors.

The check is written as text so that it needs no script to add questions or choices: one
block per question (blank lines between), its first lines the question, then one line per
choice starting with "- ", the correct one with "* " instead.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange

from forum.models import PROGRESS_STATUSES, Quiz
from forum.services.quizzes import QUESTIONS_MAX, QuestionIn

CHECK_TEXT_MAX = 60_000


class ProgressForm(FlaskForm):
    status = HiddenField(validators=[AnyOf(PROGRESS_STATUSES)])


class QuizForm(FlaskForm):
    pass_mark = IntegerField(
        "Pass mark (%)",
        validators=[InputRequired(), NumberRange(min=0, max=100)],
        description="The share of right answers needed to pass, from 0 to 100.",
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"},
    )
    questions = TextAreaField(
        "Questions",
        validators=[DataRequired(), Length(max=CHECK_TEXT_MAX)],
        description=(
            "One question per block, blank lines between. First the question, then one line "
            "per choice starting with “- ”; start the correct choice with “* ” instead."
        ),
    )


class CheckFormatError(ValueError):
    pass


def parse_questions(text: str) -> list[QuestionIn]:
    """The editor's text as questions; CheckFormatError names the question at fault."""
    blocks = [b for b in _blocks(text) if b]
    if not blocks:
        raise CheckFormatError("Write at least one question.")
    if len(blocks) > QUESTIONS_MAX:
        raise CheckFormatError(f"At most {QUESTIONS_MAX} questions.")
    return [_question(n, block) for n, block in enumerate(blocks, start=1)]


def _blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return blocks


CHOICE_MARKS = ("- ", "* ", "-\t", "*\t")


def _question(n: int, lines: list[str]) -> QuestionIn:
    first_choice = next((i for i, ln in enumerate(lines) if ln.startswith(CHOICE_MARKS)), None)
    if first_choice is None:
        raise CheckFormatError(
            f"Question {n} has no choices: list them on lines starting with “- ”."
        )
    if first_choice == 0:
        raise CheckFormatError(f"Question {n}: write the question above its choices.")
    choices = lines[first_choice:]
    if not all(ln.startswith(CHOICE_MARKS) for ln in choices):
        raise CheckFormatError(
            f"Question {n}: every line after the first choice must be a choice "
            "(start it with “- ” or “* ”); leave a blank line before the next question."
        )
    correct = [i for i, ln in enumerate(choices) if ln.startswith("*")]
    if len(correct) != 1:
        raise CheckFormatError(f"Question {n}: mark exactly one choice as correct with “* ”.")
    prompt = " ".join(lines[:first_choice])
    return QuestionIn(prompt, [ln[2:].strip() for ln in choices], correct[0])


def format_questions(quiz: Quiz) -> str:
    """A check written back in the editor's format."""
    blocks = []
    for q in quiz.questions:
        marks = ["* " if i == q.answer else "- " for i in range(len(q.choices))]
        blocks.append(
            "\n".join([q.prompt, *(m + c for m, c in zip(marks, q.choices, strict=True))])
        )
    return "\n\n".join(blocks)
