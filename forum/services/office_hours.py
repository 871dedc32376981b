"""Office hours: scheduling, the live room's chat and raise-hand queue, and what is kept.

Every door calls these: the pages, the API and the ``/live`` Socket.IO namespace. Who may
see or do what is asked of ``permissions``; a session the actor may not join does not exist
for them (NotFound). Messages and questions are committed before these functions return,
so a door broadcasts only what is already stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Exists, Select, bindparam, exists, select, update
from sqlalchemy.orm import joinedload, selectinload

from forum import markdown
from forum.background import PERIODIC
from forum.database import rowcount, write_transaction
from forum.errors import Conflict, Forbidden, Invalid, NotFound, NotLive
from forum.extensions import db
from forum.models import (
    OFFICE_HOUR_STATUSES,
    Cohort,
    Membership,
    OfficeHour,
    OfficeHourMessage,
    OfficeHourQuestion,
    OfficeHourRemoval,
    Thread,
    User,
    utcnow,
)
from forum.services import (
    accounts,
    limits,
    notifications,
    permissions,
    posts,
    threads,
    validation,
)
from forum.services.modules import get_module
from forum.services.pagination import Page, paginate

CHAT_MAX = 2_000
QUESTION_MAX = 2_000
RECENT_MESSAGES = 50
LONGEST = timedelta(hours=12)  # a longer "session" is a typing mistake
SOON = timedelta(minutes=15)  # the office_hour_soon notice goes out this long before
AUTO_END_AFTER = timedelta(minutes=30)  # a session still live this long after ends_at ends


# Loading, with visibility ----------------------------------------------------------------


# The session with what its room shows (host, module); for a person, also whether its host
# removed them: one round trip for every event in a room (a chat is three statements).
_OFFICE_HOUR = (
    select(OfficeHour)
    .where(OfficeHour.id == bindparam("office_hour_id"))
    .options(joinedload(OfficeHour.host), joinedload(OfficeHour.module))
)


def _removed(office_hour_id: Any, user_id: Any) -> Exists:
    """Whether the host removed that person from that session (columns or values)."""
    return exists().where(
        OfficeHourRemoval.office_hour_id == office_hour_id, OfficeHourRemoval.user_id == user_id
    )


_OFFICE_HOUR_FOR = _OFFICE_HOUR.add_columns(
    _removed(OfficeHour.id, bindparam("user_id")).label("removed")
)


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= validation.MAX_ID


def _found(actor: User | None, office_hour_id: int) -> tuple[OfficeHour, bool]:
    """The session if the actor may join it (or could have), and whether its host removed
    them; NotFound otherwise."""
    row = None
    if _is_id(office_hour_id):
        params = {"office_hour_id": office_hour_id, "user_id": actor.id if actor else 0}
        row = db.session.execute(_OFFICE_HOUR_FOR, params).first()
    if row is None or not permissions.can_join_office_hour(actor, row[0]):
        raise NotFound("No such office hour.")
    return row[0], bool(row[1])


def get_office_hour(actor: User | None, office_hour_id: int) -> OfficeHour:
    """The session if the actor may join it (or could have); NotFound otherwise."""
    return _found(actor, office_hour_id)[0]


def is_removed(user: User, office_hour: OfficeHour) -> bool:
    return bool(db.session.scalar(select(_removed(office_hour.id, user.id))))


def joinable(actor: User | None, office_hour_id: int) -> OfficeHour:
    """The session the actor asks to be in: NotFound when they may not see it, Forbidden
    when its host removed them (until it ends). Its status is the caller's to check."""
    office_hour, removed = _found(actor, office_hour_id)
    if removed and office_hour.status != "ended":
        raise Forbidden("The host removed you from this office hour.")
    return office_hour


def is_host(actor: User | None, office_hour: OfficeHour) -> bool:
    return permissions.is_host(actor, office_hour)


def _hosted(actor: User, office_hour_id: int) -> OfficeHour:
    office_hour = get_office_hour(actor, office_hour_id)
    if not permissions.is_host(actor, office_hour):
        raise Forbidden("Only the host and managers run this office hour.")
    return office_hour


