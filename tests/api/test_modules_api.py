"""Modules: create, list, read, patch with revisions, and who sees unpublished ones."""

from __future__ import annotations

import json

import pytest

from forum.models import Module, ModuleRevision
from tests.api.helpers import (
    count,
    expect_envelope,
    expect_error,
    expect_invalid,
    fresh,
    is_utc_iso,
    user_ref,
)
from tests.factories import make_module

SUMMARY_KEYS = {
    "id",
    "slug",
    "title",
    "summary",
    "video_url",
    "owner",
    "position",
    "published",
    "revision",
    "updated_at",
}
MODULE_KEYS = SUMMARY_KEYS | {"body", "body_html", "faq"}
REVISION_KEYS = {"revision", "title", "body", "author", "created_at"}

LESSON = "# Welcome\n\nRead **this** first.\n\n<script>alert(1)</script>\n"


@pytest.fixture
def owner(make_user):
    """A member who owns a module's subject."""
    return make_user(name="Olga Owner")


@pytest.fixture
def hidden(owner):
    return make_module(owner=owner, title="Draft lesson", published=False)


@pytest.fixture
def lesson(owner):
    return make_module(owner=owner, title="First week", body="Hello.")


# Creating ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_managers_and_admins_create_modules(api, make_user, role):
    caller = make_user(role=role, name="Creator")
    r = api(caller).post("/modules", json={"title": "Our Tools & You", "body": LESSON})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert set(body) == MODULE_KEYS
    assert body["title"] == "Our Tools & You"
    assert body["slug"] == "our-tools-you"
    assert body["body"] == LESSON  # stored as written
    assert "<strong>this</strong>" in body["body_html"]
    assert "<script>" not in body["body_html"]
    assert body["owner"] == user_ref(caller)
    assert body["published"] is True
    assert body["revision"] == 1
    assert body["faq"] == []
    assert body["summary"] == "" and body["video_url"] is None
    assert is_utc_iso(body["updated_at"])
    assert fresh().get(Module, body["id"]).title == "Our Tools & You"


def test_creating_with_every_field(api, manager, owner):
    data = {
        "title": "Security basics",
        "body": "Lock your screen.",
        "summary": "Short and vital",
        "video_url": "https://video.example.com/sec",
        "owner_id": owner.id,
        "position": 7,
        "published": False,
    }
    r = api(manager).post("/modules", json=data)
    assert r.status_code == 201
    body = r.get_json()
    assert body["owner"] == user_ref(owner)
    assert (body["summary"], body["video_url"], body["position"], body["published"]) == (
        "Short and vital",
        "https://video.example.com/sec",
        7,
        False,
    )


def test_positions_default_to_the_end(api, manager):
    first = api(manager).post("/modules", json={"title": "A", "body": "a"}).get_json()
    second = api(manager).post("/modules", json={"title": "B", "body": "b"}).get_json()
    assert second["position"] > first["position"]


def test_the_same_title_gets_a_distinct_slug(api, manager):
    first = api(manager).post("/modules", json={"title": "Intro", "body": "a"}).get_json()
    second = api(manager).post("/modules", json={"title": "Intro", "body": "b"}).get_json()
    assert first["slug"] == "intro" and second["slug"] == "intro-2"


def test_members_may_not_create_modules(api, member):
    expect_error(api(member).post("/modules", json={"title": "T", "body": "B"}), 403)
    expect_error(api().post("/modules", json={"title": "T", "body": "B"}), 401)
    assert count(Module) == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"body": "b"}, "title"),
        ({"title": "t"}, "body"),
        ({"title": "t" * 201, "body": "b"}, "title"),
        ({"title": "t", "body": "b" * 20001}, "body"),
        ({"title": "t", "body": "b", "summary": "s" * 1001}, "summary"),
        ({"title": "t", "body": "b", "video_url": "javascript:alert(1)"}, "video_url"),
        ({"title": "t", "body": "b", "owner_id": 99999}, "owner_id"),
        ({"title": "t", "body": "b", "position": -1}, "position"),
        ({"title": "t", "body": "b", "published": "yes"}, "published"),
    ],
    ids=[
        "no-title",
        "no-body",
        "long-title",
        "long-body",
        "long-summary",
        "bad-video-url",
        "unknown-owner",
        "negative-position",
        "published-string",
    ],
)
def test_invalid_modules_are_refused(api, manager, data, field):
    expect_invalid(api(manager).post("/modules", json=data), field)
    assert count(Module) == 0
    assert count(ModuleRevision) == 0


def test_the_longest_allowed_texts_are_accepted(api, manager):
    r = api(manager).post("/modules", json={"title": "t" * 200, "body": "b" * 20000})
    assert r.status_code == 201


# Listing ----------------------------------------------------------------------------------


