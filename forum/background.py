"""Queued side effects (mail now, search indexing later), carried out after commit.

A service records a job in the same transaction as its change (``enqueue``). After the
commit, a background thread of the app process (``FORUM_BACKGROUND_WORKER=thread``) or a
``flask --app forum worker`` process claims due jobs and runs them. Claims are one atomic
UPDATE, so any number of processes can share the queue; a claim left by a crashed process
goes stale and is taken over.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Job, utcnow

log = logging.getLogger(__name__)

Handler = Callable[[dict], None]
HANDLERS: dict[str, Handler] = {}
# Per kind, the payload keys kept once a job is finished (sent or given up); None keeps all.
# A mail's body may hold a one-use link: it must not outlive the sending.
KEEP_WHEN_FINISHED: dict[str, tuple[str, ...] | None] = {}
MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=5)
POLL_SECONDS = 10.0
_PENDING = "forum_jobs_pending"


def handles(kind: str, keep: tuple[str, ...] | None = None) -> Callable[[Handler], Handler]:
    """Register the handler of a job kind; ``keep`` names the payload keys kept afterwards."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        KEEP_WHEN_FINISHED[kind] = keep
        return fn

    return register


def enqueue(kind: str, payload: dict) -> None:
    """Record a job in the current (write) transaction."""
    session = db.session()
    session.add(Job(kind=kind, payload=payload))
    session.info[_PENDING] = True


def _claim(limit: int) -> list[Job]:
    now = utcnow()
    due = (
        Job.done_at.is_(None),
        Job.run_after <= now,
        or_(Job.claimed_at.is_(None), Job.claimed_at < now - STALE_CLAIM),
    )
    token = uuid.uuid4().hex
    with write_transaction() as session:
        ids = list(session.scalars(select(Job.id).where(*due).order_by(Job.id).limit(limit)))
        if not ids:
            return []
        # The conditions are checked again by the UPDATE, so two workers never both win.
        session.execute(
            update(Job).where(Job.id.in_(ids), *due).values(claimed_by=token, claimed_at=now)
        )
    return list(db.session.scalars(select(Job).where(Job.claimed_by == token).order_by(Job.id)))


def _finish(job: Job, error: str | None) -> None:
    with write_transaction():
        job.claimed_by = None
        job.claimed_at = None
        if error is not None:
            job.attempts += 1
            job.last_error = error[:2000]
            if job.attempts < MAX_ATTEMPTS:
                job.run_after = utcnow() + timedelta(seconds=min(3600, 5 * 2**job.attempts))
                return
        job.done_at = utcnow()  # done, or given up (last_error says why)
        keep = KEEP_WHEN_FINISHED.get(job.kind)
        if keep is not None:
            job.payload = {k: v for k, v in job.payload.items() if k in keep}


def run_pending(limit: int = 100) -> tuple[int, int]:
    """Carry out due jobs; returns (done, failed)."""
    done = failed = 0
    for job in _claim(limit):
        handler = HANDLERS.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            handler(job.payload)
        except Exception as exc:
            log.exception("Job %s (%s) failed", job.id, job.kind)
            db.session.rollback()
            _finish(job, f"{type(exc).__name__}: {exc}")
            failed += 1
        else:
            _finish(job, None)
            done += 1
    return done, failed


class BackgroundWorker:
    """One daemon thread per app process; woken after a commit that queued jobs."""

    def __init__(self, app: Flask):
        self.app = app
        self.wake = threading.Event()
        self.stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pid: int | None = None

    def ensure_started(self) -> None:
        # Started lazily, and again after a fork, so CLI commands and pre-fork masters run none.
        if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self.run_forever, name="forum-jobs", daemon=True
                )
                self._thread.start()

    def run_forever(self) -> None:
        while not self.stop.is_set():
            self.wake.wait(POLL_SECONDS)
            self.wake.clear()
            self.drain()

    def drain(self) -> None:
        with self.app.app_context():
            try:
                while True:
                    done, failed = run_pending()
                    if done + failed == 0:
                        break
            except Exception:
                log.exception("Background worker pass failed")
            finally:
                db.session.remove()


def register_background(app: Flask) -> None:
    worker = BackgroundWorker(app)
    app.extensions["forum.worker"] = worker

    if app.config["BACKGROUND_WORKER"] == "thread":

        @app.before_request
        def _start_worker() -> None:
            worker.ensure_started()


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        # Outside an app context the next poll picks the job up.
        with contextlib.suppress(RuntimeError, KeyError):
            current_app.extensions["forum.worker"].wake.set()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
