"""The HTML side: one blueprint package per area."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask_login import current_user

from forum.models import utcnow
from forum.services import permissions


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def format_day(value: datetime | None) -> str:
    """``Fri 6 Mar 2026``: due dates are days for people, whatever the stored time."""
    if value is None:
        return ""
    v = _utc(value)
    return f"{v:%a} {v.day} {v:%b %Y}"


def format_when(value: datetime | None) -> str:
    """``6 Mar 2026, 14:05 UTC``: all times are stored and shown in UTC."""
    if value is None:
        return ""
    v = _utc(value)
    return f"{v.day} {v:%b %Y, %H:%M} UTC"


def relative_day(value: datetime | None, now: datetime | None = None) -> str:
    """``today``, ``tomorrow``, ``in 3 days``, ``2 days ago``, counted in whole UTC days."""
    if value is None:
        return ""
    days = (_utc(value).date() - _utc(now or utcnow()).date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def is_past(value: datetime | None) -> bool:
    return value is not None and _utc(value) < utcnow()


def register_web(app: Flask) -> None:
    from forum.web.admin import bp as admin_bp
    from forum.web.auth import bp as auth_bp
    from forum.web.cohorts import bp as cohorts_bp
    from forum.web.modules import bp as modules_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(modules_bp)
    app.register_blueprint(cohorts_bp)
    app.register_blueprint(admin_bp)

    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_when, "when")
    app.add_template_filter(relative_day, "relative_day")
    app.add_template_test(is_past, "past")

    @app.context_processor
    def inject_permissions() -> dict:
        # Templates ask the same predicates the services use, never their own rules.
        return {"can": permissions, "me": current_user if current_user.is_authenticated else None}

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
