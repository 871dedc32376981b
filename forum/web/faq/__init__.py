"""FAQ pages: promoting an accepted answer, editing, folding into the lesson, removing."""

from flask import Blueprint

bp = Blueprint("faq", __name__)

from forum.web.faq import routes  # noqa: E402,F401
