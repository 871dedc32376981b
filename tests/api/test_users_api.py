"""POST/GET /users, PATCH /users/{id}: who adds and changes people, invitations, deactivation."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from forum.models import AccountLink, ApiToken, Job, User, utcnow
from tests.api.helpers import count, expect_envelope, expect_error, expect_invalid, fresh
from tests.conftest import csrf_token
from tests.factories import PASSWORD

USER_KEYS = {"id", "email", "name", "role", "active"}
NEW_PASSWORD = "a brand new passphrase"


def _new(role: str = "member", **extra) -> dict:
    return {"email": "new.hire@example.com", "name": "New Hire", "role": role, **extra}


# Creating ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager", "member"])
def test_admin_creates_any_role_with_a_password(api, admin, role):
    r = api(admin).post("/users", json=_new(role, password=PASSWORD))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert set(body) == USER_KEYS  # no invite_url when a password was given
    assert body["email"] == "new.hire@example.com"
    assert body["role"] == role and body["active"] is True
    token = api().post("/auth/token", json={"email": body["email"], "password": PASSWORD})
    assert token.status_code == 200


def test_manager_creates_members(api, manager):
    r = api(manager).post("/users", json=_new("member", password=PASSWORD))
    assert r.status_code == 201
    assert r.get_json()["role"] == "member"


def test_role_defaults_to_member(api, manager):
    body = {"email": "x@example.com", "name": "X", "password": PASSWORD}
    r = api(manager).post("/users", json=body)
    assert r.status_code == 201
    assert r.get_json()["role"] == "member"


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_manager_may_not_create_managers_or_admins(api, manager, role):
    before = count(User)
    error = expect_error(api(manager).post("/users", json=_new(role, password=PASSWORD)), 403)
    assert error["code"] == "forbidden"
    assert count(User) == before


def test_member_may_not_create_people(api, member):
    before = count(User)
    expect_error(api(member).post("/users", json=_new(password=PASSWORD)), 403)
    assert count(User) == before


def test_anonymous_may_not_create_people(api):
    expect_error(api().post("/users", json=_new(password=PASSWORD)), 401)
    assert count(User) == 0


def test_duplicate_email_is_409_whatever_the_case(api, admin, member):
    before = count(User)
    body = {"email": member.email.upper(), "name": "Twin", "password": PASSWORD}
    error = expect_error(api(admin).post("/users", json=body), 409)
    assert error["code"] == "conflict"
    assert count(User) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "No Mail"}, "email"),
        ({"email": "no.name@example.com"}, "name"),
        ({"email": "not-an-address", "name": "X"}, "email"),
        ({"email": "a@example.com", "name": "X", "role": "owner"}, "role"),
        ({"email": "a@example.com", "name": "X", "password": "short"}, "password"),
        ({"email": "a@example.com", "name": "X", "password": "p" * 201}, "password"),
        ({"email": "a@example.com", "name": "X" * 101}, "name"),
        ({"email": "a@example.com", "name": "   "}, "name"),
    ],
    ids=[
        "no-email",
        "no-name",
        "bad-email",
        "bad-role",
        "short-password",
        "long-password",
        "long-name",
        "blank-name",
    ],
)
def test_invalid_new_user_is_refused(api, admin, body, field):
    before = count(User)
    expect_invalid(api(admin).post("/users", json=body), field)
    assert count(User) == before


# Invitations ------------------------------------------------------------------------------


def _invite(api, manager) -> str:
    r = api(manager).post("/users", json=_new())
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) == USER_KEYS | {"invite_url"}
    return body["invite_url"]


def test_without_a_password_the_answer_carries_an_invite_url(api, manager):
    url = _invite(api, manager)
    assert url.startswith("http://localhost/invite/")
    # The person cannot sign in until they use it.
    r = api().post("/auth/token", json={"email": "new.hire@example.com", "password": ""})
    expect_error(r, 401)


def test_the_invitation_is_mailed_once(api, manager):
    url = _invite(api, manager)
    mails = fresh().scalars(select(Job).where(Job.kind == "mail")).all()
    assert len(mails) == 1
    assert mails[0].payload["to"] == "new.hire@example.com"
    assert url in mails[0].payload["body"]


def test_the_invite_url_sets_a_password_once(app, api, manager, client):
    path = urlsplit(_invite(api, manager)).path
    page = client.get(path)
    assert page.status_code == 200
    assert "New Hire" in page.get_data(as_text=True)

    form = {
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "csrf_token": csrf_token(client, path),
    }
    assert client.post(path, data=form).status_code == 302
    # Setting the password also signs the browser in.
    assert client.get("/api/v1/me").get_json()["email"] == "new.hire@example.com"

    signed_in = {"email": "new.hire@example.com", "password": NEW_PASSWORD}
    assert api().post("/auth/token", json=signed_in).status_code == 200

    # A second use, from another browser, is refused and changes nothing.
    second = app.test_client()
    assert second.get(path).status_code == 410
    form = {"password": "yet another password", "confirm": "yet another password"}
    form["csrf_token"] = csrf_token(second, "/login")
    assert second.post(path, data=form).status_code == 410
    assert api().post("/auth/token", json=signed_in).status_code == 200
    wrong = {"email": "new.hire@example.com", "password": "yet another password"}
    expect_error(api().post("/auth/token", json=wrong), 401)


def test_an_expired_invitation_says_so_and_changes_nothing(api, manager, client):
    path = urlsplit(_invite(api, manager)).path
    session = fresh()
    link = session.scalars(select(AccountLink)).one()
    # Seven days is the contract's lifetime; a link a moment past it no longer works.
    assert link.expires_at - link.created_at == timedelta(days=7)
    link.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    page = client.get(path)
    assert page.status_code == 410
    assert "expired" in page.get_data(as_text=True)
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": csrf_token(client)}
    assert client.post(path, data=form).status_code == 410
    assert (
        fresh().scalar(select(User).where(User.email == "new.hire@example.com")).password_hash
        is None
    )


def test_an_unknown_invite_token_says_so(client):
    r = client.get("/invite/not-a-real-token")
    assert r.status_code == 410
    assert "not valid" in r.get_data(as_text=True)


# Listing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_managers_and_admins_list_people_with_emails(api, make_user, role):
    caller = make_user(role=role, name="Caller")
    others = [make_user(name=f"Person {i}") for i in range(3)]
    items = expect_envelope(api(caller).get("/users"), total=4)
    assert all(set(item) == USER_KEYS for item in items)
    assert {i["email"] for i in items} == {u.email for u in [caller, *others]}
    assert [i["name"] for i in items] == sorted(i["name"] for i in items)


def test_listing_people_pages(api, admin, make_user):
    for i in range(4):
        make_user(name=f"Person {i}")
    r = api(admin).get("/users?per_page=2&page=2")
    items = expect_envelope(r, total=5)
    assert r.get_json()["page"] == 2 and r.get_json()["per_page"] == 2
    assert len(items) == 2
    assert expect_envelope(api(admin).get("/users?per_page=2&page=3"), total=5).__len__() == 1
    assert expect_envelope(api(admin).get("/users?page=9"), total=5) == []
    assert api(admin).get("/users?per_page=1000").get_json()["per_page"] == 100


def test_members_may_not_list_people(api, member):
    expect_error(api(member).get("/users"), 403)
    expect_error(api().get("/users"), 401)


# Changing ---------------------------------------------------------------------------------


def test_admin_renames_and_changes_roles(api, admin, member):
    r = api(admin).patch(f"/users/{member.id}", json={"name": "Mia Renamed", "role": "manager"})
    assert r.status_code == 200
    assert r.get_json() == {
        "id": member.id,
        "email": member.email,
        "name": "Mia Renamed",
        "role": "manager",
        "active": True,
    }
    assert fresh().get(User, member.id).role == "manager"


def test_an_empty_patch_changes_nothing(api, admin, member):
    r = api(admin).patch(f"/users/{member.id}", json={})
    assert r.status_code == 200
    assert r.get_json()["name"] == "Mia Member"


def test_manager_changes_members(api, manager, member):
    r = api(manager).patch(f"/users/{member.id}", json={"name": "Mia M."})
    assert r.status_code == 200
    assert r.get_json()["name"] == "Mia M."


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_manager_may_not_edit_admins_or_managers(api, manager, make_user, role):
    target = make_user(role=role, name="Senior")
    for change in ({"name": "Renamed"}, {"active": False}, {"role": "member"}):
        expect_error(api(manager).patch(f"/users/{target.id}", json=change), 403)
    kept = fresh().get(User, target.id)
    assert (kept.name, kept.role, kept.active) == ("Senior", role, True)


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_manager_may_not_promote_a_member(api, manager, member, role):
    expect_error(api(manager).patch(f"/users/{member.id}", json={"role": role}), 403)
    assert fresh().get(User, member.id).role == "member"


def test_members_may_not_change_people(api, member, make_user):
    # For a member the people admin does not exist (the service's choice): 404, as for
    # an unknown id, so the answer tells nothing about who has an account.
    other = make_user()
    expect_error(api(member).patch(f"/users/{other.id}", json={"name": "X"}), 404)
    expect_error(api(member).patch(f"/users/{member.id}", json={"role": "admin"}), 404)
    expect_error(api().patch(f"/users/{other.id}", json={"name": "X"}), 401)
    assert fresh().get(User, member.id).role == "member"


def test_patching_an_unknown_user_is_404(api, admin):
    expect_error(api(admin).patch("/users/99999", json={"name": "X"}), 404)


def test_nobody_deactivates_or_demotes_themself(api, admin):
    expect_invalid(api(admin).patch(f"/users/{admin.id}", json={"active": False}))
    expect_invalid(api(admin).patch(f"/users/{admin.id}", json={"role": "member"}))
    kept = fresh().get(User, admin.id)
    assert kept.active and kept.role == "admin"


def test_deactivating_revokes_tokens_and_ends_cookie_sessions(api, manager, member, login):
    bearer = api(member)
    browser = login(member)
    assert bearer.get("/me").status_code == 200
    assert browser.get("/api/v1/me").status_code == 200

    r = api(manager).patch(f"/users/{member.id}", json={"active": False})
    assert r.status_code == 200
    assert r.get_json()["active"] is False

    expect_error(bearer.get("/me"), 401)
    expect_error(browser.get("/api/v1/me"), 401)
    assert browser.get("/").status_code == 302  # the page sends them to /login
    assert fresh().scalar(select(ApiToken).where(ApiToken.user_id == member.id)) is None

    # Coming back does not revive old tokens or sessions; signing in again does work.
    assert api(manager).patch(f"/users/{member.id}", json={"active": True}).status_code == 200
    expect_error(bearer.get("/me"), 401)
    expect_error(browser.get("/api/v1/me"), 401)
    again = api().post("/auth/token", json={"email": member.email, "password": PASSWORD})
    assert again.status_code == 200