def status_now(office_hour: OfficeHour, now: datetime | None = None) -> str:
    """The session's status as people meet it: one left live more than 30 minutes past its
    end is over, even before the periodic ``end_overdue`` stores that."""
    overdue = (now or utcnow()) >= office_hour.ends_at + AUTO_END_AFTER
    return "ended" if office_hour.status == "live" and overdue else office_hour.status


def ended_at_now(office_hour: OfficeHour, now: datetime | None = None) -> datetime | None:
    """When the session ended, as people meet it: for one over by the 30-minute rule but not
    yet stored so, the moment the rule ended it."""
    if office_hour.ended_at is not None or status_now(office_hour, now) != "ended":
        return office_hour.ended_at
    return office_hour.ends_at + AUTO_END_AFTER


def is_live(office_hour: OfficeHour) -> bool:
    """Whether the room takes people and words: the one rule every door asks (socket join,
    chat, the queue, the room page)."""
    return status_now(office_hour) == "live"


def require_live(office_hour: OfficeHour) -> None:
    if not is_live(office_hour):
        raise NotLive()


def has_namesake(user: User) -> bool:
    """Whether another active person's name reads like this person's (their @handle then
    stands beside the name in the room's presence)."""
    return accounts.needs_handle(user, accounts.name_lookalikes())


# Chat ------------------------------------------------------------------------------------


def _shown_messages(office_hour: OfficeHour) -> Select[OfficeHourMessage]:
    """The session's messages that are not deleted, with their authors."""
    return (
        select(OfficeHourMessage)
        .where(
            OfficeHourMessage.office_hour_id == office_hour.id,
            OfficeHourMessage.deleted.is_(False),
        )
        .options(joinedload(OfficeHourMessage.author))
    )


def messages_since(
    actor: User, office_hour_id: int, since_id: int | None, limit: int = RECENT_MESSAGES
) -> list[OfficeHourMessage]:
    """The last ``limit`` messages, or with ``since_id`` every message after it (however
    many), oldest first; deleted ones left out."""
    office_hour = joinable(actor, office_hour_id)
    if since_id is not None and not (
        isinstance(since_id, int) and not isinstance(since_id, bool) and since_id >= 0
    ):
        raise Invalid.field("since_id", "must be a message id (a whole number, 0 or more)")
    stmt = _shown_messages(office_hour)
    if since_id is not None:
        after = stmt.where(OfficeHourMessage.id > since_id)
        return list(db.session.scalars(after.order_by(OfficeHourMessage.id)))
    newest = list(db.session.scalars(stmt.order_by(OfficeHourMessage.id.desc()).limit(limit)))
    return newest[::-1]


def _speaking(actor: User, office_hour_id: int, action: str) -> OfficeHour:
    """The room someone says something in (a message, a raised hand): theirs to join, live,
    and within their write limit; the host moderates the room, so is never limited."""
    office_hour = joinable(actor, office_hour_id)
    require_live(office_hour)
    limits.check(actor, action, exempt=permissions.is_host(actor, office_hour))
    return office_hour


def post_message(actor: User, office_hour_id: int, body: str) -> OfficeHourMessage:
    """A chat message, Markdown rendered and sanitized once; only while live; committed
    before it is returned."""
    body = validation.markdown("body", body, max_len=CHAT_MAX)
    html = markdown.render(body)  # before the write lock: rendering takes the longest
    # Kept loaded: the message and its author are broadcast at once, without reloading.
    with write_transaction(keep_loaded=True) as session:
        office_hour = _speaking(actor, office_hour_id, "chat")
        message = OfficeHourMessage(
            office_hour_id=office_hour.id,
            author_id=actor.id,
            body=body,
            body_html=html,
            created_at=utcnow(),
            deleted=False,
        )
        session.add(message)
    return message


def delete_message(actor: User, office_hour_id: int, message_id: int) -> OfficeHourMessage:
    """Its author or the host takes a message out: its text is gone from the room and the
    transcript (and search). Deleting it again changes nothing."""
    with write_transaction():
        office_hour = joinable(actor, office_hour_id)
        message = db.session.get(OfficeHourMessage, message_id) if _is_id(message_id) else None
        if message is None or message.office_hour_id != office_hour.id:
            raise NotFound("No such message in this office hour.")
        if message.author_id != actor.id and not permissions.is_host(actor, office_hour):
            raise Forbidden("Only its author and the host delete a message.")
        if not message.deleted:
            message.deleted = True
            message.deleted_at = utcnow()
            message.deleted_by_id = actor.id
            message.body = ""
            message.body_html = ""
    return message


