"""Bad input on every endpoint: always a 4xx in the contract's error shape, never a 500,
and a refused request writes nothing.

Each endpoint is described once (a valid request and the kind of each body field); the
cases are generated from that: bodies that are not JSON objects, wrong types, missing and
over-long fields, NUL characters, huge integers, unknown and huge ids in the path, bad
paging, and bodies over 1 MiB.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

import pytest

from forum.models import utcnow
from forum.services import office_hours
from tests.api.helpers import expect_error, snapshot
from tests.factories import PASSWORD, make_cohort, make_module

HUGE = [2**63, 10**30, -(2**63)]
NOT_TEXT = [5, 1.5, True, [], {}, ["a"], {"a": "b"}]

# Wrong values for each kind of field; over-long texts are added from each field's limit.
BAD_VALUES: dict[str, list] = {
    "text": [*NOT_TEXT, "a\x00b"],
    "required_text": [*NOT_TEXT, None, "", "   ", "a\x00b"],
    "email": [*NOT_TEXT, None, "", "a\x00@example.com", "not-an-address", "x@", "@x.org"],
    "password": [5, True, [], "short", "p\x00ssword-long-enough"],
    "login_email": [5, True, [], {}, None, "a\x00@example.com", "\x00"],
    "login_password": [5, True, [], {}, None, "pass\x00word"],
    "role": [5, True, None, "", "owner", "ADMIN"],
    "cohort_role": [5, True, None, "", "teacher"],
    "bool": ["yes", "true", "false", 1, 0, "1", None, [], {}],
    "id": ["1", 1.5, True, None, 0, -1, [], {}, *HUGE],
    "optional_id": ["1", 1.5, True, 0, -1, [], {}, *HUGE],  # null: the default applies
    "int": ["3", 1.5, True, -1, [], *HUGE],
    "when": [5, True, None, [], "", "tomorrow", "2026-13-01", "2026-02-30T10:00:00", "1e9"],
    "url": [5, True, [], "javascript:alert(1)", "ftp://example.com", "http://a b", "h\x00ttp://x"],
}


@dataclass
class Endpoint:
    name: str
    method: str
    path: str  # placeholders: {cohort}, {module}, {member}, {outsider}
    body: Callable[[SimpleNamespace], dict] | None = None
    fields: dict[str, tuple[str, int | None]] = field(default_factory=dict)  # kind, max length
    required: tuple[str, ...] = ()
    caller: str = "admin"
    lists: bool = False
    # /auth/token may also say 401 (wrong credentials): a NUL in an address is just no match.
    bad: tuple[int, ...] = (400, 422)


ENDPOINTS = [
    Endpoint(
        "create-token",
        "POST",
        "/auth/token",
        lambda w: {"email": w.admin.email, "password": PASSWORD},
        {"email": ("login_email", 254), "password": ("login_password", 200)},
        required=("email", "password"),
        caller="anonymous",
        bad=(400, 401, 422),
    ),
    Endpoint("delete-token", "DELETE", "/auth/token"),
    Endpoint("me", "GET", "/me"),
    Endpoint(
        "create-user",
        "POST",
        "/users",
        lambda w: {"email": "fresh@example.com", "name": "Fresh", "role": "member"},
        {
            "email": ("email", 254),
            "name": ("required_text", 100),
            "password": ("password", 200),
            "role": ("role", None),
        },
        required=("email", "name"),
    ),
    Endpoint("list-users", "GET", "/users", lists=True),
    Endpoint(
        "update-user",
        "PATCH",
        "/users/{member}",
        lambda w: {"name": "Renamed"},
        {"name": ("required_text", 100), "role": ("role", None), "active": ("bool", None)},
    ),
    Endpoint(
        "create-cohort",
        "POST",
        "/cohorts",
        lambda w: {"name": "Fresh cohort", "description": "About"},
        {"name": ("required_text", 200), "description": ("text", 2000)},
        required=("name",),
    ),
    Endpoint("list-cohorts", "GET", "/cohorts", lists=True),
    Endpoint("get-cohort", "GET", "/cohorts/{cohort}"),
    Endpoint(
        "add-member",
        "POST",
        "/cohorts/{cohort}/members",
        lambda w: {"user_id": w.outsider.id, "role": "learner"},
        {"user_id": ("id", None), "role": ("cohort_role", None)},
        required=("user_id",),
    ),
    Endpoint("remove-member", "DELETE", "/cohorts/{cohort}/members/{member}"),
    Endpoint(
        "set-due-date",
        "PUT",
        "/cohorts/{cohort}/schedule/{module}",
        lambda w: {"due_at": "2026-12-01"},
        {"due_at": ("when", None)},
        required=("due_at",),
    ),
    Endpoint(
        "create-module",
        "POST",
        "/modules",
        lambda w: {"title": "Fresh module", "body": "Text."},
        {
            "title": ("required_text", 200),
            "body": ("required_text", 20000),
            "summary": ("text", 1000),
            "video_url": ("url", 500),
            "owner_id": ("optional_id", None),
            "position": ("int", None),
            "published": ("bool", None),
        },
        required=("title", "body"),
    ),
    Endpoint("list-modules", "GET", "/modules", lists=True),
    Endpoint("get-module", "GET", "/modules/{module}"),
    Endpoint(
        "update-module",
        "PATCH",
        "/modules/{module}",
        lambda w: {"title": "Renamed module"},
        {
            "title": ("required_text", 200),
            "body": ("required_text", 20000),
            "summary": ("text", 1000),
            "video_url": ("url", 500),
            "owner_id": ("id", None),
            "position": ("int", None),
            "published": ("bool", None),
        },
    ),
    Endpoint("list-revisions", "GET", "/modules/{module}/revisions", lists=True),
    Endpoint(
        "create-office-hour",
        "POST",
        "/office-hours",
        lambda w: {
            "title": "Ask us anything",
            "starts_at": "2027-01-10T10:00:00Z",
            "ends_at": "2027-01-10T11:00:00Z",
            "cohort_id": w.cohort.id,
        },
        {
            "title": ("required_text", 200),
            "starts_at": ("when", None),
            "ends_at": ("when", None),
            "cohort_id": ("optional_id", None),
            "module_id": ("optional_id", None),
        },
        required=("title", "starts_at", "ends_at"),
    ),
    Endpoint("list-office-hours", "GET", "/office-hours", lists=True),
    Endpoint("get-office-hour", "GET", "/office-hours/{office_hour}"),
    Endpoint(
        "reschedule-office-hour",
        "PATCH",
        "/office-hours/{office_hour}",
        lambda w: {"title": "Moved"},
        {"title": ("required_text", 200), "starts_at": ("when", None), "ends_at": ("when", None)},
    ),
    Endpoint("cancel-office-hour", "DELETE", "/office-hours/{office_hour}"),
    Endpoint("start-office-hour", "POST", "/office-hours/{office_hour}/start"),
    Endpoint("end-office-hour", "POST", "/office-hours/{live_hour}/end"),
    Endpoint("transcript", "GET", "/office-hours/{live_hour}/transcript"),
    Endpoint(
        "archive-question",
        "POST",
        "/office-hours/{live_hour}/questions/{question}/archive",
        lambda w: {"answer": "Every 90 days."},
        {"answer": ("required_text", 20000), "module_id": ("optional_id", None)},
        required=("answer",),
    ),
]
BY_NAME = {e.name: e for e in ENDPOINTS}
WITH_BODY = [e for e in ENDPOINTS if e.body is not None]


@pytest.fixture
def world(make_user, admin):
    member = make_user(name="Mia Member")
    outsider = make_user(name="Otto Outsider")
    module = make_module(actor=admin, title="Lesson")
    cohort = make_cohort({member: "learner"}, actor=admin, name="Cohort A")
    soon = utcnow() + timedelta(hours=1)
    hours = {"starts_at": soon, "ends_at": soon + timedelta(hours=1), "module_id": module.id}
    office_hour = office_hours.create(admin, title="Scheduled", cohort_id=cohort.id, **hours)
    live = office_hours.create(admin, title="Live", cohort_id=cohort.id, **hours)
    office_hours.start(admin, live.id)
    question = office_hours.raise_hand(member, live.id, "How often do keys rotate?")
    return SimpleNamespace(
        admin=admin,
        member=member,
        outsider=outsider,
        module=module,
        cohort=cohort,
        office_hour=office_hour,
        live_hour=live,
        question=question,
    )


def _path(endpoint: Endpoint, w: SimpleNamespace, **override) -> str:
    ids = {"cohort": w.cohort.id, "module": w.module.id, "member": w.member.id}
    ids |= {"office_hour": w.office_hour.id, "live_hour": w.live_hour.id}
    ids["question"] = w.question.id
    ids.update(override)
    return endpoint.path.format(**ids)


def _client(api, endpoint: Endpoint, w: SimpleNamespace):
    return api() if endpoint.caller == "anonymous" else api(w.admin)


def _send(client, endpoint: Endpoint, path: str, **kwargs):
    return client._call(endpoint.method, path, **kwargs)


def _refused(response, statuses, label: str) -> None:
    assert response.status_code != 500, f"{label}: 500"
    try:
        expect_error(response, *statuses)
    except AssertionError as exc:
        raise AssertionError(f"{label}: {exc}") from None


# Bodies -----------------------------------------------------------------------------------

RAW_BODIES = {
    "malformed": b'{"title": ',
    "trailing-garbage": b'{"a": 1} x',
    "array": b"[1, 2]",
    "empty-array": b"[]",
    "string": b'"text"',
    "number": b"5",
    "true": b"true",
    "null": b"null",
    "not-utf8": b'{"name": "\xff\xfe"}',
    "nan": b'{"title": NaN}',
    "infinity": b'{"position": Infinity}',
    "lone-surrogate": b'{"title": "\\ud800", "name": "\\udfff", "email": "a\\ud800@b.c"}',
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    "5000-digit-number": b'{"position": ' + b"9" * 5000 + b"}",
}


@pytest.mark.parametrize("endpoint", WITH_BODY, ids=lambda e: e.name)
def test_bodies_that_are_not_a_json_object_are_refused(api, world, endpoint):
    client = _client(api, endpoint, world)
    before = snapshot()
    for label, raw in RAW_BODIES.items():
        r = _send(
            client, endpoint, _path(endpoint, world), data=raw, content_type="application/json"
        )
        _refused(r, (400, 422), label)
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", [e for e in WITH_BODY if e.required], ids=lambda e: e.name)
def test_missing_required_fields_are_refused(api, world, endpoint):
    client = _client(api, endpoint, world)
    before = snapshot()
    valid = endpoint.body(world)
    for name in endpoint.required:
        body = {k: v for k, v in valid.items() if k != name}
        error = expect_error(_send(client, endpoint, _path(endpoint, world), json=body), 400, 422)
        assert name in error.get("fields", {}), (name, error)
    expect_error(_send(client, endpoint, _path(endpoint, world), json={}), 400, 422)
    # No body at all, or a body that is not declared JSON: the fields are missing too.
    expect_error(_send(client, endpoint, _path(endpoint, world)), 400, 415, 422)
    r = _send(client, endpoint, _path(endpoint, world), data="title=x", content_type="text/plain")
    expect_error(r, 400, 415, 422)
    assert snapshot() == before


FIELD_CASES = [
    (endpoint, name, kind, limit)
    for endpoint in WITH_BODY
    for name, (kind, limit) in endpoint.fields.items()
]


@pytest.mark.parametrize(
    ("endpoint", "name", "kind", "limit"),
    FIELD_CASES,
    ids=[f"{e.name}-{n}" for e, n, _, _ in FIELD_CASES],
)
def test_wrong_field_values_are_refused(api, world, endpoint, name, kind, limit):
    client = _client(api, endpoint, world)
    values = list(BAD_VALUES[kind])
    if limit is not None:
        values.append("x" * (limit + 1))
        values.append("x" * (limit * 50))
    before = snapshot()
    for value in values:
        body = {**endpoint.body(world), name: value}
        r = _send(client, endpoint, _path(endpoint, world), json=body)
        label = f"{name}={json.dumps(value)[:40]}"
        _refused(r, endpoint.bad, label)
        error = r.get_json()["error"]
        if r.status_code in (400, 422) and "fields" in error:
            assert name in error["fields"], (label, error)
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_bodies_over_one_mebibyte_are_413(api, world, endpoint):
    client = _client(api, endpoint, world)
    before = snapshot()
    big = {"title": "x" * (1024 * 1024), "body": "b", "name": "n", "email": "a@example.com"}
    r = _send(client, endpoint, _path(endpoint, world), json=big)
    error = expect_error(r, 413)
    assert error["code"] == "too_large"
    # Just over the limit, raw bytes, not even JSON: still 413, not a parse error.
    raw = b"x" * (1024 * 1024 + 1)
    r = _send(client, endpoint, _path(endpoint, world), data=raw, content_type="application/json")
    expect_error(r, 413)
    assert snapshot() == before


def test_a_body_just_under_the_limit_is_read(api, world):
    # 1 MiB minus a little: the limit is on the body, and this body is merely invalid.
    body = {"title": "t", "body": "x" * (1024 * 1024 - 100)}
    r = api(world.admin).post("/modules", json=body)
    expect_error(r, 400, 422)


# Paths ------------------------------------------------------------------------------------

BAD_IDS = [99999, 2**31, 2**63, 10**30, "9" * 5000, 0, -1, "abc", "1.5", "1e3", "%00", "%F0"]
PATH_CASES = [
    (endpoint, param)
    for endpoint in ENDPOINTS
    for param in ("cohort", "module", "member", "office_hour", "live_hour", "question")
    if "{" + param + "}" in endpoint.path
]


@pytest.mark.parametrize(
    ("endpoint", "param"), PATH_CASES, ids=[f"{e.name}-{p}" for e, p in PATH_CASES]
)
def test_unknown_and_huge_ids_in_the_path_are_404(api, world, endpoint, param):
    client = _client(api, endpoint, world)
    before = snapshot()
    for bad in BAD_IDS:
        path = _path(endpoint, world, **{param: bad})
        body = endpoint.body(world) if endpoint.body else None
        r = _send(client, endpoint, path, json=body) if body else _send(client, endpoint, path)
        _refused(r, (404,), f"{param}={bad}")
        assert r.get_json()["error"]["code"] == "not_found"
    assert snapshot() == before


# Paging -----------------------------------------------------------------------------------

BAD_PAGING = [
    "page=0",
    "per_page=0",
    "page=-1",
    "per_page=-5",
    "page=abc",
    "per_page=1.5",
    "page=",
    "per_page=",
    "page=1e3",
    "page=%00",
    f"page=-{10**30}",
]


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.lists], ids=lambda e: e.name)
def test_bad_paging_is_invalid_input(api, world, endpoint):
    client = _client(api, endpoint, world)
    for query in BAD_PAGING:
        r = _send(client, endpoint, f"{_path(endpoint, world)}?{query}")
        _refused(r, (400, 422), query)
        assert set(r.get_json()["error"]["fields"]) <= {"page", "per_page"}, query


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.lists], ids=lambda e: e.name)
def test_huge_paging_numbers_are_served(api, world, endpoint):
    client = _client(api, endpoint, world)
    r = _send(client, endpoint, f"{_path(endpoint, world)}?per_page={10**30}")
    assert r.status_code == 200 and r.get_json()["per_page"] == 100
    r = _send(client, endpoint, f"{_path(endpoint, world)}?page={2**63}")
    assert r.status_code == 200
    assert r.get_json()["items"] == [] and r.get_json()["page"] == 2**63


# Methods and paths ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/modules/{module}", {"GET", "PATCH"}),
        ("PUT", "/users/{member}", {"PATCH"}),
        ("GET", "/auth/token", {"POST", "DELETE"}),
        ("PATCH", "/cohorts/{cohort}", {"GET"}),
    ],
)
def test_an_unsupported_method_is_405_with_allow(api, world, method, path, allowed):
    r = api(world.admin)._call(
        method, path.format(module=world.module.id, member=world.member.id, cohort=world.cohort.id)
    )
    error = expect_error(r, 405)
    assert error["code"] == "method_not_allowed"
    assert allowed <= {m.strip() for m in r.headers["Allow"].split(",")}


@pytest.mark.parametrize("path", ["/nothing-here", "/modules/1/nothing", "/v2/modules", "/"])
def test_an_unknown_api_path_is_404_json(api, world, path):
    error = expect_error(api(world.admin).get(path), 404)
    assert error["code"] == "not_found"


@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS if e.caller != "anonymous"], ids=lambda e: e.name
)
def test_anonymous_callers_get_401_before_their_body_is_read(api, world, endpoint):
    """Signing in comes first: an anonymous caller learns nothing about the input rules."""
    before = snapshot()
    r = _send(
        api(), endpoint, _path(endpoint, world), data=b"{not json", content_type="application/json"
    )
    assert expect_error(r, 401)["code"] == "unauthorized"
    assert snapshot() == before
