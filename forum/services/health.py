"""Is each part of the service working? For load balancers and operators."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import text

from forum.extensions import db

log = logging.getLogger(__name__)


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return "ok"
    except Exception:
        log.warning("Health: database is down", exc_info=True)
        db.session.rollback()
        return "down"


def _search() -> str:
    from forum.search import backend_health

    return backend_health()


def _message_queue() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "off"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except Exception:
        log.warning("Health: Redis is down", exc_info=True)
        return "down"


def check() -> dict[str, str]:
    database = _database()
    # PostgreSQL's search is tables of that database: down with it, without a second wait.
    same = current_app.config["SEARCH_BACKEND"] == "postgres"
    search = "down" if database == "down" and same else _search()
    parts = {"database": database, "search": search, "message_queue": _message_queue()}
    status = "degraded" if "down" in parts.values() else "ok"
    return {"status": status, **parts}
