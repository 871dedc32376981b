"""Invitation and reset links end whenever a password is set, by whatever route (issue 7.1)."""

from __future__ import annotations

from sqlalchemy import select

from forum.background import run_pending
from forum.extensions import db
from forum.models import Job, User
from forum.services import accounts
from tests.web.conftest import post_form

NEW_PASSWORD = "the person's own password"


def _path(url: str) -> str:
    return url.removeprefix("http://localhost")


def _reset_link(address: str) -> str:
    db.session.rollback()  # see what the requests committed
    run_pending(kinds=("password_reset",))  # the worker's part: it looks the person up
    jobs = db.session.scalars(select(Job).where(Job.kind == "mail"))
    bodies = [j.payload["body"] for j in jobs if j.payload["to"] == address]
    links = [w for b in bodies for w in b.split() if "/reset-password/" in w]
    assert links, bodies
    return _path(links[-1])


def _set_password(client, path: str, password: str):
    return post_form(client, path, {"password": password, "confirm": password})


def _invited(api, manager, email="hire@example.com") -> tuple[int, str]:
    r = api(manager).post("/users", json={"email": email, "name": "New Hire"})
    assert r.status_code == 201
    return r.get_json()["id"], _path(r.get_json()["invite_url"])


def _signs_in(app, email: str, password: str) -> bool:
    return (
        app.test_client()
        .post("/api/v1/auth/token", json={"email": email, "password": password})
        .status_code
        == 200
    )


def test_an_old_invitation_cannot_take_over_after_a_reset(app, api, manager):
    _, invite = _invited(api, manager)
    person = app.test_client()
    post_form(person, "/forgot-password", {"email": "hire@example.com"})
    assert _set_password(person, _reset_link("hire@example.com"), NEW_PASSWORD).status_code == 302

    attacker = app.test_client()
    assert attacker.get(invite).status_code == 410
    r = _set_password(attacker, invite, "attacker's password")
    assert r.status_code == 410
    assert attacker.get("/api/v1/me").status_code == 401
    assert _signs_in(app, "hire@example.com", NEW_PASSWORD)
    assert not _signs_in(app, "hire@example.com", "attacker's password")


def test_a_reset_link_dies_when_the_invitation_is_used(app, api, manager):
    _, invite = _invited(api, manager)
    post_form(app.test_client(), "/forgot-password", {"email": "hire@example.com"})
    reset = _reset_link("hire@example.com")
    assert _set_password(app.test_client(), invite, NEW_PASSWORD).status_code == 302

    attacker = app.test_client()
    assert attacker.get(reset).status_code == 410
    assert _set_password(attacker, reset, "attacker's password").status_code == 410
    assert _signs_in(app, "hire@example.com", NEW_PASSWORD)


def test_changing_the_password_ends_unused_reset_links(app, login, member):
    post_form(app.test_client(), "/forgot-password", {"email": member.email})
    reset = _reset_link(member.email)
    client = login(member)
    r = post_form(
        client,
        "/settings/password",
        {
            "current_password": "correct horse battery",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    assert app.test_client().get(reset).status_code == 410


def test_an_invitation_is_refused_once_the_account_has_a_password(app, api, manager):
    """Even a link left over from before links ended together."""
    user_id, invite = _invited(api, manager)
    person = db.session.get(User, user_id)
    person.password_hash = accounts._hash(NEW_PASSWORD)  # set without ending the link
    db.session.commit()
    r = app.test_client().get(invite)
    assert r.status_code == 410
    assert "no longer needed" in r.get_data(as_text=True)
