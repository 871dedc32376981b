"""In-app notifications: who is told what, and reading them.

A notification names a kind, the thread/post/module it is about and the actor. Whether the
actor is shown is decided when it is read (anonymous posts hide their author from peers).
Those who chose e-mail at once get each one from the outbox (``forum.services.digests``);
rows with ``emailed_at`` still empty go into the next daily digest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import selectinload

from forum.background import enqueue
from forum.database import rowcount, write_transaction
from forum.errors import Invalid, NotFound
from forum.extensions import db
from forum.models import (
    REMINDER_KINDS,
    Membership,
    ModuleFollow,
    Notification,
    Post,
    Thread,
    ThreadFollow,
    User,
    utcnow,
)
from forum.services import permissions
from forum.services.pagination import Page, paginate

KINDS = (
    "reply",
    "mention",
    "accepted",
    "new_question",
    "flag",
    "office_hour_soon",
    "office_hour_live",
    "office_hour_changed",
    "due_soon",
    "overdue",
)
# Reminders (REMINDER_KINDS) are mailed by send-reminders under their own setting
# (reminder_email), never one by one or in the digest.
MAIL_JOB = "notification_mail"


def _cohort_member_ids(thread: Thread) -> set[int]:
    if thread.cohort_id is None:
        return set()
    stmt = select(Membership.user_id).where(Membership.cohort_id == thread.cohort_id)
    return set(db.session.scalars(stmt))


def notify(
    recipients: Iterable[User],
    kind: str,
    *,
    actor: User | None,
    thread: Thread | None = None,
    post: Post | None = None,
    module_id: int | None = None,
    office_hour_id: int | None = None,
    anonymous: bool = False,
) -> list[User]:
    """Record one notification per recipient who may see the thread (never the actor).

    ``anonymous``: the actor acted anonymously, so peers will not be shown who it was.
    """
    people = {u.id: u for u in recipients if actor is None or u.id != actor.id}
    if thread is not None:
        allowed = permissions.who_can_see(list(people.values()), thread, _cohort_member_ids(thread))
    else:
        allowed = [u for u in people.values() if u.active]
    rows = [
        Notification(
            user_id=user.id,
            kind=kind,
            thread_id=thread.id if thread else None,
            post_id=post.id if post else None,
            module_id=module_id or (thread.module_id if thread else None),
            office_hour_id=office_hour_id,
            actor_id=actor.id if actor else None,
            actor_anonymous=anonymous,
        )
        for user in allowed
    ]
    db.session.add_all(rows)
    if kind not in REMINDER_KINDS:
        _queue_immediate_mail([n for n, u in zip(rows, allowed, strict=True) if _mail_now(u)])
    return allowed


def _mail_now(user: User) -> bool:
    return user.notify_email == "immediate" and permissions.can_be_mailed(user)


def _queue_immediate_mail(rows: list[Notification]) -> None:
    """Those who want e-mail at once get it from the outbox, after commit, never inside the
    request that caused it."""
    if not rows:
        return
    db.session.flush()
    for n in rows:
        enqueue(MAIL_JOB, {"id": n.id})


def thread_followers(thread: Thread) -> list[User]:
    """Followers of the thread, and of its module unless they unfollowed the thread."""
    unfollowed = select(ThreadFollow.user_id).where(
        ThreadFollow.thread_id == thread.id, ThreadFollow.following.is_(False)
    )
    follows_thread = select(ThreadFollow.user_id).where(
        ThreadFollow.thread_id == thread.id, ThreadFollow.following.is_(True)
    )
    follows_module = select(ModuleFollow.user_id).where(ModuleFollow.module_id == thread.module_id)
    stmt = select(User).where(
        or_(User.id.in_(follows_thread), User.id.in_(follows_module)),
        User.id.not_in(unfollowed),
    )
    return list(db.session.scalars(stmt))


def module_followers(module_id: int) -> list[User]:
    stmt = select(User).join(ModuleFollow, ModuleFollow.user_id == User.id)
    return list(db.session.scalars(stmt.where(ModuleFollow.module_id == module_id)))


# Reading -----------------------------------------------------------------------------------


@dataclass
class NotificationView:
    notification: Notification
    actor: User | None  # None when hidden (anonymous) or a system notification

    def __getattr__(self, name: str) -> Any:
        return getattr(self.notification, name)

    @property
    def read(self) -> bool:
        return self.notification.read_at is not None


def _visible(actor: User | None, viewer: permissions.Viewer = None) -> Select[Notification]:
    """The actor's notifications about things they can still see (``viewer``: see
    ``permissions.per_shape``; the actor is None only with a viewer)."""
    if viewer is None:
        assert actor is not None, "an actor, or a viewer"
        me: ColumnElement[int] | int = actor.id
    else:
        me = viewer
    return (
        select(Notification)
        .outerjoin(Thread, Thread.id == Notification.thread_id)
        .where(
            Notification.user_id == me,
            or_(
                Notification.thread_id.is_(None), permissions.visible_threads_clause(actor, viewer)
            ),
        )
    )


def list_notifications(
    actor: User, unread: bool = False, page: int = 1, per_page: int = 20
) -> Page[NotificationView]:
    stmt = _visible(actor).options(
        selectinload(Notification.actor),
        selectinload(Notification.thread).selectinload(Thread.module),
        selectinload(Notification.module),
    )
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    result = paginate(stmt.order_by(Notification.id.desc()), page, per_page)
    result.items = [NotificationView(n, _shown_actor(actor, n)) for n in result.items]
    return result


def _shown_actor(viewer: User, n: Notification) -> User | None:
    """The actor, unless they acted anonymously and the viewer may not know who they are."""
    if n.actor is None or not n.actor_anonymous:
        return n.actor
    if permissions.is_admin(viewer) or (
        n.thread is not None and permissions.is_moderator(viewer, n.thread)
    ):
        return n.actor
    return None


def get_notification(actor: User, notification_id: int) -> NotificationView:
    """One of the actor's notifications, as it is (NotFound otherwise); reading writes nothing."""
    found = None
    if 0 < notification_id < 2**31:
        stmt = _visible(actor).where(Notification.id == notification_id)
        found = db.session.scalar(stmt.options(selectinload(Notification.actor)))
    if found is None:
        raise NotFound("No such notification.")
    return NotificationView(found, _shown_actor(actor, found))


