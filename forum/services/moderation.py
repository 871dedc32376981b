"""The moderators' side: the flag queue and the moderation log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from forum.database import write_transaction
from forum.errors import Forbidden, NotFound
from forum.extensions import db
from forum.models import Flag, ModerationEntry, Post, Thread, User, utcnow
from forum.services import permissions
from forum.services.pagination import Page, paginate
from forum.services.threads import log, shown_author


def list_log(
    actor: User,
    *,
    cohort_id: int | None = None,
    module_id: int | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page[ModerationEntry]:
    clause = permissions.moderation_log_clause(actor)
    if clause is None:
        raise Forbidden("The moderation log is for moderators.")
    stmt = select(ModerationEntry).where(clause).options(selectinload(ModerationEntry.actor))
    if cohort_id is not None:
        stmt = stmt.where(ModerationEntry.cohort_id == cohort_id)
    if module_id is not None:
        stmt = stmt.where(ModerationEntry.module_id == module_id)
    return paginate(stmt.order_by(ModerationEntry.id.desc()), page, per_page)


@dataclass
class FlagView:
    flag: Flag
    post: Post
    thread: Thread
    post_author: User | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.flag, name)


def flag_queue(actor: User, page: int = 1, per_page: int = 20) -> Page[FlagView]:
    """Open flags on posts in threads the actor moderates, oldest first."""
    stmt = (
        select(Flag)
        .join(Post, Post.id == Flag.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Flag.cleared_at.is_(None), permissions.moderated_threads_clause(actor))
        .where(permissions.visible_threads_clause(actor))
        .options(
            joinedload(Flag.user),
            joinedload(Flag.post).joinedload(Post.author),
            joinedload(Flag.post).joinedload(Post.thread).joinedload(Thread.module),
        )
        .order_by(Flag.id)
    )
    result = paginate(stmt, page, per_page)
    result.items = [
        FlagView(f, f.post, f.post.thread, shown_author(actor, f.post.thread, f.post))
        for f in result.items
    ]
    return result


def clear_flag(actor: User, flag_id: int) -> None:
    """Mark a flag handled (after deleting the post, or deciding it is fine)."""
    with write_transaction():
        row = db.session.get(Flag, flag_id) if 0 < flag_id < 2**31 else None
        if row is None or not permissions.can_see_thread(actor, row.post.thread):
            raise NotFound("No such flag.")
        thread = row.post.thread
        if not permissions.is_moderator(actor, thread):
            raise Forbidden("Only the thread's moderators clear flags.")
        if row.cleared_at is None:
            row.cleared_at = utcnow()
            row.cleared_by_id = actor.id
            log(actor, "clear_flag", thread, row.post, detail=row.reason)
