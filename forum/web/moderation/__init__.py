"""Moderators' pages: the flag queue and the moderation log."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from forum.web.moderation import routes  # noqa: E402,F401
