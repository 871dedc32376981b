"""POST/DELETE /auth/token and GET /me."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.models import ApiToken
from tests.api.helpers import expect_error, fresh
from tests.factories import PASSWORD


def _token(api, email: str, password: str = PASSWORD):
    return api().post("/auth/token", json={"email": email, "password": password})


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_token_round_trip(api, member):
    r = _token(api, member.email)
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"token", "expires_at", "user"}
    assert body["user"] == {
        "id": member.id,
        "email": member.email,
        "name": member.name,
        "role": "member",
        "active": True,
    }
    headers = _bearer(body["token"])
    assert api().get("/me", headers=headers).get_json()["id"] == member.id
    assert api().delete("/auth/token", headers=headers).status_code == 204
    error = expect_error(api().get("/me", headers=headers), 401)
    assert error["code"] == "unauthorized"


def test_email_is_matched_without_regard_to_case_and_spaces(api, member):
    r = _token(api, f"  {member.email.upper()} ")
    assert r.status_code == 200
    assert r.get_json()["user"]["id"] == member.id


def test_the_token_is_stored_only_as_a_hash(api, member):
    token = _token(api, member.email).get_json()["token"]
    hashes = fresh().scalars(select(ApiToken.token_hash)).all()
    assert hashes and token not in hashes


@pytest.mark.parametrize(
    "credentials",
    [
        {"password": "wrong password"},
        {"email": "nobody@example.com"},
        {"email": "nobody@example.com", "password": "wrong password"},
    ],
    ids=["wrong-password", "unknown-email", "both-wrong"],
)
def test_wrong_credentials_are_401(api, member, credentials):
    body = {"email": member.email, "password": PASSWORD, **credentials}
    error = expect_error(api().post("/auth/token", json=body), 401)
    assert error["code"] == "unauthorized"
    assert "token" not in error


def test_a_deactivated_user_gets_no_token(api, admin, member):
    assert api(admin).patch(f"/users/{member.id}", json={"active": False}).status_code == 200
    expect_error(_token(api, member.email), 401)


def test_an_invited_person_without_a_password_gets_no_token(api, make_user):
    invited = make_user(password=None)
    expect_error(_token(api, invited.email, ""), 401)
    expect_error(_token(api, invited.email, "anything at all"), 401)


def test_tokens_are_independent_revoking_one_keeps_the_other(api, member):
    first = _token(api, member.email).get_json()["token"]
    second = _token(api, member.email).get_json()["token"]
    assert first != second
    assert api().delete("/auth/token", headers=_bearer(first)).status_code == 204
    expect_error(api().get("/me", headers=_bearer(first)), 401)
    assert api().get("/me", headers=_bearer(second)).status_code == 200
    # Revoking a token twice: it no longer signs anyone in.
    expect_error(api().delete("/auth/token", headers=_bearer(first)), 401)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-real-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "x" * 5000,
        "bearer\x00",
        "",
    ],
    ids=["unknown", "empty", "basic", "huge", "nul", "blank"],
)
def test_me_without_a_valid_token_is_401(api, header):
    error = expect_error(api().get("/me", headers={"Authorization": header}), 401)
    assert error["code"] == "unauthorized"


def test_delete_token_without_signing_in_is_401(api):
    expect_error(api().delete("/auth/token"), 401)


def test_me_shows_the_callers_own_account(api, manager):
    r = api(manager).get("/me")
    assert r.status_code == 200
    assert r.get_json() == {
        "id": manager.id,
        "email": manager.email,
        "name": manager.name,
        "role": "manager",
        "active": True,
        "timezone": "UTC",
        "notify_email": "daily",
        "reminder_email": True,
    }


def test_me_works_with_the_session_cookie(login, member):
    client = login(member)
    r = client.get("/api/v1/me")
    assert r.status_code == 200
    assert r.get_json()["email"] == member.email


def test_a_bearer_token_wins_over_a_cookie(login, api, member, manager):
    client = login(member)
    token = _token(api, manager.email).get_json()["token"]
    r = client.get("/api/v1/me", headers=_bearer(token))
    assert r.get_json()["id"] == manager.id


def test_delete_token_with_a_cookie_signs_that_session_out(login, member):
    from tests.conftest import csrf_token

    client = login(member)
    token = csrf_token(client, "/")
    r = client.delete("/api/v1/auth/token", headers={"X-CSRFToken": token})
    assert r.status_code == 204
    expect_error(client.get("/api/v1/me"), 401)
