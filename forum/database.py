"""Engine set-up: SQLite that holds under concurrent writers, and the write-transaction helper.

SQLite runs in WAL mode with ``synchronous=NORMAL`` and a busy timeout. pysqlite's own
transaction handling is switched off so that we emit ``BEGIN`` ourselves: read-only work
begins DEFERRED, while service writes begin IMMEDIATE. A deferred transaction that reads and
then writes can fail with "database is locked" at once, whatever the timeout, because SQLite
cannot upgrade its read snapshot when another writer got there first.

Within one process, writers also take turns on a lock before BEGIN IMMEDIATE. SQLite's busy
handler polls (sleeps of up to 100 ms, in no order), so under many threads some writers lost
every race for seconds on end while holding a pooled connection, and readers then starved for
connections (bench/sqlite_writers.py, docs/BENCHMARKS.md). Waiting on the lock holds no
connection and wakes the next writer as soon as the last one commits (the outbox's short
bookkeeping goes ahead of the waiting writers: ``WriterTurns``); the busy timeout still
arbitrates between processes.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import CursorResult, Engine, Result, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from forum.extensions import db

WRITE_OPTION = "forum_write"
WRITER_LOCK = "forum.writer_lock"


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _owner_only(uri: str) -> None:
    """Create the SQLite file readable by its owner only; SQLite gives its -wal and -shm
    files the same mode."""
    path = make_url(uri).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    # An existing file is kept as it is; a missing folder SQLite reports in its own words.
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def register_database(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        _owner_only(uri)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
            app.extensions[WRITER_LOCK] = WriterTurns()


class WriterTurns:
    """This process's SQLite writers, one at a time. A writer that asks to go ahead (the
    outbox's claims and its record of finished jobs: a few rows, done in a millisecond) is
    let in before those waiting; the others wait as on a plain lock. Behind eight busy
    writers, each of those bookkeeping transactions waited about 90 ms for its turn, and
    every post waited on two of them before it became searchable."""

    def __init__(self) -> None:
        self._changed = threading.Condition(threading.Lock())
        self._held = False
        self._waiting_ahead = 0

    def acquire(self, timeout: float, ahead: bool = False) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            self._waiting_ahead += ahead
            try:
                while self._held or (self._waiting_ahead and not ahead):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    self._changed.wait(left)
                self._held = True
                return True
            finally:
                self._waiting_ahead -= ahead

    def release(self) -> None:
        with self._changed:
            self._held = False
            self._changed.notify_all()  # the next in line may be one that goes ahead


@contextmanager
def _writer_turn(ahead: bool) -> Iterator[None]:
    """This process's turn to write (SQLite only), waited for no longer than the busy timeout."""
    turns: WriterTurns | None = current_app.extensions.get(WRITER_LOCK)
    if turns is None:
        yield
        return
    if not turns.acquire(current_app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000, ahead):
        reason = sqlite3.OperationalError("database is locked (no turn to write in time)")
        raise OperationalError("BEGIN IMMEDIATE", None, reason)
    try:
        yield
    finally:
        turns.release()


@contextmanager
def write_transaction(*, keep_loaded: bool = False, ahead: bool = False) -> Iterator[Session]:
    """Run a service's read-then-write work in one transaction that takes the write lock first
    (SQLite: BEGIN IMMEDIATE; PostgreSQL locks rows as they are written).

    Re-entrant: a service called from another service joins the outer transaction. Objects
    loaded before it are read again inside it, as they would be after a commit.

    ``keep_loaded``: the objects loaded or written stay loaded after the commit instead of
    being expired, so that what the caller sends on (a live chat message and its author)
    costs no second round of queries. For a write whose rows nothing else changes at once;
    queries still see the newest data.

    ``ahead``: on SQLite, go before this process's writers already waiting (``WriterTurns``);
    only for bookkeeping of a few rows that other work waits on.
    """
    session = db.session()
    if session.info.get(WRITE_OPTION):
        yield session
        return
    # On PostgreSQL (READ COMMITTED) a read already begun simply goes on as the write: each
    # statement sees the newest commits and BEGIN takes no lock, so ending it first would
    # only cost round trips (a COMMIT, a pool check-out with its ping, a BEGIN: a live chat
    # message waited on all three). SQLite must begin afresh, IMMEDIATE, in the writers' turn.
    reading = session.in_transaction()  # loading the signed-in user begins a read
    go_on = reading and current_app.extensions.get(WRITER_LOCK) is None
    expire_on_commit = session.expire_on_commit
    session.expire_on_commit = not keep_loaded
    try:
        if go_on and not keep_loaded:
            session.expire_all()  # as ending the read would: what the write reads is current
        elif reading and not go_on:
            # SQLite: end the read so that the write starts fresh, with the lock, and sees
            # the newest data.
            session.commit()
        with _writer_turn(ahead):
            session.info[WRITE_OPTION] = True
            try:
                with _transaction(session, go_on):
                    yield session
            finally:
                session.info.pop(WRITE_OPTION, None)
    finally:
        session.expire_on_commit = expire_on_commit


@contextmanager
def _transaction(session: Session, go_on: bool) -> Iterator[None]:
    """Committed at the end, rolled back on an error: a new transaction, or the one open."""
    if not go_on:
        with session.begin():
            session.connection(execution_options={WRITE_OPTION: True})
            yield
        return
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    session.commit()


def fresh_read() -> None:
    """Let the next query see every commit made until now. A SQLite transaction reads from
    the snapshot it began with, so a read left open is ended here (what it loaded is then
    read again on use, as after any commit); PostgreSQL's READ COMMITTED statements see new
    commits anyway, but one rule for both is simpler than a second branch."""
    session = db.session()
    if session.in_transaction() and not session.info.get(WRITE_OPTION):
        session.commit()


def rowcount(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE matched. ``Session.execute`` types every result as a
    plain ``Result``; for those statements it is a ``CursorResult``, which counts them."""
    return cast("CursorResult[*tuple[Any, ...]]", result).rowcount