def test_members_list_published_modules_in_order_without_bodies(api, member, owner, hidden):
    late = make_module(title="Late", position=50)
    early = make_module(title="Early", position=2)
    items = expect_envelope(api(member).get("/modules"), total=2)
    assert [m["id"] for m in items] == [early.id, late.id]
    assert all(set(m) == SUMMARY_KEYS for m in items)
    assert "@" not in json.dumps(items)


def test_owners_and_managers_also_list_unpublished_modules(api, owner, manager, hidden, lesson):
    for caller in (owner, manager):
        items = expect_envelope(api(caller).get("/modules"), total=2)
        assert {m["id"] for m in items} == {hidden.id, lesson.id}


def test_listing_modules_pages(api, member):
    ids = [make_module(position=i).id for i in range(1, 6)]
    r = api(member).get("/modules?page=2&per_page=2")
    assert [m["id"] for m in expect_envelope(r, total=5)] == ids[2:4]
    body = api(member).get("/modules?per_page=250").get_json()
    assert body["per_page"] == 100 and len(body["items"]) == 5
    assert expect_envelope(api(member).get("/modules?page=4&per_page=2"), total=5) == []


def test_listing_modules_needs_signing_in(api):
    expect_error(api().get("/modules"), 401)


# Reading ----------------------------------------------------------------------------------


def test_a_member_reads_a_published_module(api, member, lesson, owner):
    r = api(member).get(f"/modules/{lesson.id}")
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == MODULE_KEYS
    assert body["owner"] == user_ref(owner)
    assert body["body"] == "Hello." and body["body_html"] == "<p>Hello.</p>\n"
    assert "@" not in json.dumps(body)


def test_an_unpublished_module_is_404_for_members(api, member, hidden):
    error = expect_error(api(member).get(f"/modules/{hidden.id}"), 404)
    assert expect_error(api(member).get("/modules/99999"), 404) == error


@pytest.mark.parametrize("who", ["owner", "manager", "admin"])
def test_an_unpublished_module_is_visible_to_its_owner_and_managers(api, request, hidden, who):
    r = api(request.getfixturevalue(who)).get(f"/modules/{hidden.id}")
    assert r.status_code == 200
    assert r.get_json()["published"] is False


def test_reading_a_module_needs_signing_in(api, lesson):
    expect_error(api().get(f"/modules/{lesson.id}"), 401)


# Changing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "manager", "admin"])
def test_owner_and_managers_edit_a_module(api, request, lesson, who):
    r = api(request.getfixturevalue(who)).patch(
        f"/modules/{lesson.id}", json={"body": "Hello **again**."}
    )
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == MODULE_KEYS
    assert body["body"] == "Hello **again**."
    assert "<strong>again</strong>" in body["body_html"]
    assert body["revision"] == 2


def test_other_members_may_not_edit_a_module(api, member, lesson):
    expect_error(api(member).patch(f"/modules/{lesson.id}", json={"title": "Mine"}), 403)
    expect_error(api().patch(f"/modules/{lesson.id}", json={"title": "Mine"}), 401)
    assert fresh().get(Module, lesson.id).title == "First week"


def test_editing_an_unpublished_module_one_cannot_see_is_404(api, member, hidden):
    expect_error(api(member).patch(f"/modules/{hidden.id}", json={"title": "Mine"}), 404)
    assert fresh().get(Module, hidden.id).title == "Draft lesson"


def test_editing_an_unknown_module_is_404(api, manager):
    expect_error(api(manager).patch("/modules/99999", json={"title": "X"}), 404)


@pytest.mark.parametrize(
    "change",
    [{"title": "Week one"}, {"summary": "What to expect"}, {"body": "Hello, all."}],
    ids=["title", "summary", "body"],
)
def test_a_text_change_makes_a_new_revision(api, owner, lesson, change):
    before = api(owner).get(f"/modules/{lesson.id}").get_json()
    r = api(owner).patch(f"/modules/{lesson.id}", json=change)
    assert r.get_json()["revision"] == 2
    assert r.get_json()["updated_at"] >= before["updated_at"]
    assert count(ModuleRevision) == 2


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"title": "First week"},
        {"title": "  First week  "},
        {"body": "Hello."},
        {"summary": ""},
        {"position": 42},
        {"published": False},
        {"video_url": "https://example.com/v"},
    ],
    ids=[
        "nothing",
        "same-title",
        "same-title-padded",
        "same-body",
        "same-summary",
        "position",
        "published",
        "video",
    ],
)
def test_other_changes_keep_the_revision(api, manager, lesson, change):
    r = api(manager).patch(f"/modules/{lesson.id}", json=change)
    assert r.status_code == 200
    body = r.get_json()
    assert body["revision"] == 1
    for key, value in change.items():
        assert body[key] == (value.strip() if isinstance(value, str) else value)
    assert count(ModuleRevision) == 1


