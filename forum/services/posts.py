"""Posts: replying, editing with kept revisions, deleting, voting, flagging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from forum.database import write_transaction
from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.models import Flag, Post, PostRevision, Thread, User, Vote, utcnow
from forum.services import limits, notifications, permissions, validation
from forum.services.pagination import Page, paginate
from forum.services.threads import follow, load_thread, log, read_own_post, render_body

REASON_MAX = 500


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def load_post(actor: User | None, post_id: int) -> tuple[Post, Thread]:
    """The post and its thread if the actor may see the thread; NotFound otherwise."""
    post = db.session.get(Post, post_id) if _is_id(post_id) else None
    if post is None:
        raise NotFound("No such post.")
    return post, load_thread(actor, post.thread_id)


def _opening_id(thread: Thread) -> int:
    # A thread always has its opening post, so the minimum is never NULL.
    return db.session.execute(
        select(func.min(Post.id)).where(Post.thread_id == thread.id)
    ).scalar_one()


def reply(
    actor: User,
    thread_id: int,
    *,
    body: str,
    parent_id: int | None = None,
    anonymous: bool = False,
) -> Post:
    text = render_body(body)  # reads and rendering happen before the write lock
    with write_transaction() as session:
        thread = load_thread(actor, thread_id)
        if thread.locked:
            raise Forbidden("This thread is locked: it takes no more replies.")
        if not permissions.can_reply(actor, thread):
            raise Forbidden("You cannot reply here.")
        if parent_id is not None:
            parent = session.get(Post, parent_id) if _is_id(parent_id) else None
            if parent is None or parent.thread_id != thread.id or parent.deleted:
                raise Invalid.field(
                    "parent_id", "must be a post of this thread that is not deleted"
                )
        limits.check(actor, "replies", exempt=permissions.is_moderator(actor, thread))
        now = utcnow()
        previous_last_id = thread.last_post_id
        post = Post(
            thread_id=thread.id,
            parent_id=parent_id,
            author_id=actor.id,
            anonymous=bool(anonymous),
            body=text.body,
            body_html=text.html,
            created_at=now,
        )
        session.add(post)
        session.flush()
        # Counters move in SQL, so concurrent replies on PostgreSQL never lose a count.
        session.execute(
            update(Thread)
            .where(Thread.id == thread.id)
            .values(reply_count=Thread.reply_count + 1, last_activity_at=now, last_post_id=post.id)
            .execution_options(synchronize_session=False)
        )
        session.refresh(thread)
        read_own_post(actor, thread.id, previous_last_id, post.id)
        follow(actor, thread)
        _notify_reply(actor, thread, post, text.mentioned)
    return post


def _notify_reply(actor: User, thread: Thread, post: Post, mentioned: dict[str, User]) -> None:
    told = notifications.notify(
        mentioned.values(),
        "mention",
        actor=actor,
        thread=thread,
        post=post,
        anonymous=post.anonymous,
    )
    already = {u.id for u in told}
    followers = [u for u in notifications.thread_followers(thread) if u.id not in already]
    notifications.notify(
        followers, "reply", actor=actor, thread=thread, post=post, anonymous=post.anonymous
    )


def edit(actor: User, post_id: int, *, body: str) -> Post:
    """Change a post's text; the earlier text is kept as a revision."""
    text = render_body(body)
    with write_transaction() as session:
        post, thread = load_post(actor, post_id)
        if post.deleted:
            raise Invalid("A deleted post cannot be edited.")
        if not permissions.can_edit_post(actor, thread, post):
            raise Forbidden("Only the author and the thread's moderators edit a post.")
        if text.body == post.body:
            return post
        session.add(
            PostRevision(
                post_id=post.id,
                body=post.body,
                edited_by_id=post.edited_by_id or post.author_id,
                created_at=post.edited_at or post.created_at,
            )
        )
        post.body = text.body
        post.body_html = text.html
        post.edited_at = utcnow()
        post.edited_by_id = actor.id
        if post.author_id != actor.id:
            log(actor, "edit_post", thread, post)
    return post


def remove(actor: User, post_id: int) -> None:
    """Delete a post: it stays in place as removed; its text and revisions are erased."""
    with write_transaction() as session:
        post, thread = load_post(actor, post_id)
        if not permissions.can_delete_post(actor, thread, post):
            raise Forbidden("Only the author and the thread's moderators delete a post.")
        if post.deleted:
            return
        post.deleted = True
        post.deleted_at = utcnow()
        post.deleted_by_id = actor.id
        post.body = ""
        post.body_html = ""
        session.execute(delete(PostRevision).where(PostRevision.post_id == post.id))
        if post.id != _opening_id(thread):
            session.execute(
                update(Thread)
                .where(Thread.id == thread.id)
                .values(reply_count=Thread.reply_count - 1)
                .execution_options(synchronize_session=False)
            )
        if thread.accepted_post_id == post.id:
            thread.accepted_post_id = None
        if post.author_id != actor.id:
            log(actor, "delete_post", thread, post)


