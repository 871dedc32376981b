from __future__ import annotations

import csv
import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.errors import Conflict, Invalid, NotFound
from forum.services import dashboard as dashboard_service
from forum.services import modules, permissions, progress, quizzes
from forum.services.modules import slugify
from forum.web import reader_zone
from forum.web.common import require, show_error
from forum.web.progress import bp
from forum.web.progress.chart import line_chart
from forum.web.progress.forms import (
    CheckFormatError,
    ProgressForm,
    QuizForm,
    format_questions,
    parse_questions,
)

STATUS_SAID = {
    "not_started": "Marked as not started.",
    "in_progress": "Marked as in progress. Come back to it any time.",
    "completed": "Marked as completed. Well done!",
}


@bp.post("/modules/<int:module_id>/progress")
@login_required
def mark(module_id: int):
    form = ProgressForm()
    if not form.validate_on_submit():
        raise Invalid.field("status", "must be not_started, in_progress or completed")
    try:
        progress.set_progress(current_user, module_id, form.status.data)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("progress.check", module_id=module_id))
    flash(STATUS_SAID[form.status.data], "success")
    return redirect(url_for("modules.view", module_id=module_id, _anchor="my-progress"))


# Taking the check ------------------------------------------------------------------------------


def _chosen(view: quizzes.QuizView) -> tuple[list[int | None], dict[int, str]]:
    """The form's answers (q0, q1, ...) as choice indexes, and a problem per unanswered or
    out-of-range question."""
    chosen: list[int | None] = []
    problems: dict[int, str] = {}
    for n, question in enumerate(view.quiz.questions):
        raw = request.form.get(f"q{n}", "")
        if raw.isascii() and raw.isdigit() and int(raw) < len(question.choices):
            chosen.append(int(raw))
        else:
            chosen.append(None)
            problems[n] = "Choose an answer." if raw == "" else "Choose one of the answers."
    return chosen, problems


def _check_page(view: quizzes.QuizView, chosen=None, problems=None, status: int = 200):
    latest = view.attempts[0] if view.attempts else None
    if chosen is None:
        chosen = list(latest.answers) if latest and not view.passed else []
    return render_template(
        "progress/check.html",
        view=view,
        module=view.module,
        latest=latest,
        chosen=chosen,
        problems=problems or {},
        state=progress.get_progress(current_user, view.module.id),
    ), status


@bp.get("/modules/<int:module_id>/check")
@login_required
def check(module_id: int):
    return _check_page(quizzes.get_quiz(current_user, module_id))


@bp.post("/modules/<int:module_id>/check")
@login_required
def attempt(module_id: int):
    view = quizzes.get_quiz(current_user, module_id)
    chosen, problems = _chosen(view)
    if problems:
        return _check_page(view, chosen, problems, status=400)
    result = quizzes.attempt(current_user, module_id, chosen)
    if result.completed:
        flash(f"You passed with {result.score}%: this module is completed.", "success")
    elif result.passed:
        flash(f"You passed again, with {result.score}%.", "success")
    else:
        flash(f"{result.score}%: not yet. Look at the marked questions and try again.", "error")
    return redirect(url_for("progress.check", module_id=module_id, _anchor="result"))


# Writing the check -----------------------------------------------------------------------------


def _editable(module_id: int):
    module = modules.get_module(current_user, module_id)
    require(
        permissions.can_edit_quiz(current_user, module),
        "Only the module's owner and managers write its knowledge check.",
    )
    return module


