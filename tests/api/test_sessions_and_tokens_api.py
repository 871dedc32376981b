"""Signing out ends the session on the server; tokens expire, are capped, and can be listed
and revoked; PATCH /me changes the password and settings (issue 7.2)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import ApiToken, utcnow
from tests.api.helpers import (
    expect_envelope,
    expect_error,
    expect_invalid,
    fresh,
    is_utc_iso,
)
from tests.conftest import csrf_token
from tests.factories import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def _copy_of(app, client):
    """A second client holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _token(app, email: str, password: str = PASSWORD) -> dict:
    r = app.test_client().post("/api/v1/auth/token", json={"email": email, "password": password})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_copied_cookie_is_dead_after_signing_out(app, login, member):
    client = login(member)
    thief = _copy_of(app, client)
    assert thief.get("/api/v1/me").status_code == 200
    r = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert r.status_code == 302
    expect_error(thief.get("/api/v1/me"), 401)
    assert thief.get("/").status_code == 302  # back to the sign-in page


def test_a_copied_cookie_is_dead_after_delete_auth_token(app, login, member):
    client = login(member)
    thief = _copy_of(app, client)
    token = csrf_token(client, "/")
    assert client.delete("/api/v1/auth/token", headers={"X-CSRFToken": token}).status_code == 204
    expect_error(thief.get("/api/v1/me"), 401)


def test_signing_out_one_browser_keeps_the_others(app, login, member):
    first, second = login(member), login(member)
    first.post("/logout", data={"csrf_token": csrf_token(first, "/")})
    assert second.get("/api/v1/me").status_code == 200


def test_a_token_answer_says_when_it_expires(app, member):
    body = _token(app, member.email)
    assert is_utc_iso(body["expires_at"])
    r = app.test_client().get("/api/v1/me/tokens", headers=_bearer(body["token"]))
    (row,) = expect_envelope(r, total=1)
    assert row["expires_at"] == body["expires_at"]
    assert set(row) == {"id", "label", "created_at", "last_used_at", "expires_at"}
    assert body["token"] not in r.get_data(as_text=True)


def test_tokens_live_thirty_days_by_default(app, member):
    _token(app, member.email)
    row = fresh().scalars(select(ApiToken)).one()
    assert abs(row.expires_at - (row.created_at + timedelta(days=30))) < timedelta(seconds=5)


def test_an_expired_token_is_refused(app, member):
    token = _token(app, member.email)["token"]
    fresh().execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    expect_error(app.test_client().get("/api/v1/me", headers=_bearer(token)), 401)


def test_a_person_keeps_at_most_twenty_tokens_the_oldest_goes(app, member):
    tokens = [_token(app, member.email)["token"] for _ in range(21)]
    client = app.test_client()
    expect_error(client.get("/api/v1/me", headers=_bearer(tokens[0])), 401)
    for token in tokens[1:]:
        assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    assert len(fresh().scalars(select(ApiToken)).all()) == 20


def test_last_use_is_written_at_most_once_a_minute(app, member):
    token = _token(app, member.email)["token"]
    client = app.test_client()
    client.get("/api/v1/me", headers=_bearer(token))
    first = fresh().scalars(select(ApiToken.last_used_at)).one()
    assert first is not None
    client.get("/api/v1/me", headers=_bearer(token))
    assert fresh().scalars(select(ApiToken.last_used_at)).one() == first
    earlier = first - timedelta(minutes=2)
    fresh().execute(update(ApiToken).values(last_used_at=earlier))
    db.session.commit()
    client.get("/api/v1/me", headers=_bearer(token))
    assert fresh().scalars(select(ApiToken.last_used_at)).one() > first


