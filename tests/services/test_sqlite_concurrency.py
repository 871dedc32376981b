"""SQLite holds under concurrent writers: no "database is locked", no lost writes.

The mechanism (forum/database.py): WAL, ``synchronous=NORMAL``, a busy timeout, and service
writes that begin IMMEDIATE through ``write_transaction()`` while reads begin DEFERRED. The
control test at the end shows why IMMEDIATE matters: a deferred transaction that reads and
then writes fails at once under contention, whatever the busy timeout.

SQLite only, on a real file: each test builds its own app instead of using the
parametrized ``app`` fixture.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from forum import create_app
from forum.database import WriterTurns, write_transaction
from forum.extensions import db
from forum.models import Cohort, Membership, Module, ModuleRevision, User
from forum.services import accounts, cohorts, modules
from tests.conftest import _base_config

WRITERS = 16
READERS = 4
SECONDS = 3.0
MODULES = 4  # few, so that writers really contend for the same rows
POOL = 8  # people each writer adds to its cohorts


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "forum.db"


@pytest.fixture
def sqlite_app(db_path: Path, tmp_path: Path, app_config: dict) -> Iterator[Flask]:
    app = create_app({**_base_config(f"sqlite:///{db_path}", str(tmp_path)), **app_config})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def _raw(path: Path, timeout: float) -> sqlite3.Connection:
    """A second, independent connection; we issue BEGIN ourselves, as forum/database.py does."""
    return sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)


# The settings ----------------------------------------------------------------------------


def test_every_pooled_connection_is_wal_with_normal_sync_and_busy_timeout(sqlite_app):
    assert sqlite_app.config["SQLITE_BUSY_TIMEOUT_MS"] >= 5000
    with sqlite_app.app_context(), db.engine.connect() as one, db.engine.connect() as two:
        for conn in (one, two):
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
            assert timeout == sqlite_app.config["SQLITE_BUSY_TIMEOUT_MS"]
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_write_transaction_holds_the_write_lock_from_its_first_line(sqlite_app, db_path):
    other = _raw(db_path, timeout=0)
    with sqlite_app.app_context():
        # Nothing executed inside yet: the lock was taken by BEGIN IMMEDIATE itself.
        with (
            write_transaction(),
            pytest.raises(sqlite3.OperationalError, match="database is locked"),
        ):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
    other.close()


def test_write_transaction_is_reentrant_and_one_transaction(sqlite_app):
    with sqlite_app.app_context():
        with write_transaction() as outer, write_transaction() as inner:
            assert inner is outer
            outer.add(Cohort(name="Joined", description=""))
        assert db.session.scalar(select(func.count()).select_from(Cohort)) == 1


def test_keep_loaded_keeps_what_one_write_touched_and_only_for_that_write(sqlite_app):
    with sqlite_app.app_context():
        with write_transaction(keep_loaded=True) as session:
            kept = Cohort(name="Kept", description="")
            session.add(kept)
        assert "name" in kept.__dict__  # still loaded: reading it sends nothing
        with write_transaction() as session:
            expired = Cohort(name="Expired", description="")
            session.add(expired)
        assert "name" not in expired.__dict__ and "name" not in kept.__dict__
        assert db.session().expire_on_commit


def test_reads_begin_deferred_and_never_hold_writers_back(sqlite_app, db_path):
    other = _raw(db_path, timeout=0)
    with sqlite_app.app_context():
        db.session.execute(select(Cohort.id)).all()
        assert db.session().in_transaction()  # a read snapshot is open ...
        other.execute("BEGIN IMMEDIATE")  # ... and a writer still gets the lock at once
        other.execute("INSERT INTO cohorts (name, description, created_at) VALUES ('x', '', 0)")
        other.commit()
        db.session.rollback()
    other.close()


class Holder:
    """A thread that opens a write transaction and keeps it open until told to finish."""

    def __init__(self, app: Flask):
        self.app, self.inside, self.finish = app, threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)
        self.thread.start()
        assert self.inside.wait(5)

    def _hold(self) -> None:
        with self.app.app_context(), write_transaction():
            self.inside.set()
            self.finish.wait(10)

    def done(self) -> None:
        self.finish.set()
        self.thread.join(5)


def _write_in_thread(app: Flask, outcome: list) -> threading.Thread:
    def write() -> None:
        try:
            with app.app_context(), write_transaction() as session:
                session.add(Cohort(name="Second", description=""))
            outcome.append("written")
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_writers_of_one_process_take_turns_holding_no_connection_while_waiting(sqlite_app):
    holder = Holder(sqlite_app)
    outcome: list = []
    waiter = _write_in_thread(sqlite_app, outcome)
    time.sleep(0.3)
    assert outcome == []  # waiting for its turn ...
    with sqlite_app.app_context():
        assert db.engine.pool.checkedout() == 1  # ... holding no connection: readers get one
    holder.done()
    waiter.join(5)
    assert outcome == ["written"]


@pytest.mark.parametrize("app_config", [{"SQLITE_BUSY_TIMEOUT_MS": 300}])
def test_a_writer_with_no_turn_within_the_busy_timeout_fails_as_database_locked(sqlite_app):
    holder = Holder(sqlite_app)
    outcome: list = []
    started = time.monotonic()
    _write_in_thread(sqlite_app, outcome).join(5)
    waited = time.monotonic() - started
    holder.done()
    (error,) = outcome
    assert isinstance(error, OperationalError) and "database is locked" in str(error)
    assert 0.25 <= waited < 3


def test_bookkeeping_that_asks_to_go_ahead_is_let_in_before_the_writers_waiting():
    turns = WriterTurns()
    assert turns.acquire(1)
    order: list[str] = []

    def wait_for_turn(name: str, ahead: bool) -> threading.Thread:
        def run() -> None:
            assert turns.acquire(5, ahead)
            order.append(name)
            turns.release()

        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(0.05)  # in line before the next one comes
        return thread

    waiting = [wait_for_turn(f"writer {n}", False) for n in range(3)]
    waiting.append(wait_for_turn("the outbox", True))
    turns.release()
    for thread in waiting:
        thread.join(5)
    assert order[0] == "the outbox"
    assert sorted(order[1:]) == ["writer 0", "writer 1", "writer 2"]


def test_a_turn_not_given_in_time_is_refused_and_the_next_gets_it():
    turns = WriterTurns()
    assert turns.acquire(1)
    assert not turns.acquire(0.05)
    assert not turns.acquire(0.05, ahead=True)  # going ahead is no way past the holder
    turns.release()
    assert turns.acquire(0.05)


# The workload ----------------------------------------------------------------------------


@dataclass
class Ids:
    writers: list[int]
    readers: list[int]
    modules: list[int]
    pool: list[int]
    shared_cohort: int


@dataclass
class Tally:
    """What every thread saw acknowledged, and every failure of any kind."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    updates: Counter[int] = field(default_factory=Counter)  # module id -> acknowledged edits
    cohorts: dict[int, str] = field(default_factory=dict)
    members: set[tuple[int, int]] = field(default_factory=set)
    writes_by: Counter[int] = field(default_factory=Counter)
    reads_by: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def fail(self, who: str, exc: BaseException) -> None:
        with self.lock:
            self.errors.append(f"{who}: {exc!r}")


