"""`flask --app forum backup` and `restore` (issue 11.4): a backup taken while eight people
post holds everything acknowledged before it began, and comes back whole into a new instance,
upgraded and searchable.

SQLite on real files, each instance an app of its own built by the migrations (a restore
upgrades with them); PostgreSQL only has to be pointed to its own tools.
"""

from __future__ import annotations

import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from forum import create_app
from forum.extensions import db
from forum.models import Post
from forum.services import accounts, threads
from tests import factories
from tests.conftest import ApiClient, FreshContextClient, _base_config

WRITERS = 8


def _instance(folder: Path) -> Flask:
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app(_base_config(f"sqlite:///{folder / 'forum.db'}", str(folder)))
    app.test_client_class = FreshContextClient
    return app


@pytest.fixture
def live(tmp_path: Path, keep_logging) -> Iterator[Flask]:
    """An instance made the way `make run` makes one: migrations, then data."""
    app = _instance(tmp_path / "live")
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def _sqlite(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@dataclass
class Writer:
    """One person posting replies through the API, noting when each was acknowledged."""

    api: ApiClient
    thread_id: int
    index: int
    stop: threading.Event
    acked: list[tuple[float, int]] = field(default_factory=list)
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._post, daemon=True)
        self.thread.start()

    def _post(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            body = f"Writer {self.index} reply {n} about backups"
            r = self.api.post(f"/threads/{self.thread_id}/posts", json={"body": body})
            if r.status_code == 201:
                self.acked.append((time.monotonic(), r.get_json()["id"]))
            elif r.status_code == 429:  # a per-person write limit: wait as told
                self.stop.wait(float(r.headers.get("Retry-After", "1")))
            else:
                raise AssertionError(f"{r.status_code}: {r.get_data(as_text=True)}")


def _start_writers(app: Flask) -> tuple[list[Writer], threading.Event]:
    with app.app_context():
        module = factories.make_module(title="Operations")
        people = [factories.make_user(name=f"Writer {i}") for i in range(WRITERS)]
        opening = threads.create_thread(
            people[0], module.id, title="Where are the backups kept?", body="Asking for a drill."
        )
        tokens = [accounts.issue_token(p).token for p in people]
        thread_id = opening.id
    stop = threading.Event()
    writers = [
        Writer(ApiClient(app.test_client(), t), thread_id, i, stop) for i, t in enumerate(tokens)
    ]
    for w in writers:
        w.start()
    return writers, stop


def test_a_backup_under_eight_writers_restores_everything_acknowledged_before_it(live, tmp_path):
    writers, stop = _start_writers(live)
    try:
        time.sleep(1.5)
        began = time.monotonic()
        result = _run(live, "backup", str(tmp_path / "forum.backup"))
        time.sleep(0.5)  # writers go on after it, too
    finally:
        stop.set()
        for w in writers:
            w.thread.join(30)
    assert result.exit_code == 0, result.output
    before = {post_id for w in writers for at, post_id in w.acked if at < began}
    assert len(before) >= WRITERS  # every writer got posts in before the backup
    backup = tmp_path / "forum.backup"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    restored = _instance(tmp_path / "restored")
    result = _run(restored, "restore", str(backup))
    assert result.exit_code == 0, result.output
    path = tmp_path / "restored" / "forum.db"
    with _sqlite(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with restored.app_context():
        have = set(db.session.scalars(select(Post.id)))
        assert before <= have, f"{len(before - have)} acknowledged posts are missing"
        db.engine.dispose()
    search = ApiClient(restored.test_client(), writers[0].api.headers["Authorization"][7:])
    found = search.get("/search", query_string={"q": "backups", "type": "post"})
    assert found.status_code == 200 and found.get_json()["total"] >= len(before)


def _backup_of(app: Flask, tmp_path: Path) -> Path:
    path = tmp_path / "forum.backup"
    result = _run(app, "backup", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_restore_upgrades_a_backup_of_an_older_release(tmp_path, keep_logging):
    old = _instance(tmp_path / "old")
    with old.app_context():
        upgrade(revision="0007")
        # Today's models may have columns that release lacked: write its data by hand.
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO cohorts (name, description, created_at) "
                "VALUES ('Older cohort', '', '2026-01-01 00:00:00')"
            )
        db.engine.dispose()
    restored = _instance(tmp_path / "restored")
    result = _run(restored, "restore", str(_backup_of(old, tmp_path)))
    assert result.exit_code == 0, result.output
    with restored.app_context():
        config = restored.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with _sqlite(tmp_path / "restored" / "forum.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
        assert conn.execute("SELECT name FROM cohorts").fetchall() == [("Older cohort",)]


def test_restore_refuses_an_instance_with_data_unless_told_to_replace_it(live, tmp_path):
    with live.app_context():
        factories.make_user(name="Kept Before")
    backup = _backup_of(live, tmp_path)
    with live.app_context():
        factories.make_user(name="Added After")
        db.engine.dispose()
    refused = _run(live, "restore", str(backup))
    assert refused.exit_code != 0 and "already holds data" in refused.output
    with _sqlite(tmp_path / "live" / "forum.db") as conn:
        assert len(conn.execute("SELECT id FROM users").fetchall()) == 2
    replaced = _run(live, "restore", "--replace", str(backup))
    assert replaced.exit_code == 0, replaced.output
    with _sqlite(tmp_path / "live" / "forum.db") as conn:
        assert conn.execute("SELECT name FROM users").fetchall() == [("Kept Before",)]


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"not a database at all, just text" * 200, "not a SQLite database"),
        (None, "not a backup of this service"),  # a SQLite file without migrations
    ],
)
def test_restore_refuses_what_is_not_a_backup(tmp_path, content, problem):
    source = tmp_path / "source.db"
    if content is None:
        with sqlite3.connect(source) as conn:
            conn.execute("CREATE TABLE notes (body TEXT)")
    else:
        source.write_bytes(content)
    result = _run(_instance(tmp_path / "target"), "restore", str(source))
    assert result.exit_code != 0 and problem in result.output


@pytest.mark.parametrize("command, tool", [("backup", "pg_dump"), ("restore", "pg_restore")])
def test_on_postgresql_the_commands_point_to_its_own_tools(tmp_path, command, tool):
    (tmp_path / "some.dump").write_bytes(b"PGDMP")
    app = create_app(_base_config("postgresql+psycopg://forum@127.0.0.1:9/forum", str(tmp_path)))
    result = _run(app, command, str(tmp_path / "some.dump"))
    assert result.exit_code != 0 and tool in result.output
