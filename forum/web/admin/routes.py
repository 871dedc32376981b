"""People: the list, invitations, deactivation and roles (managers and admins)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.errors import Conflict, Invalid
from forum.models import User
from forum.services import accounts, permissions
from forum.web.admin import bp
from forum.web.admin.forms import ActiveForm, InviteForm, RoleForm
from forum.web.common import page_number, refused, require, show_error

PER_PAGE = 50
# Most invitations are for members, so that is the first (default) choice.
ROLE_ORDER = ("member", "manager", "admin")


def _gate() -> None:
    require(permissions.can_list_users(current_user), "Only managers and admins manage people.")


def _invite_form(formdata: bool = True) -> InviteForm:
    form = InviteForm() if formdata else InviteForm(formdata=None)
    form.role.choices = [
        (r, r.capitalize()) for r in ROLE_ORDER if permissions.can_create_user(current_user, r)
    ]
    return form


def _people_page(
    form: InviteForm,
    page: int,
    status: int = 200,
    invited: User | None = None,
    invite_url: str | None = None,
    error: str | None = None,
):
    people = accounts.list_users(current_user, page=page, per_page=PER_PAGE)
    return render_template(
        "admin/people.html",
        form=form,
        people=people,
        roles=ROLE_ORDER,
        invited=invited,
        invite_url=invite_url,
        error=error,
    ), status


def _back(page: int):
    return redirect(url_for("admin.people", page=page))


@bp.get("/people")
@login_required
def people():
    _gate()
    return _people_page(_invite_form(formdata=False), page_number())


@bp.post("/people")
@login_required
def invite():
    _gate()
    page = page_number()  # a bad one is refused before anything changes
    form = _invite_form()
    status = 400
    if form.validate_on_submit():
        try:
            new = accounts.create_user(
                current_user, email=form.email.data, name=form.name.data, role=form.role.data
            )
        except (Invalid, Conflict) as exc:
            show_error(form, exc)
            status = refused(exc)
        else:
            # Shown once, here: only its hash is stored. The e-mail carries it as well.
            return _people_page(_invite_form(formdata=False), page, 200, new.user, new.invite_url)
    return _people_page(form, page, status)


@bp.post("/people/<int:user_id>/invite")
@login_required
def reinvite(user_id: int):
    _gate()
    page = page_number()
    try:
        url = accounts.reinvite(current_user, user_id)
    except (Invalid, Conflict) as exc:
        return _people_page(_invite_form(formdata=False), page, refused(exc), error=exc.message)
    return _people_page(_invite_form(formdata=False), page, 200, accounts.get_user(user_id), url)


@bp.post("/people/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    _gate()
    page = page_number()
    form = ActiveForm()
    if not form.validate_on_submit():
        raise Invalid.field("active", "must be yes or no")
    try:
        user = accounts.update_user(current_user, user_id, active=form.active.data == "yes")
    except (Invalid, Conflict) as exc:
        return _people_page(_invite_form(formdata=False), page, refused(exc), error=exc.message)
    if user.active:
        flash(f"{user.name} can sign in again.", "success")
    else:
        flash(f"{user.name} is deactivated and signed out everywhere.", "success")
    return _back(page)


@bp.post("/people/<int:user_id>/role")
@login_required
def set_role(user_id: int):
    _gate()
    page = page_number()
    form = RoleForm()
    form.role.choices = [(r, r.capitalize()) for r in ROLE_ORDER]
    if not form.validate_on_submit():
        raise Invalid.field("role", f"must be one of: {', '.join(ROLE_ORDER)}")
    try:
        user = accounts.update_user(current_user, user_id, role=form.role.data)
    except (Invalid, Conflict) as exc:
        return _people_page(_invite_form(formdata=False), page, refused(exc), error=exc.message)
    flash(f"{user.name} is now {'an' if user.role == 'admin' else 'a'} {user.role}.", "success")
    return _back(page)
