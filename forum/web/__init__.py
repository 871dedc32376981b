"""The HTML side: one blueprint package per area."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from forum.extensions import db
from forum.models import utcnow
from forum.services import notifications, permissions, timezones


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def reader_zone() -> ZoneInfo:
    """The signed-in reader's zone, else the site's: every page shows times in it."""
    me = current_user._get_current_object() if current_user.is_authenticated else None
    return timezones.zone_of(me)


def format_day(value: datetime | None) -> str:
    """``Fri 6 Mar 2026`` in the reader's zone: due dates are days for people."""
    if value is None:
        return ""
    v = timezones.local(value, reader_zone())
    return f"{v:%a} {v.day} {v:%b %Y}"


def format_when(value: datetime | None) -> str:
    """``6 Mar 2026, 14:05 CET``: stored in UTC, shown in the reader's zone, named."""
    if value is None:
        return ""
    v = timezones.local(value, reader_zone())
    return f"{v.day} {v:%b %Y, %H:%M} {v:%Z}"


def relative_day(value: datetime | None, now: datetime | None = None) -> str:
    """``today``, ``tomorrow``, ``in 3 days``, ``2 days ago``, counted in the reader's days."""
    if value is None:
        return ""
    where = reader_zone()
    then = timezones.local(value, where).date()
    days = (then - timezones.local(now or utcnow(), where).date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    return f"in {days} days" if days > 0 else f"{-days} days ago"


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """``just now``, ``5 min ago``, ``3 h ago``, ``2 days ago``; older than a month: the date."""
    if value is None:
        return ""
    seconds = (_utc(now or utcnow()) - _utc(value)).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    days = int(seconds // 86400)
    if days < 31:
        return "yesterday" if days == 1 else f"{days} days ago"
    return format_day(value)


def is_past(value: datetime | None) -> bool:
    return value is not None and _utc(value) < utcnow()


def register_web(app: Flask) -> None:
    from forum.web import names
    from forum.web.account import bp as account_bp
    from forum.web.admin import bp as admin_bp
    from forum.web.auth import bp as auth_bp
    from forum.web.cohorts import bp as cohorts_bp
    from forum.web.common import add_refusal_headers
    from forum.web.faq import bp as faq_bp
    from forum.web.moderation import bp as moderation_bp
    from forum.web.modules import bp as modules_bp
    from forum.web.office_hours import bp as office_hours_bp
    from forum.web.people import bp as people_bp
    from forum.web.progress import bp as progress_bp
    from forum.web.search import bp as search_bp
    from forum.web.threads import bp as threads_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(modules_bp)
    app.register_blueprint(threads_bp)
    app.register_blueprint(cohorts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(faq_bp)
    app.register_blueprint(office_hours_bp)
    app.register_blueprint(progress_bp)

    # A page shown again after a refusal answers with the refusal's headers (Retry-After).
    app.after_request(add_refusal_headers)

    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_when, "when")
    app.add_template_filter(relative_day, "relative_day")
    app.add_template_filter(ago, "ago")
    app.add_template_test(is_past, "past")
    app.add_template_filter(names.person, "person")
    app.add_template_global(names.handle_beside, "handle_beside")

    @app.context_processor
    def inject_permissions() -> dict:
        # Templates ask the same predicates the services use, never their own rules.
        # The user itself, not the proxy: templates read it hundreds of times on a long thread.
        me = current_user._get_current_object() if current_user.is_authenticated else None
        return {"can": permissions, "me": me}

    @app.context_processor
    def inject_unread_count() -> dict:
        # One small query per page, for the header's notifications link.
        if not current_user.is_authenticated:
            return {"unread_count": 0}
        try:
            me = current_user._get_current_object()  # the user, not the proxy
            return {"unread_count": notifications.unread_count(me)}
        except SQLAlchemyError:
            # Rendering the error page of a failing database must not fail in turn.
            db.session.rollback()
            return {"unread_count": 0}