def test_a_manager_hands_a_module_to_another_owner(api, manager, lesson, member):
    r = api(manager).patch(f"/modules/{lesson.id}", json={"owner_id": member.id})
    assert r.status_code == 200
    assert r.get_json()["owner"] == user_ref(member)
    assert api(member).patch(f"/modules/{lesson.id}", json={"title": "Mine now"}).status_code == 200


def test_an_owner_may_not_give_the_module_away(api, owner, lesson, member):
    expect_error(api(owner).patch(f"/modules/{lesson.id}", json={"owner_id": member.id}), 403)
    assert fresh().get(Module, lesson.id).owner_id == owner.id


def test_publishing_shows_the_module_to_members(api, manager, member, hidden):
    expect_error(api(member).get(f"/modules/{hidden.id}"), 404)
    assert api(manager).patch(f"/modules/{hidden.id}", json={"published": True}).status_code == 200
    assert api(member).get(f"/modules/{hidden.id}").status_code == 200
    assert api(manager).patch(f"/modules/{hidden.id}", json={"published": False}).status_code == 200
    expect_error(api(member).get(f"/modules/{hidden.id}"), 404)


def test_clearing_the_summary_and_video(api, manager):
    module = make_module(summary="S", video_url="https://example.com/v")
    r = api(manager).patch(f"/modules/{module.id}", json={"summary": None, "video_url": None})
    assert r.status_code == 200
    assert (r.get_json()["summary"], r.get_json()["video_url"]) == ("", None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": None}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"body": "b" * 20001}, "body"),
        ({"body": "   "}, "body"),
        ({"published": "yes"}, "published"),
        ({"position": "3"}, "position"),
        ({"owner_id": "1"}, "owner_id"),
        ({"owner_id": 99999}, "owner_id"),
        ({"video_url": "ftp://example.com/v"}, "video_url"),
    ],
    ids=[
        "empty-title",
        "null-title",
        "long-title",
        "long-body",
        "blank-body",
        "published-string",
        "position-string",
        "owner-string",
        "unknown-owner",
        "ftp-video",
    ],
)
def test_invalid_patches_change_nothing(api, manager, lesson, change, field):
    expect_invalid(api(manager).patch(f"/modules/{lesson.id}", json=change), field)
    kept = fresh().get(Module, lesson.id)
    assert (kept.title, kept.body, kept.revision, kept.published) == (
        "First week",
        "Hello.",
        1,
        True,
    )


def test_a_rejected_field_rolls_back_the_whole_patch(api, manager, lesson):
    r = api(manager).patch(
        f"/modules/{lesson.id}", json={"title": "Renamed", "video_url": "not a url"}
    )
    expect_invalid(r, "video_url")
    kept = fresh().get(Module, lesson.id)
    assert (kept.title, kept.revision) == ("First week", 1)
    assert count(ModuleRevision) == 1


# Revisions --------------------------------------------------------------------------------


def test_revisions_list_newest_first_including_the_current_one(api, manager, owner, member, lesson):
    api(manager).patch(f"/modules/{lesson.id}", json={"title": "Week one"})
    api(manager).patch(f"/modules/{lesson.id}", json={"position": 9})  # no new revision
    api(owner).patch(f"/modules/{lesson.id}", json={"body": "Hello, team."})
    items = expect_envelope(api(member).get(f"/modules/{lesson.id}/revisions"), total=3)
    assert all(set(item) >= REVISION_KEYS for item in items)
    assert [(i["revision"], i["title"], i["body"]) for i in items] == [
        (3, "Week one", "Hello, team."),
        (2, "Week one", "Hello."),
        (1, "First week", "Hello."),
    ]
    assert items[0]["author"] == user_ref(owner)
    assert items[1]["author"] == user_ref(manager)
    assert all(is_utc_iso(i["created_at"]) for i in items)
    assert items[0]["created_at"] >= items[1]["created_at"] >= items[2]["created_at"]
    assert api(member).get(f"/modules/{lesson.id}").get_json()["revision"] == 3
    assert "@" not in json.dumps(items)


def test_revisions_page(api, manager, lesson):
    for n in range(2, 6):
        api(manager).patch(f"/modules/{lesson.id}", json={"body": f"Version {n}"})
    r = api(manager).get(f"/modules/{lesson.id}/revisions?per_page=2&page=2")
    assert [i["revision"] for i in expect_envelope(r, total=5)] == [3, 2]


def test_revisions_of_a_hidden_module_are_404(api, member, owner, hidden):
    expect_error(api(member).get(f"/modules/{hidden.id}/revisions"), 404)
    expect_envelope(api(owner).get(f"/modules/{hidden.id}/revisions"), total=1)
    expect_error(api(member).get("/modules/99999/revisions"), 404)
    expect_error(api().get(f"/modules/{hidden.id}/revisions"), 401)
