"""The signed-in person's own settings: password, sessions, API tokens."""

from flask import Blueprint

bp = Blueprint("account", __name__)

from forum.web.account import routes  # noqa: E402,F401
