"""The people page: the list, invitations, new links, deactivation and roles."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.models import Job, User
from tests import factories
from tests.web.conftest import settled, text_of

INVITE_URL = re.compile(r'id="invite-url" type="text" readonly value="([^"]+)"')


def person(email: str) -> User | None:
    return settled().scalar(select(User).where(User.email == email))


def mails_to(address: str) -> list[dict]:
    jobs = settled().scalars(select(Job).where(Job.kind == "mail").order_by(Job.id))
    return [j.payload for j in jobs if j.payload["to"] == address]


def test_the_list_shows_roles_and_statuses(login, manager, admin):
    factories.make_user(name="Ivy Invited", password=None)
    gone = factories.make_user(name="Gus Gone")
    from forum.services import accounts

    accounts.update_user(admin, gone.id, active=False)
    page = text_of(login(manager).get("/people"))
    assert re.search(r"Ivy Invited \S+@example.com Member Invited, no password yet", page)
    assert re.search(r"Gus Gone \S+@example.com Member Deactivated Reactivate", page)
    assert re.search(r"Max Manager \S+@example.com Manager Active That's you", page)
    assert re.search(r"Ada Admin \S+@example.com Admin Active", page)


def test_a_manager_invites_a_member_and_is_shown_the_link_once(login, manager, post):
    client = login(manager)
    form = client.get("/people").get_data(as_text=True)
    options = re.findall(
        r'<option[^>]*value="(\w+)"', form.split('id="role"', 1)[1].split("</select>")[0]
    )
    assert options == ["member"]  # managers add members only

    r = post(
        client,
        "/people",
        {"email": "New.Hire@Example.com", "name": "Nadia Novak", "role": "member"},
    )
    assert r.status_code == 200
    link = INVITE_URL.search(r.get_data(as_text=True)).group(1)
    assert link.startswith("http://localhost/invite/")
    assert "Invitation ready for Nadia Novak" in text_of(r)
    hire = person("new.hire@example.com")
    assert hire.password_hash is None and hire.role == "member"
    # The same link went out by mail, once.
    mails = mails_to("new.hire@example.com")
    assert len(mails) == 1 and link in mails[0]["body"]
    # Shown once: the list page does not repeat it.
    assert "/invite/" not in client.get("/people").get_data(as_text=True)


def test_an_admin_may_invite_a_manager(login, admin, post):
    client = login(admin)
    form = client.get("/people").get_data(as_text=True)
    assert all(f'value="{r}"' in form for r in ("member", "manager", "admin"))
    r = post(client, "/people", {"email": "boss@example.com", "name": "B", "role": "manager"})
    assert r.status_code == 200
    assert person("boss@example.com").role == "manager"


def test_a_manager_cannot_invite_a_manager(login, manager, post):
    r = post(login(manager), "/people", {"email": "x@example.com", "name": "X", "role": "manager"})
    assert r.status_code == 400
    assert "Not a valid choice" in r.get_data(as_text=True)
    assert person("x@example.com") is None


@pytest.mark.parametrize(
    ("data", "status", "field", "message"),
    [
        ({"email": "not-an-address"}, 400, "email", "@-sign"),
        ({"email": ""}, 400, "email", "required"),
        ({"name": ""}, 400, "name", "required"),
        ({"name": "n" * 101}, 400, "name", "longer than 100"),
        ({"email": "taken@example.com"}, 409, "email", "already exists"),
    ],
)
def test_bad_invitations_are_shown_on_the_form(login, manager, post, data, status, field, message):
    factories.make_user(email="taken@example.com")
    before = len(settled().scalars(select(User)).all())
    data = {"email": "fine@example.com", "name": "Fine", "role": "member", **data}
    r = post(login(manager), "/people", data)
    assert r.status_code == status
    error = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', r.get_data(as_text=True))
    assert error and message in error.group(1).lower()
    assert len(settled().scalars(select(User)).all()) == before


def test_a_new_invitation_replaces_the_old_link(login, manager, post):
    client = login(manager)
    r = post(client, "/people", {"email": "late@example.com", "name": "Lou Late", "role": "member"})
    first = INVITE_URL.search(r.get_data(as_text=True)).group(1)
    hire = person("late@example.com")

    page = client.get("/people").get_data(as_text=True)
    assert f'action="/people/{hire.id}/invite?page=1"' in page
    r = post(client, f"/people/{hire.id}/invite")
    assert r.status_code == 200
    second = INVITE_URL.search(r.get_data(as_text=True)).group(1)
    assert second != first
    assert len(mails_to("late@example.com")) == 2
    anonymous = client.application.test_client()
    assert anonymous.get(first.removeprefix("http://localhost")).status_code == 410
    assert anonymous.get(second.removeprefix("http://localhost")).status_code == 200


def test_no_new_invitation_for_someone_with_a_password(login, manager, member, post):
    r = post(login(manager), f"/people/{member.id}/invite")
    assert r.status_code == 409
    assert "already set a password" in text_of(r)


def test_deactivating_signs_the_person_out_and_reactivating_lets_them_back(
    login, manager, member, post
):
    theirs = login(member)
    assert theirs.get("/").status_code == 200
    client = login(manager)
    r = post(client, f"/people/{member.id}/active", {"active": "no"})
    assert r.status_code == 302 and r.headers["Location"] == "/people?page=1"
    assert "Mia Member is deactivated and signed out everywhere." in text_of(client.get("/people"))
    assert not settled().get(User, member.id).active
    assert theirs.get("/").status_code == 302  # their session has ended

    post(client, f"/people/{member.id}/active", {"active": "yes"})
    assert settled().get(User, member.id).active
    login(member)  # may sign in again


def test_nobody_deactivates_themself(login, admin, post):
    r = post(login(admin), f"/people/{admin.id}/active", {"active": "no"})
    assert r.status_code == 400
    assert "You cannot deactivate yourself" in text_of(r)
    assert settled().get(User, admin.id).active


def test_managers_may_not_deactivate_managers(login, manager, post):
    other = factories.make_user(role="manager")
    assert post(login(manager), f"/people/{other.id}/active", {"active": "no"}).status_code == 403
    assert settled().get(User, other.id).active


def test_admins_change_roles(login, admin, member, post):
    client = login(admin)
    page = client.get("/people").get_data(as_text=True)
    assert (
        f'<label class="visually-hidden" for="role-{member.id}">Role of Mia Member</label>' in page
    )
    r = post(client, f"/people/{member.id}/role", {"role": "manager"})
    assert r.status_code == 302
    assert settled().get(User, member.id).role == "manager"
    assert "Mia Member is now a manager." in text_of(client.get("/people"))
    assert post(client, f"/people/{member.id}/role", {"role": "emperor"}).status_code == 400
    assert settled().get(User, member.id).role == "manager"


def test_managers_see_no_role_change_and_cannot_post_one(login, manager, member, post):
    client = login(manager)
    assert 'action="/people/' + str(member.id) + "/role" not in client.get("/people").get_data(
        as_text=True
    )
    assert post(client, f"/people/{member.id}/role", {"role": "manager"}).status_code == 403
    assert settled().get(User, member.id).role == "member"


def test_members_cannot_use_the_people_forms(login, member, post):
    other = factories.make_user()
    client = login(member)
    assert (
        post(
            client, "/people", {"email": "a@example.com", "name": "A", "role": "member"}
        ).status_code
        == 403
    )
    assert post(client, f"/people/{other.id}/active", {"active": "no"}).status_code == 403
    assert post(client, f"/people/{other.id}/invite").status_code == 403
    assert person("a@example.com") is None and settled().get(User, other.id).active


def test_the_people_list_has_pages(login, manager):
    for n in range(55):
        factories.make_user(name=f"Person {n:02}")
    client = login(manager)
    first = text_of(client.get("/people"))
    assert "Page 1 of 2" in first
    second = client.get("/people?page=2")
    assert "Page 2 of 2" in text_of(second)
    assert 'rel="prev" href="/people?page=1"' in second.get_data(as_text=True)
