"""Office-hour objects as the contract shapes them (API.md), shared by both doors that send
them: the JSON API and the ``/live`` Socket.IO namespace. One definition, so the two never
drift apart. Times are ISO 8601 in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, overload

from forum.models import OfficeHour, OfficeHourMessage, OfficeHourQuestion, User
from forum.services import office_hours

# The queue's words on the wire (API.md: waiting|answering|answered) for the stored states.
QUESTION_STATUS_WIRE = {"queued": "waiting", "taken": "answering", "resolved": "answered"}


def when(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


@overload
def user_ref(user: User) -> dict[str, Any]: ...
@overload
def user_ref(user: User | None) -> dict[str, Any] | None: ...


def user_ref(user: User | None) -> dict[str, Any] | None:
    """A person as others see them; the @handle tells apart two people of one name."""
    return None if user is None else {"id": user.id, "name": user.name, "handle": user.handle}


def participant(user: User, namesake: bool) -> dict[str, Any]:
    """A person in a room's presence: ``namesake`` when another active person's name reads
    the same, so the page shows the @handle beside the name."""
    return {**user_ref(user), "namesake": namesake}


def office_hour_dict(office_hour: OfficeHour) -> dict[str, Any]:
    return {
        "id": office_hour.id,
        "title": office_hour.title,
        "host": user_ref(office_hour.host),
        "starts_at": when(office_hour.starts_at),
        "ends_at": when(office_hour.ends_at),
        "cohort_id": office_hour.cohort_id,
        "module_id": office_hour.module_id,
        # As people meet it: one over by the 30-minute rule reads ended at once, not once
        # the periodic sweep has stored it.
        "status": office_hours.status_now(office_hour),
        "started_at": when(office_hour.started_at),
        "ended_at": when(office_hours.ended_at_now(office_hour)),
    }


def message_dict(message: OfficeHourMessage) -> dict[str, Any]:
    """A chat message: the room's ``chat`` event and the transcript's ``messages``."""
    return {
        "id": message.id,
        "office_hour_id": message.office_hour_id,
        "author": user_ref(message.author),
        "body": message.body,
        "body_html": message.body_html,
        "created_at": when(message.created_at),
    }


def question_dict(question: OfficeHourQuestion) -> dict[str, Any]:
    """A raised hand: the room's queue items and the transcript's ``questions``."""
    return {
        "id": question.id,
        "office_hour_id": question.office_hour_id,
        "author": user_ref(question.author),
        "question": question.question,
        "status": QUESTION_STATUS_WIRE[question.status],
        "thread_id": question.thread_id,
        "created_at": when(question.created_at),
    }
