"""The live room. With JavaScript the page talks to the ``/live`` namespace; without it, its
forms post here, and what they change reaches the room the same way (``forum.realtime``)."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user, login_required

from forum import wire
from forum.errors import ForumError, Invalid
from forum.models import User
from forum.realtime import rooms
from forum.services import office_hours as oh
from forum.web.common import refused
from forum.web.office_hours import bp
from forum.web.office_hours.forms import ButtonForm, ChatForm, HandForm


def _me() -> User:
    return current_user._get_current_object()


def _text(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n")


def _room_page(office_hour_id: int, chat=None, hand=None, error: ForumError | None = None):
    me = _me()
    office_hour = oh.joinable(me, office_hour_id)
    state = oh.status_now(office_hour)
    live = state == "live"
    queue = oh.queue(me, office_hour_id) if live else []
    waiting = [q for q in queue if q.status == "queued"]
    mine = next((i for i, q in enumerate(waiting, 1) if q.author_id == me.id), None)
    html = render_template(
        "office_hours/room.html",
        office_hour=office_hour,
        status=state,
        host=oh.is_host(me, office_hour),
        messages=oh.messages_since(me, office_hour_id, None),
        queue=queue,
        position=mine,
        participants=rooms.live_state().presence.participants(office_hour_id) if live else [],
        chat_form=chat or ChatForm(),
        hand_form=hand or HandForm(),
        button=ButtonForm(),
        error=error.message if error else None,
        wire=wire,
    )
    # A refusal keeps what was typed in its form.
    return (html, refused(error)) if error else html


@bp.get("/office-hours/<int:office_hour_id>")
@login_required
def room(office_hour_id: int):
    return _room_page(office_hour_id)


def _back(office_hour_id: int, anchor: str):
    return redirect(url_for("office_hours.room", office_hour_id=office_hour_id, _anchor=anchor))


def _posted(form) -> None:
    if not form.validate_on_submit():
        raise Invalid("The form expired: reload the page and try again.")


@bp.post("/office-hours/<int:office_hour_id>/messages")
@login_required
def chat(office_hour_id: int):
    form = ChatForm()
    try:
        _posted(form)
        message = oh.post_message(_me(), office_hour_id, _text(form.body.data))
    except ForumError as exc:
        if exc.status == 404:
            raise
        return _room_page(office_hour_id, chat=form, error=exc)
    rooms.send_chat(wire.message_dict(message))
    return _back(office_hour_id, f"message-{message.id}")


def _send_queue(office_hour_id: int) -> None:
    queue = [wire.question_dict(q) for q in oh.queue(_me(), office_hour_id)]
    rooms.send_queue(office_hour_id, queue)


@bp.post("/office-hours/<int:office_hour_id>/hand")
@login_required
def raise_hand(office_hour_id: int):
    form = HandForm()
    try:
        _posted(form)
        oh.raise_hand(_me(), office_hour_id, _text(form.question.data))
    except ForumError as exc:
        if exc.status == 404:
            raise
        return _room_page(office_hour_id, hand=form, error=exc)
    _send_queue(office_hour_id)
    return _back(office_hour_id, "queue")


@bp.post("/office-hours/<int:office_hour_id>/questions/<int:question_id>/<any(take, resolve):step>")
@login_required
def question_step(office_hour_id: int, question_id: int, step: str):
    _posted(ButtonForm())
    service = oh.take_question if step == "take" else oh.resolve_question
    service(_me(), office_hour_id, question_id)
    _send_queue(office_hour_id)
    return _back(office_hour_id, "queue")


@bp.post("/office-hours/<int:office_hour_id>/start")
@login_required
def start(office_hour_id: int):
    _posted(ButtonForm())
    oh.start(_me(), office_hour_id)
    return _back(office_hour_id, "chat")


@bp.post("/office-hours/<int:office_hour_id>/end")
@login_required
def end(office_hour_id: int):
    _posted(ButtonForm())
    oh.end(_me(), office_hour_id)
    rooms.send_ended(office_hour_id)
    return _back(office_hour_id, "main")