def test_revoking_one_of_my_tokens_by_id(app, member, manager):
    keep, drop = _token(app, member.email)["token"], _token(app, member.email)["token"]
    client = app.test_client()
    items = expect_envelope(client.get("/api/v1/me/tokens", headers=_bearer(keep)), total=2)
    newest = items[0]["id"]  # newest first: ``drop``
    theirs = _token(app, manager.email)["token"]
    expect_error(client.delete(f"/api/v1/me/tokens/{newest}", headers=_bearer(theirs)), 404)
    assert client.delete(f"/api/v1/me/tokens/{newest}", headers=_bearer(keep)).status_code == 204
    expect_error(client.get("/api/v1/me", headers=_bearer(drop)), 401)
    assert client.get("/api/v1/me", headers=_bearer(keep)).status_code == 200


def test_changing_the_password_ends_every_other_session_and_token(app, login, member):
    here = _token(app, member.email)["token"]
    other_token = _token(app, member.email)["token"]
    browser = login(member)
    client = app.test_client()
    r = client.patch(
        "/api/v1/me",
        json={"current_password": PASSWORD, "password": NEW_PASSWORD},
        headers=_bearer(here),
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    assert client.get("/api/v1/me", headers=_bearer(here)).status_code == 200
    expect_error(client.get("/api/v1/me", headers=_bearer(other_token)), 401)
    expect_error(browser.get("/api/v1/me"), 401)
    _token(app, member.email, NEW_PASSWORD)
    r = app.test_client().post(
        "/api/v1/auth/token", json={"email": member.email, "password": PASSWORD}
    )
    expect_error(r, 401)


def test_changing_the_password_by_cookie_keeps_that_session(app, login, member):
    browser, other = login(member), login(member)
    r = browser.patch(
        "/api/v1/me",
        json={"current_password": PASSWORD, "password": NEW_PASSWORD},
        headers={"X-CSRFToken": csrf_token(browser, "/")},
    )
    assert r.status_code == 200
    assert browser.get("/api/v1/me").status_code == 200
    expect_error(other.get("/api/v1/me"), 401)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"current_password": "wrong password", "password": NEW_PASSWORD}, "current_password"),
        ({"password": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD, "password": "short"}, "password"),
        ({"current_password": PASSWORD, "password": 12345678}, "password"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": 5}, "timezone"),
        ({"notify_email": "hourly"}, "notify_email"),
        ({"reminder_email": "yes"}, "reminder_email"),
    ],
)
def test_bad_changes_to_me_are_invalid_and_change_nothing(app, member, body, field):
    token = _token(app, member.email)["token"]
    client = app.test_client()
    expect_invalid(client.patch("/api/v1/me", json=body, headers=_bearer(token)), field)
    me = client.get("/api/v1/me", headers=_bearer(token)).get_json()
    assert (me["timezone"], me["notify_email"], me["reminder_email"]) == ("UTC", "daily", True)
    _token(app, member.email)  # the password still works


def test_settings_are_kept(app, member):
    token = _token(app, member.email)["token"]
    client = app.test_client()
    body = {"timezone": "Europe/Berlin", "notify_email": "daily", "reminder_email": False}
    r = client.patch("/api/v1/me", json=body, headers=_bearer(token))
    assert r.status_code == 200
    assert {k: r.get_json()[k] for k in body} == body
    again = client.get("/api/v1/me", headers=_bearer(token)).get_json()
    assert {k: again[k] for k in body} == body
    r = client.patch("/api/v1/me", json={"timezone": ""}, headers=_bearer(token))
    assert r.get_json()["timezone"] == "UTC"  # back to the site's


def test_a_deactivated_account_answers_exactly_as_a_wrong_password(app, admin, member):
    client = app.test_client()
    wrong = client.post("/api/v1/auth/token", json={"email": member.email, "password": "nope!"})
    headers = _bearer(_token(app, admin.email)["token"])
    client.patch(f"/api/v1/users/{member.id}", json={"active": False}, headers=headers)
    right = client.post("/api/v1/auth/token", json={"email": member.email, "password": PASSWORD})
    assert (right.status_code, right.get_json()) == (wrong.status_code, wrong.get_json())
