from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.auth import current_session_key
from forum.errors import ForumError, Invalid
from forum.extensions import csrf
from forum.services import accounts, unsubscribe
from forum.web.account import bp
from forum.web.account.forms import ChangePasswordForm, EmailSettingsForm, NewTokenForm
from forum.web.common import show_error


def _page(
    status: int = 200, *, password_form=None, token_form=None, email_form=None, new_token=None
):
    me = current_user._get_current_object()
    return render_template(
        "account/settings.html",
        password_form=password_form or ChangePasswordForm(formdata=None),
        token_form=token_form or NewTokenForm(formdata=None),
        email_form=email_form
        or EmailSettingsForm(
            formdata=None, notify_email=me.notify_email, reminder_email=me.reminder_email
        ),
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


@bp.post("/settings/email")
@login_required
def email_settings():
    form = EmailSettingsForm()
    if not form.validate_on_submit():
        return _page(400, email_form=form)
    accounts.update_settings(
        current_user._get_current_object(),
        notify_email=form.notify_email.data,
        reminder_email=form.reminder_email.data,
    )
    flash("Your e-mail settings are saved.", "success")
    return redirect(url_for("account.settings", _anchor="email"))


# Unsubscribe links work without signing in: the signed token says who and what. Opening one
# only asks (mail scanners open links); the button, or a mail client's one-click POST
# (RFC 8058, which carries no CSRF token: the token in the address is the proof), acts.


@bp.get("/unsubscribe/<token>")
def unsubscribe_page(token: str):
    try:
        found = unsubscribe.read_token(token)
    except ForumError as exc:
        return _unsubscribe_problem(exc)
    return render_template("account/unsubscribe.html", found=found, token=token, done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token: str):
    try:
        found = unsubscribe.unsubscribe(token)
    except ForumError as exc:
        return _unsubscribe_problem(exc)
    return render_template("account/unsubscribe.html", found=found, token=token, done=True)


def _unsubscribe_problem(exc: ForumError):
    return render_template("account/unsubscribe_problem.html", message=exc.message), exc.status
