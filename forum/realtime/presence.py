"""Who is in which room: sockets joined, counted by person.

A person with two tabs is one participant, present while any of their sockets is joined.
One process keeps this in memory; with ``FORUM_REDIS_URL`` it lives in Redis, so that every
process sees the sockets of the others. Redis entries carry the time their process last
vouched for them (each process refreshes its own sockets every sweep), so the sockets of a
process that died stop counting after ``ttl`` seconds instead of haunting the room.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from typing import Protocol


class Presence(Protocol):
    def join(self, room: int, sid: str, person: dict) -> bool:
        """Record a joined socket of ``person`` (``wire.participant``); True when that
        person was not present before."""

    def leave(self, room: int, sid: str) -> bool:
        """Forget a socket; True when its person is no longer present."""

    def participants(self, room: int) -> list[dict]:
        """The people present (``wire.participant``), each once, by name."""

    def sids_of(self, room: int, user_id: int) -> list[str]:
        """The joined sockets of one person, on every process."""

    def clear(self, room: int) -> None: ...

    def refresh(self, joined: Iterable[tuple[int, str]]) -> None:
        """This process still holds these (room, sid) sockets."""


def _people(entries: Iterable[dict]) -> list[dict]:
    people = {person["id"]: person for person in entries}
    return sorted(people.values(), key=lambda p: (p["name"].casefold(), p["id"]))


class MemoryPresence:
    def __init__(self) -> None:
        self._rooms: dict[int, dict[str, dict]] = {}
        self._lock = threading.Lock()

    def _present(self, room: int, user_id: int) -> bool:
        return any(p["id"] == user_id for p in self._rooms.get(room, {}).values())

    def join(self, room: int, sid: str, person: dict) -> bool:
        with self._lock:
            new = not self._present(room, person["id"])
            self._rooms.setdefault(room, {})[sid] = person
            return new

    def leave(self, room: int, sid: str) -> bool:
        with self._lock:
            entry = self._rooms.get(room, {}).pop(sid, None)
            if not self._rooms.get(room, True):
                del self._rooms[room]
            return entry is not None and not self._present(room, entry["id"])

    def participants(self, room: int) -> list[dict]:
        with self._lock:
            return _people(self._rooms.get(room, {}).values())

    def sids_of(self, room: int, user_id: int) -> list[str]:
        with self._lock:
            return [sid for sid, p in self._rooms.get(room, {}).items() if p["id"] == user_id]

    def clear(self, room: int) -> None:
        with self._lock:
            self._rooms.pop(room, None)

    def refresh(self, joined: Iterable[tuple[int, str]]) -> None:
        pass  # nothing outlives this process here


class RedisPresence:
    """Per room: a sorted set of sids scored by when they were last vouched for, and a hash
    sid -> the person (``wire.participant``) as JSON."""

    def __init__(self, url: str, prefix: str, ttl: float) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.prefix = prefix
        self.ttl = ttl

    def _keys(self, room: int) -> tuple[str, str]:
        return f"{self.prefix}:room:{room}:sids", f"{self.prefix}:room:{room}:who"

    def _entries(self, room: int) -> dict[str, dict]:
        """Live sockets of the room; those of dead processes are dropped on the way."""
        sids_key, who_key = self._keys(room)
        cutoff = time.time() - self.ttl
        stale = self.redis.zrangebyscore(sids_key, "-inf", f"({cutoff}")
        if stale:
            pipe = self.redis.pipeline()
            pipe.zrem(sids_key, *stale)
            pipe.hdel(who_key, *stale)
            pipe.execute()
        who = self.redis.hgetall(who_key)
        live = set(self.redis.zrangebyscore(sids_key, cutoff, "+inf"))
        out = {}
        for sid, raw in who.items():
            if sid in live:
                # bytes, as the client does not decode (its types allow either)
                out[sid.decode() if isinstance(sid, bytes) else sid] = json.loads(raw)
        return out

    def _present(self, room: int, user_id: int) -> bool:
        return any(p["id"] == user_id for p in self._entries(room).values())

    def join(self, room: int, sid: str, person: dict) -> bool:
        new = not self._present(room, person["id"])
        sids_key, who_key = self._keys(room)
        pipe = self.redis.pipeline()
        pipe.hset(who_key, sid, json.dumps(person))
        pipe.zadd(sids_key, {sid: time.time()})
        pipe.execute()
        return new

    def leave(self, room: int, sid: str) -> bool:
        sids_key, who_key = self._keys(room)
        raw = self.redis.hget(who_key, sid)
        pipe = self.redis.pipeline()
        pipe.zrem(sids_key, sid)
        pipe.hdel(who_key, sid)
        pipe.execute()
        if raw is None:
            return False
        return not self._present(room, json.loads(raw)["id"])

    def participants(self, room: int) -> list[dict]:
        return _people(self._entries(room).values())

    def sids_of(self, room: int, user_id: int) -> list[str]:
        return [sid for sid, p in self._entries(room).items() if p["id"] == user_id]

    def clear(self, room: int) -> None:
        self.redis.delete(*self._keys(room))

    def refresh(self, joined: Iterable[tuple[int, str]]) -> None:
        now = time.time()
        pipe = self.redis.pipeline()
        for room, sid in joined:
            # xx: a socket forgotten meanwhile (removed, room cleared) is not brought back.
            pipe.zadd(self._keys(room)[0], {sid: now}, xx=True)
        pipe.execute()
