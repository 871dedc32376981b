"""What this process knows of its sockets, and what rooms are told.

``LiveState`` (one per app, in ``app.extensions``) holds each local socket's credential and
flood allowance, the presence store, and the sweeper: a background task that runs while
sockets are connected, ends the sockets whose sign-in has ended, and vouches for this
process's joined sockets in a shared presence store.

The ``send_*`` functions are the one way anything (socket handlers, pages, the API) tells a
room what changed; through the message queue they reach every process.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from forum.extensions import socketio
from forum.realtime.auth import Credential
from forum.realtime.presence import MemoryPresence, Presence, RedisPresence

log = logging.getLogger(__name__)

NAMESPACE = "/live"
ROOM_PREFIX = "office_hour:"


def room_name(office_hour_id: int) -> str:
    return f"{ROOM_PREFIX}{office_hour_id}"


def joined_rooms(sid: str) -> list[int]:
    """The office hours this socket has joined (socketio's own rooms, which the message
    queue keeps current when another process makes the socket leave)."""
    rooms = socketio.server.rooms(sid, NAMESPACE)
    return [int(r[len(ROOM_PREFIX) :]) for r in rooms if r and r.startswith(ROOM_PREFIX)]


@dataclass
class Allowance:
    """A token bucket: ``rate`` events a second on average, ``burst`` at once."""

    rate: float
    burst: float
    tokens: float = 0.0
    at: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass
class Socket:
    credential: Credential
    allowance: Allowance


class LiveState:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.presence = _presence(app)
        self.sockets: dict[str, Socket] = {}
        self.lock = threading.Lock()
        self.sweeping = False

    def connected(self, sid: str, credential: Credential) -> None:
        cfg = self.app.config
        allowance = Allowance(cfg["LIVE_EVENTS_PER_SECOND"], cfg["LIVE_EVENTS_BURST"])
        with self.lock:
            self.sockets[sid] = Socket(credential, allowance)
            start = not self.sweeping
            self.sweeping = True
        if start:
            socketio.start_background_task(self._sweep_while_connected)

    def disconnected(self, sid: str) -> None:
        with self.lock:
            self.sockets.pop(sid, None)

    def socket(self, sid: str) -> Socket | None:
        return self.sockets.get(sid)

    def _sweep_while_connected(self) -> None:
        interval = self.app.config["LIVE_SWEEP_SECONDS"]
        while True:
            time.sleep(interval)
            with self.lock:
                if not self.sockets:
                    self.sweeping = False
                    return
                local = dict(self.sockets)
            try:
                with self.app.app_context():
                    self.sweep(local)
            except Exception:  # a database or Redis hiccup: try again next round
                log.exception("Live sweep failed")

    def sweep(self, local: dict[str, Socket]) -> None:
        from forum.services import accounts

        valid = accounts.still_signed_in({s.credential.secret for s in local.values()})
        for sid, sock in local.items():
            if sock.credential.secret not in valid:
                drop(sid)
        joined = [(oh, sid) for sid in local for oh in joined_rooms(sid)]
        self.presence.refresh(joined)


def _presence(app: Flask) -> Presence:
    url = app.config.get("REDIS_URL")
    if not url:
        return MemoryPresence()
    ttl = 3 * app.config["LIVE_SWEEP_SECONDS"] + 5
    return RedisPresence(url, app.config["LIVE_REDIS_PREFIX"], ttl)


def live_state() -> LiveState:
    return current_app.extensions["forum_live"]


def drop(sid: str) -> None:
    """Disconnect a socket, on whichever process holds it."""
    socketio.server.disconnect(sid, namespace=NAMESPACE)


# Telling rooms --------------------------------------------------------------------------


def _send(event: str, data: dict[str, Any], to: str) -> None:
    socketio.emit(event, data, to=to, namespace=NAMESPACE)


def send_presence(office_hour_id: int) -> None:
    people = live_state().presence.participants(office_hour_id)
    _send(
        "presence",
        {"office_hour_id": office_hour_id, "participants": people},
        room_name(office_hour_id),
    )


def send_chat(message: dict[str, Any]) -> None:
    _send("chat", message, room_name(message["office_hour_id"]))


def send_queue(office_hour_id: int, queue: list[dict[str, Any]]) -> None:
    _send("queue", {"office_hour_id": office_hour_id, "queue": queue}, room_name(office_hour_id))


def send_message_deleted(office_hour_id: int, message_id: int) -> None:
    data = {"office_hour_id": office_hour_id, "message_id": message_id}
    _send("message_deleted", data, room_name(office_hour_id))


def send_removed(office_hour_id: int, user_id: int) -> None:
    """Take a person's sockets out of the room (on every process) and tell the rest."""
    state = live_state()
    room = room_name(office_hour_id)
    for sid in state.presence.sids_of(office_hour_id, user_id):
        _send("removed", {"office_hour_id": office_hour_id}, sid)
        socketio.server.leave_room(sid, room, namespace=NAMESPACE)
        state.presence.leave(office_hour_id, sid)
    send_presence(office_hour_id)


def send_ended(office_hour_id: int) -> None:
    """The session is over: everyone is told, and nobody is present any more."""
    room = room_name(office_hour_id)
    _send("ended", {"office_hour_id": office_hour_id}, room)
    socketio.close_room(room, namespace=NAMESPACE)
    live_state().presence.clear(office_hour_id)
