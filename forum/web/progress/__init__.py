"""Progress pages: marking a module, its knowledge check, writing the check, and the cohort
dashboard."""

from flask import Blueprint

bp = Blueprint("progress", __name__)

from forum.web.progress import routes  # noqa: E402,F401