# The raise-hand queue ---------------------------------------------------------------------


def raise_hand(actor: User, office_hour_id: int, question: str) -> OfficeHourQuestion:
    text = validation.text("question", question, max_len=QUESTION_MAX)
    with write_transaction() as session:
        office_hour = _speaking(actor, office_hour_id, "hands")
        item = OfficeHourQuestion(
            office_hour_id=office_hour.id,
            author_id=actor.id,
            question=text,
            status="queued",
            created_at=utcnow(),
        )
        session.add(item)
    return item


def queue(actor: User, office_hour_id: int) -> list[OfficeHourQuestion]:
    """Questions waiting or being answered, in the order hands were raised."""
    office_hour = joinable(actor, office_hour_id)
    stmt = (
        select(OfficeHourQuestion)
        .where(
            OfficeHourQuestion.office_hour_id == office_hour.id,
            OfficeHourQuestion.status.in_(("queued", "taken")),
        )
        .options(joinedload(OfficeHourQuestion.author))
        .order_by(OfficeHourQuestion.id)
    )
    return list(db.session.scalars(stmt))


def _question_of(office_hour: OfficeHour, question_id: int) -> OfficeHourQuestion:
    item = db.session.get(OfficeHourQuestion, question_id) if _is_id(question_id) else None
    if item is None or item.office_hour_id != office_hour.id:
        raise NotFound("No such question in this office hour.")
    return item


def take_question(actor: User, office_hour_id: int, question_id: int) -> OfficeHourQuestion:
    """The host starts answering a waiting question (again: no change)."""
    with write_transaction():
        office_hour = _hosted(actor, office_hour_id)
        require_live(office_hour)
        item = _question_of(office_hour, question_id)
        if item.status == "resolved":
            raise Invalid.field("question_id", "this question is already answered")
        if item.status == "queued":
            item.status = "taken"
            item.taken_at = utcnow()
    return item


def resolve_question(actor: User, office_hour_id: int, question_id: int) -> OfficeHourQuestion:
    """The host marks a question answered (a waiting one too: dismissed); again: no change."""
    with write_transaction():
        office_hour = _hosted(actor, office_hour_id)
        require_live(office_hour)
        item = _question_of(office_hour, question_id)
        if item.status != "resolved":
            item.status = "resolved"
            item.resolved_at = utcnow()
    return item


# After the session --------------------------------------------------------------------------


@dataclass
class Transcript:
    office_hour: OfficeHour
    messages: list[OfficeHourMessage]  # oldest first, deleted ones left out
    questions: list[OfficeHourQuestion]  # every raised hand, in order


def transcript(actor: User, office_hour_id: int) -> Transcript:
    """Everything said and asked, for those who may join; a fixed number of queries."""
    office_hour = joinable(actor, office_hour_id)
    messages = list(db.session.scalars(_shown_messages(office_hour).order_by(OfficeHourMessage.id)))
    questions = list(
        db.session.scalars(
            select(OfficeHourQuestion)
            .where(OfficeHourQuestion.office_hour_id == office_hour.id)
            .options(joinedload(OfficeHourQuestion.author))
            .order_by(OfficeHourQuestion.id)
        )
    )
    return Transcript(office_hour, messages, questions)


def _thread_title(question: str) -> str:
    """A question thread's title: the question's first line, cut at a word within the limit."""
    line = question.strip().splitlines()[0].strip()
    if len(line) <= validation.TITLE_MAX:
        return line
    cut = line[: validation.TITLE_MAX - 1].rsplit(" ", 1)[0].rstrip()
    return f"{cut or line[: validation.TITLE_MAX - 1]}…"