def _seed(app: Flask) -> Ids:
    def person(role: str, n: str) -> int:
        new = accounts.create_user(
            None, email=f"{n}@example.com", name=n, role=role, send_invite=False
        )
        return new.user.id

    with app.app_context():
        admin = db.session.get(User, person("admin", "admin"))
        writers = [person("manager", f"writer{i}") for i in range(WRITERS)]
        readers = [person("member", f"reader{i}") for i in range(READERS)]
        pool = [person("member", f"pool{i}") for i in range(POOL)]
        module_ids = [
            modules.create_module(admin, title=f"Lesson {i}", body=f"Lesson {i}.").id
            for i in range(MODULES)
        ]
        shared = cohorts.create_cohort(admin, "Readers").cohort.id
        for reader in readers:
            cohorts.add_member(admin, shared, reader)
    return Ids(writers, readers, module_ids, pool, shared)


def _write_once(t: int, i: int, ids: Ids, tally: Tally, state: dict) -> None:
    """One request's worth of work: load the actor (a read), then one service write."""
    actor = db.session.get(User, ids.writers[t])
    if i % 2 == 0:
        module_id = ids.modules[(t + i) % len(ids.modules)]
        modules.update_module(actor, module_id, body=f"Edit {i} by writer {t}.")
        with tally.lock:
            tally.updates[module_id] += 1
    elif state.get("cohort") is None or state["added"] == len(ids.pool):
        name = f"Writer {t} cohort {i}"
        cohort_id = cohorts.create_cohort(actor, name).cohort.id
        state.update(cohort=cohort_id, added=0)
        with tally.lock:
            tally.cohorts[cohort_id] = name
    else:
        user_id = ids.pool[state["added"]]
        cohorts.add_member(actor, state["cohort"], user_id)
        state["added"] += 1
        with tally.lock:
            tally.members.add((state["cohort"], user_id))
    with tally.lock:
        tally.writes_by[t] += 1


