"""From the database to search documents: what each searchable object contributes.

The database is the source of truth: a document is always made from the current rows,
so applying the same reference twice, or late, or out of order, gives the same index.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import nh3
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from forum.extensions import db
from forum.models import (
    FaqEntry,
    Module,
    OfficeHour,
    OfficeHourMessage,
    OfficeHourQuestion,
    Post,
    Thread,
)
from forum.search.base import Document, plain_text

_TAG = re.compile(r"<")


def text_of(body_html: str) -> str:
    """The words of stored HTML: tags gone (each one a space, so words never merge)."""
    stripped = nh3.clean(_TAG.sub(" <", body_html or ""), tags=set())
    return plain_text(" ".join(html.unescape(stripped).split()))


@dataclass
class Refs:
    """What changed, by id: the objects whose documents must be made again."""

    threads: set[int] = field(default_factory=set)  # the thread's own document
    thread_posts: set[int] = field(default_factory=set)  # every reply of these threads too
    posts: set[int] = field(default_factory=set)
    modules: set[int] = field(default_factory=set)
    faqs: set[int] = field(default_factory=set)
    transcripts: set[int] = field(default_factory=set)  # office hours, by id

    def add(self, kind: str, obj_id: int) -> None:
        {
            "thread": self.threads,
            "thread_posts": self.thread_posts,
            "post": self.posts,
            "module": self.modules,
            "faq": self.faqs,
            "transcript": self.transcripts,
        }[kind].add(obj_id)

    def __bool__(self) -> bool:
        return any(
            (self.threads, self.thread_posts, self.posts, self.modules, self.faqs, self.transcripts)
        )


def _published(
    type_: str, obj_id: int, module_id: int, created_at: datetime, title: str, body: str
) -> Document:
    """A lesson or FAQ entry: no author, no cohort, seen by all who see its module."""
    return Document(
        type=type_,
        id=obj_id,
        module_id=module_id,
        thread_id=None,
        cohort_id=None,
        visibility="everyone",
        kind="",
        answered=False,
        author_id=None,
        created_at=created_at,
        title=title,
        body=body,
        label=title,
    )


def module_document(module: Module) -> Document:
    body = plain_text(f"{module.summary}\n{text_of(module.body_html)}")
    return _published("module", module.id, module.id, module.created_at, module.title, body)


def faq_document(entry: FaqEntry) -> Document:
    """Published with its module (whatever the thread it came from)."""
    return _published(
        "faq", entry.id, entry.module_id, entry.created_at, entry.question,
        text_of(entry.answer_html),
    )  # fmt: skip


# A session without a module is for everyone signed in: its transcript stands in module 0,
# which every signed-in reader's scope holds (permissions.search_scope).
NO_MODULE = 0


def transcript_document(
    office_hour: OfficeHour,
    messages: list[OfficeHourMessage],
    questions: list[OfficeHourQuestion],
) -> Document:
    """An ended session: what was said (deleted messages left out) and asked, found by
    those who could join it."""
    said = [text_of(m.body_html) for m in messages if not m.deleted]
    asked = [q.question for q in questions]
    return Document(
        type="transcript",
        id=office_hour.id,
        module_id=office_hour.module_id or NO_MODULE,
        thread_id=None,
        cohort_id=office_hour.cohort_id,
        visibility="everyone" if office_hour.cohort_id is None else "cohort",
        kind="",
        answered=False,
        author_id=None,
        created_at=office_hour.starts_at,
        title=office_hour.title,
        body=plain_text("\n".join([*asked, *said])),
        label=office_hour.title,
    )


def _transcript_documents(ids: set[int]) -> tuple[list[Document], list[str]]:
    """Ended sessions are indexed; scheduled, live and cancelled ones are not (any more)."""
    sessions = db.session.scalars(
        select(OfficeHour).where(
            OfficeHour.id.in_(sorted(ids)),
            OfficeHour.status == "ended",
            OfficeHour.cancelled_at.is_(None),
        )
    )
    ended = {o.id: o for o in sessions}
    said = _per_session(OfficeHourMessage, set(ended))
    asked = _per_session(OfficeHourQuestion, set(ended))
    upserts = [transcript_document(o, said[o.id], asked[o.id]) for o in ended.values()]
    return upserts, [f"transcript:{i}" for i in ids - set(ended)]


_Said = TypeVar("_Said", OfficeHourMessage, OfficeHourQuestion)


def _per_session(model: type[_Said], office_hour_ids: set[int]) -> dict[int, list[_Said]]:
    """The sessions' messages (or questions), oldest first, in one query."""
    grouped: dict[int, list[_Said]] = {i: [] for i in office_hour_ids}
    if office_hour_ids:
        rows = db.session.scalars(
            select(model)
            .where(model.office_hour_id.in_(sorted(office_hour_ids)))
            .order_by(model.id)
        )
        for row in rows:
            grouped[row.office_hour_id].append(row)
    return grouped


def _answered(thread: Thread) -> bool:
    return thread.kind == "question" and thread.accepted_post_id is not None


def thread_document(thread: Thread, opening: Post | None, accepted: Post | None) -> Document:
    return Document(
        type="thread",
        id=thread.id,
        module_id=thread.module_id,
        thread_id=thread.id,
        cohort_id=thread.cohort_id,
        visibility=thread.visibility,
        kind=thread.kind,
        answered=_answered(thread),
        author_id=None if thread.anonymous else thread.author_id,
        created_at=thread.created_at,
        title=thread.title,
        body=text_of(opening.body_html) if opening is not None and not opening.deleted else "",
        answer=text_of(accepted.body_html) if accepted and not accepted.deleted else "",
        label=thread.title,
    )


