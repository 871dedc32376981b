"""Knowledge checks: a module's multiple-choice questions, a pass mark, and every attempt.

The owner (or a manager) writes the check; writing it again replaces it, and the old one is
kept, retired, so earlier attempts still point at what was asked and earlier completions
stand. A passing attempt completes the module. The correct answers are shown to the check's
editors and to those who have passed the current check, never to anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum.database import write_transaction
from forum.errors import Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.models import Module, Quiz, QuizAttempt, QuizQuestion, User, utcnow
from forum.services import limits, permissions, progress, validation
from forum.services.pagination import Page, paginate

QUESTIONS_MAX = 50
CHOICES_MIN, CHOICES_MAX = 2, 10
PROMPT_MAX = 1_000
CHOICE_MAX = 300


@dataclass
class QuestionIn:
    prompt: str
    choices: list[str]
    answer: int


@dataclass
class QuizView:
    """A check as one reader may see it: ``show_answers`` says whether they see the answers."""

    module: Module
    quiz: Quiz
    can_edit: bool
    passed: bool
    attempts: list[QuizAttempt] = field(default_factory=list)

    @property
    def show_answers(self) -> bool:
        return permissions.can_see_quiz_answers(self.can_edit, self.passed)


@dataclass(frozen=True)
class AttemptResult:
    attempt: QuizAttempt
    quiz: Quiz
    completed: bool  # this attempt completed the module (it was not complete before)

    @property
    def score(self) -> int:
        return self.attempt.score

    @property
    def passed(self) -> bool:
        return self.attempt.passed

    @property
    def wrong(self) -> list[int]:
        return list(self.attempt.wrong)


def score(correct: int, total: int) -> int:
    """100 x correct / total, rounded half up to a whole number (integers only: no float
    ever rounds 2.5 to 2)."""
    return (200 * correct + total) // (2 * total)


# Reading ---------------------------------------------------------------------------------------


def _module(actor: User | None, module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None or not permissions.can_see_module(actor, module):
        raise NotFound("No such module.")
    return module


def current_quiz(module_id: int) -> Quiz | None:
    return db.session.scalar(
        select(Quiz)
        .where(Quiz.module_id == module_id, Quiz.retired_at.is_(None))
        .options(selectinload(Quiz.questions))
        .order_by(Quiz.id.desc())
        .limit(1)
    )


def passed_quiz(user: User, quiz: Quiz) -> bool:
    stmt = select(QuizAttempt.id).where(
        QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == user.id, QuizAttempt.passed
    )
    return db.session.scalar(stmt.limit(1)) is not None


def find_quiz(actor: User, module_id: int) -> QuizView | None:
    """The module's current check as the actor may see it, with the actor's attempts on it
    (newest first); None when the module has none."""
    module = _module(actor, module_id)
    quiz = current_quiz(module.id)
    if quiz is None:
        return None
    attempts = list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == actor.id)
            .order_by(QuizAttempt.id.desc())
        )
    )
    passed = any(a.passed for a in attempts)
    return QuizView(module, quiz, permissions.can_edit_quiz(actor, module), passed, attempts)


def list_attempts(
    actor: User, module_id: int, page: int = 1, per_page: int = 20
) -> Page[QuizAttempt]:
    """The actor's own attempts at the module's current check, newest first."""
    module = _module(actor, module_id)
    quiz = current_quiz(module.id)
    if quiz is None:
        raise NotFound("This module has no knowledge check.")
    stmt = (
        select(QuizAttempt)
        .where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == actor.id)
        .order_by(QuizAttempt.id.desc())
    )
    return paginate(stmt, page, per_page)


def get_quiz(actor: User, module_id: int) -> QuizView:
    view = find_quiz(actor, module_id)
    if view is None:
        raise NotFound("This module has no knowledge check.")
    return view


# Writing ---------------------------------------------------------------------------------------


def _pass_mark(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise Invalid.field("pass_mark", "must be a whole number from 0 to 100")
    return value


def _question(n: int, raw: QuestionIn) -> QuizQuestion:
    name = f"questions.{n}"
    prompt = validation.text(f"{name}.prompt", raw.prompt, max_len=PROMPT_MAX)
    if not isinstance(raw.choices, list) or not CHOICES_MIN <= len(raw.choices) <= CHOICES_MAX:
        raise Invalid.field(f"{name}.choices", f"give from {CHOICES_MIN} to {CHOICES_MAX} choices")
    choices = [
        validation.text(f"{name}.choices.{i}", c, max_len=CHOICE_MAX)
        for i, c in enumerate(raw.choices)
    ]
    if len(set(choices)) != len(choices):
        raise Invalid.field(f"{name}.choices", "each choice must be different")
    answer = raw.answer
    if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer < len(choices):
        raise Invalid.field(
            f"{name}.answer", f"must be the index of a choice, from 0 to {len(choices) - 1}"
        )
    return QuizQuestion(position=n, prompt=prompt, choices=choices, answer=answer)


def _questions(raw: object) -> list[QuizQuestion]:
    if not isinstance(raw, list) or not raw:
        raise Invalid.field("questions", "give at least one question")
    if len(raw) > QUESTIONS_MAX:
        raise Invalid.field("questions", f"at most {QUESTIONS_MAX} questions")
    return [_question(n, q) for n, q in enumerate(raw)]


def _editable_module(actor: User, module_id: int) -> Module:
    module = _module(actor, module_id)
    if not permissions.can_edit_quiz(actor, module):
        raise Forbidden("Only the module's owner and managers write its knowledge check.")
    return module


def set_quiz(
    actor: User, module_id: int, pass_mark: object, questions: list[QuestionIn]
) -> QuizView:
    """Write the module's check, replacing the current one (which is kept, retired)."""
    pass_mark = _pass_mark(pass_mark)
    new_questions = _questions(questions)
    with write_transaction() as session:
        module = _editable_module(actor, module_id)
        _lock(module)
        _retire(module.id)
        quiz = Quiz(module_id=module.id, pass_mark=pass_mark, created_by_id=actor.id)
        quiz.questions = new_questions
        session.add(quiz)
        session.flush()
    return QuizView(module, quiz, True, False)


