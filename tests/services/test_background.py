"""Queued side effects: run once after commit, retried on failure, safe across workers."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import select, update

from forum.background import (
    HANDLERS,
    MAX_ATTEMPTS,
    POLL_SECONDS,
    QUICK_BACKOFF_MAX,
    BackgroundWorker,
    Retry,
    enqueue,
    handles,
    purge_done_jobs,
    run_pending,
    seconds_to_next_job,
)
from forum.database import write_transaction
from forum.extensions import db
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


CLAIM_AND_WAIT = """
import sys
from forum import create_app
from forum.background import _claim
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SEARCH_INDEX_DIR": sys.argv[2],
                  "SECRET_KEY": "x", "BACKGROUND_WORKER": "off"})
with app.app_context():
    print(len(_claim(100)), flush=True)
    sys.stdin.read()  # holds its claims until killed
"""


def test_jobs_claimed_by_a_process_that_dies_are_taken_over_at_once_not_before(app, db):
    """Each drain by a worker just started, as in a process started after the crash."""
    seen.clear()
    _queue("test.record", 2)
    db.session.commit()
    claimant = subprocess.Popen(
        [sys.executable, "-c", CLAIM_AND_WAIT, app.config["SQLALCHEMY_DATABASE_URI"],
         app.config["SEARCH_INDEX_DIR"]],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert claimant.stdout.readline().strip() == "2"
        BackgroundWorker(app).drain()
        assert sum(seen.values()) == 0  # it runs: it may be working on them
    finally:
        claimant.kill()  # SIGKILL: no chance to give them back
        claimant.wait(30)
    BackgroundWorker(app).drain()
    assert dict(seen) == {0: 1, 1: 1}


batches: list[list[int]] = []
busy = {"left": 0}


@handles("test.batch", batch=True, quick_retry=True)
def _batch(payloads: list[dict]) -> None:
    if busy["left"]:
        busy["left"] -= 1
        raise Retry(0.0)
    batches.append([p["n"] for p in payloads])


@handles("test.flaky", quick_retry=True)
def _flaky(payload: dict) -> None:
    raise OSError("index folder unreadable")


def _make_due() -> None:
    with write_transaction():
        db.session.execute(update(Job).values(run_after=utcnow() - timedelta(seconds=1)))


def test_a_batch_kind_gets_every_claimed_payload_in_one_call(db):
    batches.clear()
    _queue("test.batch", 5)
    assert run_pending() == (5, 0)
    assert batches == [[0, 1, 2, 3, 4]]


def test_a_retry_puts_jobs_off_without_counting_an_attempt(db):
    batches.clear()
    busy["left"] = 3
    _queue("test.batch", 2)
    for _ in range(3):
        assert run_pending() == (0, 2)
        _make_due()
    assert run_pending() == (2, 0)
    assert batches == [[0, 1]]
    assert {j.attempts for j in db.session.scalars(select(Job))} == {0}


def test_quick_retry_kinds_come_back_within_seconds_and_never_give_up(db):
    _queue("test.flaky", 1)
    for _ in range(MAX_ATTEMPTS + 4):
        run_pending()
        job = db.session.scalars(select(Job)).one()
        db.session.refresh(job)
        assert job.done_at is None
        assert job.run_after - utcnow() <= timedelta(seconds=QUICK_BACKOFF_MAX + 1)
        _make_due()
    assert job.attempts == MAX_ATTEMPTS + 4


def test_done_jobs_are_purged_after_the_retention(app, db):
    _queue("test.record", 3)
    run_pending()
    old = utcnow() - timedelta(days=app.config["JOB_RETENTION_DAYS"], minutes=1)
    with write_transaction():
        db.session.execute(update(Job).where(Job.payload["n"].as_integer() < 2).values(done_at=old))
    _queue("test.explode", 1)  # never done: never purged
    assert purge_done_jobs() == 2
    assert sorted(j.kind for j in db.session.scalars(select(Job))) == [
        "test.explode",
        "test.record",
    ]


def test_the_worker_sleeps_until_the_next_job_is_due(db):
    assert seconds_to_next_job() == POLL_SECONDS
    _queue("test.explode", 1)
    assert seconds_to_next_job() <= 0.05
    run_pending()
    assert 0 < seconds_to_next_job() <= 10


def test_idle_upkeep_runs_once_the_queue_is_empty_and_a_failure_stops_nothing(
    app, db, monkeypatch, caplog
):
    from forum import background

    seen.clear()
    order: list[str] = []

    def upkeep() -> None:
        order.append(f"idle after {sum(seen.values())} jobs")

    def broken() -> None:
        raise OSError("disk said no")

    monkeypatch.setattr(background, "WHEN_IDLE", [("broken", broken), ("upkeep", upkeep)])
    _queue("test.record", 3)
    db.session.commit()
    BackgroundWorker(app).drain()
    assert order == ["idle after 3 jobs"]  # after the jobs, not between them
    assert "Background task 'broken' failed" in caplog.text
    _queue("test.record", 1)
    db.session.commit()
    BackgroundWorker(app).drain()
    assert dict(seen) == {0: 2, 1: 1, 2: 1} and len(order) == 2


def test_idle_upkeep_goes_step_by_step_and_jobs_queued_meanwhile_go_first(app, db, monkeypatch):
    from forum import background

    seen.clear()
    steps: list[str] = []

    def merge_step() -> bool:
        steps.append(f"step {len(steps) + 1} after {sum(seen.values())} jobs")
        if len(steps) == 1:
            _queue("test.record", 1)  # a post arrives during the first step
            db.session.commit()
        return len(steps) < 3

    monkeypatch.setattr(background, "WHEN_IDLE", [("merge", merge_step)])
    BackgroundWorker(app).drain()
    assert steps == ["step 1 after 0 jobs", "step 2 after 1 jobs", "step 3 after 1 jobs"]
