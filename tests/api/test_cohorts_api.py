"""Cohorts: create, list, read, members and schedule, and who may do each."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from forum.models import Cohort, Membership, ScheduleEntry
from tests.api.helpers import (
    count,
    expect_envelope,
    expect_error,
    expect_invalid,
    fresh,
    is_utc_iso,
    user_ref,
)
from tests.factories import make_cohort, make_module

COHORT_KEYS = {"id", "name", "description", "member_count"}


@pytest.fixture
def learner(make_user):
    return make_user(name="Lea Learner")


@pytest.fixture
def facilitator(make_user):
    return make_user(name="Fay Facilitator")


@pytest.fixture
def outsider(make_user):
    return make_user(name="Otto Outsider")


@pytest.fixture
def cohort(learner, facilitator):
    return make_cohort({learner: "learner", facilitator: "facilitator"}, name="Spring 2026")


# Creating ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_managers_and_admins_create_cohorts(api, make_user, role):
    caller = make_user(role=role)
    r = api(caller).post("/cohorts", json={"name": "  Autumn  ", "description": "New hires"})
    assert r.status_code == 201
    body = r.get_json()
    assert set(body) == COHORT_KEYS
    assert body["name"] == "Autumn" and body["description"] == "New hires"
    assert body["member_count"] == 0
    assert fresh().get(Cohort, body["id"]).name == "Autumn"


def test_description_is_optional(api, manager):
    r = api(manager).post("/cohorts", json={"name": "Plain"})
    assert r.status_code == 201
    assert r.get_json()["description"] == ""


def test_members_may_not_create_cohorts(api, member):
    expect_error(api(member).post("/cohorts", json={"name": "Mine"}), 403)
    expect_error(api().post("/cohorts", json={"name": "Mine"}), 401)
    assert count(Cohort) == 0


def test_duplicate_cohort_name_is_409(api, manager, cohort):
    before = count(Cohort)
    error = expect_error(api(manager).post("/cohorts", json={"name": "Spring 2026"}), 409)
    assert error["code"] == "conflict"
    assert count(Cohort) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "n" * 201}, "name"),
        ({"name": 7}, "name"),
        ({"name": "ok", "description": "d" * 2001}, "description"),
    ],
    ids=["missing", "empty", "too-long", "number", "long-description"],
)
def test_invalid_cohort_is_refused(api, manager, body, field):
    expect_invalid(api(manager).post("/cohorts", json=body), field)
    assert count(Cohort) == 0


# Listing and reading ----------------------------------------------------------------------


def test_members_list_only_their_own_cohorts(api, learner, cohort):
    make_cohort(name="Someone else's")
    items = expect_envelope(api(learner).get("/cohorts"), total=1)
    assert items == [{"id": cohort.id, "name": "Spring 2026", "description": "", "member_count": 2}]


def test_outsiders_list_no_cohorts(api, outsider, cohort):
    assert expect_envelope(api(outsider).get("/cohorts"), total=0) == []


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_managers_list_every_cohort(api, make_user, cohort, role):
    make_cohort(name="Another")
    items = expect_envelope(api(make_user(role=role)).get("/cohorts"), total=2)
    assert [c["name"] for c in items] == ["Another", "Spring 2026"]


def test_listing_cohorts_pages(api, manager):
    for i in range(5):
        make_cohort(name=f"Cohort {i}")
    r = api(manager).get("/cohorts?page=2&per_page=2")
    items = expect_envelope(r, total=5)
    assert [c["name"] for c in items] == ["Cohort 2", "Cohort 3"]
    assert r.get_json()["page"] == 2 and r.get_json()["per_page"] == 2
    assert api(manager).get("/cohorts?per_page=101").get_json()["per_page"] == 100


@pytest.mark.parametrize("who", ["learner", "facilitator", "manager", "admin"])
def test_members_and_managers_read_a_cohort(api, request, cohort, learner, facilitator, who):
    caller = request.getfixturevalue(who)
    r = api(caller).get(f"/cohorts/{cohort.id}")
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == COHORT_KEYS | {"members", "schedule"}
    assert body["member_count"] == 2
    members = sorted(body["members"], key=lambda m: m["user"]["id"])
    expected = [
        {"user": user_ref(learner), "role": "learner"},
        {"user": user_ref(facilitator), "role": "facilitator"},
    ]
    assert members == sorted(expected, key=lambda m: m["user"]["id"])
    # People inside other objects are {id, name}: no e-mail anywhere in the answer.
    assert "@" not in json.dumps(body)


def test_an_outsider_gets_404_for_a_cohort(api, outsider, cohort):
    error = expect_error(api(outsider).get(f"/cohorts/{cohort.id}"), 404)
    assert error["code"] == "not_found"
    # The same answer as for a cohort that does not exist.
    assert expect_error(api(outsider).get("/cohorts/99999"), 404) == error


def test_reading_a_cohort_needs_signing_in(api, cohort):
    expect_error(api().get(f"/cohorts/{cohort.id}"), 401)
    expect_error(api().get("/cohorts"), 401)


def test_an_unknown_cohort_is_404(api, admin):
    expect_error(api(admin).get("/cohorts/99999"), 404)


# Members ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["learner", "facilitator"])
def test_manager_adds_a_member(api, manager, cohort, outsider, role):
    r = api(manager).post(
        f"/cohorts/{cohort.id}/members", json={"user_id": outsider.id, "role": role}
    )
    assert r.status_code == 201
    assert r.get_json() == {"user": user_ref(outsider), "role": role}
    detail = api(manager).get(f"/cohorts/{cohort.id}").get_json()
    assert detail["member_count"] == 3
    assert {"user": user_ref(outsider), "role": role} in detail["members"]
    # Now they see it.
    assert api(outsider).get(f"/cohorts/{cohort.id}").status_code == 200


def test_the_cohort_role_defaults_to_learner(api, admin, cohort, outsider):
    r = api(admin).post(f"/cohorts/{cohort.id}/members", json={"user_id": outsider.id})
    assert r.status_code == 201
    assert r.get_json()["role"] == "learner"


def test_adding_a_member_twice_is_409(api, manager, cohort, learner):
    before = count(Membership)
    body = {"user_id": learner.id, "role": "facilitator"}
    error = expect_error(api(manager).post(f"/cohorts/{cohort.id}/members", json=body), 409)
    assert error["code"] == "conflict"
    assert count(Membership) == before
    role = fresh().scalar(select(Membership.role).where(Membership.user_id == learner.id))
    assert role == "learner"


@pytest.mark.parametrize("who", ["learner", "facilitator"])
def test_cohort_members_may_not_add_members(api, request, cohort, outsider, who):
    caller = request.getfixturevalue(who)
    path = f"/cohorts/{cohort.id}/members"
    expect_error(api(caller).post(path, json={"user_id": outsider.id}), 403)
    assert count(Membership) == 2


def test_outsiders_get_404_when_adding_members(api, outsider, cohort):
    path = f"/cohorts/{cohort.id}/members"
    expect_error(api(outsider).post(path, json={"user_id": outsider.id}), 404)
    expect_error(api().post(path, json={"user_id": outsider.id}), 401)
    assert count(Membership) == 2


def test_adding_to_an_unknown_cohort_is_404(api, manager, outsider):
    expect_error(api(manager).post("/cohorts/99999/members", json={"user_id": outsider.id}), 404)


def test_adding_an_unknown_person_is_invalid(api, manager, cohort):
    expect_invalid(api(manager).post(f"/cohorts/{cohort.id}/members", json={"user_id": 99999}))
    assert count(Membership) == 2


def test_an_unknown_cohort_role_is_invalid(api, manager, cohort, outsider):
    body = {"user_id": outsider.id, "role": "teacher"}
    expect_invalid(api(manager).post(f"/cohorts/{cohort.id}/members", json=body), "role")
    assert count(Membership) == 2


def test_manager_removes_a_member(api, manager, cohort, learner):
    r = api(manager).delete(f"/cohorts/{cohort.id}/members/{learner.id}")
    assert r.status_code == 204
    assert r.get_data() == b""
    expect_error(api(learner).get(f"/cohorts/{cohort.id}"), 404)
    assert api(manager).get(f"/cohorts/{cohort.id}").get_json()["member_count"] == 1
    # Removing them again: they are no longer a member.
    expect_error(api(manager).delete(f"/cohorts/{cohort.id}/members/{learner.id}"), 404)


@pytest.mark.parametrize("who", ["learner", "facilitator"])
def test_cohort_members_may_not_remove_members(api, request, cohort, learner, who):
    caller = request.getfixturevalue(who)
    expect_error(api(caller).delete(f"/cohorts/{cohort.id}/members/{learner.id}"), 403)
    assert count(Membership) == 2


def test_removing_needs_a_manager_signed_in(api, outsider, cohort, learner):
    path = f"/cohorts/{cohort.id}/members/{learner.id}"
    expect_error(api(outsider).delete(path), 404)
    expect_error(api().delete(path), 401)
    assert count(Membership) == 2


def test_removing_from_an_unknown_cohort_or_a_non_member_is_404(api, manager, cohort, outsider):
    expect_error(api(manager).delete(f"/cohorts/99999/members/{outsider.id}"), 404)
    expect_error(api(manager).delete(f"/cohorts/{cohort.id}/members/{outsider.id}"), 404)
    expect_error(api(manager).delete(f"/cohorts/{cohort.id}/members/99999"), 404)


# Schedule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("2026-12-01T10:00:00Z", "2026-12-01T10:00:00"),
        ("2026-12-01T10:00:00z", "2026-12-01T10:00:00"),
        ("2026-12-01T10:00:00+00:00", "2026-12-01T10:00:00"),
        ("2026-12-01T12:30:00+02:30", "2026-12-01T10:00:00"),
        ("2026-12-01T05:00:00-05:00", "2026-12-01T10:00:00"),
        ("2026-12-01T10:00:00", "2026-12-01T10:00:00"),
        ("2026-12-01T10:00", "2026-12-01T10:00:00"),
        ("2026-12-01", "2026-12-01T23:59:59"),
        ("2020-01-31", "2020-01-31T23:59:59"),
    ],
    ids=[
        "Z",
        "lower-z",
        "plus-zero",
        "east-offset",
        "west-offset",
        "no-offset-is-utc",
        "no-seconds",
        "date-is-end-of-day",
        "past-date",
    ],
)
def test_schedule_due_at_forms(api, manager, cohort, sent, stored):
    module = make_module()
    r = api(manager).put(f"/cohorts/{cohort.id}/schedule/{module.id}", json={"due_at": sent})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert set(body) == {"module_id", "due_at"}
    assert body["module_id"] == module.id
    assert is_utc_iso(body["due_at"])
    assert body["due_at"].removesuffix("Z").removesuffix("+00:00") == stored
    detail = api(manager).get(f"/cohorts/{cohort.id}").get_json()
    assert detail["schedule"] == [body]


def test_setting_a_due_date_again_replaces_it(api, manager, cohort, learner):
    module = make_module()
    path = f"/cohorts/{cohort.id}/schedule/{module.id}"
    api(manager).put(path, json={"due_at": "2026-12-01"})
    r = api(manager).put(path, json={"due_at": "2027-01-15T09:00:00Z"})
    assert r.status_code == 200
    assert count(ScheduleEntry) == 1
    schedule = api(learner).get(f"/cohorts/{cohort.id}").get_json()["schedule"]
    assert [(s["module_id"], s["due_at"][:19]) for s in schedule] == [
        (module.id, "2027-01-15T09:00:00")
    ]


def test_an_unpublished_module_in_the_schedule_is_hidden_from_learners(
    api, manager, cohort, learner
):
    shown, hidden = make_module(), make_module(published=False)
    for module in (shown, hidden):
        r = api(manager).put(
            f"/cohorts/{cohort.id}/schedule/{module.id}", json={"due_at": "2026-12-01"}
        )
        assert r.status_code == 200
    as_learner = api(learner).get(f"/cohorts/{cohort.id}").get_json()["schedule"]
    assert [s["module_id"] for s in as_learner] == [shown.id]
    as_manager = api(manager).get(f"/cohorts/{cohort.id}").get_json()["schedule"]
    assert {s["module_id"] for s in as_manager} == {shown.id, hidden.id}


@pytest.mark.parametrize("who", ["learner", "facilitator"])
def test_cohort_members_may_not_set_due_dates(api, request, cohort, who):
    module = make_module()
    caller = request.getfixturevalue(who)
    path = f"/cohorts/{cohort.id}/schedule/{module.id}"
    expect_error(api(caller).put(path, json={"due_at": "2026-12-01"}), 403)
    assert count(ScheduleEntry) == 0


def test_setting_due_dates_needs_a_manager(api, outsider, cohort):
    module = make_module()
    path = f"/cohorts/{cohort.id}/schedule/{module.id}"
    expect_error(api(outsider).put(path, json={"due_at": "2026-12-01"}), 404)
    expect_error(api().put(path, json={"due_at": "2026-12-01"}), 401)
    assert count(ScheduleEntry) == 0


def test_due_date_for_an_unknown_cohort_or_module_is_404(api, manager, cohort):
    module = make_module()
    expect_error(
        api(manager).put(f"/cohorts/99999/schedule/{module.id}", json={"due_at": "2026-12-01"}), 404
    )
    expect_error(
        api(manager).put(f"/cohorts/{cohort.id}/schedule/99999", json={"due_at": "2026-12-01"}), 404
    )
    assert count(ScheduleEntry) == 0


@pytest.mark.parametrize(
    "due_at",
    [
        None,
        "",
        "tomorrow",
        "2026-13-01",
        "2026-02-30",
        "12/01/2026",
        1767225600,
        True,
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-05:00",
        "2026-12-01T10:00:00+25:00",
    ],
    ids=[
        "null",
        "empty",
        "words",
        "month-13",
        "feb-30",
        "us-format",
        "number",
        "bool",
        "before-year-1",
        "after-9999",
        "bad-offset",
    ],
)
def test_invalid_due_dates_are_refused(api, manager, cohort, due_at):
    module = make_module()
    path = f"/cohorts/{cohort.id}/schedule/{module.id}"
    expect_invalid(api(manager).put(path, json={"due_at": due_at}), "due_at")
    expect_invalid(api(manager).put(path, json={}), "due_at")
    assert count(ScheduleEntry) == 0
