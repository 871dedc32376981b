"""Failed sign-ins are rate-limited per e-mail and per address; successful ones are not."""

from __future__ import annotations

import pytest

from tests.api.helpers import expect_error
from tests.conftest import csrf_token
from tests.factories import PASSWORD

PER_EMAIL = 3


@pytest.fixture
def app_config(request):
    """Small limits, so that a test reaches them; a test may pass others (indirect)."""
    return getattr(request, "param", {"LOGIN_FAILURES_PER_EMAIL": f"{PER_EMAIL} per minute"})


def _sign_in(api, email: str, password: str):
    return api().post("/auth/token", json={"email": email, "password": password})


def test_repeated_failures_for_one_email_get_429(api, member):
    for _ in range(PER_EMAIL):
        expect_error(_sign_in(api, member.email, "wrong password"), 401)
    r = _sign_in(api, member.email, "wrong password")
    error = expect_error(r, 429)
    assert error["code"] == "rate_limited"
    assert "fields" not in error
    # Once limited, even the right password waits: otherwise guessing could go on.
    expect_error(_sign_in(api, member.email, PASSWORD), 429)


def test_the_limit_is_per_email_whatever_its_case(api, member):
    for variant in (member.email, member.email.upper(), f" {member.email} "):
        expect_error(_sign_in(api, variant, "wrong password"), 401)
    expect_error(_sign_in(api, member.email.title(), "wrong password"), 429)


def test_another_email_still_signs_in(api, member, manager):
    for _ in range(PER_EMAIL + 2):
        _sign_in(api, member.email, "wrong password")
    expect_error(_sign_in(api, member.email, "wrong password"), 429)
    r = _sign_in(api, manager.email, PASSWORD)
    assert r.status_code == 200
    assert r.get_json()["user"]["id"] == manager.id


def test_successful_sign_ins_are_not_limited(api, member):
    for attempt in range(30):
        r = _sign_in(api, member.email, PASSWORD)
        assert r.status_code == 200, (attempt, r.get_json())


def test_invalid_input_does_not_count_as_a_failed_sign_in(api, member):
    for _ in range(PER_EMAIL + 2):
        expect_error(api().post("/auth/token", json={"email": member.email}), 400, 422)
    assert _sign_in(api, member.email, PASSWORD).status_code == 200


def test_failures_on_the_login_page_count_too(api, client, member):
    for _ in range(PER_EMAIL - 1):
        expect_error(_sign_in(api, member.email, "wrong password"), 401)
    form = {"email": member.email, "password": "wrong", "csrf_token": csrf_token(client)}
    assert client.post("/login", data=form).status_code == 401
    expect_error(_sign_in(api, member.email, PASSWORD), 429)


@pytest.mark.parametrize(
    "app_config",
    [{"LOGIN_FAILURES_PER_EMAIL": "100 per minute", "LOGIN_FAILURES_PER_ADDRESS": "4 per minute"}],
    indirect=True,
)
def test_repeated_failures_from_one_address_get_429(api, make_user):
    people = [make_user() for _ in range(5)]
    for person in people[:4]:
        expect_error(_sign_in(api, person.email, "wrong password"), 401)
    error = expect_error(_sign_in(api, people[4].email, "wrong password"), 429)
    assert error["code"] == "rate_limited"
    # Another address is not affected.
    other = api()
    r = other.post(
        "/auth/token",
        json={"email": people[4].email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert r.status_code == 200
