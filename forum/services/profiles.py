"""People's profile pages: who someone is and what they have said where the viewer can see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum.errors import NotFound
from forum.extensions import db
from forum.models import Post, Thread, User
from forum.services import permissions
from forum.services.pagination import Page, paginate


@dataclass
class Profile:
    user: User
    posts: Page[Post]  # each with .thread and .thread.module loaded


def get_profile(actor: User, user_id: int, page: int = 1, per_page: int = 20) -> Profile:
    """A person and their recent signed posts, newest first, in threads the actor may see.

    Anonymous posts never appear, not even to moderators: a profile must not undo anonymity.
    """
    user = db.session.get(User, user_id) if 0 < user_id < 2**31 else None
    if user is None or not permissions.can_see_profile(actor, user):
        raise NotFound("No such person.")
    stmt = (
        select(Post)
        .join(Thread, Thread.id == Post.thread_id)
        .where(
            Post.author_id == user.id,
            Post.anonymous.is_(False),
            Post.deleted.is_(False),
            permissions.visible_threads_clause(actor),
        )
        .options(joinedload(Post.thread).joinedload(Thread.module))
        .order_by(Post.id.desc())
    )
    return Profile(user, paginate(stmt, page, per_page))
