"""Write limits: how often one person may start threads, reply, vote, flag, chat, raise a
hand, attempt a quiz or search.

Each action has a setting (``LIMIT_<ACTION>``, from ``FORUM_LIMIT_<ACTION>``) in the
``limits`` library's notation, one or more windows: ``"10 per minute; 120 per hour"``.
Counts live in Redis when ``FORUM_REDIS_URL`` is set, so every process and host shares them,
and in this process's memory otherwise. Windows are moving: a burst is judged against the
last minute, not against the clock's minute.

A Redis that cannot be reached never stops anyone posting: the check falls back to this
process's memory (logged once) and tries Redis again a little later.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from forum.errors import RateLimited
from forum.models import User
from forum.services import permissions

log = logging.getLogger(__name__)
T = TypeVar("T")

# action -> (setting, what it counts, for the message)
ACTIONS: dict[str, tuple[str, str]] = {
    "threads": ("LIMIT_THREADS", "new threads"),
    "replies": ("LIMIT_REPLIES", "replies"),
    "votes": ("LIMIT_VOTES", "votes"),
    "flags": ("LIMIT_FLAGS", "flags"),
    "chat": ("LIMIT_CHAT", "chat messages"),
    "hands": ("LIMIT_HANDS", "raised hands"),
    "quiz_attempts": ("LIMIT_QUIZ_ATTEMPTS", "quiz attempts"),
    "searches": ("LIMIT_SEARCHES", "searches"),
}

# Limits other services count through ``wait_for`` and ``count`` (forum/services/signin.py).
OTHER_SETTINGS = (
    "LOGIN_FAILURES_PER_EMAIL",
    "LOGIN_FAILURES_PER_ADDRESS",
    "RESET_REQUESTS_PER_EMAIL",
    "RESET_REQUESTS_PER_ADDRESS",
)

# Loading data in bulk (the demo) is not a person posting; see ``suspended``.
_suspended: ContextVar[bool] = ContextVar("forum_limits_suspended", default=False)

# After Redis fails, this process counts in memory this long before trying Redis again.
RETRY_REDIS_AFTER_S = 15.0


@dataclass
class Counter:
    """One app's counting: the shared storage and this process's memory to fall back on."""

    uri: str
    shared: MovingWindowRateLimiter
    memory: MovingWindowRateLimiter
    down_until: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def limiter(self) -> MovingWindowRateLimiter:
        return self.memory if time.monotonic() < self.down_until else self.shared

    def storage_failed(self, exc: Exception) -> None:
        with self.lock:
            already_down = time.monotonic() < self.down_until
            self.down_until = time.monotonic() + RETRY_REDIS_AFTER_S
        if not already_down:
            log.warning("Rate-limit storage unreachable (%s); counting in memory for now", exc)


def _storage(uri: str, prefix: str) -> Storage:
    if uri.startswith("memory"):
        return MemoryStorage()
    # Short timeouts: a Redis that hangs must not hold a request for long.
    storage = storage_from_string(
        uri,
        wrap_exceptions=True,
        key_prefix=f"forum-limits{prefix}",
        socket_timeout=0.5,
        socket_connect_timeout=0.5,
    )
    if not isinstance(storage, Storage):  # an "async+..." scheme: not for this counter
        raise ValueError(f"LIMITS_STORAGE_URI={uri!r}: use a storage that is not async+")
    return storage


def init_app(app: Flask) -> None:
    """Check every limit setting at start (a typo fails loudly) and make the counter."""
    for setting in (*(s for s, _ in ACTIONS.values()), *OTHER_SETTINGS):
        _windows(app.config[setting], setting)
    uri = app.config["LIMITS_STORAGE_URI"]
    memory = MovingWindowRateLimiter(MemoryStorage())
    shared = (
        memory
        if uri.startswith("memory")
        else MovingWindowRateLimiter(_storage(uri, app.config["LIMITS_KEY_PREFIX"]))
    )
    app.extensions["forum_limits"] = Counter(uri, shared, memory)


_parsed: dict[str, list[RateLimitItem]] = {}


def _windows(text: str, setting: str) -> list[RateLimitItem]:
    if text not in _parsed:
        try:
            _parsed[text] = parse_many(text)
        except ValueError as exc:
            raise ValueError(f"{setting}={text!r} is not a rate limit such as '10/minute'") from exc
    return _parsed[text]


def _counter() -> Counter:
    counter: Counter = current_app.extensions["forum_limits"]
    return counter


def check(actor: User, action: str, *, exempt: bool = False) -> None:
    """Count one ``action`` by ``actor``; RateLimited when that is one too many.

    ``exempt``: the caller's permission question (``permissions.is_moderator`` of the
    thread or room at hand). Managers and admins are always exempt. Checked before the
    write, so a refused request changes nothing.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown rate-limited action {action!r}")
    if _suspended.get() or permissions.exempt_from_limits(actor, moderates=exempt):
        return
    setting, what = ACTIONS[action]
    key = (action, str(actor.id))
    windows = setting_windows(setting)
    seconds = wait_for(windows, *key)
    if seconds:
        raise RateLimited(
            f"You have sent a lot of {what} in a short time. Try again in {_duration(seconds)}.",
            retry_after=seconds,
        )
    count(windows, *key)


def setting_windows(setting: str) -> list[RateLimitItem]:
    """The windows of a limit setting (``LIMIT_REPLIES``, ``LOGIN_FAILURES_PER_EMAIL``)."""
    return _windows(current_app.config[setting], setting)


def wait_for(windows: list[RateLimitItem], *key: str) -> int:
    """Seconds until ``key`` may act again (0: now): a window that is full makes it wait."""
    return _guarded(lambda limiter: _wait(limiter, windows, key))


def count(windows: list[RateLimitItem], *key: str) -> None:
    """Count one act of ``key`` in every window."""
    _guarded(lambda limiter: [limiter.hit(w, *key) for w in windows])


def _wait(
    limiter: MovingWindowRateLimiter, windows: list[RateLimitItem], key: tuple[str, ...]
) -> int:
    full = [w for w in windows if not limiter.test(w, *key)]
    if not full:
        return 0
    reset = max(limiter.get_window_stats(w, *key).reset_time for w in full)
    return max(1, math.ceil(reset - time.time()))


def _guarded(use: Callable[[MovingWindowRateLimiter], T]) -> T:
    """Run ``use`` on the shared storage, or on this process's memory while it is down."""
    counter = _counter()
    try:
        return use(counter.limiter())
    except StorageError as exc:
        counter.storage_failed(exc.storage_error)
        return use(counter.memory)


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{math.ceil(minutes / 60)} hours"


@contextmanager
def suspended() -> Iterator[None]:
    """No limits inside: for commands that load data in bulk as its authors (``seed-demo``)."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)
