"""Progress, knowledge checks and a cohort's progress grid."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from forum.api.common import Blueprint, envelope, signed_in
from forum.api.schemas import (
    AttemptIn,
    AttemptSchema,
    CohortProgressSchema,
    PageArgs,
    ProgressIn,
    ProgressSchema,
    QuizIn,
    QuizSchema,
    list_of,
)
from forum.services import progress, quizzes
from forum.services.quizzes import QuestionIn, QuizView

blp = Blueprint("api_progress", __name__, description="Progress and knowledge checks")


@blp.put("/modules/<int:module_id>/progress")
@signed_in
@blp.arguments(ProgressIn)
@blp.response(200, ProgressSchema)
def set_progress(data, module_id: int):
    """Mark the caller's progress; a module with a knowledge check completes only after a
    passing attempt (409)."""
    row = progress.set_progress(current_user, module_id, data["status"])
    return {"module_id": module_id, "status": row.status, "completed_at": row.completed_at}


@blp.get("/modules/<int:module_id>/progress")
@signed_in
@blp.response(200, ProgressSchema)
def get_progress(module_id: int):
    state = progress.get_progress(current_user, module_id)
    return {"module_id": module_id, "status": state.status, "completed_at": state.completed_at}


def _quiz(view: QuizView) -> dict:
    shown = view.show_answers
    questions = []
    for q in view.quiz.questions:
        question: dict[str, Any] = {"prompt": q.prompt, "choices": q.choices}
        if shown:
            question["answer"] = q.answer
        questions.append(question)
    return {
        "module_id": view.module.id,
        "pass_mark": view.quiz.pass_mark,
        "questions": questions,
        "passed": view.passed,
        "created_at": view.quiz.created_at,
    }


@blp.put("/modules/<int:module_id>/quiz")
@signed_in
@blp.arguments(QuizIn)
@blp.response(200, QuizSchema)
def set_quiz(data, module_id: int):
    """Write the module's knowledge check, replacing the current one; earlier completions
    and attempts are kept."""
    questions = [QuestionIn(**q) for q in data["questions"]]
    return _quiz(quizzes.set_quiz(current_user, module_id, data["pass_mark"], questions))


@blp.get("/modules/<int:module_id>/quiz")
@signed_in
@blp.response(200, QuizSchema)
def get_quiz(module_id: int):
    """The check; each question's ``answer`` only for its editors and those who passed."""
    return _quiz(quizzes.get_quiz(current_user, module_id))


@blp.delete("/modules/<int:module_id>/quiz")
@signed_in
@blp.response(204)
def remove_quiz(module_id: int):
    """Take the check off the module; attempts and completions stay."""
    quizzes.remove_quiz(current_user, module_id)


@blp.post("/modules/<int:module_id>/quiz/attempts")
@signed_in
@blp.arguments(AttemptIn)
@blp.response(201, AttemptSchema)
def attempt(data, module_id: int):
    """Answer every question (choice indexes, in order); a pass completes the module."""
    return quizzes.attempt(current_user, module_id, data["answers"]).attempt


@blp.get("/modules/<int:module_id>/quiz/attempts")
@signed_in
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_of(AttemptSchema))
def list_attempts(args, module_id: int):
    """The caller's own attempts at the current check, newest first."""
    return envelope(quizzes.list_attempts(current_user, module_id, **args))


@blp.get("/cohorts/<int:cohort_id>/progress")
@signed_in
@blp.response(200, CohortProgressSchema)
def cohort_progress(cohort_id: int):
    """The cohort's scheduled modules and its learners' progress: everyone's for its
    facilitators and managers, a learner's own row for a learner."""
    grid = progress.cohort_grid(current_user, cohort_id)
    return {
        "modules": [
            {"id": e.module_id, "title": e.module.title, "due_at": e.due_at} for e in grid.entries
        ],
        "members": [
            {
                "user": user,
                "progress": {
                    str(e.module_id): grid.cell(user.id, e.module_id) for e in grid.entries
                },
            }
            for user in grid.learners
        ],
    }
