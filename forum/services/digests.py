"""The discussion's notifications by e-mail: one letter each at once, or a daily digest.

Each person chooses (``notify_email``): ``immediate`` mails every notification from the
outbox, after the commit that made it; ``daily`` (the default) collects what is still unread
and not yet mailed into one letter a day, the day counted in the person's zone; ``off``
mails nothing. Reminders are left out of both: send-reminders mails them itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask import get_template_attribute
from markupsafe import Markup
from sqlalchemy import ColumnElement, exists, select, update

from forum.background import PERIODIC, Payload, handles
from forum.database import rowcount, write_transaction
from forum.errors import NotFound
from forum.extensions import db
from forum.models import REMINDER_KINDS, Notification, User, utcnow
from forum.services import notifications, permissions
from forum.services.mailer import Letter, compose, deliver, external_url, send_now
from forum.services.notifications import NotificationView
from forum.services.timezones import zone_of
from forum.services.unsubscribe import unsubscribe_url

log = logging.getLogger("forum.mail")

DIGEST_SHOWN = 50  # notifications listed in one digest; more are counted, not listed
EXCERPT = 600  # characters of a post quoted in a letter


@dataclass
class Counts:
    sent: int = 0
    failed: int = 0


def sentence(note: NotificationView) -> str:
    """What happened, in words: the notifications page's sentence, as plain text."""
    markup: Markup = get_template_attribute("_notifications.html", "sentence")(note)
    return Markup(markup).unescape().strip()


def excerpt(note: NotificationView) -> str:
    """The start of the post it is about (its Markdown as written), when there is one."""
    post = note.notification.post
    if post is None or post.deleted or note.kind not in ("reply", "mention", "new_question"):
        return ""
    body = post.body.strip()
    return body if len(body) <= EXCERPT else body[:EXCERPT].rstrip() + " …"


def note_url(note: NotificationView) -> str:
    # The notification's own address: it sends a signed-in reader where it points.
    return external_url("threads.notification", notification_id=note.id)


# At once -------------------------------------------------------------------------------------


@handles(notifications.MAIL_JOB)
def send_notification_mail(payload: Payload) -> None:
    """Mail one notification, unless it no longer needs it (read, mailed, the person changed
    their mind or lost sight of the thread). A failure raises: the outbox tries again."""
    row = db.session.get(Notification, payload["id"])
    person = db.session.get(User, row.user_id) if row is not None else None
    if row is None or row.read_at or row.emailed_at or not permissions.can_be_mailed(person):
        return
    if person.notify_email != "immediate":
        return
    try:
        note = notifications.get_notification(person, row.id)
    except NotFound:
        return
    subject = sentence(note)
    send_now(
        compose(
            person,
            subject,
            "notification",
            unsubscribe_url=unsubscribe_url(person, "notifications"),
            note=note,
            url=note_url(note),
            excerpt=excerpt(note),
        )
    )
    notifications.mark_mailed([row.id])


# The daily digest ----------------------------------------------------------------------------


@dataclass
class _Claim:
    person: User
    day: date
    previous: date | None
    ids: list[int]
    letter: Letter


def send_digests(now: datetime | None = None) -> Counts:
    """One letter to each person on the daily digest whose day (in their zone) has no digest
    yet and who has unread notifications not yet mailed. Safe to run often and at once in
    several processes: a person's day is claimed by one atomic UPDATE before their letter
    goes; a letter that fails gives the day back, so the next run tries again."""
    now = now or utcnow()
    claims = [c for c in (_claim(p, now) for p in _waiting()) if c is not None]
    outcome = deliver(c.letter for c in claims)
    counts = Counts()
    for claim, error in zip(claims, outcome, strict=True):
        if error is None:
            notifications.mark_mailed(claim.ids, now)
            counts.sent += 1
        else:
            _give_back(claim)
            counts.failed += 1
    return counts


def _waiting() -> list[User]:
    """People on the digest who have something unread and not yet mailed (visibility is
    checked per person when their letter is written)."""
    pending = exists().where(
        Notification.user_id == User.id,
        Notification.read_at.is_(None),
        Notification.emailed_at.is_(None),
        Notification.kind.not_in(REMINDER_KINDS),
    )
    stmt = select(User).where(
        User.notify_email == "daily",
        permissions.mailable_clause(),
        pending,
    )
    people = list(db.session.scalars(stmt.order_by(User.id)))
    db.session.rollback()
    return people


def _claim(person: User, now: datetime) -> _Claim | None:
    today = now.astimezone(zone_of(person)).date()
    if person.digest_day == today:
        return None
    notes, ids = notifications.unmailed(person, DIGEST_SHOWN)
    if not ids:
        return None
    letter = compose(
        person,
        _digest_subject(len(ids)),
        "digest",
        unsubscribe_url=unsubscribe_url(person, "notifications"),
        notes=[(n, sentence(n), note_url(n), excerpt(n)) for n in notes],
        total=len(ids),
        all_url=external_url("threads.notifications_page", unread="1"),
    )
    previous = person.digest_day
    with write_transaction() as session:
        # Another run may have claimed this person's day since we read it.
        won = rowcount(
            session.execute(
                update(User)
                .where(User.id == person.id, _same_day(previous))
                .values(digest_day=today)
                .execution_options(synchronize_session=False)
            )
        )
    if not won:
        return None
    return _Claim(person, today, previous, ids, letter)


def _same_day(previous: date | None) -> ColumnElement[bool]:
    return User.digest_day.is_(None) if previous is None else User.digest_day == previous


def _give_back(claim: _Claim) -> None:
    with write_transaction() as session:
        session.execute(
            update(User)
            .where(User.id == claim.person.id, User.digest_day == claim.day)
            .values(digest_day=claim.previous)
            .execution_options(synchronize_session=False)
        )


def _digest_subject(total: int) -> str:
    return f"Your daily digest: {total} unread notification{'s' if total != 1 else ''}"


def _hourly_digests() -> None:
    counts = send_digests()
    if counts.sent or counts.failed:
        log.info("Digests: %d sent, %d failed", counts.sent, counts.failed)


# So that a single `make run` needs no cron: every app process's worker looks each hour.
PERIODIC.append(("send digests", 3600.0, _hourly_digests))
