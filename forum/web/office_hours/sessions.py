"""The schedule of office hours, scheduling and rescheduling, a session's page, its
transcript (with archiving a raised hand) and its calendar file. The live room itself is
``routes.py``."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.errors import Conflict, Invalid
from forum.models import OfficeHour, User
from forum.services import modules, permissions, timezones
from forum.services import office_hours as oh
from forum.web import reader_zone
from forum.web.common import page_number, refused, require, show_error
from forum.web.office_hours import bp
from forum.web.office_hours.calendar import ics_of
from forum.web.office_hours.session_forms import (
    ArchiveForm,
    ConfirmForm,
    RescheduleForm,
    ScheduleForm,
)

NONE_CHOICE = ("", "None")
UPCOMING_SHOWN = 5


def _me() -> User:
    return current_user._get_current_object()


def room_url(office_hour: OfficeHour) -> str:
    """The live room once it exists, else this session's page."""
    if "office_hours.room" in current_app.view_functions:
        return url_for("office_hours.room", office_hour_id=office_hour.id)
    return url_for("office_hours.details", office_hour_id=office_hour.id)


def upcoming_office_hours(**where: int) -> list[OfficeHour]:
    """For the home, module and cohort pages (``_upcoming.html``): one query and its loads."""
    return oh.upcoming(_me(), limit=UPCOMING_SHOWN, **where)


@bp.app_context_processor
def _links() -> dict:
    return {"office_hour_url": room_url, "upcoming_office_hours": upcoming_office_hours}


# Times typed on a page are in the reader's zone ------------------------------------------


