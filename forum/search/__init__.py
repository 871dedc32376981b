"""Search: one interface (base.py), two backends (Whoosh embedded, PostgreSQL full text).

Only ``whoosh_backend.py`` imports Whoosh. Everything else asks ``get_backend()``.
"""

from __future__ import annotations

from flask import Flask, current_app

from forum.search.base import WRITERS, SearchBackend

BACKENDS = ("whoosh", "postgres")


def get_backend(app: Flask | None = None) -> SearchBackend:
    """The configured backend, one per app (it keeps its searcher or its statements)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
    backend = app.extensions.get("forum.search")
    if backend is None:
        if app.config["SEARCH_BACKEND"] == "postgres":
            from forum.search.postgres_backend import PostgresBackend

            backend = PostgresBackend()
        else:
            from forum.search.whoosh_backend import WhooshBackend

            backend = WhooshBackend(app.config["SEARCH_INDEX_DIR"], app.config["SEARCH_WRITER"])
        app.extensions["forum.search"] = backend
    return backend


def register_search(app: Flask) -> None:
    """Check the settings; the outbox's search handlers register on import."""
    for setting, allowed in (("SEARCH_BACKEND", BACKENDS), ("SEARCH_WRITER", WRITERS)):
        if app.config[setting] not in allowed:
            raise ValueError(
                f"FORUM_{setting} must be one of {', '.join(allowed)}, not {app.config[setting]!r}"
            )
    from forum.search import indexing  # noqa: F401


def backend_health() -> str:
    """ "ok", or "down" while the index is missing, unreadable, being rebuilt, or cannot
    take changes (they wait in the outbox meanwhile)."""
    try:
        backend = get_backend()
        return "ok" if backend.status() == "ok" and backend.writable() else "down"
    except Exception:  # a backend that cannot even start is down, and says so here
        return "down"
