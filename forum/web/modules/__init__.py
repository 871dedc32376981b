"""Modules pages."""

from flask import Blueprint

bp = Blueprint("modules", __name__)

from forum.web.modules import routes  # noqa: E402,F401
