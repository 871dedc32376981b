"""The search page: the answer archive, before anyone asks again."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from forum.web.search import routes  # noqa: E402,F401
