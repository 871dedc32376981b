"""Search: a backend interface with Whoosh (embedded) and PostgreSQL full-text implementations."""

from __future__ import annotations

import os

from flask import current_app


def backend_health() -> str:
    """Whether the configured search backend can work: its index folder, or its database."""
    backend = current_app.config["SEARCH_BACKEND"]
    if backend == "postgres":
        uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
        return "ok" if uri.startswith("postgresql") else "down"
    folder = current_app.config["SEARCH_INDEX_DIR"]
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return "down"
    return "ok" if os.access(folder, os.W_OK) else "down"
