"""Backups of the embedded SQLite database, taken and put back while others may use it.

A backup is SQLite's online backup API run in one step: it reads the whole database in one
read transaction, so the copy is the database as of one commit, and in WAL mode writers
go on meanwhile. The copy is made beside its destination, readable by its owner only from
the first byte, checked (``PRAGMA integrity_check``), and then renamed into place, so FILE
is never a half-written backup.

PostgreSQL has its own tools for this (``pg_dump``, ``pg_restore``); the commands say so.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from forum.errors import Conflict, Invalid


class NotSqlite(Invalid):
    """The configured database is not a SQLite file."""


# What to run instead on PostgreSQL, per tool.
POSTGRES_INSTEAD = {
    "pg_dump": "pg_dump --format=custom --file forum.dump DBNAME",
    "pg_restore": (
        "pg_restore --clean --if-exists --dbname DBNAME forum.dump, "
        "then flask --app forum db upgrade and flask --app forum reindex"
    ),
}


def sqlite_path(uri: str, tool: str) -> Path:
    """The database file behind ``uri``; on any other database, what to use instead."""
    url = make_url(uri)
    if url.get_backend_name() != "sqlite":
        raise NotSqlite(
            f"The database is {url.get_backend_name()}, not SQLite: use {tool} instead, "
            f"for example: {POSTGRES_INSTEAD[tool]}"
        )
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise NotSqlite("The database is not a SQLite file this command can copy.")
    return Path(url.database)


def _connect(path: Path, timeout: float, *, read_only: bool = False) -> sqlite3.Connection:
    target = f"file:{path}?mode=ro" if read_only else str(path)
    return sqlite3.connect(target, timeout=timeout, uri=read_only, isolation_level=None)


def check_integrity(path: Path) -> None:
    with contextlib.closing(_connect(path, 5.0, read_only=True)) as conn:
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as exc:
            raise Invalid(f"{path} is not a SQLite database ({exc}).") from None
    if result != ["ok"]:
        raise Invalid(f"{path} fails SQLite's integrity check: {'; '.join(result[:5])}")


def _owner_only_new(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _copy(source: sqlite3.Connection, dest_path: Path, timeout: float, journal: str) -> None:
    with contextlib.closing(_connect(dest_path, timeout)) as dest:
        source.backup(dest)  # every page in one step: one consistent snapshot
        dest.execute(f"PRAGMA journal_mode={journal}")


def backup(database: Path, dest: Path, timeout: float) -> int:
    """Copy the live database at ``database`` to ``dest``; returns the copy's size in bytes."""
    if not database.exists():
        raise Invalid(f"There is no database at {database} to back up.")
    partial = dest.with_name(dest.name + ".partial")
    _owner_only_new(partial)
    try:
        with contextlib.closing(_connect(database, timeout)) as source:
            # A backup is one self-contained file, whatever mode the live database is in.
            _copy(source, partial, timeout, "DELETE")
        check_integrity(partial)
        with open(partial, "rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return dest.stat().st_size


def has_data(database: Path) -> bool:
    """Whether any table (the migrations' own bookkeeping aside) holds a row."""
    if not database.exists() or database.stat().st_size == 0:
        return False
    with contextlib.closing(_connect(database, 5.0)) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
            )
        ]
        return any(conn.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone() for t in tables)


def _revision(path: Path) -> str | None:
    with contextlib.closing(_connect(path, 5.0, read_only=True)) as conn:
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.OperationalError:
            return None
    return row[0] if row else None


def restore(source: Path, database: Path, timeout: float, *, replace: bool = False) -> str:
    """Put the backup at ``source`` in place of the database at ``database``; returns the
    backup's schema revision (the caller upgrades it to the current one)."""
    if not source.is_file():
        raise Invalid(f"There is no backup at {source}.")
    check_integrity(source)
    revision = _revision(source)
    if revision is None:
        raise Invalid(f"{source} is a SQLite database, but not a backup of this service.")
    if has_data(database) and not replace:
        raise Conflict(
            f"The database at {database} already holds data; restore puts a backup only into "
            "an empty instance. Move it aside first, or pass --replace to overwrite it."
        )
    database.parent.mkdir(parents=True, exist_ok=True)
    if not database.exists():
        _owner_only_new(database)
    with contextlib.closing(_connect(source, timeout, read_only=True)) as backup_conn:
        _copy(backup_conn, database, timeout, "WAL")
    return revision
