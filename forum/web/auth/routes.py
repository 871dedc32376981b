from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum.auth import check_credentials, request_reset, sign_in, sign_out
from forum.errors import Invalid, RateLimited, Unauthorized
from forum.services import accounts
from forum.web.auth import bp
from forum.web.auth.forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from forum.web.common import refused


def _safe_next(target: str | None) -> str:
    """Only local paths: never send someone off-site after signing in."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("modules.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = check_credentials(form.email.data, form.password.data)
        except (Unauthorized, RateLimited) as exc:
            form.password.errors.append(exc.message)
            status = refused(exc)
        else:
            sign_in(user)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            request_reset(form.email.data)
        except RateLimited as exc:
            form.email.errors.append(exc.message)
            status = refused(exc)
        else:
            return render_template("auth/forgot_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form), status


def _set_password_page(purpose: str, token: str, use, title: str, done_message: str):
    try:
        link = accounts.check_link(purpose, token)
    except Invalid as exc:
        return render_template("auth/link_problem.html", message=exc.message, title=title), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = use(token, form.password.data)
        except Invalid as exc:
            if exc.fields:
                form.password.errors.append(next(iter(exc.fields.values())))
            else:
                return render_template(
                    "auth/link_problem.html", message=exc.message, title=title
                ), 410
        else:
            sign_in(user)
            flash(done_message, "success")
            return redirect(url_for("modules.home"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "auth/set_password.html", form=form, title=title, person=link.user
    ), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    if len(token) > 200:
        abort(404)
    return _set_password_page(
        "invite",
        token,
        accounts.accept_invite,
        "Welcome! Choose your password",
        "Your password is set. Welcome aboard!",
    )


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if len(token) > 200:
        abort(404)
    return _set_password_page(
        "reset",
        token,
        accounts.reset_password,
        "Choose a new password",
        "Your password is changed, and every other session was signed out.",
    )
