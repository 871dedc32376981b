from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.auth import current_session_key
from forum.errors import Invalid
from forum.services import accounts
from forum.web.account import bp
from forum.web.account.forms import ChangePasswordForm, NewTokenForm
from forum.web.common import show_error


def _page(status: int = 200, *, password_form=None, token_form=None, new_token=None):
    me = current_user._get_current_object()
    return render_template(
        "account/settings.html",
        password_form=password_form or ChangePasswordForm(formdata=None),
        token_form=token_form or NewTokenForm(formdata=None),
        sessions=accounts.list_sessions(me, current_session_key()),
        tokens=accounts.list_tokens(me),
        new_token=new_token,
    ), status


@bp.get("/settings")
@login_required
def settings():
    return _page()


@bp.post("/settings/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user._get_current_object(),
                form.current_password.data,
                form.password.data,
                keep_session=current_session_key(),
            )
        except Invalid as exc:
            show_error(form, exc)
        else:
            flash(
                "Your password is changed; your other sessions and API tokens have ended.",
                "success",
            )
            return redirect(url_for("account.settings"))
    return _page(400, password_form=form)


@bp.post("/settings/sessions/end-others")
@login_required
def end_other_sessions():
    # CSRFProtect has checked the form's token before this view runs.
    ended = accounts.end_other_sessions(current_user, current_session_key())
    flash(f"Signed out {ended} other session{'s' if ended != 1 else ''}.", "success")
    return redirect(url_for("account.settings", _anchor="sessions"))


@bp.post("/settings/tokens")
@login_required
def create_token():
    form = NewTokenForm()
    if not form.validate_on_submit():
        return _page(400, token_form=form)
    new = accounts.issue_token(current_user._get_current_object(), form.label.data)
    # Shown once, on this answer only: it is never stored or shown again.
    return _page(201, new_token=new)


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    accounts.revoke_token_by_id(current_user, token_id)
    flash("The token is revoked: it no longer works.", "success")
    return redirect(url_for("account.settings", _anchor="tokens"))
