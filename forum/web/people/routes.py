from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from forum.services import profiles
from forum.web.common import page_number
from forum.web.people import bp


@bp.get("/users/<int:user_id>")
@login_required
def profile(user_id: int):
    """Where @mentions lead: who someone is, and what they have said where you can see it."""
    found = profiles.get_profile(current_user, user_id, page=page_number())
    return render_template("people/profile.html", person=found.user, posts=found.posts)
