"""E-mail addresses are checked for syntax only (API.md): a company's internal domains are
accepted, through the API and through the people page alike; case never makes two people."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.models import User
from tests.api.helpers import count, expect_error, expect_invalid, fresh
from tests.web.conftest import post_form

INTERNAL = ["name@corp.local", "name@staging.test", "x@mail.internal", "Ops.Team@HQ.Corp.Local"]
NOT_ADDRESSES = ["not-an-address", "x@", "@corp.local", "a b@corp.local", "x@corp..local"]


@pytest.mark.parametrize("address", INTERNAL)
def test_the_api_takes_an_internal_domain(api, admin, address):
    r = api(admin).post("/users", json={"email": address, "name": "In House"})
    assert r.status_code == 201, r.get_data(as_text=True)
    assert r.get_json()["email"] == address.lower()


@pytest.mark.parametrize("address", INTERNAL)
def test_the_people_page_takes_an_internal_domain(login, manager, address):
    r = post_form(
        login(manager), "/people", {"email": address, "name": "In House", "role": "member"}
    )
    assert r.status_code == 200, r.get_data(as_text=True)[:500]
    assert fresh().scalar(select(User).where(User.email == address.lower())) is not None


def test_an_internal_address_in_another_case_is_the_same_person(api, admin):
    assert (
        api(admin).post("/users", json={"email": "name@corp.local", "name": "A"}).status_code == 201
    )
    before = count(User)
    r = api(admin).post("/users", json={"email": "NAME@Corp.LOCAL", "name": "B"})
    expect_error(r, 409)
    assert count(User) == before


@pytest.mark.parametrize("address", NOT_ADDRESSES)
def test_what_is_not_an_address_is_still_refused(api, admin, address):
    before = count(User)
    expect_invalid(api(admin).post("/users", json={"email": address, "name": "X"}), "email")
    assert count(User) == before
