"""Admin pages."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from forum.web.admin import jobs, routes  # noqa: E402,F401
