"""The migrations build the schema from empty, agree with the models, and go down and up again.

Run on SQLite always and on PostgreSQL when ``FORUM_TEST_POSTGRES_URL`` is set, each time on
a fresh, empty database (not the suite's ``create_all`` one).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from forum import create_app
from forum.extensions import db
from tests import factories
from tests.conftest import POSTGRES_URL, _base_config, need, postgres_database


@pytest.fixture(params=["sqlite", "postgres"])
def empty_database(request, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    need(bool(POSTGRES_URL), "PostgreSQL tests need FORUM_TEST_POSTGRES_URL")
    yield from postgres_database("migrations")


@pytest.fixture
def migrated_app(empty_database: str, tmp_path: Path, keep_logging) -> Iterator[Flask]:
    """An app on an empty database; the test runs the migrations itself."""
    app = create_app(_base_config(empty_database, str(tmp_path)))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _head(app: Flask) -> str:
    config = app.extensions["migrate"].migrate.get_config()
    (head,) = ScriptDirectory.from_config(config).get_heads()  # one line of history
    return head


def _current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _differences() -> list:
    """What ``flask db migrate`` would put in a new migration: must be nothing."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, db.metadata)


def test_flask_db_upgrade_builds_every_table_from_empty(migrated_app):
    assert _tables() == set()

    result = migrated_app.test_cli_runner().invoke(args=["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert _tables() == set(db.metadata.tables) | {"alembic_version"}
    assert _current_revision() == _head(migrated_app)


def test_models_and_migrated_schema_agree(migrated_app):
    upgrade()
    assert _differences() == []


def test_migrated_schema_takes_real_writes(migrated_app):
    upgrade()
    manager = factories.make_user(role="manager")
    module = factories.make_module(owner=manager)
    cohort = factories.make_cohort(members={manager: "facilitator"}, actor=manager)
    assert (module.revision, module.owner_id) == (1, manager.id)
    assert cohort.id is not None


def test_downgrade_to_base_then_upgrade_again(migrated_app):
    upgrade()
    downgrade(revision="base")
    assert _tables() == {"alembic_version"}
    assert _current_revision() is None

    upgrade()
    assert _tables() == set(db.metadata.tables) | {"alembic_version"}
    assert _current_revision() == _head(migrated_app)
    assert _differences() == []


def test_0004_renders_stored_images_as_links(migrated_app):
    """Posts and lessons stored with an <img> before images became links are rendered again;
    other stored HTML is left exactly as it was."""
    upgrade(revision="0003")
    with db.engine.begin() as conn:
        for module_id, body, html in (
            (1, "![map](/notifications/7)", '<p><img src="/notifications/7" alt="map"></p>'),
            (2, "Plain text", "<p>kept as it was</p>"),
        ):
            conn.execute(
                text(
                    "INSERT INTO modules (id, slug, title, summary, body, body_html, position,"
                    " published, revision, created_at, updated_at) VALUES (:id, :slug, 't',"
                    " '', :body, :html, :id, :yes, 1, :now, :now)"
                ),
                {"id": module_id, "slug": f"m{module_id}", "body": body, "html": html,
                 "yes": True, "now": datetime(2026, 1, 1)},
            )  # fmt: skip
    upgrade()
    with db.engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, body_html FROM modules")).all())
    assert "<img" not in rows[1] and 'href="/notifications/7"' in rows[1]
    assert rows[2] == "<p>kept as it was</p>"


def test_0010_moves_everyone_on_the_old_default_to_the_daily_digest(migrated_app):
    """Before 0010 nothing was mailed, so 'immediate' was only the old default: upgrading
    must not start a letter per reply. Those who chose no e-mail keep that."""
    upgrade(revision="0009")
    with db.engine.begin() as conn:
        for user_id, choice in ((1, "immediate"), (2, "off"), (3, "daily")):
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, role, active, created_at,"
                    " notify_email, reminder_email) VALUES (:id, :email, 'n', 'member', :yes,"
                    " :now, :choice, :yes)"
                ),
                {"id": user_id, "email": f"u{user_id}@example.com", "yes": True,
                 "now": datetime(2026, 1, 1), "choice": choice},
            )  # fmt: skip
    upgrade()
    with db.engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, notify_email FROM users")).all())
    assert rows == {1: "daily", 2: "off", 3: "daily"}
