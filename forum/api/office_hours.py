"""Office hours: scheduling, starting and ending, transcripts, archiving raised hands.

The live room itself (chat, presence, the queue) is the ``/live`` Socket.IO namespace;
both doors shape their answers with forum/wire.py.
"""

from __future__ import annotations

from flask_login import current_user

from forum.api.common import Blueprint, envelope, signed_in
from forum.api.schemas import (
    ArchiveQuestionIn,
    OfficeHourIn,
    OfficeHourListArgs,
    OfficeHourPatchIn,
    OfficeHourSchema,
    ThreadSchema,
    TranscriptSchema,
    list_of,
)
from forum.services import office_hours, threads
from forum.wire import message_dict, office_hour_dict, question_dict

blp = Blueprint("api_office_hours", __name__, description="Office hours")


@blp.post("/office-hours")
@signed_in
@blp.arguments(OfficeHourIn)
@blp.response(201, OfficeHourSchema)
def create(data):
    """Schedule a session hosted by the caller: for a cohort (its members may join and are
    told), a module (its followers are told), both, or neither (everyone may join)."""
    return office_hour_dict(office_hours.create(current_user, **data))


@blp.get("/office-hours")
@signed_in
@blp.arguments(OfficeHourListArgs, location="query")
@blp.response(200, list_of(OfficeHourSchema))
def list_office_hours(args):
    """The sessions the caller may join, soonest first."""
    page = office_hours.list_office_hours(current_user, **args)
    return envelope(page, [office_hour_dict(o) for o in page.items])


@blp.get("/office-hours/<int:office_hour_id>")
@signed_in
@blp.response(200, OfficeHourSchema)
def get(office_hour_id: int):
    return office_hour_dict(office_hours.get_office_hour(current_user, office_hour_id))


@blp.patch("/office-hours/<int:office_hour_id>")
@signed_in
@blp.arguments(OfficeHourPatchIn)
@blp.response(200, OfficeHourSchema)
def reschedule(data, office_hour_id: int):
    """Change the title or times of a scheduled session; the people it is for are told."""
    return office_hour_dict(office_hours.reschedule(current_user, office_hour_id, **data))


@blp.delete("/office-hours/<int:office_hour_id>")
@signed_in
@blp.response(204)
def cancel(office_hour_id: int):
    """Cancel a scheduled session; the people it is for are told."""
    office_hours.cancel(current_user, office_hour_id)


@blp.post("/office-hours/<int:office_hour_id>/start")
@signed_in
@blp.response(200, OfficeHourSchema)
def start(office_hour_id: int):
    """Open the room; the people it is for are told it is live. An ended one: 409."""
    return office_hour_dict(office_hours.start(current_user, office_hour_id))


@blp.post("/office-hours/<int:office_hour_id>/end")
@signed_in
@blp.response(200, OfficeHourSchema)
def end(office_hour_id: int):
    """Close a live room; everything said is in the transcript. Not live: 409."""
    return office_hour_dict(office_hours.end(current_user, office_hour_id))


@blp.get("/office-hours/<int:office_hour_id>/transcript")
@signed_in
@blp.response(200, TranscriptSchema)
def transcript(office_hour_id: int):
    """Every message (deleted ones left out) and every raised hand, oldest first."""
    kept = office_hours.transcript(current_user, office_hour_id)
    return {
        "messages": [message_dict(m) for m in kept.messages],
        "questions": [question_dict(q) for q in kept.questions],
    }


@blp.post("/office-hours/<int:office_hour_id>/questions/<int:question_id>/archive")
@signed_in
@blp.arguments(ArchiveQuestionIn)
@blp.response(201, ThreadSchema)
def archive_question(data, office_hour_id: int, question_id: int):
    """Make a raised hand an answered question thread: asked by the person who raised it,
    in the session's module (or ``module_id``), visible to the session's cohort, its
    accepted reply the host's ``answer``."""
    thread = office_hours.archive_question(
        current_user,
        office_hour_id,
        question_id,
        answer=data["answer"],
        module_id=data.get("module_id"),
    )
    return threads.get_thread(current_user, thread.id)
