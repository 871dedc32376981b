"""People's profile pages (where @mentions link)."""

from flask import Blueprint

bp = Blueprint("people", __name__)

from forum.web.people import routes  # noqa: E402,F401
