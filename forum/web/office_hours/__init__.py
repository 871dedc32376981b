"""Office-hour pages: the schedule, scheduling forms, a session's page, its transcript and
its calendar file."""

from flask import Blueprint

bp = Blueprint("office_hours", __name__)

from forum.web.office_hours import sessions  # noqa: E402,F401
