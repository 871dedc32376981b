"""Cohorts pages."""

from flask import Blueprint

bp = Blueprint("cohorts", __name__)

from forum.web.cohorts import routes  # noqa: E402,F401
