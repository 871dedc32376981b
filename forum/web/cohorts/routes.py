from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.errors import Conflict, Invalid
from forum.services import cohorts, modules, permissions, timezones
from forum.web import format_day
from forum.web.cohorts import bp
from forum.web.cohorts.forms import CohortForm, MemberForm, ScheduleForm
from forum.web.common import page_number, refused, require, show_error


@bp.get("/cohorts")
@login_required
def index():
    page = cohorts.list_cohorts(current_user, page=page_number())
    return render_template("cohorts/index.html", cohorts=page)


@bp.route("/cohorts/new", methods=["GET", "POST"])
@login_required
def create():
    require(permissions.can_manage_cohorts(current_user), "Only managers and admins add cohorts.")
    form = CohortForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            row = cohorts.create_cohort(current_user, form.name.data, _text(form.description.data))
        except (Invalid, Conflict) as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            flash(f"Cohort “{row.cohort.name}” created. Add its members and due dates.", "success")
            return redirect(url_for("cohorts.view", cohort_id=row.cohort.id))
    return render_template("cohorts/edit.html", form=form, cohort=None), status


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@login_required
def edit(cohort_id: int):
    cohort = cohorts.get_cohort(current_user, cohort_id).cohort
    require(permissions.can_manage_cohorts(current_user), "Only managers and admins edit cohorts.")
    form = CohortForm(obj=cohort)
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            cohorts.update_cohort(
                current_user,
                cohort.id,
                name=form.name.data,
                description=_text(form.description.data),
            )
        except (Invalid, Conflict) as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            flash("Cohort details saved.", "success")
            return redirect(url_for("cohorts.view", cohort_id=cohort.id))
    return render_template("cohorts/edit.html", form=form, cohort=cohort), status


def _text(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n")


@bp.get("/cohorts/<int:cohort_id>")
@login_required
def view(cohort_id: int):
    return _cohort_page(cohort_id)


def _cohort_page(
    cohort_id: int,
    member_form: MemberForm | None = None,
    failed_schedule: tuple[int, ScheduleForm] | None = None,
    status: int = 200,
):
    """The cohort page; after a failed form, that form comes back with its errors."""
    detail = cohorts.get_cohort(current_user, cohort_id)
    context: dict = {"detail": detail, "manage": permissions.can_manage_cohorts(current_user)}
    if context["manage"]:
        member_form = member_form or MemberForm(formdata=None)
        member_form.user_id.choices = [
            (u.id, u.name) for u in cohorts.people_to_add(current_user, cohort_id)
        ]
        due = {e.module_id: e for e in detail.schedule}
        rows = []
        for module in modules.all_visible_modules(current_user):
            if failed_schedule and failed_schedule[0] == module.id:
                form = failed_schedule[1]
            else:
                entry = due.get(module.id)
                form = ScheduleForm(
                    formdata=None,
                    prefix=f"m{module.id}",
                    due_at=timezones.site_day(entry.due_at).isoformat() if entry else "",
                )
            rows.append((module, due.get(module.id), form))
        context.update(
            member_form=member_form, schedule_rows=rows, site_zone=timezones.site_zone().key
        )
    return render_template("cohorts/view.html", **context), status


@bp.post("/cohorts/<int:cohort_id>/members")
@login_required
def add_member(cohort_id: int):
    form = MemberForm()
    status = 400
    # (user_id is DataRequired: never None once the form is valid)
    if form.validate_on_submit() and form.user_id.data is not None:
        try:
            membership = cohorts.add_member(
                current_user, cohort_id, form.user_id.data, form.role.data
            )
        except (Invalid, Conflict) as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            flash(f"{membership.user.name} joined as {membership.role}.", "success")
            return redirect(url_for("cohorts.view", cohort_id=cohort_id, _anchor="members"))
    return _cohort_page(cohort_id, member_form=form, status=status)


@bp.post("/cohorts/<int:cohort_id>/members/<int:user_id>/remove")
@login_required
def remove_member(cohort_id: int, user_id: int):
    cohorts.remove_member(current_user, cohort_id, user_id)
    flash("Removed from the cohort.", "success")
    return redirect(url_for("cohorts.view", cohort_id=cohort_id, _anchor="members"))


@bp.post("/cohorts/<int:cohort_id>/schedule/<int:module_id>")
@login_required
def schedule(cohort_id: int, module_id: int):
    form = ScheduleForm(prefix=f"m{module_id}")
    back = redirect(url_for("cohorts.view", cohort_id=cohort_id, _anchor=f"due-{module_id}"))
    status = 400
    if form.validate_on_submit():
        if form.clear.data:
            cohorts.clear_due_date(current_user, cohort_id, module_id)
            flash("Due date cleared.", "success")
            return back
        try:
            entry = cohorts.set_due_date(current_user, cohort_id, module_id, _due(form.due_at.data))
        except (Invalid, Conflict) as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            flash(f"“{entry.module.title}” is due {format_day(entry.due_at)}.", "success")
            return back
    return _cohort_page(cohort_id, failed_schedule=(module_id, form), status=status)


def _due(value: str | None):
    """The date input's ``YYYY-MM-DD``: the end of that day in the site's zone (a full time
    is accepted too, by the API's rules)."""
    if value is None or not value.strip():
        raise Invalid.field("due_at", "pick a date first")
    try:
        return timezones.parse_page_due(value)
    except ValueError as exc:
        raise Invalid.field("due_at", "enter a date such as 2026-03-31") from exc
