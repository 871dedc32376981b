"""Fixtures: app, db, client, runner, users, and signed-in API and page clients.

Every test that uses ``app`` runs on SQLite, and again on PostgreSQL when
``FORUM_TEST_POSTGRES_URL`` is set. With ``FORUM_TEST_REQUIRE_ALL=1`` (CI) a missing
PostgreSQL, Redis or browser fails the run instead of skipping.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from forum import create_app
from forum.extensions import db as _db
from tests import factories

POSTGRES_URL = os.environ.get("FORUM_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("FORUM_TEST_REDIS_URL", "")
REQUIRE_ALL = os.environ.get("FORUM_TEST_REQUIRE_ALL") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip with a clear reason on a laptop that lacks a dependency; fail on CI."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (FORUM_TEST_REQUIRE_ALL=1 turns this skip into a failure)")
    pytest.skip(reason)


def postgres_database(suffix: str) -> Iterator[str]:
    """A fresh, empty database of this test process's own; dropped afterwards."""
    base = make_url(POSTGRES_URL)
    name = f"forum_test_{os.getpid()}_{suffix}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    need(bool(POSTGRES_URL), "PostgreSQL tests need FORUM_TEST_POSTGRES_URL")
    for url in postgres_database("suite"):
        app = create_app(_base_config(url))
        with app.app_context():
            _db.create_all()
            _db.engine.dispose()
        yield url


def _base_config(database_url: str, tmp: str | None = None) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BACKGROUND_WORKER": "off",
        # Fast hashing in tests only; production uses scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "LIMITS_STORAGE_URI": "memory://",
        # Every presence change sent at once, so handler tests read each list in turn; the
        # coalescing of a production room has tests of its own (tests/realtime).
        "LIVE_PRESENCE_SECONDS": 0,
        "SEARCH_INDEX_DIR": os.path.join(tmp or "/tmp", "search-index"),
        # No helper process per test app; tests/search/test_whoosh_backend.py tests it.
        "SEARCH_WRITER": "thread",
        # Whoosh beside SQLite; PostgreSQL's own full-text search on PostgreSQL.
        "SEARCH_BACKEND": "postgres" if database_url.startswith("postgresql") else "whoosh",
        "BASE_URL": "http://localhost",
        "SERVER_NAME": None,
    }


class FreshContextClient(FlaskClient):
    """Each request in an app context of its own, as in production.

    The fixtures keep an app context open for factories and assertions; without this,
    requests would share its ``g`` (and Flask-Login's cached user) and its DB session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def keep_logging() -> Iterator[None]:
    """Alembic's env.py calls ``logging.config.fileConfig``, which disables every logger that
    already exists (``forum.mail`` among them) and replaces the root handlers. Put them back,
    so that later tests in this process still see their logs."""
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved = {
        name: (logger.disabled, logger.level, list(logger.handlers), logger.propagate)
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.setLevel(saved_root[0])
    root.handlers[:] = saved_root[1]
    for name, (disabled, level, handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.disabled, logger.propagate = disabled, propagate
        logger.setLevel(level)
        logger.handlers[:] = handlers


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'forum.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def app_config(request) -> dict:
    """Override in a test module to change settings for its tests. Tests marked ``smtp``
    send their mail through the loopback server of the ``smtp`` fixture."""
    if request.node.get_closest_marker("smtp"):
        return request.getfixturevalue("smtp").config
    return {}


@pytest.fixture
def app(database_url: str, tmp_path, app_config) -> Iterator[Flask]:
    app = create_app({**_base_config(database_url, str(tmp_path)), **app_config})
    app.test_client_class = FreshContextClient
    with app.app_context():
        if database_url.startswith("sqlite"):
            _db.create_all()
        yield app
        _db.session.remove()
        if not database_url.startswith("sqlite"):
            _truncate_all()
        _db.engine.dispose()


def _truncate_all() -> None:
    names = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
    with _db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def backend(app):
    """The app's search backend, emptied."""
    from forum.search import get_backend

    engine = get_backend()
    engine.reset()
    return engine


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# People --------------------------------------------------------------------------------


@pytest.fixture
def make_user(app):
    return factories.make_user


@pytest.fixture
def admin(app):
    return factories.make_user(role="admin", name="Ada Admin")


@pytest.fixture
def manager(app):
    return factories.make_user(role="manager", name="Max Manager")


@pytest.fixture
def member(app):
    return factories.make_user(role="member", name="Mia Member")


# Signed-in clients ---------------------------------------------------------------------


class ApiClient:
    """Calls /api/v1 with a bearer token (or none): ``api.get("/modules")``."""

    def __init__(self, client: FlaskClient, token: str | None = None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method: str, path: str, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    def get(self, path, **kw):
        return self._call("GET", path, **kw)

    def post(self, path, **kw):
        return self._call("POST", path, **kw)

    def put(self, path, **kw):
        return self._call("PUT", path, **kw)

    def patch(self, path, **kw):
        return self._call("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self._call("DELETE", path, **kw)


@pytest.fixture
def api(app):
    """``api(user)``: a client signed in with a bearer token; ``api()``: anonymous."""
    from forum.services import accounts

    def as_user(user=None) -> ApiClient:
        token = accounts.issue_token(user).token if user is not None else None
        return ApiClient(app.test_client(), token)

    return as_user


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path)
    match = CSRF_META.search(page.get_data(as_text=True))
    assert match, f"no csrf-token meta on {path}"
    return match.group(1)


@pytest.fixture
def login(app):
    """``login(user)`` gives a page client signed in through the real /login form."""

    def sign_in(user, password: str = factories.PASSWORD) -> FlaskClient:
        c = app.test_client()
        token = csrf_token(c)
        r = c.post("/login", data={"email": user.email, "password": password, "csrf_token": token})
        assert r.status_code == 302, r.get_data(as_text=True)
        return c

    return sign_in


@pytest.fixture
def redis_url() -> str:
    need(bool(REDIS_URL), "Redis tests need FORUM_TEST_REDIS_URL")
    return REDIS_URL


@pytest.fixture
def smtp() -> Iterator:
    """A real SMTP server on loopback; use ``smtp.config`` as the app's settings."""
    from tests.mailbox import LoopbackController, Mailbox

    box = Mailbox()
    server = LoopbackController(box, hostname="127.0.0.1", port=0)
    server.start()
    box.port = server.port
    yield box
    server.stop()
