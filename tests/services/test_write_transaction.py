"""``write_transaction`` on both databases: a write after a read sees current data, and on
PostgreSQL it goes on in the read's transaction instead of paying for a second one (SQLite's
own rules, BEGIN IMMEDIATE in the writers' turn, are in test_sqlite_concurrency.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, update

from forum.database import write_transaction
from forum.models import Cohort


@contextmanager
def transactions(engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def note(name: str):
        return lambda *args: seen.append(name)

    listeners = [(name, note(name)) for name in ("begin", "commit", "rollback")]
    for name, fn in listeners:
        event.listen(engine, name, fn)
    try:
        yield seen
    finally:
        for name, fn in listeners:
            event.remove(engine, name, fn)


@pytest.fixture
def cohort(db) -> int:
    with write_transaction() as session:
        made = Cohort(name="Spring", description="first")
        session.add(made)
    return made.id


def _changed_elsewhere(db, cohort_id: int, description: str) -> None:
    with db.engine.begin() as conn:  # another connection, as another request would
        conn.execute(update(Cohort).where(Cohort.id == cohort_id).values(description=description))


def test_a_write_after_a_read_sees_what_changed_in_between(db, cohort):
    read = db.session.get(Cohort, cohort)
    assert read.description == "first"
    _changed_elsewhere(db, cohort, "second")
    with write_transaction() as session:
        inside = session.get(Cohort, cohort)
        assert inside.description == "second"  # not the value read before the write
        inside.name = "Spring, renamed"
    db.session.rollback()
    assert db.session.get(Cohort, cohort).name == "Spring, renamed"


def test_on_postgresql_a_write_after_a_read_is_one_transaction(db, cohort, database_url):
    db.session.remove()
    with transactions(db.engine) as seen:
        db.session.get(Cohort, cohort)  # a read (loading the signed-in user, say)
        with write_transaction(keep_loaded=True) as session:
            session.add(Cohort(name="Autumn", description=""))
    if database_url.startswith("postgresql"):
        assert seen == ["begin", "commit"]
    else:  # the read's snapshot ended, then BEGIN IMMEDIATE in the writers' turn
        assert seen == ["begin", "commit", "begin", "commit"]


def test_an_error_inside_a_write_after_a_read_keeps_nothing(db, cohort):
    db.session.get(Cohort, cohort)
    with pytest.raises(RuntimeError), write_transaction() as session:
        session.get(Cohort, cohort).name = "Half done"
        session.add(Cohort(name="Never", description=""))
        session.flush()
        raise RuntimeError("the service refused")
    names = set(db.session.scalars(select(Cohort.name)))
    assert names == {"Spring"}
    with write_transaction() as session:  # the session is usable again
        session.add(Cohort(name="Afterwards", description=""))
    assert set(db.session.scalars(select(Cohort.name))) == {"Spring", "Afterwards"}
