"""What only the PostgreSQL backend has: its tables, their migration, a rebuild beside a
live index, vocabulary-backed prefixes and suggestions, and a status that tells the truth
about a database it cannot use. The shared behaviour suite covers everything else."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from forum import create_app
from forum.extensions import db
from forum.search.base import parse_query
from forum.search.postgres_backend import SCHEMA, PostgresBackend, create_statements
from tests import test_migrations as migrations
from tests.conftest import _base_config, postgres_database
from tests.search.test_backend_behaviour import doc, find, keys

# The migration tests' fresh, empty databases (SQLite, and PostgreSQL when there is one).
empty_database = migrations.empty_database
migrated_app = migrations.migrated_app


@pytest.fixture
def database_url(postgres_url: str) -> str:
    """PostgreSQL only: replaces tests/conftest.py's SQLite-and-PostgreSQL parameter."""
    return postgres_url


def _index_objects() -> set[str]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = :s UNION ALL"
                " SELECT indexname FROM pg_indexes WHERE schemaname = :s"
            ),
            {"s": SCHEMA},
        )
        return set(rows.scalars())


def test_a_search_during_a_rebuild_answers_from_the_old_index(backend):
    backend.apply([doc(id_=1, title="Stale title")], [])
    names = _index_objects()
    during: list[tuple[list[str], list[str]]] = []

    def progress(n: int) -> None:
        # The rebuild holds its own connection; this search takes another from the pool.
        during.append((keys(find(backend, "stale")), keys(find(backend, "fresh"))))
        if n == 500:  # a change applied meanwhile reaches the new index too
            backend.apply([doc(id_=9999, title="Fresh while rebuilding")], [])

    fresh = (doc(id_=i, title="Fresh title") for i in range(2, 1003))
    backend.rebuild(fresh, progress)

    assert [stale for stale, _ in during] == [["thread:1"]] * 3  # at 500, 1000 and 1001
    # Not one of the thousand new documents shows before the swap; the one change applied
    # meanwhile is live at once.
    assert [fresh for _, fresh in during] == [[], ["thread:9999"], ["thread:9999"]]
    assert keys(find(backend, "stale")) == []
    assert find(backend, "fresh").total == 1002
    assert "thread:9999" in keys(find(backend, "rebuilding"))
    assert _index_objects() == names  # same tables and index names, no leftovers


def test_a_failed_rebuild_leaves_the_old_index_in_place(backend):
    backend.apply([doc(id_=1, title="Kept title")], [])
    names = _index_objects()

    def documents() -> Iterator:
        yield from (doc(id_=i, title="Half done") for i in range(2, 600))
        raise RuntimeError("the database went away mid-read")

    with pytest.raises(RuntimeError):
        backend.rebuild(documents(), lambda n: None)

    assert keys(find(backend, "kept")) == ["thread:1"]
    assert keys(find(backend, "half")) == []
    assert _index_objects() == names


def _word(n: int) -> str:
    letters = ""
    while True:
        n, digit = divmod(n, 26)
        letters += chr(ord("a") + digit)
        if n == 0:
            return letters


def test_a_prefix_over_thousands_of_distinct_words_finds_exactly_their_documents(backend):
    count = 5_000
    documents = (
        doc(id_=i, title=f"Notes {i}", body=f"About the quokka{_word(i)}ments of {_word(i)}ville.")
        for i in range(1, count + 1)
    )
    backend.rebuild(documents, lambda n: None)

    word = f"quokka{_word(1234)}ments"  # stemmed to quokka{...}: shorter than the prefix
    for text_, total in (("quokk*", count), (f"{word}*", 1), (f"{word[:-1]}*", 1)):
        results = find(backend, text_)
        assert results.total == total, text_  # how fast: bench/search.py
    (hit,) = find(backend, f"{word[:-1]}*").hits
    assert hit.id == 1234 and f"<mark>{word}</mark>" in hit.snippet


def test_corrected_never_changes_a_word_that_is_indexed(backend):
    backend.apply(
        [
            doc(id_=1, title="Password manager", body="Store every password there."),
            doc(id_=2, title="Typos happen", body="Someone wrote pasword here."),
        ],
        [],
    )
    for text_ in ("pasword", "paswords", "passwords", "managers", "the", "password manager"):
        assert backend.corrected(parse_query(text_)) is None, text_
    assert backend.corrected(parse_query('managr "code review" deploym*')) == (
        'manager "code review" deploym*'
    )
    # Words of deleted documents may linger in the vocabulary (the service only offers a
    # suggestion whose corrected query has visible hits); they are still not "corrected".
    backend.apply([], ["thread:2"])
    assert backend.corrected(parse_query("pasword")) is None


def test_status_is_ok_on_a_working_index(backend):
    assert backend.status() == "ok"


@pytest.fixture
def reader_url(postgres_url: str) -> Iterator[str]:
    """A fresh database, and a role that may log in and read it but create nothing."""
    role = f"forum_search_reader_{os.getpid()}"
    owner = create_engine(make_url(postgres_url), isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
    try:
        for url in postgres_database("reader"):
            yield make_url(url).set(username=role).render_as_string(hide_password=False)
    finally:
        with owner.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        owner.dispose()


def _as_owner(url: str, *statements: str) -> None:
    engine = create_engine(make_url(url).set(username="postgres"))
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def test_status_is_down_when_the_index_is_missing_and_cannot_be_made(reader_url, tmp_path):
    app = create_app({**_base_config(reader_url, str(tmp_path)), "SEARCH_BACKEND": "postgres"})
    with app.app_context():
        backend = PostgresBackend()
        assert backend.status() == "down"  # no CREATE on the database, nothing to read

        # Made by the owner (as migration 0005 does), the same role can use it.
        role = make_url(reader_url).username
        _as_owner(
            reader_url,
            *create_statements(),
            f'GRANT USAGE ON SCHEMA {SCHEMA} TO "{role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {SCHEMA} TO "{role}"',
        )
        assert backend.status() == "ok"
        backend.apply([doc(id_=1, title="Granted")], [])
        assert keys(find(backend, "granted")) == ["thread:1"]

        _as_owner(reader_url, f"DROP SCHEMA {SCHEMA} CASCADE")
        assert backend.status() == "down"
        db.engine.dispose()


def test_status_is_down_when_the_database_cannot_be_reached(tmp_path):
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    app = create_app({**_base_config(unreachable, str(tmp_path)), "SEARCH_BACKEND": "postgres"})
    with app.app_context():
        assert PostgresBackend().status() == "down"


def _search_tables() -> set[str]:
    return set(inspect(db.engine).get_table_names(schema=SCHEMA))


def test_migration_0005_makes_the_index_tables_on_postgresql_only(migrated_app):
    upgrade(revision="0004")
    before = set(inspect(db.engine).get_table_names())
    upgrade(revision="0005")
    assert set(inspect(db.engine).get_table_names()) == before  # nothing in the app's schema

    if db.engine.dialect.name != "postgresql":
        return
    assert _search_tables() == {"documents", "words"}
    backend = PostgresBackend()
    assert backend.status() == "ok"
    backend.apply([doc(id_=1, title="Migrated index")], [])
    assert keys(find(backend, "migrated")) == ["thread:1"]

    downgrade(revision="0004")
    assert not inspect(db.engine).has_schema(SCHEMA)
