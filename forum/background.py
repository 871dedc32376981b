"""Queued side effects (mail now, search indexing later), carried out after commit.

A service records a job in the same transaction as its change (``enqueue``). After the
commit, a background thread of the app process (``FORUM_BACKGROUND_WORKER=thread``) or a
``flask --app forum worker`` process claims due jobs and runs them. Claims are one atomic
UPDATE, so any number of processes can share the queue; a claim left by a crashed process
goes stale and is taken over.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import delete, event, func, or_, select, true, update
from sqlalchemy.orm import Session

from forum.database import rowcount, write_transaction
from forum.extensions import db
from forum.models import Job, utcnow

log = logging.getLogger(__name__)

# A job's payload is JSON, as its kind's handler reads it.
Payload = dict[str, Any]
Handler = Callable[[Payload], None]
BatchHandler = Callable[[list[Payload]], None]
H = TypeVar("H", Handler, BatchHandler)
HANDLERS: dict[str, Handler] = {}
# Kinds whose handler takes every claimed job's payload at once (the search index writes
# a batch in one commit).
BATCH_HANDLERS: dict[str, BatchHandler] = {}
# Per kind, the payload keys kept once a job is finished (sent or given up); None keeps all.
# A mail's body may hold a one-use link: it must not outlive the sending.
KEEP_WHEN_FINISHED: dict[str, tuple[str, ...] | None] = {}
# Kinds that never give up and retry within seconds (the index must catch up), unlike
# mail, whose back-off grows to an hour and which gives up after MAX_ATTEMPTS.
QUICK_RETRY: set[str] = set()
QUICK_BACKOFF_MAX = 30.0
MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=5)
POLL_SECONDS = 10.0
_PENDING = "forum_jobs_pending"


def _pid_namespace() -> str:
    try:  # containers on one host share its name but not their process ids
        return "".join(c for c in os.readlink("/proc/self/ns/pid") if c.isdigit())
    except OSError:
        return "0"


# A claim names its process: "host:pid-namespace:pid:random".
_HERE = f"{socket.gethostname()[:24]}:{_pid_namespace()}:"


class Retry(Exception):
    """Raised by a handler that could not run now (a lock held elsewhere): try again after
    ``seconds``, without counting an attempt."""

    def __init__(self, seconds: float = 0.5):
        super().__init__(f"retry in {seconds} s")
        self.seconds = seconds


def handles(
    kind: str,
    keep: tuple[str, ...] | None = None,
    *,
    batch: bool = False,
    quick_retry: bool = False,
) -> Callable[[H], H]:
    """Register the handler of a job kind: ``keep`` names the payload keys kept afterwards;
    ``batch`` hands the handler every claimed payload of the kind at once; ``quick_retry``
    retries within seconds and never gives up."""

    def register(fn: H) -> H:
        if batch:
            BATCH_HANDLERS[kind] = fn  # type: ignore[assignment]  # batch says which it is
        else:
            HANDLERS[kind] = fn  # type: ignore[assignment]  # likewise
        KEEP_WHEN_FINISHED[kind] = keep
        if quick_retry:
            QUICK_RETRY.add(kind)
        return fn

    return register


def enqueue(kind: str, payload: Payload) -> None:
    """Record a job in the current (write) transaction."""
    session = db.session()
    session.add(Job(kind=kind, payload=payload))
    session.info[_PENDING] = True


def _claim(limit: int, kinds: tuple[str, ...] | None = None) -> list[Job]:
    now = utcnow()
    due = (
        Job.done_at.is_(None),
        Job.run_after <= now,
        or_(Job.claimed_at.is_(None), Job.claimed_at < now - STALE_CLAIM),
        Job.kind.in_(kinds) if kinds is not None else true(),
    )
    token = f"{_HERE}{os.getpid()}:{uuid.uuid4().hex[:12]}"
    # Loaded in the claim's own transaction and kept loaded: no read is left open behind
    # it, so a handler's first query sees everything committed before it (fresh_read).
    with write_transaction(keep_loaded=True, ahead=True) as session:
        ids = list(session.scalars(select(Job.id).where(*due).order_by(Job.id).limit(limit)))
        if not ids:
            return []
        # The conditions are checked again by the UPDATE, so two workers never both win.
        session.execute(
            update(Job).where(Job.id.in_(ids), *due).values(claimed_by=token, claimed_at=now)
        )
        return list(session.scalars(select(Job).where(Job.claimed_by == token).order_by(Job.id)))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _dead_claimant(token: str) -> bool:
    """Whether the claim was made by a process of this host that no longer runs."""
    if not token.startswith(_HERE):
        return False  # another host's: only STALE_CLAIM can tell
    pid = token[len(_HERE) :].split(":", 1)[0]
    return pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid))


def release_orphaned_claims() -> int:
    """Free at once the jobs claimed by a process of this host that died (killed, out of
    memory) instead of after STALE_CLAIM; returns how many. Whatever it did of them
    is done again, which search indexing allows and a mail rarely suffers."""
    claims = db.session.scalars(
        select(Job.claimed_by).where(Job.done_at.is_(None), Job.claimed_by.is_not(None)).distinct()
    )
    dead = [token for token in claims if token and _dead_claimant(token)]
    db.session.rollback()
    if not dead:
        return 0
    with write_transaction() as session:
        freed = session.execute(
            update(Job)
            .where(Job.claimed_by.in_(dead), Job.done_at.is_(None))
            .values(claimed_by=None, claimed_at=None)
        )
    log.warning("Took over %s jobs claimed by processes that died", rowcount(freed))
    return rowcount(freed)


def _backoff(job: Job) -> float:
    if job.kind in QUICK_RETRY:
        return min(QUICK_BACKOFF_MAX, 0.5 * 2**job.attempts)
    return min(3600, 5 * 2**job.attempts)


def _finish(jobs: list[Job], error: str | None, retry_after: float | None = None) -> None:
    """Record how the jobs went, in one transaction."""
    with write_transaction(ahead=True) as session:
        now = utcnow()
        if error is None and retry_after is None:
            # Done, with nothing to trim: one UPDATE for the batch, not a load and an UPDATE
            # per job (a batch of 80 index jobs took a second that way on PostgreSQL).
            plain = [j.id for j in jobs if KEEP_WHEN_FINISHED.get(j.kind) is None]
            session.execute(
                update(Job)
                .where(Job.id.in_(plain))
                .values(claimed_by=None, claimed_at=None, done_at=now, last_error=None)
                .execution_options(synchronize_session=False)
            )
            jobs = [j for j in jobs if KEEP_WHEN_FINISHED.get(j.kind) is not None]
        for job in jobs:
            job.claimed_by = None
            job.claimed_at = None
            if retry_after is not None:
                job.run_after = now + timedelta(seconds=retry_after)
                continue
            if error is not None:
                job.attempts += 1
                job.last_error = error[:2000]
                if job.kind in QUICK_RETRY or job.attempts < MAX_ATTEMPTS:
                    job.run_after = now + timedelta(seconds=_backoff(job))
                    continue
            else:
                job.last_error = None  # done at last: an earlier failure is no longer news
            job.done_at = now  # done, or given up (last_error says why)
            keep = KEEP_WHEN_FINISHED.get(job.kind)
            if keep is not None:
                job.payload = {k: v for k, v in job.payload.items() if k in keep}


def _run(jobs: list[Job], call: Callable[[], None]) -> bool:
    """Run one handler call for ``jobs`` and record the outcome; True when it worked."""
    try:
        call()
    except Retry as again:
        db.session.rollback()
        _finish(jobs, None, retry_after=again.seconds)
        return False
    except Exception as exc:
        log.exception("Jobs %s (%s) failed", [j.id for j in jobs], jobs[0].kind)
        db.session.rollback()
        _finish(jobs, f"{type(exc).__name__}: {exc}")
        return False
    _finish(jobs, None)
    return True


def _no_handler(kind: str) -> Callable[[], None]:
    def fail() -> None:
        raise LookupError(f"no handler for job kind {kind!r}")

    return fail


def can_run_again(job: Job) -> bool:
    """Whether the job still holds what its handler needs: a finished job of a kind that
    trims its payload (a mail's body) does not."""
    return job.done_at is None or KEEP_WHEN_FINISHED.get(job.kind) is None


def run_again(job: Job) -> None:
    """Queue the job to run now, with its attempts counted afresh (in the caller's write
    transaction); the worker is woken after the commit."""
    job.done_at = None
    job.claimed_by = None
    job.claimed_at = None
    job.attempts = 0
    job.run_after = utcnow()
    db.session().info[_PENDING] = True


def run_pending(limit: int = 100, kinds: tuple[str, ...] | None = None) -> tuple[int, int]:
    """Carry out due jobs (of ``kinds`` only, when given); returns (done, failed or put off)."""
    done = failed = 0
    claimed = _claim(limit, kinds)
    batches: dict[str, list[Job]] = {}
    for job in claimed:
        if job.kind in BATCH_HANDLERS:
            batches.setdefault(job.kind, []).append(job)
            continue
        handler = HANDLERS.get(job.kind)
        call = functools.partial(handler, job.payload) if handler else _no_handler(job.kind)
        ok = _run([job], call)
        done, failed = done + ok, failed + (not ok)
    for kind, jobs in batches.items():
        payloads = [j.payload for j in jobs]
        ok = _run(jobs, functools.partial(BATCH_HANDLERS[kind], payloads))
        done, failed = (done + len(jobs), failed) if ok else (done, failed + len(jobs))
    return done, failed


def seconds_to_next_job() -> float:
    """How long until the next queued job is due (POLL_SECONDS when none is queued)."""
    due = db.session.scalar(select(func.min(Job.run_after)).where(Job.done_at.is_(None)))
    db.session.rollback()
    if due is None:
        return POLL_SECONDS
    return max(0.05, min(POLL_SECONDS, (due - utcnow()).total_seconds()))


def purge_done_jobs() -> int:
    """Delete jobs finished longer ago than FORUM_JOB_RETENTION_DAYS; returns how many."""
    cutoff = utcnow() - timedelta(days=current_app.config["JOB_RETENTION_DAYS"])
    with write_transaction() as session:
        gone = session.execute(delete(Job).where(Job.done_at.is_not(None), Job.done_at < cutoff))
    return rowcount(gone)


# Periodic upkeep every worker does between jobs: (name, every so many seconds, function).
PERIODIC: list[tuple[str, float, Callable[[], object]]] = [
    ("purge done jobs", 3600.0, purge_done_jobs),
    ("take over the claims of dead processes", 30.0, release_orphaned_claims),
]

# Upkeep a worker does once the queue is empty (name, function): work that would hold up
# the jobs queued behind it (a Whoosh index merges its segments then, not while posts wait
# to become searchable). Called after every pass, so each must be cheap when idle. A task
# does one bounded step and returns True when it has more: jobs queued meanwhile go first.
WHEN_IDLE: list[tuple[str, Callable[[], object]]] = []


def _attempt(name: str, task: Callable[[], object]) -> object:
    try:
        return task()
    except Exception:
        log.exception("Background task %r failed", name)
        db.session.rollback()
        return None


def run_idle_tasks() -> bool:
    """One step of each idle task; whether any has more to do."""
    more = [_attempt(name, task) for name, task in WHEN_IDLE]
    return any(value is True for value in more)


def run_until_idle() -> None:
    """Every due job, then the idle upkeep step by step, taking jobs queued meanwhile first."""
    while True:
        while True:
            done, failed = run_pending()
            if done + failed == 0:
                break
        if not run_idle_tasks():
            return


class BackgroundWorker:
    """One daemon thread per app process; woken after a commit that queued jobs."""

    def __init__(self, app: Flask):
        self.app = app
        self.wake = threading.Event()
        self.stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._last_run: dict[str, float] = {}

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
        wait = 0.0  # a first pass at once: jobs queued while no process was running
        while not self.stop.is_set():
            self.wake.wait(wait)
            self.wake.clear()
            wait = self.drain()

    def drain(self) -> float:
        """Run what is due and the periodic upkeep; returns how long to sleep."""
        with self.app.app_context():
            try:
                self._periodic()
                run_until_idle()
                return seconds_to_next_job()
            except Exception:
                log.exception("Background worker pass failed")
                return POLL_SECONDS
            finally:
                db.session.remove()

    def _periodic(self) -> None:
        now = time.monotonic()
        for name, every, task in PERIODIC:
            if now - self._last_run.get(name, -every) >= every:
                self._last_run[name] = now
                _attempt(name, task)


def register_background(app: Flask) -> None:
    # Their job handlers and hourly tasks register themselves on import.
    from forum.services import digests, reminders  # noqa: F401

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