def post_document(post: Post, thread: Thread) -> Document:
    return Document(
        type="post",
        id=post.id,
        module_id=thread.module_id,
        thread_id=thread.id,
        cohort_id=thread.cohort_id,
        visibility=thread.visibility,
        kind=thread.kind,
        answered=_answered(thread),
        author_id=None if post.anonymous else post.author_id,
        created_at=post.created_at,
        title="",
        body=text_of(post.body_html),
        label=thread.title,
    )


def _opening_ids(thread_ids: Iterable[int]) -> dict[int, int]:
    ids = sorted(set(thread_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Post.thread_id, func.min(Post.id))
        .where(Post.thread_id.in_(ids))
        .group_by(Post.thread_id)
    )
    return dict(rows.all())


def _posts_by_id(ids: Iterable[int]) -> dict[int, Post]:
    ids = sorted(set(ids))
    if not ids:
        return {}
    found = db.session.scalars(
        select(Post).where(Post.id.in_(ids)).options(selectinload(Post.thread))
    )
    return {p.id: p for p in found}


def _thread_documents(thread_ids: set[int]) -> tuple[list[Document], list[str]]:
    threads = {t.id: t for t in db.session.scalars(select(Thread).where(Thread.id.in_(thread_ids)))}
    openings = _opening_ids(threads)
    accepted = {t.accepted_post_id for t in threads.values() if t.accepted_post_id is not None}
    wanted = set(openings.values()) | accepted
    posts = _posts_by_id(wanted)
    upserts = [
        thread_document(t, posts.get(openings.get(t.id, 0)), posts.get(t.accepted_post_id or 0))
        for t in threads.values()
    ]
    return upserts, [f"thread:{i}" for i in thread_ids - set(threads)]


def _reply_documents(
    posts: list[Post], openings: dict[int, int]
) -> tuple[list[Document], list[str]]:
    upserts: list[Document] = []
    deletes: list[str] = []
    for post in posts:
        if openings.get(post.thread_id) == post.id:
            continue  # the opening post is searched as its thread
        if post.deleted:
            deletes.append(f"post:{post.id}")
        else:
            upserts.append(post_document(post, post.thread))
    return upserts, deletes


def resolve(refs: Refs) -> tuple[list[Document], list[str]]:
    """The documents to (re)write and the keys to remove for what changed."""
    upserts: list[Document] = []
    deletes: list[str] = []
    posts = list(_posts_by_id(refs.posts).values())
    deletes += [f"post:{i}" for i in refs.posts - {p.id for p in posts}]
    if refs.thread_posts:
        of_threads = select(Post).where(Post.thread_id.in_(sorted(refs.thread_posts)))
        posts += list(db.session.scalars(of_threads.options(selectinload(Post.thread))))
    openings = _opening_ids({p.thread_id for p in posts})
    threads = set(refs.threads) | set(refs.thread_posts)
    # An opening or accepted post's text lives in its thread's document.
    threads |= {p.thread_id for p in posts if openings.get(p.thread_id) == p.id}
    threads |= {p.thread_id for p in posts if p.thread.accepted_post_id == p.id}
    more, gone = _reply_documents(posts, openings)
    upserts += more
    deletes += gone
    if threads:
        more, gone = _thread_documents(threads)
        upserts += more
        deletes += gone
    if refs.modules:
        modules = db.session.scalars(select(Module).where(Module.id.in_(sorted(refs.modules))))
        mods = {m.id: m for m in modules}
        upserts += [module_document(m) for m in mods.values()]
        deletes += [f"module:{i}" for i in refs.modules - set(mods)]
    if refs.faqs:
        faqs = db.session.scalars(select(FaqEntry).where(FaqEntry.id.in_(sorted(refs.faqs))))
        entries = {e.id: e for e in faqs}
        upserts += [faq_document(e) for e in entries.values()]
        deletes += [f"faq:{i}" for i in refs.faqs - set(entries)]
    if refs.transcripts:
        more, gone = _transcript_documents(refs.transcripts)
        upserts += more
        deletes += gone
    return upserts, deletes


def _every_transcript(batch: int) -> Iterator[Document]:
    last = 0
    while True:
        ids = list(
            db.session.scalars(
                select(OfficeHour.id)
                .where(OfficeHour.id > last, OfficeHour.status == "ended")
                .order_by(OfficeHour.id)
                .limit(batch)
            )
        )
        if not ids:
            return
        last = ids[-1]
        yield from _transcript_documents(set(ids))[0]


def every_document(batch: int = 500) -> Iterator[Document]:
    """Every document the database holds, for a rebuild; read in batches."""
    for module in db.session.scalars(select(Module).order_by(Module.id)):
        yield module_document(module)
    for entry in db.session.scalars(select(FaqEntry).order_by(FaqEntry.id)):
        yield faq_document(entry)
    yield from _every_transcript(batch)
    last = 0
    while True:
        ids = list(
            db.session.scalars(
                select(Thread.id).where(Thread.id > last).order_by(Thread.id).limit(batch)
            )
        )
        if not ids:
            return
        last = ids[-1]
        refs = Refs(thread_posts=set(ids))
        upserts, _ = resolve(refs)
        # The session's identity map holds its objects weakly: memory stays flat.
        yield from upserts
