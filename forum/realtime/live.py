"""The ``/live`` namespace: office-hour rooms, as ../shared/API.md specifies.

Every event goes through ``_event``: the socket's sign-in is checked again (one query), its
flood allowance taken, the payload parsed, one service called, the room told, and the
client acknowledged with ``{ok: true, ...}`` or ``{ok: false, error}``. Whatever a client
sends, the answer is an acknowledgement and the connection keeps working.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Literal, overload

from flask import request
from flask_socketio import Namespace, join_room, leave_room

from forum import wire
from forum.errors import Forbidden, ForumError, Invalid
from forum.extensions import db
from forum.models import User
from forum.realtime import rooms
from forum.realtime.auth import credential_at_connect
from forum.realtime.rooms import joined_rooms, live_state, room_name
from forum.services import office_hours as oh
from forum.services.validation import MAX_ID

log = logging.getLogger(__name__)

# The words the contract allows in ``{ok: false, error}``; anything else is reported as
# the nearest of them.
ERRORS = {"invalid", "not_found", "not_live", "forbidden", "rate_limited", "unauthorized"}
NEAREST = {"conflict": "invalid", "too_large": "invalid"}
# A socket whose sign-in has ended is told so, then dropped once the answer is on its way.
DROP_AFTER_S = 0.2


class Payload:
    """A client's event data, read field by field; a wrong one is ``Invalid``."""

    def __init__(self, args: tuple) -> None:
        if len(args) != 1 or not isinstance(args[0], dict):
            raise Invalid("Send one object with the event's fields.")
        self.data: dict = args[0]

    @overload
    def id(self, name: str, *, optional: Literal[False] = False) -> int: ...
    @overload
    def id(self, name: str, *, optional: bool) -> int | None: ...

    def id(self, name: str, *, optional: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
            raise Invalid.field(name, "must be a positive integer")
        return value

    def text(self, name: str) -> str:
        value = self.data.get(name)
        if not isinstance(value, str):
            raise Invalid.field(name, "must be a string")
        return value


def _sid() -> str:
    """The socket of the event at hand, which Flask-SocketIO notes on the request."""
    sid: str = request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO
    return sid


def _error_word(exc: ForumError) -> str:
    # An error may name its own word for sockets (NotLive: "conflict" to the API).
    code = getattr(exc, "live_error", None) or NEAREST.get(exc.code, exc.code)
    return code if code in ERRORS else "invalid"


class LiveNamespace(Namespace):
    def on_connect(self, auth: Any = None) -> bool:
        credential = credential_at_connect(auth)
        db.session.rollback()  # nothing of the lookup stays open for the socket's life
        if credential is None:
            return False  # refused: the client gets a connect_error
        live_state().connected(_sid(), credential)
        return True

    def on_disconnect(self, reason: Any = None) -> None:
        state = live_state()
        for office_hour_id in joined_rooms(_sid()):
            if state.presence.leave(office_hour_id, _sid()):
                rooms.send_presence(office_hour_id)
        state.disconnected(_sid())

    def trigger_event(self, event: str, *args: Any) -> Any:
        if event in ("connect", "disconnect"):
            return super().trigger_event(event, *args)
        return self.socketio._handle_event(
            lambda *data: self._event(event, data), event, self.namespace, *args
        )

    def _event(self, event: str, args: tuple) -> dict[str, Any]:
        sid = _sid()
        sock = live_state().socket(sid)
        handler: Callable | None = EVENTS.get(event)
        try:
            actor = sock.credential.user() if sock else None
            if sock is None or actor is None:
                _drop_soon(sid)
                return {"ok": False, "error": "unauthorized"}
            if not sock.allowance.take():
                return {"ok": False, "error": "rate_limited"}
            if handler is None:
                return {"ok": False, "error": "invalid"}
            return {"ok": True, **(handler(actor, sid, Payload(args)) or {})}
        except ForumError as exc:
            db.session.rollback()
            return {"ok": False, "error": _error_word(exc)}
        except Exception:
            db.session.rollback()
            log.exception("Live event %r failed", event)
            return {"ok": False, "error": "server_error"}


def _drop_soon(sid: str) -> None:
    timer = threading.Timer(DROP_AFTER_S, rooms.drop, args=(sid,))
    timer.daemon = True
    timer.start()


def _joined(sid: str, payload: Payload) -> int:
    """The office hour an event is for, which this socket must have joined."""
    office_hour_id = payload.id("office_hour_id")
    if office_hour_id not in joined_rooms(sid):
        raise Forbidden("Join the room first.")
    return office_hour_id


# Handlers: parse, call the service, tell the room, answer. --------------------------------


def join(actor: User, sid: str, payload: Payload) -> dict:
    office_hour_id = payload.id("office_hour_id")
    since_id = payload.id("since_id", optional=True)
    office_hour = oh.joinable(actor, office_hour_id)
    oh.require_live(office_hour)
    # In the room before reading what was said: a message sent meanwhile arrives twice
    # (the client keeps one by id) rather than never.
    join_room(room_name(office_hour_id), sid=sid, namespace=rooms.NAMESPACE)
    try:
        messages = oh.messages_since(actor, office_hour_id, since_id)
        queue = _queue(actor, office_hour_id)
    except Exception:
        leave_room(room_name(office_hour_id), sid=sid, namespace=rooms.NAMESPACE)
        raise
    state = live_state()
    person = wire.participant(actor, oh.has_namesake(actor))
    if state.presence.join(office_hour_id, sid, person):
        rooms.send_presence(office_hour_id)
    return {
        "office_hour": wire.office_hour_dict(office_hour),
        "host": oh.is_host(actor, office_hour),
        "participants": state.presence.participants(office_hour_id),
        "queue": queue,
        "messages": [wire.message_dict(m) for m in messages],
    }


def leave(actor: User, sid: str, payload: Payload) -> dict:
    office_hour_id = _joined(sid, payload)
    leave_room(room_name(office_hour_id), sid=sid, namespace=rooms.NAMESPACE)
    if live_state().presence.leave(office_hour_id, sid):
        rooms.send_presence(office_hour_id)
    return {}


def chat(actor: User, sid: str, payload: Payload) -> dict:
    office_hour_id = _joined(sid, payload)
    message = wire.message_dict(oh.post_message(actor, office_hour_id, payload.text("body")))
    rooms.send_chat(message)
    return {"message": message}


def raise_hand(actor: User, sid: str, payload: Payload) -> dict:
    office_hour_id = _joined(sid, payload)
    question = oh.raise_hand(actor, office_hour_id, payload.text("question"))
    rooms.send_queue(office_hour_id, _queue(actor, office_hour_id))
    return {"question": wire.question_dict(question)}


def _queue(actor: User, office_hour_id: int) -> list[dict]:
    return [wire.question_dict(q) for q in oh.queue(actor, office_hour_id)]


def _host_question_event(service: Callable) -> Callable:
    def handle(actor: User, sid: str, payload: Payload) -> dict:
        office_hour_id = _joined(sid, payload)
        service(actor, office_hour_id, payload.id("question_id"))
        rooms.send_queue(office_hour_id, _queue(actor, office_hour_id))
        return {}

    return handle


def delete_message(actor: User, sid: str, payload: Payload) -> dict:
    office_hour_id = _joined(sid, payload)
    message_id = payload.id("message_id")
    oh.delete_message(actor, office_hour_id, message_id)
    rooms.send_message_deleted(office_hour_id, message_id)
    return {}


def remove_participant(actor: User, sid: str, payload: Payload) -> dict:
    office_hour_id = _joined(sid, payload)
    user_id = payload.id("user_id")
    oh.remove_participant(actor, office_hour_id, user_id)
    rooms.send_removed(office_hour_id, user_id)
    return {}


def end(actor: User, sid: str, payload: Payload) -> dict:
    office_hour_id = _joined(sid, payload)
    oh.end(actor, office_hour_id)
    rooms.send_ended(office_hour_id)
    return {}


EVENTS: dict[str, Callable[[User, str, Payload], dict]] = {
    "join": join,
    "leave": leave,
    "chat": chat,
    "raise_hand": raise_hand,
    "take_question": _host_question_event(oh.take_question),
    "resolve_question": _host_question_event(oh.resolve_question),
    "delete_message": delete_message,
    "remove_participant": remove_participant,
    "end": end,
}