def remove_quiz(actor: User, module_id: int) -> None:
    """Take the check off the module; attempts and completions stay."""
    with write_transaction():
        module = _editable_module(actor, module_id)
        _lock(module)
        if not _retire(module.id):
            raise NotFound("This module has no knowledge check.")


def _lock(module: Module) -> None:
    """Two editors saving at once on PostgreSQL take turns, so one check stays current
    (SQLite writers take turns already)."""
    db.session.execute(select(Module.id).where(Module.id == module.id).with_for_update())


def _retire(module_id: int) -> int:
    current = db.session.scalars(
        select(Quiz).where(Quiz.module_id == module_id, Quiz.retired_at.is_(None))
    ).all()
    for quiz in current:
        quiz.retired_at = utcnow()
    return len(current)


# Attempts --------------------------------------------------------------------------------------


def _answers(quiz: Quiz, answers: object) -> list[int]:
    questions = quiz.questions
    if not isinstance(answers, list) or len(answers) != len(questions):
        raise Invalid.field(
            "answers", f"give one answer for each of the {len(questions)} questions"
        )
    for n, (answer, question) in enumerate(zip(answers, questions, strict=True)):
        if isinstance(answer, bool) or not isinstance(answer, int):
            raise Invalid.field(f"answers.{n}", "must be the index of a choice")
        if not 0 <= answer < len(question.choices):
            raise Invalid.field(
                f"answers.{n}", f"out of range: from 0 to {len(question.choices) - 1}"
            )
    return list(answers)


def attempt(
    actor: User, module_id: int, answers: object, *, now: datetime | None = None
) -> AttemptResult:
    """Score an attempt at the module's current check and keep it; a pass completes the
    module."""
    now = now or utcnow()
    with write_transaction() as session:
        module = _module(actor, module_id)
        quiz = current_quiz(module.id)
        if quiz is None:
            raise NotFound("This module has no knowledge check.")
        given = _answers(quiz, answers)
        # Counted once the answers are well-formed: a slip in the form costs no try.
        limits.check(actor, "quiz_attempts", exempt=permissions.can_edit_quiz(actor, module))
        wrong = [q.position for q, a in zip(quiz.questions, given, strict=True) if q.answer != a]
        points = score(len(given) - len(wrong), len(given))
        record = QuizAttempt(
            quiz_id=quiz.id,
            user_id=actor.id,
            answers=given,
            wrong=wrong,
            score=points,
            passed=points >= quiz.pass_mark,
            created_at=now,
        )
        session.add(record)
        completed = False
        if record.passed:
            before = progress.statuses_of(actor, [module.id]).get(module.id)
            completed = before is None or before.status != "completed"
            progress.complete(actor, module.id, now)
        session.flush()
    return AttemptResult(record, quiz, completed)
