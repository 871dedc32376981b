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
        # Presence sent per room at most once per LIVE_PRESENCE_SECONDS: when each room's
        # list last went out, and the rooms whose next one is already on its way.
        self.presence_sent: dict[int, float] = {}
        self.presence_due: set[int] = set()

    def tell_presence(self, office_hour_id: int) -> None:
        """Send the room's participants now, or, when a list went out less than
        LIVE_PRESENCE_SECONDS ago, once that interval has passed (one send for every change
        meanwhile). The contract's ``presence`` carries the whole list, so without this a
        room filling up with n people would send n lists of up to n people to n sockets."""
        every = self.app.config["LIVE_PRESENCE_SECONDS"]
        now = time.monotonic()
        with self.lock:
            if office_hour_id in self.presence_due:
                return  # the send on its way will read the list as it is then
            wait = self.presence_sent.get(office_hour_id, -every) + every - now
            if wait > 0:
                self.presence_due.add(office_hour_id)
            else:
                self.presence_sent[office_hour_id] = now
        if wait > 0:
            socketio.start_background_task(self._tell_presence_later, office_hour_id, wait)
        else:
            self._send_presence(office_hour_id)

    def _tell_presence_later(self, office_hour_id: int, wait: float) -> None:
        time.sleep(wait)
        with self.lock:
            self.presence_due.discard(office_hour_id)
            self.presence_sent[office_hour_id] = time.monotonic()
        try:
            self._send_presence(office_hour_id)
        except Exception:  # a Redis hiccup: the next change or sweep sends it again
            log.exception("Presence of office hour %s not sent", office_hour_id)

    def _send_presence(self, office_hour_id: int) -> None:
        people = self.presence.participants(office_hour_id)
        _send(
            "presence",
            {"office_hour_id": office_hour_id, "participants": people},
            room_name(office_hour_id),
        )

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
        stale = time.monotonic() - self.app.config["LIVE_PRESENCE_SECONDS"]
        with self.lock:  # rooms quiet for an interval need no record of their last send
            for office_hour_id, sent in list(self.presence_sent.items()):
                if sent < stale and office_hour_id not in self.presence_due:
                    del self.presence_sent[office_hour_id]


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
    """Tell the room who is here (coalesced: see ``LiveState.tell_presence``)."""
    live_state().tell_presence(office_hour_id)


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
