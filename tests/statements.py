"""Counting the SQL statements a piece of work sends (transaction control left out)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

from forum.extensions import db


@contextmanager
def counted(engine: Engine | None = None) -> Iterator[list[str]]:
    """The statements sent inside the block, in order: through ``engine``, else the app's
    (which needs an app context to enter)."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    engine = engine or db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)