def archive_question(
    actor: User,
    office_hour_id: int,
    question_id: int,
    *,
    answer: str,
    module_id: int | None = None,
) -> Thread:
    """Turn a raised hand into an answered question thread, so the live answer reaches
    the people who were not there: asked by the person who raised the hand (the host, if
    that person is no longer active), in the session's module or ``module_id``, visible to
    the session's cohort when it has one, its accepted reply the host's ``answer``."""
    answer = validation.markdown("answer", answer)
    with write_transaction():
        office_hour = _hosted(actor, office_hour_id)
        item = _question_of(office_hour, question_id)
        if item.thread_id is not None:
            raise Conflict("This question is already archived.")
        target = module_id if module_id is not None else office_hour.module_id
        if target is None:
            raise Invalid.field("module_id", "this office hour has no module: name one")
        asker = item.author if item.author is not None and item.author.active else actor
        where = f"/office-hours/{office_hour.id}/transcript"
        body = f"{item.question}\n\n*Asked live in an office hour ([transcript]({where})).*"
        try:
            thread = threads.create_thread(
                asker,
                target if _is_id(target) else 0,
                title=_thread_title(item.question),
                body=body,
                kind="question",
                cohort_id=office_hour.cohort_id,
            )
        except NotFound:
            raise Invalid.field("module_id", "no such module for the person who asked") from None
        reply = posts.reply(actor, thread.id, body=answer)
        threads.accept(actor, thread.id, reply.id)
        item.thread_id = thread.id
    return thread


# People in the room ------------------------------------------------------------------------


def remove_participant(actor: User, office_hour_id: int, user_id: int) -> None:
    """The host removes someone: their joins are refused until the session ends."""
    with write_transaction() as session:
        office_hour = _hosted(actor, office_hour_id)
        if office_hour.status == "ended":
            raise NotLive("This office hour has ended.")
        person = session.get(User, user_id) if _is_id(user_id) else None
        if person is None:
            raise NotFound("No such person.")
        if permissions.is_host(person, office_hour):
            raise Invalid.field("user_id", "the host and managers cannot be removed")
        if not is_removed(person, office_hour):
            session.add(
                OfficeHourRemoval(
                    office_hour_id=office_hour.id, user_id=person.id, removed_by_id=actor.id
                )
            )


# Starting and ending ------------------------------------------------------------------------


def start(actor: User, office_hour_id: int) -> OfficeHour:
    """Open the room (early is fine); the people it is for are told it is live."""
    with write_transaction():
        office_hour = _hosted(actor, office_hour_id)
        if office_hour.status == "ended":
            raise NotLive("This office hour has ended; schedule a new one.")
        if office_hour.status == "scheduled":
            office_hour.status = "live"
            office_hour.started_at = utcnow()
            _tell(office_hour, "office_hour_live", actor)
    return office_hour


def end(actor: User, office_hour_id: int) -> OfficeHour:
    """Close the room: everything said stays in the transcript."""
    with write_transaction():
        office_hour = _hosted(actor, office_hour_id)
        if office_hour.status != "live":
            raise NotLive()
        _finish(office_hour, utcnow())
    return office_hour


def _finish(office_hour: OfficeHour, now: datetime) -> None:
    office_hour.status = "ended"
    office_hour.ended_at = now


# Who is told -------------------------------------------------------------------------------


def _member_ids(cohort_id: int | None) -> set[int]:
    if cohort_id is None:
        return set()
    return set(
        db.session.scalars(select(Membership.user_id).where(Membership.cohort_id == cohort_id))
    )


def audience(office_hour: OfficeHour) -> list[User]:
    """The people a session is for: its cohort's members, or else its module's followers
    (API.md); a company-wide session without a module tells nobody by name."""
    if office_hour.cohort_id is not None:
        stmt = select(User).join(Membership, Membership.user_id == User.id)
        return list(db.session.scalars(stmt.where(Membership.cohort_id == office_hour.cohort_id)))
    if office_hour.module_id is not None:
        return notifications.module_followers(office_hour.module_id)
    return []


def _tell(
    office_hour: OfficeHour, kind: str, actor: User | None, extra: Iterable[User] = ()
) -> list[User]:
    people = {u.id: u for u in [*audience(office_hour), *extra]}
    allowed = permissions.who_may_join(
        list(people.values()), office_hour, _member_ids(office_hour.cohort_id)
    )
    return notifications.notify(
        allowed,
        kind,
        actor=actor,
        module_id=office_hour.module_id,
        office_hour_id=office_hour.id,
    )


# Scheduling ----------------------------------------------------------------------------------


