"""Queued side effects: run once after commit, retried on failure, safe across workers."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from forum.background import HANDLERS, MAX_ATTEMPTS, enqueue, run_pending
from forum.database import write_transaction
from forum.models import Job, utcnow

seen: Counter = Counter()


def _record(payload: dict) -> None:
    seen[payload["n"]] += 1


def _explode(payload: dict) -> None:
    raise RuntimeError("mail server said no")


HANDLERS["test.record"] = _record
HANDLERS["test.explode"] = _explode


def _queue(kind: str, count: int) -> None:
    with write_transaction():
        for n in range(count):
            enqueue(kind, {"n": n})


def test_rolled_back_changes_queue_nothing(db):
    try:
        with write_transaction():
            enqueue("test.record", {"n": 1})
            raise ValueError("the change failed")
    except ValueError:
        pass
    assert db.session.scalars(select(Job)).first() is None


def test_each_job_runs_once_across_concurrent_workers(app, db):
    seen.clear()
    _queue("test.record", 60)
    results: list[tuple[int, int]] = []

    def worker() -> None:
        with app.app_context():
            results.append(run_pending(limit=7))
            while (r := run_pending(limit=7)) != (0, 0):
                results.append(r)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sum(done for done, _ in results) == 60
    assert seen == Counter(range(60))
    assert all(j.done_at for j in db.session.scalars(select(Job)))


def test_failures_are_retried_later_then_given_up(db):
    _queue("test.explode", 1)
    assert run_pending() == (0, 1)
    job = db.session.scalars(select(Job)).one()
    db.session.refresh(job)
    assert job.attempts == 1 and job.done_at is None and job.run_after > utcnow()
    assert "mail server said no" in job.last_error
    assert run_pending() == (0, 0)  # not due yet
    for _ in range(MAX_ATTEMPTS - 1):
        with write_transaction():
            db.session.execute(update(Job).values(run_after=utcnow() - timedelta(seconds=1)))
        run_pending()
    db.session.refresh(job)
    assert job.attempts == MAX_ATTEMPTS and job.done_at is not None


def test_a_stale_claim_is_taken_over(db):
    seen.clear()
    _queue("test.record", 1)
    with write_transaction():
        db.session.execute(
            update(Job).values(claimed_by="crashed", claimed_at=utcnow() - timedelta(hours=1))
        )
    assert run_pending() == (1, 0)
    assert seen[0] == 1