def _moment(name: str, value: str | None) -> datetime:
    """A ``datetime-local`` value (``2026-12-05T14:30``), in the reader's zone, as UTC."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        raise Invalid.field(name, "enter a date and time such as 2026-12-05 14:30") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=reader_zone())
    return moment.astimezone(UTC)


def _local_input(value: datetime) -> str:
    return timezones.local(value, reader_zone()).strftime("%Y-%m-%dT%H:%M")


def _times(form: RescheduleForm) -> dict:
    return {
        "starts_at": _moment("starts_at", form.starts_at.data),
        "ends_at": _moment("ends_at", form.ends_at.data),
    }


# The schedule ---------------------------------------------------------------------------------


@bp.get("/office-hours")
@login_required
def index():
    me = _me()
    return render_template(
        "office_hours/index.html",
        upcoming=oh.upcoming(me, limit=50),
        past=oh.past(me, page=page_number()),
        can_schedule=permissions.can_schedule_office_hours(me),
        zone=reader_zone().key,
    )


def _schedule_form(me: User, **kwargs) -> ScheduleForm:
    form = ScheduleForm(**kwargs)
    cohorts = [(str(c.id), c.name) for c in oh.schedulable_cohorts(me)]
    form.cohort_id.choices = ([NONE_CHOICE] if permissions.is_manager(me) else []) + cohorts
    form.module_id.choices = [NONE_CHOICE] + [
        (str(m.id), m.title) for m in modules.all_visible_modules(me)
    ]
    return form


@bp.route("/office-hours/new", methods=["GET", "POST"])
@login_required
def create():
    me = _me()
    require(
        permissions.can_schedule_office_hours(me),
        "Managers, and facilitators for their cohorts, schedule office hours.",
    )
    preset = {k: request.args.get(k) for k in ("cohort_id", "module_id") if request.args.get(k)}
    form = _schedule_form(me, data=preset) if request.method == "GET" else _schedule_form(me)
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            made = oh.create(
                me,
                title=form.title.data,
                cohort_id=form.cohort_id.data,
                module_id=form.module_id.data,
                **_times(form),
            )
        except (Invalid, Conflict) as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            flash(f"“{made.title}” is scheduled.", "success")
            return redirect(url_for("office_hours.details", office_hour_id=made.id))
    return render_template(
        "office_hours/edit.html", form=form, office_hour=None, zone=reader_zone().key
    ), status


@bp.route("/office-hours/<int:office_hour_id>/edit", methods=["GET", "POST"])
@login_required
def edit(office_hour_id: int):
    me = _me()
    session = oh.get_office_hour(me, office_hour_id)
    require(oh.is_host(me, session), "Only its host and managers change an office hour.")
    form = RescheduleForm(
        data={
            "title": session.title,
            "starts_at": _local_input(session.starts_at),
            "ends_at": _local_input(session.ends_at),
        }
        if request.method == "GET"
        else None
    )
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            oh.reschedule(me, session.id, title=form.title.data, **_times(form))
        except (Invalid, Conflict) as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            flash("Saved. Everyone it is for has been told.", "success")
            return redirect(url_for("office_hours.details", office_hour_id=session.id))
    return render_template(
        "office_hours/edit.html", form=form, office_hour=session, zone=reader_zone().key
    ), status


@bp.post("/office-hours/<int:office_hour_id>/cancel")
@login_required
def cancel(office_hour_id: int):
    if not ConfirmForm().validate_on_submit():
        raise Invalid("The form expired: reload the page and try again.")
    session = oh.get_office_hour(_me(), office_hour_id)
    oh.cancel(_me(), office_hour_id)
    flash(f"“{session.title}” is cancelled. Everyone it was for has been told.", "success")
    return redirect(url_for("office_hours.index"))


# One session -----------------------------------------------------------------------------------


@bp.get("/office-hours/<int:office_hour_id>/details")
@login_required
def details(office_hour_id: int):
    me = _me()
    session = oh.get_office_hour(me, office_hour_id)
    return render_template(
        "office_hours/details.html",
        office_hour=session,
        host=oh.is_host(me, session),
        has_room="office_hours.room" in current_app.view_functions,
    )


@bp.get("/office-hours/<int:office_hour_id>.ics")
@login_required
def ics(office_hour_id: int):
    session = oh.get_office_hour(_me(), office_hour_id)
    base = current_app.config["BASE_URL"].rstrip("/")
    body = ics_of(session, base, f"{base}{room_url(session)}")
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="office-hour-{session.id}.ics"'},
    )


def _archive_form(me: User, session: OfficeHour, **kwargs) -> ArchiveForm:
    form = ArchiveForm(**kwargs)
    form.module_id.choices = [(str(m.id), m.title) for m in modules.all_visible_modules(me)]
    if session.module_id is not None:
        form.module_id.data = form.module_id.data or session.module_id
    return form


def _transcript_page(office_hour_id: int, failed: tuple[int, ArchiveForm] | None = None):
    me = _me()
    kept = oh.transcript(me, office_hour_id)
    host = oh.is_host(me, kept.office_hour)
    forms = {}
    if host:
        for question in kept.questions:
            if question.thread_id is None:
                if failed and failed[0] == question.id:
                    forms[question.id] = failed[1]
                else:
                    forms[question.id] = _archive_form(
                        me, kept.office_hour, formdata=None, prefix=f"q{question.id}"
                    )
    return render_template(
        "office_hours/transcript.html",
        office_hour=kept.office_hour,
        messages=kept.messages,
        questions=kept.questions,
        host=host,
        archive_forms=forms,
    )


@bp.get("/office-hours/<int:office_hour_id>/transcript")
@login_required
def transcript(office_hour_id: int):
    return _transcript_page(office_hour_id)


@bp.post("/office-hours/<int:office_hour_id>/questions/<int:question_id>/archive")
@login_required
def archive(office_hour_id: int, question_id: int):
    me = _me()
    session = oh.get_office_hour(me, office_hour_id)
    form = _archive_form(me, session, prefix=f"q{question_id}")
    status = 400
    if form.validate_on_submit():
        try:
            thread = oh.archive_question(
                me,
                office_hour_id,
                question_id,
                answer=(form.answer.data or "").replace("\r\n", "\n"),
                module_id=form.module_id.data,
            )
        except (Invalid, Conflict) as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            flash("The question and its answer are in the archive now.", "success")
            return redirect(url_for("threads.view", thread_id=thread.id))
    return _transcript_page(office_hour_id, failed=(question_id, form)), status
