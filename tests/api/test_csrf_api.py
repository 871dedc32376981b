"""CSRF: a state-changing API request made with the session cookie needs X-CSRFToken;
a bearer request does not."""

from __future__ import annotations

import pytest

from forum.models import Cohort, Membership, Module, ScheduleEntry
from forum.services import accounts
from tests.api.helpers import count, expect_error, fresh
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_cohort, make_module


def _refused(response) -> None:
    error = expect_error(response, 400, 403)
    assert "csrf" in error["message"].lower(), error


def test_a_cookie_post_without_the_token_is_refused(login, manager):
    client = login(manager)
    _refused(client.post("/api/v1/cohorts", json={"name": "Sneaky"}))
    assert count(Cohort) == 0


@pytest.mark.parametrize("page", ["/", "/modules/{module}"])
def test_a_cookie_post_with_the_token_from_any_page_works(login, manager, page):
    module = make_module()
    client = login(manager)
    token = csrf_token(client, page.format(module=module.id))
    r = client.post(
        "/api/v1/cohorts", json={"name": "Cookie cohort"}, headers={"X-CSRFToken": token}
    )
    assert r.status_code == 201, r.get_json()
    assert count(Cohort) == 1


def test_a_wrong_or_foreign_token_is_refused(login, manager, make_user):
    client = login(manager)
    _refused(client.post("/api/v1/cohorts", json={"name": "A"}, headers={"X-CSRFToken": "forged"}))
    # A real token, but from someone else's session.
    other = login(make_user(role="manager"))
    foreign = csrf_token(other, "/")
    r = client.post("/api/v1/cohorts", json={"name": "B"}, headers={"X-CSRFToken": foreign})
    _refused(r)
    assert count(Cohort) == 0


def test_patch_put_and_delete_with_a_cookie_need_the_token_too(login, manager, member):
    module = make_module(title="Kept")
    cohort = make_cohort({member: "learner"}, name="C")
    client = login(manager)
    _refused(client.patch(f"/api/v1/modules/{module.id}", json={"title": "Changed"}))
    assert fresh().get(Module, module.id).title == "Kept"
    _refused(
        client.put(
            f"/api/v1/cohorts/{cohort.id}/schedule/{module.id}", json={"due_at": "2026-12-01"}
        )
    )
    assert count(ScheduleEntry) == 0
    _refused(client.delete(f"/api/v1/cohorts/{cohort.id}/members/{member.id}"))
    assert count(Membership) == 1
    _refused(client.delete("/api/v1/auth/token"))
    assert client.get("/api/v1/me").status_code == 200  # still signed in

    token = csrf_token(client, "/")
    r = client.patch(
        f"/api/v1/modules/{module.id}", json={"title": "Changed"}, headers={"X-CSRFToken": token}
    )
    assert r.status_code == 200
    assert fresh().get(Module, module.id).title == "Changed"


def test_reading_with_a_cookie_needs_no_token(login, manager):
    client = login(manager)
    assert client.get("/api/v1/cohorts").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


def test_a_bearer_request_needs_no_csrf_token(api, manager):
    r = api(manager).post("/cohorts", json={"name": "Bearer cohort"})
    assert r.status_code == 201
    assert count(Cohort) == 1


def test_a_bearer_request_from_a_browser_with_a_cookie_needs_no_token(login, api, manager):
    client = login(manager)
    token = accounts.issue_token(manager).token
    r = client.post(
        "/api/v1/cohorts",
        json={"name": "Both"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201


def test_an_anonymous_post_is_401_not_a_csrf_error(api):
    error = expect_error(api().post("/cohorts", json={"name": "Nobody"}), 401)
    assert error["code"] == "unauthorized"


# Lifetime ------------------------------------------------------------------------------------


def _cohort_post(client, token: str):
    return client.post("/api/v1/cohorts", json={"name": "Late"}, headers={"X-CSRFToken": token})


def test_a_token_lives_as_long_as_a_sign_in(app):
    lifetime = app.permanent_session_lifetime.total_seconds()
    assert app.config["WTF_CSRF_TIME_LIMIT"] == lifetime > 0


def test_a_token_older_than_a_sign_in_is_refused(app, login, manager, monkeypatch):
    from itsdangerous import TimestampSigner

    client = login(manager)
    token = csrf_token(client, "/")
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    now = TimestampSigner.get_timestamp

    def later_for_csrf(seconds: int):
        # Only the form tokens' clock moves: the session cookie has a signed time too.
        return lambda s: now(s) + (seconds if b"csrf" in bytes(s.salt) else 0)

    monkeypatch.setattr(TimestampSigner, "get_timestamp", later_for_csrf(lifetime - 60))
    assert _cohort_post(client, token).status_code == 201  # still within its life
    monkeypatch.setattr(TimestampSigner, "get_timestamp", later_for_csrf(lifetime + 60))
    _refused(_cohort_post(client, token))
    assert count(Cohort) == 1


def test_signing_in_and_out_gives_the_browser_a_new_token(app, manager):
    client = app.test_client()
    before = csrf_token(client, "/login")
    r = client.post(
        "/login", data={"email": manager.email, "password": PASSWORD, "csrf_token": before}
    )
    assert r.status_code == 302
    _refused(_cohort_post(client, before))  # the token seen before signing in
    during = csrf_token(client, "/")
    assert _cohort_post(client, during).status_code == 201
    client.post("/logout", data={"csrf_token": during})
    client.post(
        "/login",
        data={"email": manager.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    _refused(_cohort_post(client, during))  # the token of the session before
    assert count(Cohort) == 1