@dataclass
class RevisionView:
    body: str
    edited_by: User | None
    created_at: datetime


def revisions(actor: User, post_id: int, page: int = 1, per_page: int = 20) -> Page[RevisionView]:
    """Earlier texts of a post, newest first (none once it is deleted)."""
    post, thread = load_post(actor, post_id)
    stmt = (
        select(PostRevision)
        .where(PostRevision.post_id == post.id)
        .options(selectinload(PostRevision.edited_by))
        .order_by(PostRevision.created_at.desc(), PostRevision.id.desc())
    )
    result = paginate(stmt, page, per_page)
    result.items = [
        RevisionView(r.body, _shown_editor(actor, thread, post, r.edited_by), r.created_at)
        for r in result.items
    ]
    return result


def _shown_editor(actor: User, thread: Thread, post: Post, editor: User | None) -> User | None:
    """An anonymous author stays anonymous in the history too."""
    if editor is not None and editor.id == post.author_id:
        return editor if permissions.can_see_author(actor, thread, post) else None
    return editor


def vote(actor: User, post_id: int, value: int) -> int:
    """Set the actor's vote (1 up, 0 none); voting twice counts once. Returns the score."""
    if value not in (0, 1) or isinstance(value, bool):
        raise Invalid.field("value", "must be 1 or 0")
    with write_transaction() as session:
        post, thread = load_post(actor, post_id)
        if post.deleted:
            raise Invalid("A deleted post cannot be voted on.")
        if not permissions.can_vote(actor, thread, post):
            raise Forbidden("You cannot vote on your own post.")
        limits.check(actor, "votes", exempt=permissions.is_moderator(actor, thread))
        row = session.scalar(select(Vote).where(Vote.post_id == post.id, Vote.user_id == actor.id))
        delta = value - (row.value if row else 0)
        if row is None:
            session.add(Vote(post_id=post.id, user_id=actor.id, value=value))
        else:
            row.value = value
        if delta:
            _add_score(post, thread, delta)
        try:
            session.flush()
        except IntegrityError as exc:  # the same person voting twice at the same instant
            raise Conflict("Your vote was already being counted; try again.") from exc
        session.refresh(post)
    return post.score


def _add_score(post: Post, thread: Thread, delta: int) -> None:
    db.session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values(score=Post.score + delta)
        .execution_options(synchronize_session=False)
    )
    if post.id == _opening_id(thread):
        db.session.execute(
            update(Thread)
            .where(Thread.id == thread.id)
            .values(score=Thread.score + delta)
            .execution_options(synchronize_session=False)
        )


def flag(actor: User, post_id: int, reason: str) -> Flag:
    """Report a post to the thread's moderators; once per person per post.

    Moderators are told of the first flag on a post only: later ones join it in the flag
    queue, so twenty people flagging one post (or one person with twenty accounts) do not
    send each moderator twenty notifications."""
    reason = validation.text("reason", reason, max_len=REASON_MAX)
    with write_transaction() as session:
        post, thread = load_post(actor, post_id)
        if post.deleted:
            raise Invalid("This post is already removed.")
        exists = session.scalar(
            select(Flag.id).where(Flag.post_id == post.id, Flag.user_id == actor.id)
        )
        if exists:
            raise Conflict("You have already flagged this post.")
        limits.check(actor, "flags", exempt=permissions.is_moderator(actor, thread))
        first = session.scalar(select(Flag.id).where(Flag.post_id == post.id).limit(1)) is None
        row = Flag(post_id=post.id, user_id=actor.id, reason=reason)
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict("You have already flagged this post.") from exc
        if first:
            notifications.notify(_moderators(thread), "flag", actor=actor, thread=thread, post=post)
    return row


def _moderators(thread: Thread) -> list[User]:
    """Everyone who moderates the thread: managers, admins, the owner, its cohort's facilitators."""
    from forum.models import Membership

    facilitators = select(Membership.user_id).where(
        Membership.cohort_id == thread.cohort_id, Membership.role == "facilitator"
    )
    stmt = select(User).where(
        User.active.is_(True),
        (User.role.in_(("admin", "manager")))
        | (User.id == thread.module.owner_id)
        | (User.id.in_(facilitators)),
    )
    return list(db.session.scalars(stmt))