def _aware(name: str, value: object) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise Invalid.field(name, "must be a time with its offset")
    return value


def _times(starts_at: object, ends_at: object) -> tuple[datetime, datetime]:
    starts, ends = _aware("starts_at", starts_at), _aware("ends_at", ends_at)
    if ends <= starts:
        raise Invalid.field("ends_at", "must be after starts_at")
    if ends - starts > LONGEST:
        raise Invalid.field("ends_at", "a session lasts at most 12 hours")
    return starts, ends


def _where_for(actor: User, cohort_id: int | None, module_id: int | None) -> None:
    """A cohort and module the actor may schedule for; the same 400 for one that does not
    exist and one the actor cannot see, so ids tell nobody anything."""
    if not permissions.can_schedule_office_hours(actor):
        raise Forbidden("Managers and facilitators schedule office hours.")
    if cohort_id is not None:
        cohort = db.session.get(Cohort, cohort_id) if _is_id(cohort_id) else None
        role = permissions.cohort_roles(actor).get(cohort_id)
        if cohort is None or not permissions.can_view_cohort(actor, role):
            raise Invalid.field("cohort_id", "is not a cohort of yours")
    if not permissions.can_schedule_office_hour(actor, cohort_id):
        raise Forbidden("A facilitator schedules office hours for a cohort they facilitate.")
    if module_id is not None:
        try:
            get_module(actor, module_id if _is_id(module_id) else 0)
        except NotFound:
            raise Invalid.field("module_id", "no such module") from None


def create(
    actor: User,
    *,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    cohort_id: int | None = None,
    module_id: int | None = None,
) -> OfficeHour:
    """Schedule a session hosted by the actor: for a cohort, a module, both, or everyone."""
    title = validation.text("title", title, max_len=validation.TITLE_MAX)
    starts_at, ends_at = _times(starts_at, ends_at)
    with write_transaction() as session:
        _where_for(actor, cohort_id, module_id)
        office_hour = OfficeHour(
            title=title,
            host_id=actor.id,
            cohort_id=cohort_id,
            module_id=module_id,
            starts_at=starts_at,
            ends_at=ends_at,
            status="scheduled",
            created_at=utcnow(),
        )
        session.add(office_hour)
        session.flush()
    return get_office_hour(actor, office_hour.id)