@bp.route("/modules/<int:module_id>/check/edit", methods=["GET", "POST"])
@login_required
def edit_check(module_id: int):
    module = _editable(module_id)
    current = quizzes.find_quiz(current_user, module.id)
    if request.method == "GET":
        form = QuizForm(formdata=None)
        if current:
            form.pass_mark.data = current.quiz.pass_mark
            form.questions.data = format_questions(current.quiz)
        else:
            form.pass_mark.data = 80
        return _edit_page(module, form, current)
    form = QuizForm()
    if form.validate_on_submit():
        try:
            questions = parse_questions(form.questions.data)
            quizzes.set_quiz(current_user, module.id, form.pass_mark.data, questions)
        except CheckFormatError as exc:
            form.questions.errors = [str(exc)]
        except Invalid as exc:
            _place(form, exc)
        else:
            flash("The knowledge check is saved. Earlier completions stand.", "success")
            return redirect(url_for("progress.check", module_id=module.id))
    return _edit_page(module, form, current, status=400)


def _place(form: QuizForm, exc: Invalid) -> None:
    """The service names questions by index (questions.2.choices): say "Question 3"."""
    for name, problem in exc.fields.items():
        parts = name.split(".")
        if parts[0] == "questions" and len(parts) > 1 and parts[1].isdigit():
            what = {"prompt": "the question", "choices": "the choices", "answer": "the answer"}
            part = what.get(parts[2], "a choice") if len(parts) > 2 else ""
            form.questions.errors = [f"Question {int(parts[1]) + 1}, {part}: {problem}."]
        else:
            show_error(form, exc)


def _edit_page(module, form: QuizForm, current, status: int = 200):
    return render_template(
        "progress/edit_check.html", module=module, form=form, current=current
    ), status


@bp.post("/modules/<int:module_id>/check/remove")
@login_required
def remove_check(module_id: int):
    module = _editable(module_id)
    try:
        quizzes.remove_quiz(current_user, module.id)
    except NotFound:
        flash("This module had no knowledge check.", "error")
    else:
        flash("The knowledge check is removed. Attempts and completions are kept.", "success")
    return redirect(url_for("modules.view", module_id=module.id))


# The cohort's dashboard ------------------------------------------------------------------------

STATE_WORDS = {
    "completed": "Done",
    "in_progress": "In progress",
    "overdue": "Overdue",
    "not_started": "Not started",
}


@bp.get("/cohorts/<int:cohort_id>/dashboard")
@login_required
def dashboard(cohort_id: int):
    board = dashboard_service.cohort_dashboard(current_user, cohort_id, reader_zone())
    total = board.total_cells
    return render_template(
        "progress/dashboard.html",
        board=board,
        grid=board.grid,
        cohort=board.grid.cohort,
        chart=line_chart(board.chart, total) if board.everyone else None,
        words=STATE_WORDS,
        percent=lambda part, whole: round(100 * part / whole) if whole else 0,
        duration=_duration,
    )


def _duration(value) -> str:
    """``3 h 20 min``, ``2 days 4 h``: medians people can read at a glance."""
    if value is None:
        return "none yet"
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} {'day' if days == 1 else 'days'} {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


@bp.get("/cohorts/<int:cohort_id>/dashboard.csv")
@login_required
def dashboard_csv(cohort_id: int):
    grid = progress.cohort_grid(current_user, cohort_id)
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["Learner"]
    for e in grid.entries:
        title = _cell_text(e.module.title)
        header += [f"{title} (due {e.due_at:%Y-%m-%d %H:%M} UTC)", f"{title}: completed at (UTC)"]
    writer.writerow([*header, "Done", "Scheduled"])
    for user in grid.learners:
        row = [_cell_text(user.name)]
        states = grid.row(user)
        for state in states:
            done_at = state.completed_at.strftime("%Y-%m-%d %H:%M") if state.completed_at else ""
            row += [STATE_WORDS[state.shown_status], done_at]
        done = sum(s.status == "completed" for s in states)
        writer.writerow([*row, done, len(states)])
    if grid.scope == "all" and grid.learners:
        totals: list[str | int] = ["Learners done"]
        for e in grid.entries:
            totals += [grid.tally(grid.column(e.module_id))["completed"], ""]
        writer.writerow(totals)
    filename = f"{slugify(grid.cohort.name)}-progress.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell_text(value: str) -> str:
    """A spreadsheet runs a cell that starts with = + - @ as a formula: quote it."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