def _writer(app: Flask, t: int, ids: Ids, tally: Tally, deadline: float) -> None:
    state: dict = {}
    i = 0
    while time.monotonic() < deadline:
        try:
            with app.app_context():
                _write_once(t, i, ids, tally, state)
        except Exception as exc:  # any failure counts, "database is locked" above all
            tally.fail(f"writer {t}", exc)
        i += 1


def _read_once(r: int, ids: Ids) -> None:
    """A learner's page: the modules, each module's history, and their cohort."""
    actor = db.session.get(User, ids.readers[r])
    page = modules.list_modules(actor)
    assert page.total == len(ids.modules), page.total
    for module in page.items:
        # One deferred transaction, one snapshot: the history always matches the module.
        history = modules.list_revisions(actor, module.id, per_page=1)
        assert history.total == module.revision, (module.id, history.total, module.revision)
        assert history.items[0].revision == module.revision
    detail = cohorts.get_cohort(actor, ids.shared_cohort)
    assert detail.my_role == "learner"


def _reader(app: Flask, r: int, ids: Ids, tally: Tally, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with app.app_context():
                _read_once(r, ids)
            with tally.lock:
                tally.reads_by[r] += 1
        except Exception as exc:
            tally.fail(f"reader {r}", exc)


def _run(app: Flask, ids: Ids, seconds: float) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_writer, args=(app, t, ids, tally, deadline))
        for t in range(WRITERS)
    ] + [
        threading.Thread(target=_reader, args=(app, r, ids, tally, deadline))
        for r in range(READERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        # A writer may wait for the lock up to the busy timeout (15 s) on its last call.
        thread.join(timeout=seconds + 30)
    assert not any(thread.is_alive() for thread in threads), "a worker never finished"
    return tally


def _assert_nothing_lost(app: Flask, ids: Ids, tally: Tally) -> None:
    with app.app_context():
        for module_id in ids.modules:
            module = db.session.get(Module, module_id)
            assert module.revision == 1 + tally.updates[module_id]
            revisions = db.session.scalars(
                select(ModuleRevision.revision)
                .where(ModuleRevision.module_id == module_id)
                .order_by(ModuleRevision.revision)
            ).all()
            assert revisions == list(range(1, module.revision + 1))  # one row per edit
        names = dict(
            db.session.execute(
                select(Cohort.id, Cohort.name).where(Cohort.id != ids.shared_cohort)
            ).all()
        )
        assert names == tally.cohorts
        rows = db.session.execute(
            select(Membership.cohort_id, Membership.user_id).where(
                Membership.cohort_id != ids.shared_cohort
            )
        )
        members = {(cohort_id, user_id) for cohort_id, user_id in rows}
        assert members == tally.members


def test_sixteen_writers_and_four_readers_hit_no_lock_errors_and_lose_nothing(sqlite_app):
    ids = _seed(sqlite_app)
    tally = _run(sqlite_app, ids, SECONDS)

    assert tally.errors == []
    # Every writer and reader got work done: nobody starved behind the lock.
    assert sorted(tally.writes_by) == list(range(WRITERS)), tally.writes_by
    assert sorted(tally.reads_by) == list(range(READERS)), tally.reads_by
    assert sum(tally.updates.values()) > 0 and tally.cohorts and tally.members
    _assert_nothing_lost(sqlite_app, ids, tally)


# The control: why writes must begin IMMEDIATE ----------------------------------------------


@pytest.fixture
def counter_db(tmp_path: Path) -> Path:
    path = tmp_path / "control.db"
    setup = _raw(path, timeout=0)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
    setup.execute("INSERT INTO counter VALUES (0)")
    setup.close()
    return path


def test_deferred_read_then_write_fails_at_once_whatever_the_busy_timeout(counter_db):
    first, second = _raw(counter_db, timeout=5), _raw(counter_db, timeout=5)
    for conn in (first, second):
        conn.execute("BEGIN")  # deferred: no lock until the first write
        assert conn.execute("SELECT n FROM counter").fetchone() == (0,)
    first.execute("UPDATE counter SET n = n + 1")  # first takes the write lock and holds it

    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        second.execute("UPDATE counter SET n = n + 1")
    # SQLite does not wait: waiting could deadlock, as second holds a read snapshot.
    assert time.monotonic() - started < 1.0

    first.commit()
    # Even once the lock is free, second's snapshot is stale: it can never write.
    with pytest.raises(sqlite3.OperationalError, match="database is locked") as stale:
        second.execute("UPDATE counter SET n = n + 1")
    assert stale.value.sqlite_errorname == "SQLITE_BUSY_SNAPSHOT"
    second.rollback()
    first.close(), second.close()


def test_immediate_read_then_write_waits_for_the_lock_and_loses_no_update(counter_db):
    first, second = _raw(counter_db, timeout=5), _raw(counter_db, timeout=5)
    first.execute("BEGIN IMMEDIATE")
    (n,) = first.execute("SELECT n FROM counter").fetchone()
    first.execute("UPDATE counter SET n = ?", (n + 1,))

    failures: list[BaseException] = []

    def second_increments() -> None:
        try:
            second.execute("BEGIN IMMEDIATE")  # waits in the busy handler, then gets the lock
            (seen,) = second.execute("SELECT n FROM counter").fetchone()
            second.execute("UPDATE counter SET n = ?", (seen + 1,))
            second.commit()
        except BaseException as exc:
            failures.append(exc)

    waiter = threading.Thread(target=second_increments)
    waiter.start()
    time.sleep(0.3)
    assert waiter.is_alive()  # still waiting for first
    first.commit()
    waiter.join(timeout=5)
    assert not waiter.is_alive() and failures == []
    assert first.execute("SELECT n FROM counter").fetchone() == (2,)
    first.close(), second.close()


def test_the_engine_begins_writes_immediate_and_reads_deferred(sqlite_app):
    """What the service path actually sends to SQLite."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        sent.append(statement)

    with sqlite_app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            db.session.execute(text("SELECT 1"))
            db.session.commit()
            with write_transaction() as session:
                session.execute(text("SELECT 2"))
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert sent == ["BEGIN", "SELECT 1", "BEGIN IMMEDIATE", "SELECT 2"]
