"""Office-hour pages: the schedule, scheduling forms, a session's page, its transcript and
its calendar file (sessions.py); the live room and its forms, which work without JavaScript
(routes.py)."""

from flask import Blueprint

bp = Blueprint("office_hours", __name__)

from forum.web.office_hours import routes, sessions  # noqa: E402,F401
