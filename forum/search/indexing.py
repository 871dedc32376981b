"""Keeping the index current: the outbox carries every change to it, after commit.

A flush that adds or changes a post, thread or module records a ``search`` job in the same
transaction (``_record_changes``), so a change and its indexing commit or roll back
together. Background workers apply the jobs in batches, each batch one write to the
index; the documents are made from the database at that moment, so a job applied twice or
late does no harm. Reading the documents and writing them is one worker's turn at a time,
across processes (``writing_turn``), so an older read is never written over a newer one. A
worker that waits too long for its turn, or finds the Whoosh index locked by a rebuild,
puts its batch off for a moment (``Retry``); no request ever waits for either.

A missing or unreadable index is noticed by every worker's periodic check and rebuilt in
the background (``search.rebuild``); ``flask --app forum reindex`` rebuilds on demand. A
rebuild reads the database while changes go on; afterwards every ``search`` job recorded
since it started is applied again, so nothing that happened meanwhile is lost. Upkeep
that would hold up the changes queued behind it (Whoosh's bigger merges) waits until the
outbox is empty (``settle_index``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event, func, insert, inspect, select, update
from sqlalchemy.orm import Session

from forum.background import PERIODIC, WHEN_IDLE, Payload, Retry, handles
from forum.database import fresh_read, write_transaction
from forum.extensions import db
from forum.models import (
    FaqEntry,
    Job,
    Module,
    OfficeHour,
    OfficeHourMessage,
    Post,
    Thread,
    utcnow,
)
from forum.search import get_backend
from forum.search.base import IndexBusy
from forum.search.documents import Refs, every_document, resolve

log = logging.getLogger(__name__)

JOB = "search"
REBUILD_JOB = "search.rebuild"
BUSY_RETRY_SECONDS = 0.3

# Which changed attributes make which documents stale.
_POST_FIELDS = ("body_html", "deleted", "anonymous")
_THREAD_OWN_FIELDS = ("anonymous",)
_THREAD_SHARED_FIELDS = ("title", "visibility", "cohort_id", "kind", "accepted_post_id")
_MODULE_FIELDS = ("title", "summary", "body_html", "published")
_FAQ_FIELDS = ("question", "answer_html")
# A transcript is indexed once its session ends, and again when it changes afterwards.
_OFFICE_HOUR_FIELDS = ("status", "title", "cohort_id", "module_id", "cancelled_at")


def _changed(obj: object, names: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _refs_of(session: Session) -> list[tuple[str, int]]:
    refs: list[tuple[str, int]] = []
    for obj in session.new:
        if isinstance(obj, Post):
            refs.append(("post", obj.id))
        elif isinstance(obj, Thread):
            refs.append(("thread", obj.id))
        elif isinstance(obj, Module):
            refs.append(("module", obj.id))
        elif isinstance(obj, FaqEntry):
            refs.append(("faq", obj.id))
    for obj in session.deleted:
        if isinstance(obj, FaqEntry):
            refs.append(("faq", obj.id))
    for obj in session.dirty:
        if isinstance(obj, Post) and _changed(obj, _POST_FIELDS):
            refs.append(("post", obj.id))
        elif isinstance(obj, Thread) and _changed(obj, _THREAD_SHARED_FIELDS):
            refs.append(("thread_posts", obj.id))  # its replies carry these too
        elif isinstance(obj, Thread) and _changed(obj, _THREAD_OWN_FIELDS):
            refs.append(("thread", obj.id))
        elif isinstance(obj, Module) and _changed(obj, _MODULE_FIELDS):
            refs.append(("module", obj.id))
        elif isinstance(obj, FaqEntry) and _changed(obj, _FAQ_FIELDS):
            refs.append(("faq", obj.id))
        elif isinstance(obj, OfficeHour) and _changed(obj, _OFFICE_HOUR_FIELDS):
            refs.append(("transcript", obj.id))
        elif isinstance(obj, OfficeHourMessage) and _changed(obj, ("deleted",)):
            refs.append(("transcript", obj.office_hour_id))
    return refs


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, _context: object) -> None:
    refs = _refs_of(session)
    if not refs:
        return
    now = utcnow()
    rows = [
        {"kind": JOB, "payload": {"ref": list(ref)}, "created_at": now, "run_after": now}
        for ref in dict.fromkeys(refs)
    ]
    session.connection().execute(insert(Job), rows)
    session.info["forum_jobs_pending"] = True  # wakes this process's worker after commit


@handles(JOB, batch=True, quick_retry=True)
def apply_changes(payloads: list[Payload]) -> None:
    refs = Refs()
    for payload in payloads:
        kind, obj_id = payload["ref"]
        refs.add(kind, int(obj_id))
    backend = get_backend()
    try:
        # Read and written in one turn, the read begun inside it: a worker of another
        # process that read a post before its latest edit has written it by now.
        with backend.writing_turn():
            fresh_read()
            upserts, deletes = resolve(refs)
            backend.apply(upserts, deletes)
    except IndexBusy as exc:
        raise Retry(BUSY_RETRY_SECONDS) from exc


def rebuild_index(progress: Callable[[int], None] = lambda _n: None) -> None:
    """Build the whole index again from the database, then apply again what changed
    meanwhile. Search answers from the old index until the new one is complete."""
    since = db.session.scalar(select(func.max(Job.id)).where(Job.kind == JOB)) or 0
    get_backend().rebuild(every_document(), progress)
    db.session.rollback()
    with write_transaction() as session:
        session.execute(
            update(Job)
            .where(Job.kind == JOB, Job.id > since, Job.done_at.is_not(None))
            .values(done_at=None, claimed_by=None, claimed_at=None, run_after=utcnow())
        )
        session.info["forum_jobs_pending"] = True


def check_index() -> None:
    """A worker's periodic look: a missing or broken index gets a rebuild job, once."""
    if get_backend().status() == "ok":
        return
    with write_transaction() as session:
        queued = session.scalar(
            select(Job.id).where(Job.kind == REBUILD_JOB, Job.done_at.is_(None)).limit(1)
        )
        if queued is None:
            log.warning("The search index is missing or unreadable: rebuilding it")
            session.add(Job(kind=REBUILD_JOB, payload={}))
            session.info["forum_jobs_pending"] = True


@handles(REBUILD_JOB, quick_retry=True)
def rebuild_if_down(_payload: Payload) -> None:
    if get_backend().status() != "ok":  # another worker may have rebuilt it already
        rebuild_index()


def settle_index() -> bool:
    """The outbox is empty: a step of the index's put-off upkeep (Whoosh's merges), which
    holds no one up now; True when there is more."""
    return get_backend().settle()


PERIODIC.append(("check the search index", 60.0, check_index))
WHEN_IDLE.append(("settle the search index", settle_index))
