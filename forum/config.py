"""Settings: defaults in code, ``FORUM_*`` environment overrides, a dict of overrides for tests."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

_TRUE = {"1", "true", "yes", "on"}


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"FORUM_{name}")
    return value if value not in (None, "") else default


def _secret_key(instance: Path) -> str:
    """Generated once and kept in the instance folder, so sessions survive restarts.

    Created readable by its owner only, from the first byte (no window before a chmod).
    """
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def engine_options(config: dict[str, Any]) -> dict[str, Any]:
    # The pool serves the requests and socket events in progress, not the server's threads:
    # an open socket holds a thread (gunicorn --threads) but no connection between events.
    # A thread that finds every connection busy waits for one (up to pool_timeout).
    pool = {
        "pool_size": config["DB_POOL_SIZE"],
        "max_overflow": config["DB_POOL_SIZE"],
        "pool_timeout": 30,
    }
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        timeout_s = config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
        return {"connect_args": {"timeout": timeout_s, "check_same_thread": False}, **pool}
    # A database host that stops answering must not hold requests for minutes: a new
    # connection gives up after DB_CONNECT_TIMEOUT seconds, and the request gets a 503.
    connect = {"connect_timeout": config["DB_CONNECT_TIMEOUT"]}
    return {"pool_pre_ping": True, "connect_args": connect, **pool}


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    overrides = dict(overrides or {})

    mail_server = _env("MAIL_SERVER")
    redis_url = _env("REDIS_URL")
    settings: dict[str, Any] = {
        "SECRET_KEY": _env("SECRET_KEY") or overrides.get("SECRET_KEY") or _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{instance / 'forum.db'}"),
        "SEARCH_BACKEND": _env("SEARCH_BACKEND", "whoosh"),
        "SEARCH_INDEX_DIR": _env("SEARCH_INDEX_DIR", str(instance / "search-index")),
        # Whoosh: index changes written by a helper process of each app process, or, with
        # "thread", by its background worker thread (no extra process, slower under load).
        "SEARCH_WRITER": _env("SEARCH_WRITER", "process"),
        "REDIS_URL": redis_url,
        "BASE_URL": (_env("BASE_URL", "http://127.0.0.1:5000") or "").rstrip("/"),
        "BACKGROUND_WORKER": _env("BACKGROUND_WORKER", "thread"),
        "TIMEZONE": _env("TIMEZONE", "UTC"),
        # How many reverse proxies (nginx, a load balancer) stand in front and set
        # X-Forwarded-*: the client address, used for rate limits, is read through them.
        "PROXIES": int(_env("PROXIES", "0") or 0),
        # Mail: with no server, mail is logged instead of sent, and nothing fails.
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": int(_env("MAIL_PORT", "587") or 587),
        "MAIL_USERNAME": _env("MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "MAIL_USE_TLS": (_env("MAIL_USE_TLS", "1") or "").lower() in _TRUE,
        "MAIL_USE_SSL": (_env("MAIL_USE_SSL", "0") or "").lower() in _TRUE,
        # The mail server's certificate is checked against the system's CAs, or this file.
        "MAIL_CA_FILE": _env("MAIL_CA_FILE"),
        "MAIL_DEFAULT_SENDER": _env("MAIL_SENDER", "forum@localhost"),
        # Unsubscribe links in mail work this long (at least 90 days: letters are kept).
        "UNSUBSCRIBE_TTL_DAYS": 180,
        # Request limits and security.
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SQLITE_BUSY_TIMEOUT_MS": 15000,
        # Connections per app process (and as many again in overflow), for the requests and
        # socket events handled at once; keep processes x 2 x this under PostgreSQL's limit.
        "DB_POOL_SIZE": int(_env("DB_POOL_SIZE", "20") or 20),
        # Seconds to wait for a new PostgreSQL connection before answering 503.
        "DB_CONNECT_TIMEOUT": int(_env("DB_CONNECT_TIMEOUT", "5") or 5),
        # Rendered post cards kept per app process (forum/web/threads/cards.py); 0: none.
        "CARD_CACHE_SIZE": int(_env("CARD_CACHE_SIZE", "4096") or 0),
        # Live rooms: each socket may send this many events a second (and this many at
        # once); every LIVE_SWEEP_SECONDS each process ends the sockets whose sign-in ended.
        "LIVE_EVENTS_PER_SECOND": float(_env("LIVE_EVENTS_PER_SECOND", "10") or 10),
        "LIVE_EVENTS_BURST": float(_env("LIVE_EVENTS_BURST", "30") or 30),
        "LIVE_SWEEP_SECONDS": float(_env("LIVE_SWEEP_SECONDS", "10") or 10),
        # A room's presence list goes out at most once in this many seconds (changes
        # meanwhile are sent together): a session filling up costs n lists, not n².
        "LIVE_PRESENCE_SECONDS": float(_env("LIVE_PRESENCE_SECONDS", "1") or 0),
        # Redis keys and the Socket.IO channel of live rooms (one per site sharing a Redis).
        "LIVE_REDIS_PREFIX": _env("LIVE_REDIS_PREFIX", "forum-live"),
        # Write limits per person (forum/services/limits.py), in the notation of the
        # `limits` library: one or more windows, "10 per minute; 120 per hour".
        "LIMIT_THREADS": _env("LIMIT_THREADS", "5 per minute; 30 per hour"),
        "LIMIT_REPLIES": _env("LIMIT_REPLIES", "10 per minute; 120 per hour"),
        "LIMIT_VOTES": _env("LIMIT_VOTES", "60 per minute; 600 per hour"),
        "LIMIT_FLAGS": _env("LIMIT_FLAGS", "10 per 10 minutes; 50 per day"),
        "LIMIT_CHAT": _env("LIMIT_CHAT", "30 per minute; 600 per hour"),
        "LIMIT_HANDS": _env("LIMIT_HANDS", "5 per minute; 30 per hour"),
        "LIMIT_QUIZ_ATTEMPTS": _env("LIMIT_QUIZ_ATTEMPTS", "10 per hour"),
        "LIMIT_SEARCHES": _env("LIMIT_SEARCHES", "120 per minute; 2000 per hour"),
        # Where limits are counted: Redis, shared by every process, when it is configured
        # (a `limits` storage URI), under keys starting with the prefix.
        "LIMITS_STORAGE_URI": redis_url or "memory://",
        "LIMITS_KEY_PREFIX": "",
        # Sign-in limits (forum/services/signin.py): failures per e-mail and per client
        # address; a device that signed in as that person before counts its own only.
        "LOGIN_FAILURES_PER_EMAIL": _env("LOGIN_FAILURES_PER_EMAIL", "10 per 15 minutes"),
        "LOGIN_FAILURES_PER_ADDRESS": _env("LOGIN_FAILURES_PER_ADDRESS", "50 per 15 minutes"),
        "DEVICE_COOKIE_DAYS": int(_env("DEVICE_COOKIE_DAYS", "180") or 180),
        "RESET_REQUESTS_PER_EMAIL": _env("RESET_REQUESTS_PER_EMAIL", "3 per hour; 10 per day"),
        "RESET_REQUESTS_PER_ADDRESS": _env("RESET_REQUESTS_PER_ADDRESS", "20 per hour"),
        "PASSWORD_HASH_METHOD": "scrypt",
        "INVITE_TTL_DAYS": 7,
        # Finished outbox jobs are kept this long (to see what was sent), then deleted.
        "JOB_RETENTION_DAYS": int(_env("JOB_RETENTION_DAYS", "7") or 7),
        # API tokens: how long one lives, and how many a person keeps (the oldest go first).
        "API_TOKEN_TTL_DAYS": 30,
        "API_TOKENS_MAX": 20,
        "RESET_TTL_HOURS": 2,
        # flask-smorest / OpenAPI.
        "API_TITLE": "Forum API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
    settings.update(overrides)
    settings.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(settings))
    app.config.update(settings)
    # A form's CSRF token lives as long as a sign-in does (the server-side session row
    # expires after the same time): a token copied from an old page is not good forever.
    app.config.setdefault(
        "WTF_CSRF_TIME_LIMIT", int(app.permanent_session_lifetime.total_seconds())
    )
