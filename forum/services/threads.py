"""Threads: asking and discussing on a module, listing, accepting answers, moderating."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BindParameter, Select, and_, bindparam, func, select
from sqlalchemy.orm import joinedload

from forum import markdown
from forum.database import write_transaction
from forum.errors import Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.models import (
    THREAD_KINDS,
    VISIBILITIES,
    Cohort,
    ModerationEntry,
    Module,
    ModuleFollow,
    Post,
    ReadMark,
    Thread,
    ThreadFollow,
    User,
    Vote,
    utcnow,
)
from forum.services import accounts, limits, notifications, permissions, validation
from forum.services.modules import get_module
from forum.services.pagination import Page, paginate

SORTS = {
    "active": (Thread.last_activity_at.desc(), Thread.id.desc()),
    "recent": (Thread.created_at.desc(), Thread.id.desc()),
    "top": (Thread.score.desc(), Thread.last_activity_at.desc(), Thread.id.desc()),
}


# Loading, with visibility -----------------------------------------------------------------


def load_thread(actor: User | None, thread_id: int) -> Thread:
    """The thread if the actor may see it; NotFound otherwise (never a hint that it exists)."""
    return _seen(actor, db.session.scalar(_THREAD, {"thread_id": thread_id}))


def _seen(actor: User | None, thread: Thread | None) -> Thread:
    if thread is None or not permissions.can_see_thread(actor, thread):
        raise NotFound("No such thread.")
    return thread


# Statements of the thread page, built once (building costs more Python than running them).
# The cohort comes with the thread: pages show its name, and a lazy load would be a query more.
_THREAD = (
    select(Thread)
    .where(Thread.id == bindparam("thread_id"))
    .options(joinedload(Thread.module), joinedload(Thread.cohort))
)


def shown_author(actor: User | None, thread: Thread, item: Post | Thread) -> User | None:
    """Who wrote it, as this viewer may know: None for deleted posts and hidden anonymity."""
    if isinstance(item, Post) and item.deleted:
        return None
    if not permissions.can_see_author(actor, thread, item):
        return None
    return item.author


def log(
    actor: User, action: str, thread: Thread, post: Post | None = None, detail: str = ""
) -> None:
    db.session.add(
        ModerationEntry(
            actor_id=actor.id,
            action=action,
            thread_id=thread.id,
            post_id=post.id if post else None,
            module_id=thread.module_id,
            cohort_id=thread.cohort_id,
            detail=detail[:2000],
        )
    )


def follow(user: User, thread: Thread, *, explicit: bool = False) -> None:
    """Follow a thread. Automatic follows (on posting) respect an earlier explicit unfollow."""
    row = db.session.scalar(
        select(ThreadFollow).where(
            ThreadFollow.thread_id == thread.id, ThreadFollow.user_id == user.id
        )
    )
    if row is None:
        db.session.add(ThreadFollow(thread_id=thread.id, user_id=user.id, following=True))
    elif explicit:
        row.following = True


def mention_targets(text: str) -> dict[str, User]:
    return accounts.users_by_handles(markdown.find_mentions(text))


@dataclass
class Rendered:
    """A post body with its HTML and the people it mentions, made before the write lock."""

    body: str
    html: str
    mentioned: dict[str, User]


def render_body(body: str) -> Rendered:
    body = validation.markdown("body", body)
    mentioned = mention_targets(body)
    return Rendered(body, markdown.render(body, mentioned), mentioned)


# Creating ----------------------------------------------------------------------------------


def _cohort_and_visibility(
    actor: User, module: Module, cohort_id: int | None, visibility: str | None
) -> tuple[int | None, str]:
    # The module is one the actor sees (``get_module``). A cohort that does not exist and
    # one the actor may not post in answer alike: the answer tells nobody which ids exist.
    if cohort_id is not None and (
        db.session.get(Cohort, cohort_id) is None
        or not permissions.can_start_thread(actor, module, cohort_id)
    ):
        raise Invalid.field("cohort_id", "is not a cohort of yours")
    visibility = visibility or ("cohort" if cohort_id is not None else "everyone")
    validation.choice("visibility", visibility, VISIBILITIES)
    if visibility == "cohort" and cohort_id is None:
        raise Invalid.field("visibility", "a cohort-only thread needs a cohort_id")
    return cohort_id, visibility


def create_thread(
    actor: User,
    module_id: int,
    *,
    title: str,
    body: str,
    kind: str = "question",
    cohort_id: int | None = None,
    visibility: str | None = None,
    anonymous: bool = False,
) -> Thread:
    title = validation.text("title", title, max_len=validation.TITLE_MAX)
    kind = validation.choice("kind", kind, THREAD_KINDS)
    text = render_body(body)
    with write_transaction():
        module = get_module(actor, module_id)
        cohort_id, visibility = _cohort_and_visibility(actor, module, cohort_id, visibility)
        moderates = permissions.moderates_new_thread(actor, module, cohort_id)
        limits.check(actor, "threads", exempt=moderates)
        thread, opening = _insert_thread(
            actor, module, title, text, kind, cohort_id, visibility, anonymous
        )
        if kind == "question":
            owner = [module.owner] if module.owner else []
            watchers = notifications.module_followers(module.id)
            notifications.notify(
                [*owner, *watchers],
                "new_question",
                actor=actor,
                thread=thread,
                post=opening,
                anonymous=anonymous,
            )
    return thread


def start_prompt(actor: User, module_id: int, *, title: str, body: str) -> Thread:
    """A pinned discussion the module's owner starts, so the first visitor finds a conversation."""
    title = validation.text("title", title, max_len=validation.TITLE_MAX)
    text = render_body(body)
    with write_transaction():
        module = get_module(actor, module_id)
        if not permissions.can_start_prompt(actor, module):
            raise Forbidden("Only the module's owner and managers start discussion prompts.")
        thread, _ = _insert_thread(
            actor, module, title, text, "discussion", None, "everyone", False
        )
        thread.pinned = True
        thread.prompt = True
    return thread


