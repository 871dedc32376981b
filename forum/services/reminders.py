"""Reminders about scheduled modules: ``flask --app forum send-reminders`` and the workers'
hourly run.

For each learner and each module scheduled in their cohorts (the earliest due date when two
of their cohorts schedule it) and not completed: ``due_soon`` once within three days of the
due date, ``overdue`` a day after it and again every seven days while it stays late. Each
reminder is a row with a unique key (learner, module, due date, kind, step), written with
its in-app notification in one transaction, so running again, or twice at once, sends
nothing twice, and a moved due date reminds afresh. Mail is sent by the run itself, one
letter per learner, and a letter that fails is tried again on the next run.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from forum.background import PERIODIC
from forum.database import write_transaction
from forum.extensions import db
from forum.models import Reminder, User, utcnow
from forum.services import notifications, permissions, progress
from forum.services.mailer import Letter, compose, deliver, external_url
from forum.services.unsubscribe import unsubscribe_url

log = logging.getLogger("forum.mail")

DAY = timedelta(days=1)
DUE_SOON = timedelta(days=3)
OVERDUE_AFTER = timedelta(days=1)
OVERDUE_EVERY = timedelta(days=7)
STALE_CLAIM = timedelta(minutes=10)

Key = tuple[int, int, datetime]  # learner, module, due date


@dataclass
class Counts:
    reminded: int = 0  # new reminders (each an in-app notification)
    sent: int = 0  # letters sent
    failed: int = 0  # letters that failed (tried again next run)


@dataclass(frozen=True)
class Due:
    """A reminder a learner is owed now (plain values: the objects expire at each commit)."""

    user_id: int
    module_id: int
    due_at: datetime
    kind: str
    step: int
    email: bool

    @property
    def key(self) -> tuple[int, int, datetime, str, int]:
        return (self.user_id, self.module_id, self.due_at, self.kind, self.step)


def step_due(due_at: datetime, now: datetime) -> tuple[str, int] | None:
    """Which reminder a module not completed calls for now, if any."""
    if now < due_at:
        return ("due_soon", 0) if due_at - now <= DUE_SOON else None
    late = now - due_at
    if late < OVERDUE_AFTER:
        return None
    return "overdue", (late - OVERDUE_AFTER) // OVERDUE_EVERY


def send_reminders(now: datetime | None = None) -> Counts:
    """Record and notify the reminders due now, then mail every letter still owed."""
    now = now or utcnow()
    current = _current(now)
    owed = [
        Due(user_id, module_id, due_at, *step, email)
        for (user_id, module_id, due_at), email in current.items()
        if (step := step_due(due_at, now)) is not None
    ]
    done = _recorded(owed)
    counts = Counts()
    for due in owed:
        if due.key not in done and _record(due):
            counts.reminded += 1
    counts.sent, counts.failed = _mail(set(current), now)
    return counts


def _current(now: datetime) -> dict[Key, bool]:
    """Each learner's modules still to do, at their earliest due date across cohorts, with
    whether they want reminders by e-mail. Deactivated people, people who never set a
    password and people no longer in the cohort (not in its listing) are left out."""
    earliest: dict[tuple[int, int], tuple[datetime, bool]] = {}
    for row in progress.scheduled_rows(now=now):
        if row.status == "completed" or not permissions.can_be_mailed(row.user):
            continue
        key = (row.user.id, row.module.id)
        if key not in earliest or row.due_at < earliest[key][0]:
            earliest[key] = (row.due_at, row.user.reminder_email)
    db.session.rollback()
    return {(u, m, due_at): email for (u, m), (due_at, email) in earliest.items()}


def _recorded(owed: list[Due]) -> set[tuple[object, ...]]:
    """Which of these reminders exist already (one query: by their few due dates)."""
    if not owed:
        return set()
    stmt = select(
        Reminder.user_id, Reminder.module_id, Reminder.due_at, Reminder.kind, Reminder.step
    ).where(Reminder.due_at.in_({d.due_at for d in owed}))
    found = {tuple(row) for row in db.session.execute(stmt)}
    db.session.rollback()
    return found


def _record(due: Due) -> bool:
    """Write the reminder and its notification; False when a run at the same moment got
    there first (the unique key refuses the second)."""
    try:
        with write_transaction() as session:
            session.add(
                Reminder(
                    user_id=due.user_id,
                    module_id=due.module_id,
                    due_at=due.due_at,
                    kind=due.kind,
                    step=due.step,
                    email_wanted=due.email,
                )
            )
            session.flush()
            person = session.get_one(User, due.user_id)  # the reminder refers to them
            notifications.notify([person], due.kind, actor=None, module_id=due.module_id)
    except IntegrityError:
        return False
    return True


# Mail ----------------------------------------------------------------------------------------


def _mail(current: set[Key], now: datetime) -> tuple[int, int]:
    """Send every reminder whose letter is still owed, one letter per learner."""
    latest: dict[tuple[int, int], Reminder] = {}
    dropped = []
    for r in _claim(now):
        if (r.user_id, r.module_id, r.due_at) not in current or not r.user.reminder_email:
            dropped.append(r)
            continue
        # A letter that failed last week is overtaken by this week's: one line per module.
        earlier = latest.get((r.user_id, r.module_id))
        if earlier is not None and (earlier.kind, earlier.step) > (r.kind, r.step):
            r, earlier = earlier, r
        if earlier is not None:
            dropped.append(earlier)
        latest[(r.user_id, r.module_id)] = r
    _drop(dropped)
    wanted = sorted(latest.values(), key=lambda r: (r.user_id, r.due_at, r.id))
    by_person: dict[int, list[Reminder]] = {}
    for r in wanted:
        by_person.setdefault(r.user_id, []).append(r)
    batches = list(by_person.values())
    outcome = deliver(_letter(batch, now) for batch in batches)
    sent = failed = 0
    for batch, error in zip(batches, outcome, strict=True):
        _finish(batch, error, now)
        sent, failed = (sent + 1, failed) if error is None else (sent, failed + 1)
    return sent, failed


def _claim(now: datetime) -> list[Reminder]:
    """Take the letters owed, so that a run at the same moment does not send them too."""
    token = uuid.uuid4().hex
    owed = (
        Reminder.email_wanted.is_(True),
        Reminder.emailed_at.is_(None),
        or_(Reminder.claimed_at.is_(None), Reminder.claimed_at < now - STALE_CLAIM),
    )
    with write_transaction() as session:
        session.execute(
            update(Reminder)
            .where(*owed)
            .values(claimed_by=token, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
    stmt = (
        select(Reminder)
        .where(Reminder.claimed_by == token)
        .options(selectinload(Reminder.user), selectinload(Reminder.module))
        .order_by(Reminder.user_id, Reminder.due_at, Reminder.id)
    )
    return list(db.session.scalars(stmt))


def _drop(reminders: Iterable[Reminder]) -> None:
    """Letters no longer owed: the module was completed, the due date moved, the person
    left the cohort, was switched off, or chose in-app reminders only."""
    ids = [r.id for r in reminders]
    if ids:
        _update(ids, email_wanted=False, claimed_by=None, claimed_at=None)


def _finish(batch: list[Reminder], error: str | None, now: datetime) -> None:
    ids = [r.id for r in batch]
    if error is None:
        _update(ids, emailed_at=now, claimed_by=None, claimed_at=None, last_error=None)
    else:
        _update(
            ids,
            attempts=Reminder.attempts + 1,
            last_error=error[:2000],
            claimed_by=None,
            claimed_at=None,
        )


def _update(ids: list[int], **values: object) -> None:
    with write_transaction() as session:
        session.execute(
            update(Reminder)
            .where(Reminder.id.in_(ids))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _letter(batch: list[Reminder], now: datetime) -> Letter:
    person = batch[0].user
    items = [
        (r, r.module.title, external_url("modules.view", module_id=r.module_id), _when(r, now))
        for r in batch
    ]
    return compose(
        person,
        _subject(batch, now),
        "reminders",
        unsubscribe_url=unsubscribe_url(person, "reminders"),
        items=items,
    )


def _when(reminder: Reminder, now: datetime) -> str:
    """``due within 2 days`` or ``3 days overdue``, in whole days."""
    if reminder.due_at >= now:
        days = -((now - reminder.due_at) // DAY)  # rounded up
        return "due within a day" if days <= 1 else f"due within {days} days"
    days = (now - reminder.due_at) // DAY
    return f"{days} day{'s' if days != 1 else ''} overdue"


def _subject(batch: list[Reminder], now: datetime) -> str:
    if len(batch) > 1:
        late = sum(r.due_at < now for r in batch)
        parts = [f"{len(batch)} modules to finish"]
        if late:
            parts.append(f"{late} overdue")
        return "Reminder: " + ", ".join(parts)
    r = batch[0]
    if r.due_at < now:
        return f"Overdue: “{r.module.title}”"
    return f"Due soon: “{r.module.title}”"


def _hourly_reminders() -> None:
    counts = send_reminders()
    if counts.reminded or counts.sent or counts.failed:
        log.info(
            "Reminders: %d new, %d letters sent, %d failed",
            counts.reminded,
            counts.sent,
            counts.failed,
        )


# So that a single `make run` needs no cron: every app process's worker looks each hour.
PERIODIC.append(("send reminders", 3600.0, _hourly_reminders))
