"""The outbox as admins see it: queued side effects that failed, keep failing or are stuck,
and what may be done about them (run again now, or discard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select

from forum.background import STALE_CLAIM, can_run_again, run_again
from forum.database import write_transaction
from forum.errors import Conflict, Forbidden, NotFound
from forum.extensions import db
from forum.models import Job, User, utcnow
from forum.services import permissions
from forum.services.pagination import Page, paginate

# A job due this long ago that no worker has claimed: no worker is running it (say,
# FORUM_BACKGROUND_WORKER=off and no `flask worker` process).
UNCLAIMED_AFTER = timedelta(minutes=10)
STATES = ("failed", "retrying", "stuck")


def _conditions(now: datetime) -> dict[str, ColumnElement[bool]]:
    pending = Job.done_at.is_(None)
    return {
        # Given up: finished, with the error that ended it.
        "failed": and_(Job.done_at.is_not(None), Job.last_error.is_not(None)),
        # Still queued, after at least one failed attempt.
        "retrying": and_(pending, Job.attempts > 0),
        # Claimed by a worker that never finished it, or due long ago and never claimed.
        "stuck": and_(
            pending,
            Job.attempts == 0,
            or_(
                Job.claimed_at < now - STALE_CLAIM,
                and_(Job.claimed_at.is_(None), Job.run_after < now - UNCLAIMED_AFTER),
            ),
        ),
    }


@dataclass
class TroubledJob:
    job: Job
    state: str
    can_retry: bool


@dataclass
class JobsOverview:
    counts: dict[str, int]  # failed, retrying, stuck, and queued (not yet done, all of them)
    jobs: Page[TroubledJob]


def _require(actor: User) -> None:
    if not permissions.can_manage_jobs(actor):
        raise Forbidden("Only admins see the background jobs.")


def _state(job: Job) -> str:
    if job.done_at is not None:
        return "failed"
    return "retrying" if job.attempts > 0 else "stuck"


def overview(actor: User, page: int = 1, per_page: int = 50) -> JobsOverview:
    """Counts by state, and the troubled jobs, the most recently created first."""
    _require(actor)
    now = utcnow()
    conditions = _conditions(now)
    sums = [func.coalesce(func.sum(case((c, 1), else_=0)), 0) for c in conditions.values()]
    queued = func.coalesce(func.sum(case((Job.done_at.is_(None), 1), else_=0)), 0)
    row = db.session.execute(select(*sums, queued)).one()
    counts = dict(zip((*conditions, "queued"), (int(n) for n in row), strict=True))
    stmt = select(Job).where(or_(*conditions.values())).order_by(Job.id.desc())
    found = paginate(stmt, page, per_page)
    items = [TroubledJob(j, _state(j), can_run_again(j)) for j in found.items]
    return JobsOverview(counts, Page(items, found.page, found.per_page, found.total))


def _troubled(job_id: int) -> Job:
    now = utcnow()
    job = db.session.scalar(select(Job).where(Job.id == job_id, or_(*_conditions(now).values())))
    if job is None:
        raise NotFound("No such failed or stuck job (it may have run since).")
    return job


def retry(actor: User, job_id: int) -> Job:
    """Run a failed, retrying or stuck job again now, its attempts counted afresh."""
    _require(actor)
    with write_transaction():
        job = _troubled(job_id)
        if not can_run_again(job):
            raise Conflict(
                "This job gave up and its content was discarded (a mail's text may hold a "
                "one-use link): send the mail again from where it came, then discard this."
            )
        run_again(job)
    return job


def discard(actor: User, job_id: int) -> None:
    """Delete a failed, retrying or stuck job: it will not run."""
    _require(actor)
    with write_transaction() as session:
        job = _troubled(job_id)
        session.execute(delete(Job).where(Job.id == job.id))