def open_notification(actor: User, notification_id: int) -> NotificationView:
    """The actor opens one of their notifications: it is marked read (a POST, never a GET)."""
    view = get_notification(actor, notification_id)
    if view.notification.read_at is None:
        mark_read(actor, [view.notification.id])
    return view


def unread_count(actor: User) -> int:
    """The header's count, on every page: its statement is built once per visibility shape."""
    return db.session.scalar(_unread_count(actor), {"viewer_id": actor.id}) or 0


@permissions.per_shape
def _unread_count(actor: User | None, viewer: ColumnElement[int]) -> Select[int]:
    unread = _visible(actor, viewer).where(Notification.read_at.is_(None))
    return select(func.count()).select_from(unread.subquery())


def mark_read(actor: User, ids: list[int] | None = None, everything: bool = False) -> int:
    stmt = update(Notification).where(
        Notification.user_id == actor.id, Notification.read_at.is_(None)
    )
    if not everything:
        if not ids:
            raise Invalid.field("ids", "give the ids to mark read, or all: true")
        stmt = stmt.where(Notification.id.in_(ids[:1000]))
    with write_transaction() as session:
        return rowcount(session.execute(stmt.values(read_at=utcnow())))


# Mail ----------------------------------------------------------------------------------------


def _unmailed(actor: User) -> Select[Notification]:
    return _visible(actor).where(
        Notification.read_at.is_(None),
        Notification.emailed_at.is_(None),
        Notification.kind.not_in(REMINDER_KINDS),
    )


def unmailed(actor: User, limit: int) -> tuple[list[NotificationView], list[int]]:
    """The actor's unread notifications not yet e-mailed (reminders aside), newest first: up
    to ``limit`` to show, and the ids of them all."""
    ids = list(db.session.scalars(_unmailed(actor).with_only_columns(Notification.id)))
    ids.sort(reverse=True)
    stmt = (
        select(Notification)
        .where(Notification.id.in_(ids[:limit]))
        .options(
            selectinload(Notification.actor),
            selectinload(Notification.thread).selectinload(Thread.module),
            selectinload(Notification.post),
        )
        .order_by(Notification.id.desc())
    )
    shown = [NotificationView(n, _shown_actor(actor, n)) for n in db.session.scalars(stmt)]
    return shown, ids


def mark_mailed(ids: list[int], when: datetime | None = None) -> None:
    """Record that these notifications went out by e-mail (a digest lists each once)."""
    if not ids:
        return
    with write_transaction() as session:
        for start in range(0, len(ids), 500):
            session.execute(
                update(Notification)
                .where(Notification.id.in_(ids[start : start + 500]))
                .values(emailed_at=when or utcnow())
            )