def _insert_thread(
    actor: User,
    module: Module,
    title: str,
    text: Rendered,
    kind: str,
    cohort_id: int | None,
    visibility: str,
    anonymous: bool,
) -> tuple[Thread, Post]:
    now = utcnow()
    thread = Thread(
        module_id=module.id,
        cohort_id=cohort_id,
        visibility=visibility,
        kind=kind,
        title=title,
        author_id=actor.id,
        anonymous=bool(anonymous),
        created_at=now,
        last_activity_at=now,
    )
    db.session.add(thread)
    db.session.flush()
    post = Post(
        thread_id=thread.id,
        author_id=actor.id,
        anonymous=bool(anonymous),
        body=text.body,
        body_html=text.html,
        created_at=now,
    )
    db.session.add(post)
    db.session.flush()
    thread.module = module
    thread.last_post_id = post.id
    # Your own question is not news to you.
    db.session.add(ReadMark(thread_id=thread.id, user_id=actor.id, last_read_post_id=post.id))
    follow(actor, thread)
    notifications.notify(
        text.mentioned.values(),
        "mention",
        actor=actor,
        thread=thread,
        post=post,
        anonymous=anonymous,
    )
    return thread, post


# Reading -------------------------------------------------------------------------------------


@dataclass
class ThreadRow:
    """A thread in a list, as one viewer sees it."""

    thread: Thread
    author: User | None
    unread: bool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.thread, name)


def list_threads(
    actor: User,
    module_id: int,
    *,
    cohort_id: int | None = None,
    kind: str | None = None,
    unanswered: bool = False,
    mine: bool = False,
    sort: str = "active",
    page: int = 1,
    per_page: int = 20,
) -> Page[ThreadRow]:
    """Visible threads of a module, pinned first; a fixed number of queries per page."""
    module = get_module(actor, module_id)
    if sort not in SORTS:
        raise Invalid.field("sort", f"must be one of: {', '.join(SORTS)}")
    stmt = _thread_rows(actor).where(Thread.module_id == module.id)
    stmt = _filtered(actor, stmt, cohort_id=cohort_id, kind=kind, unanswered=unanswered, mine=mine)
    stmt = stmt.order_by(Thread.pinned.desc(), *SORTS[sort])
    return _rows(actor, paginate(stmt, page, per_page, scalars=False))


def _thread_rows(actor: User) -> Select[Thread, bool]:
    mark = (
        select(ReadMark.last_read_post_id)
        .where(ReadMark.thread_id == Thread.id, ReadMark.user_id == actor.id)
        .correlate(Thread)
        .scalar_subquery()
    )
    unread = Thread.last_post_id > func.coalesce(mark, 0)
    return (
        select(Thread, unread.label("unread"))
        .where(permissions.visible_threads_clause(actor))
        .options(joinedload(Thread.author), joinedload(Thread.module), joinedload(Thread.cohort))
    )


def _filtered(
    actor: User,
    stmt: Select[Thread, bool],
    *,
    cohort_id: int | None,
    kind: str | None,
    unanswered: bool,
    mine: bool,
) -> Select[Thread, bool]:
    if cohort_id is not None:
        stmt = stmt.where(Thread.cohort_id == cohort_id)
    if mine:
        stmt = stmt.where(Thread.cohort_id.in_(list(permissions.cohort_roles(actor))))
    if kind is not None:
        stmt = stmt.where(Thread.kind == validation.choice("kind", kind, THREAD_KINDS))
    if unanswered:
        stmt = stmt.where(Thread.kind == "question", Thread.accepted_post_id.is_(None))
    return stmt