def reschedule(
    actor: User,
    office_hour_id: int,
    *,
    title: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> OfficeHour:
    """Change the title or the times of a scheduled session; the people it is for are told
    when the times change."""
    with write_transaction():
        office_hour = _hosted(actor, office_hour_id)
        if office_hour.status != "scheduled":
            raise Conflict("Only a scheduled office hour is rescheduled.")
        new_title = office_hour.title
        if title is not None:
            new_title = validation.text("title", title, max_len=validation.TITLE_MAX)
        new_start, new_end = _times(
            office_hour.starts_at if starts_at is None else starts_at,
            office_hour.ends_at if ends_at is None else ends_at,
        )
        moved = (new_start, new_end) != (office_hour.starts_at, office_hour.ends_at)
        if moved:
            office_hour.starts_at, office_hour.ends_at = new_start, new_end
            office_hour.soon_notified_at = None  # the new time gets its own notice
        if moved or new_title != office_hour.title:
            office_hour.title = new_title
            _tell(office_hour, "office_hour_changed", actor)
    return office_hour


def cancel(actor: User, office_hour_id: int) -> None:
    """Call off a scheduled session; the people it is for are told. It then exists for
    nobody (its notifications say it was cancelled)."""
    with write_transaction():
        office_hour = _hosted(actor, office_hour_id)
        if office_hour.status != "scheduled":
            raise Conflict("Only a scheduled office hour is cancelled; end a live one.")
        _tell(office_hour, "office_hour_changed", actor)
        office_hour.cancelled_at = utcnow()


# Lists ----------------------------------------------------------------------------------------


def list_office_hours(
    actor: User, status: str | None = None, page: int = 1, per_page: int = 20
) -> Page[OfficeHour]:
    """The sessions the actor may join, soonest first."""
    stmt = select(OfficeHour).where(permissions.visible_office_hours_clause(actor))
    if status is not None:
        stmt = stmt.where(
            OfficeHour.status == validation.choice("status", status, OFFICE_HOUR_STATUSES)
        )
    stmt = stmt.options(selectinload(OfficeHour.host), selectinload(OfficeHour.module))
    return paginate(stmt.order_by(OfficeHour.starts_at, OfficeHour.id), page, per_page)


def upcoming(
    actor: User,
    *,
    cohort_id: int | None = None,
    module_id: int | None = None,
    limit: int = 5,
) -> list[OfficeHour]:
    """Live and scheduled sessions the actor may join that have not ended yet, soonest
    first; of one cohort or module when asked (the home, cohort and module pages)."""
    stmt = select(OfficeHour).where(
        permissions.visible_office_hours_clause(actor),
        OfficeHour.status.in_(("scheduled", "live")),
        OfficeHour.ends_at > utcnow() - AUTO_END_AFTER,
    )
    if cohort_id is not None:
        stmt = stmt.where(OfficeHour.cohort_id == cohort_id)
    if module_id is not None:
        stmt = stmt.where(OfficeHour.module_id == module_id)
    stmt = stmt.options(
        selectinload(OfficeHour.host),
        selectinload(OfficeHour.module),
        selectinload(OfficeHour.cohort),
    )
    return list(db.session.scalars(stmt.order_by(OfficeHour.starts_at, OfficeHour.id).limit(limit)))


def past(actor: User, page: int = 1, per_page: int = 20) -> Page[OfficeHour]:
    """Ended sessions the actor may read the transcript of, the latest first."""
    stmt = (
        select(OfficeHour)
        .where(permissions.visible_office_hours_clause(actor), OfficeHour.status == "ended")
        .options(selectinload(OfficeHour.host), selectinload(OfficeHour.module))
        .order_by(OfficeHour.starts_at.desc(), OfficeHour.id.desc())
    )
    return paginate(stmt, page, per_page)


def schedulable_cohorts(actor: User) -> list[Cohort]:
    """The cohorts the actor may schedule a session for (the form's choices)."""
    stmt = select(Cohort).order_by(Cohort.name)
    if not permissions.is_manager(actor):
        roles = permissions.cohort_roles(actor)
        stmt = stmt.where(Cohort.id.in_([c for c, r in roles.items() if r == "facilitator"]))
    return list(db.session.scalars(stmt))


# Periodic upkeep (every worker, see forum/background.py) -------------------------------------


def send_soon_notices(now: datetime | None = None) -> int:
    """Tell the people a session is for, and its host, 15 minutes before it starts; once per
    start time, however many workers run this. Returns how many sessions were announced."""
    now = now or utcnow()
    due = select(OfficeHour.id).where(
        OfficeHour.status == "scheduled",
        OfficeHour.cancelled_at.is_(None),
        OfficeHour.soon_notified_at.is_(None),
        OfficeHour.starts_at > now,
        OfficeHour.starts_at <= now + SOON,
    )
    sent = 0
    with write_transaction() as session:
        for office_hour_id in list(session.scalars(due)):
            # Claimed by a conditional UPDATE, so two workers never both announce it.
            claim = session.execute(
                update(OfficeHour)
                .where(OfficeHour.id == office_hour_id, OfficeHour.soon_notified_at.is_(None))
                .values(soon_notified_at=now)
                .execution_options(synchronize_session=False)
            )
            if rowcount(claim) != 1:
                continue
            office_hour = session.execute(
                _OFFICE_HOUR, {"office_hour_id": office_hour_id}
            ).scalar_one()
            host = [office_hour.host] if office_hour.host else []
            _tell(office_hour, "office_hour_soon", None, extra=host)
            sent += 1
    return sent


def end_overdue(now: datetime | None = None) -> int:
    """End sessions still live 30 minutes after their end time; returns how many."""
    now = now or utcnow()
    with write_transaction() as session:
        stale = list(
            session.scalars(
                select(OfficeHour).where(
                    OfficeHour.status == "live", OfficeHour.ends_at <= now - AUTO_END_AFTER
                )
            )
        )
        for office_hour in stale:
            _finish(office_hour, now)
    return len(stale)


def upkeep() -> None:
    end_overdue()
    send_soon_notices()


PERIODIC.append(("office hours: soon notices, overdue ends", 60.0, upkeep))
