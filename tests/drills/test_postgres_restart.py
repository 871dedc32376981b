"""Drill (c): PostgreSQL restarts under a running app. While it is down every request
fails fast and cleanly (503, the contract's error shape, never a hang); when it is back the
same app, its pool unchanged, serves again. A proxy in front of the shared PostgreSQL
stands in for the restart (it cuts every connection and turns new ones away), so other
tests using that server are not disturbed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from forum.extensions import db
from forum.services import accounts, threads
from tests import factories
from tests.conftest import POSTGRES_URL, ApiClient, csrf_token, need, postgres_database
from tests.drills.conftest import make_instance
from tests.drills.proxy import FaultyProxy

# A new connection gives up after this (the smallest PostgreSQL allows), and a request
# must be answered within a few such waits while the database is away: a hang fails.
CONNECT_TIMEOUT = 2
PROMPT_SECONDS = 3 * CONNECT_TIMEOUT


@pytest.fixture
def proxied(tmp_path) -> Iterator[tuple[object, FaultyProxy]]:
    need(bool(POSTGRES_URL), "PostgreSQL drills need FORUM_TEST_POSTGRES_URL")
    for url in postgres_database("drill"):
        real = make_url(url)
        proxy = FaultyProxy((real.host or "127.0.0.1", real.port or 5432))
        through = real.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        app = make_instance(
            tmp_path / "instance",
            SQLALCHEMY_DATABASE_URI=through,
            DB_CONNECT_TIMEOUT=CONNECT_TIMEOUT,
        )
        try:
            with app.app_context():
                yield app, proxy
                db.session.remove()
                db.engine.dispose()
        finally:
            proxy.close()


def _timed(call):
    started = time.monotonic()
    response = call()
    assert time.monotonic() - started < PROMPT_SECONDS
    return response


def _signed_in(app, person):
    browser = app.test_client()
    form = {"email": person.email, "password": factories.PASSWORD}
    form["csrf_token"] = csrf_token(browser)
    assert browser.post("/login", data=form).status_code == 302
    return browser


@pytest.mark.parametrize("fault", ["restarting", "unreachable"])
def test_requests_fail_cleanly_while_postgres_is_away_and_the_same_app_recovers(proxied, fault):
    app, proxy = proxied
    person = factories.make_user(name="Pia Postgres")
    module = factories.make_module(title="Databases")
    thread = threads.create_thread(person, module.id, title="Failover?", body="What happens?")
    api = ApiClient(app.test_client(), accounts.issue_token(person).token)
    browser = _signed_in(app, person)
    thread_id = thread.id
    db.session.remove()

    def requests():
        return {
            "api read": _timed(lambda: api.get(f"/threads/{thread_id}")),
            "api write": _timed(
                lambda: api.post(f"/threads/{thread_id}/posts", json={"body": "Still there?"})
            ),
            "page": _timed(lambda: browser.get(f"/threads/{thread_id}")),
            "health": _timed(lambda: api.get("/health")),
        }

    before = requests()
    assert {k: r.status_code for k, r in before.items()} == {
        "api read": 200, "api write": 201, "page": 200, "health": 200,
    }  # fmt: skip

    if fault == "restarting":
        proxy.down()
    else:
        proxy.hang()
    for _ in range(2):  # the pooled connections die first, then new ones are refused
        during = requests()
        assert {k: r.status_code for k, r in during.items()} == dict.fromkeys(during, 503)
        for key in ("api read", "api write"):
            error = during[key].get_json()["error"]
            assert error["code"] == "unavailable" and error["message"]
        assert during["api read"].headers["Retry-After"]
        assert "try again" in during["page"].get_data(as_text=True).lower()
        assert during["health"].get_json()["database"] == "down"

    proxy.up()
    after = requests()
    assert {k: r.status_code for k, r in after.items()} == {
        "api read": 200, "api write": 201, "page": 200, "health": 200,
    }  # fmt: skip
    assert after["health"].get_json()["status"] == "ok"
    posts = api.get(f"/threads/{thread_id}").get_json()["posts"][1:]
    assert [p["body"] for p in posts] == ["Still there?"] * 2  # before and after, none between