def _rows(actor: User, result: Page[Any]) -> Page[ThreadRow]:
    result.items = [
        ThreadRow(t, shown_author(actor, t, t), bool(unread)) for t, unread in result.items
    ]
    return result


def threads_in_order(actor: User, thread_ids: list[int]) -> list[ThreadRow]:
    """These threads as list rows, in this order; those the actor may not see left out."""
    if not thread_ids:
        return []
    rows = db.session.execute(_thread_rows(actor).where(Thread.id.in_(thread_ids))).all()
    by_id = {t.id: ThreadRow(t, shown_author(actor, t, t), bool(unread)) for t, unread in rows}
    return [by_id[i] for i in thread_ids if i in by_id]


def whats_new(actor: User, page: int = 1, per_page: int = 20) -> Page[ThreadRow]:
    """Threads with posts the actor has not read, across everything they can see."""
    stmt = _thread_rows(actor).where(
        Thread.last_post_id
        > func.coalesce(
            select(ReadMark.last_read_post_id)
            .where(ReadMark.thread_id == Thread.id, ReadMark.user_id == actor.id)
            .correlate(Thread)
            .scalar_subquery(),
            0,
        )
    )
    stmt = stmt.order_by(Thread.last_activity_at.desc(), Thread.id.desc())
    return _rows(actor, paginate(stmt, page, per_page, scalars=False))


@dataclass
class PostView:
    post: Post
    author: User | None
    my_vote: int = 0
    children: list[PostView] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.post, name)


@dataclass
class ThreadView:
    thread: Thread
    author: User | None
    posts: list[PostView]  # the opening post, then replies oldest first
    first_unread_post_id: int | None
    following: bool
    # The reader's mark when the view was made (None: never opened the thread).
    last_read_post_id: int | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.thread, name)

    @property
    def opening(self) -> PostView:
        return self.posts[0]

    @property
    def replies(self) -> list[PostView]:
        return self.posts[1:]

    @property
    def accepted(self) -> PostView | None:
        return next((p for p in self.replies if p.id == self.thread.accepted_post_id), None)


def get_thread(actor: User, thread_id: int) -> ThreadView:
    """A thread with its posts, as this viewer sees it; a fixed number of queries.

    Few queries, not just a fixed number: each costs more Python than SQL (building,
    caching, loading; bench/thread_page.py --profile). So the authors and the reader's
    votes come with the posts (joined: cheaper than a select-in load of the authors), and
    the reader's read mark and follow state with the thread (read before the visibility
    check, used only after it)."""
    ids = {"thread_id": thread_id, "reader_id": actor.id}
    found = db.session.execute(_THREAD_FOR_READER, ids).one_or_none()
    row_thread, mark, follow_row, module_follow = found or (None, None, None, None)
    thread = _seen(actor, row_thread)
    rows = db.session.execute(_POSTS_WITH_MY_VOTES, ids).all()
    views = [PostView(p, shown_author(actor, thread, p), vote or 0) for p, vote in rows]
    first_unread = next((v.post.id for v in views if v.post.id > (mark or 0)), None)
    following = bool(follow_row) or (follow_row is None and bool(module_follow))
    return ThreadView(
        thread, shown_author(actor, thread, thread), views, first_unread, following, mark
    )


_READER: BindParameter[int] = bindparam("reader_id")
_POSTS_WITH_MY_VOTES = (
    select(Post, Vote.value)
    .outerjoin(Vote, and_(Vote.post_id == Post.id, Vote.user_id == _READER))
    .where(Post.thread_id == bindparam("thread_id"))
    .options(joinedload(Post.author))
    .order_by(Post.id)
)
_THREAD_FOR_READER = _THREAD.add_columns(
    select(ReadMark.last_read_post_id)
    .where(ReadMark.thread_id == Thread.id, ReadMark.user_id == _READER)
    .scalar_subquery(),
    select(ThreadFollow.following)
    .where(ThreadFollow.thread_id == Thread.id, ThreadFollow.user_id == _READER)
    .scalar_subquery(),
    select(ModuleFollow.id)
    .where(ModuleFollow.module_id == Thread.module_id, ModuleFollow.user_id == _READER)
    .exists(),
)


def follows_module(actor: User, module_id: int) -> bool:
    stmt = select(ModuleFollow.id).where(
        ModuleFollow.module_id == module_id, ModuleFollow.user_id == actor.id
    )
    return db.session.scalar(stmt) is not None


