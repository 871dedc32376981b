"""Discussion pages: threads, posts, what's new, notifications."""

from flask import Blueprint

bp = Blueprint("threads", __name__)

from forum.web.threads import routes  # noqa: E402,F401
