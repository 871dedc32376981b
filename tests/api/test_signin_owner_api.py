"""Sign-in limits that never lock the owner out (issue 11): a client that signed in as a
person before carries a device cookie and is judged by its own failures only, so a flood
of wrong passwords against that person's e-mail from many addresses stops the flood, not
them. And /forgot-password: limited per e-mail and per address, the same work whether the
address has an account or not."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from forum.auth import DEVICE_COOKIE
from forum.extensions import db
from forum.models import AccountLink, Job
from tests.api.helpers import expect_error, fresh
from tests.conftest import csrf_token
from tests.factories import PASSWORD
from tests.statements import counted

PER_EMAIL = 4
PER_ADDRESS = 6
FLOOD = [f"198.51.100.{n}" for n in range(1, 31)]  # thirty addresses, one e-mail


def _config(storage: str | None) -> dict:
    config = {
        "LOGIN_FAILURES_PER_EMAIL": f"{PER_EMAIL} per minute",
        "LOGIN_FAILURES_PER_ADDRESS": f"{PER_ADDRESS} per minute",
        "RESET_REQUESTS_PER_EMAIL": "2 per hour",
        "RESET_REQUESTS_PER_ADDRESS": "3 per hour",
    }
    if storage:
        config["LIMITS_STORAGE_URI"] = storage
        config["LIMITS_KEY_PREFIX"] = f"-test-{uuid.uuid4().hex}"
    return config


@pytest.fixture(params=["memory", "redis"])
def app_config(request):
    if request.param == "redis":
        return _config(request.getfixturevalue("redis_url"))
    return _config(None)


def _token(client, email: str, password: str, address: str = "192.0.2.1"):
    return client.post(
        "/api/v1/auth/token",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def _page_login(client, email: str, password: str, address: str = "192.0.2.1"):
    form = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=form, environ_base={"REMOTE_ADDR": address})


def _flood(app, email: str) -> list[int]:
    """Wrong passwords against ``email`` from thirty addresses, each a new client."""
    return [_token(app.test_client(), email, "guess", address).status_code for address in FLOOD]


def _owners_browser(app, member):
    """The browser the owner uses: signed in once (so it holds a device cookie), then out."""
    browser = app.test_client()
    assert _page_login(browser, member.email, PASSWORD).status_code == 302
    assert browser.get_cookie(DEVICE_COOKIE) is not None
    browser.post("/logout", data={"csrf_token": csrf_token(browser, "/")})
    return browser


def test_a_flood_from_many_addresses_stops_strangers_but_never_the_owners_browser(app, member):
    browser = _owners_browser(app, member)
    statuses = _flood(app, member.email)
    assert statuses[:PER_EMAIL] == [401] * PER_EMAIL
    assert set(statuses[PER_EMAIL:]) == {429}
    # A client the account has never used waits, even with the right password.
    expect_error(_token(app.test_client(), member.email, PASSWORD, "203.0.113.9"), 429)
    # The owner's browser signs in on the page, from wherever they are today.
    assert _page_login(browser, member.email, PASSWORD, "203.0.113.5").status_code == 302
    assert browser.get("/api/v1/me").get_json()["id"] == member.id


def test_an_api_client_that_kept_its_cookie_is_not_stopped_either(app, member):
    client = app.test_client()
    assert _token(client, member.email, PASSWORD).status_code == 200
    _flood(app, member.email)
    assert _token(client, member.email, PASSWORD, "203.0.113.7").status_code == 200


def test_a_known_device_is_still_limited_by_its_own_failures(app, member):
    browser = _owners_browser(app, member)
    for _ in range(PER_EMAIL):
        assert _page_login(browser, member.email, "typo").status_code == 401
    refused = _page_login(browser, member.email, PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.get_data(as_text=True)
    # Its failures were its own: a stranger's budget for this e-mail is untouched.
    assert _token(app.test_client(), member.email, PASSWORD, "203.0.113.8").status_code == 200


@pytest.mark.parametrize("cookie", ["someone else's", "altered", "expired"])
def test_only_a_genuine_live_cookie_of_that_person_helps(
    app, member, make_user, cookie, monkeypatch
):
    other = make_user()
    browser = app.test_client()
    if cookie == "expired":
        # Issued 181 days ago: past FORUM_DEVICE_COOKIE_DAYS (180).
        import itsdangerous.timed

        real = itsdangerous.timed.TimestampSigner.get_timestamp
        monkeypatch.setattr(
            itsdangerous.timed.TimestampSigner,
            "get_timestamp",
            lambda self: real(self) - 181 * 24 * 3600,
        )
    holder = other if cookie == "someone else's" else member
    assert _token(browser, holder.email, PASSWORD).status_code == 200
    monkeypatch.undo()
    if cookie == "altered":
        value = browser.get_cookie(DEVICE_COOKIE).value
        browser.set_cookie(DEVICE_COOKIE, value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    _flood(app, member.email)
    expect_error(_token(browser, member.email, PASSWORD, "203.0.113.6"), 429)


def test_the_device_cookie_is_http_only_with_an_end(app, member):
    browser = app.test_client()
    response = _token(browser, member.email, PASSWORD)
    header = next(h for h in response.headers.getlist("Set-Cookie") if DEVICE_COOKIE in h)
    assert "HttpOnly" in header and "Max-Age=15552000" in header and "SameSite=Lax" in header


# Forgotten passwords ---------------------------------------------------------------------------


def _forgot(client, email: str, address: str = "192.0.2.1"):
    form = {"email": email, "csrf_token": csrf_token(client, "/forgot-password")}
    return client.post("/forgot-password", data=form, environ_base={"REMOTE_ADDR": address})


def test_forgot_password_is_limited_per_email(app, member):
    statuses = [_forgot(app.test_client(), member.email, a).status_code for a in FLOOD[:3]]
    assert statuses == [200, 200, 429]


def test_forgot_password_is_limited_per_address(app, make_user):
    people = [make_user() for _ in range(4)]
    statuses = [_forgot(app.test_client(), p.email).status_code for p in people]
    assert statuses == [200, 200, 200, 429]
    refused = _forgot(app.test_client(), people[3].email)
    assert "too often" in refused.get_data(as_text=True)


def _statements_of(app, send) -> list[str]:
    """The SQL statements a request runs, with their values left out."""
    with app.app_context():
        engine = db.engine  # the request runs in an app context of its own
    with counted(engine) as seen:
        response = send()
    assert response.status_code == 200
    return [statement.split(" WHERE ")[0] for statement in seen]


def test_forgot_password_does_the_same_work_whether_the_address_has_an_account(app, member):
    email = member.email  # read now: loading it later would count as the request's work
    known = _statements_of(app, lambda: _forgot(app.test_client(), email, "192.0.2.10"))
    unknown = _statements_of(
        app, lambda: _forgot(app.test_client(), "nobody@example.com", "192.0.2.11")
    )
    assert known == unknown
    # Both queued one job and nothing else; the link is made by the worker, later.
    jobs = fresh().scalars(select(Job)).all()
    assert [j.kind for j in jobs] == ["password_reset", "password_reset"]
    assert fresh().scalars(select(AccountLink)).first() is None