def read_own_post(actor: User, thread_id: int, previous_last_id: int, post_id: int) -> None:
    """Your own reply is not news to you: a reader who had read up to the thread's last post
    reads past their own reply too. Someone who had not keeps their earlier unread posts."""
    row = db.session.scalar(
        select(ReadMark).where(ReadMark.thread_id == thread_id, ReadMark.user_id == actor.id)
    )
    if row is not None and row.last_read_post_id >= previous_last_id:
        row.last_read_post_id = max(row.last_read_post_id, post_id)


def thread_titles(actor: User, thread_ids: Iterable[int | None]) -> dict[int, str]:
    """Titles of the threads among these that the actor may see, in one query (for logs)."""
    ids = {i for i in thread_ids if i}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Thread.id, Thread.title).where(
            Thread.id.in_(ids), permissions.visible_threads_clause(actor)
        )
    )
    return dict(rows.all())


def mark_read(actor: User, thread: Thread | ThreadView) -> bool:
    """Move the reader's mark to the thread's last post; writes only when it moves.

    Given the ``ThreadView`` that ``get_thread`` just made for this reader, the mark it
    read is used instead of asking again."""
    if isinstance(thread, ThreadView):
        current, thread = thread.last_read_post_id, thread.thread
    else:
        current = db.session.scalar(
            select(ReadMark.last_read_post_id).where(
                ReadMark.thread_id == thread.id, ReadMark.user_id == actor.id
            )
        )
    if current is not None and current >= thread.last_post_id:
        return False
    with write_transaction() as session:
        row = session.scalar(
            select(ReadMark).where(ReadMark.thread_id == thread.id, ReadMark.user_id == actor.id)
        )
        if row is None:
            session.add(
                ReadMark(
                    thread_id=thread.id, user_id=actor.id, last_read_post_id=thread.last_post_id
                )
            )
        elif row.last_read_post_id < thread.last_post_id:
            row.last_read_post_id = thread.last_post_id
    return True


# Accepting ----------------------------------------------------------------------------------


def accept(actor: User, thread_id: int, post_id: int) -> Thread:
    with write_transaction():
        thread = load_thread(actor, thread_id)
        if not permissions.can_accept(actor, thread):
            raise Forbidden("Only the asker and the thread's moderators accept an answer.")
        if thread.kind != "question":
            raise Invalid.field("post_id", "only question threads have an accepted answer")
        post = db.session.get(Post, post_id) if 0 < post_id < 2**31 else None
        first_id = db.session.scalar(select(func.min(Post.id)).where(Post.thread_id == thread.id))
        if post is None or post.thread_id != thread.id or post.id == first_id or post.deleted:
            raise Invalid.field("post_id", "must be a reply of this thread that is not deleted")
        if thread.accepted_post_id != post.id:
            thread.accepted_post_id = post.id
            if post.author is not None:
                anonymous = thread.anonymous and actor.id == thread.author_id
                notifications.notify(
                    [post.author],
                    "accepted",
                    actor=actor,
                    thread=thread,
                    post=post,
                    anonymous=anonymous,
                )
    return thread


def unaccept(actor: User, thread_id: int) -> Thread:
    with write_transaction():
        thread = load_thread(actor, thread_id)
        if not permissions.can_accept(actor, thread):
            raise Forbidden("Only the asker and the thread's moderators change the answer.")
        thread.accepted_post_id = None
    return thread


# Moderating ------------------------------------------------------------------------------------


def moderate(
    actor: User,
    thread_id: int,
    *,
    pinned: bool | None = None,
    locked: bool | None = None,
    title: str | None = None,
) -> Thread:
    """Pin, lock or retitle a thread; every change is written to the moderation log."""
    with write_transaction():
        thread = load_thread(actor, thread_id)
        if not permissions.is_moderator(actor, thread):
            raise Forbidden("Only the thread's moderators pin, lock or retitle it.")
        if pinned is not None and pinned != thread.pinned:
            thread.pinned = pinned
            log(actor, "pin" if pinned else "unpin", thread)
        if locked is not None and locked != thread.locked:
            thread.locked = locked
            log(actor, "lock" if locked else "unlock", thread)
        if title is not None:
            title = validation.text("title", title, max_len=validation.TITLE_MAX)
            if title != thread.title:
                log(actor, "retitle", thread, detail=f"{thread.title} -> {title}")
                thread.title = title
    return thread


def thread_counts(actor: User, module_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per module: (visible threads, visible unanswered questions), in one query."""
    if not module_ids:
        return {}
    unanswered = and_(Thread.kind == "question", Thread.accepted_post_id.is_(None))
    rows = db.session.execute(
        select(
            Thread.module_id,
            func.count(),
            func.sum(func.cast(unanswered, db.Integer)),
        )
        .where(Thread.module_id.in_(module_ids), permissions.visible_threads_clause(actor))
        .group_by(Thread.module_id)
    )
    return {mid: (n, int(u or 0)) for mid, n, u in rows}
