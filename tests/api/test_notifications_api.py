"""Notifications: what people are told, newest first, read marks, and what stays hidden."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.models import Notification
from forum.services import modules, posts, threads
from tests.api.discussion import NOTIFICATION_KEYS, answer, ask, build_world, ref, rows
from tests.api.helpers import expect_envelope, expect_error, expect_invalid, fresh, is_utc_iso


@pytest.fixture
def world(app):
    return build_world()


def _kinds(api, user, query: str = "") -> list[str]:
    return [n["kind"] for n in expect_envelope(api(user).get(f"/notifications{query}"))]


def test_the_main_kinds_newest_first_with_their_subjects(api, world):
    w = world
    t = ask(w.asker, w.module.id)
    reply = answer(w.facilitator, t.id, body=f"Ask @{w.learner.handle} too")
    threads.accept(w.asker, t.id, reply.id)
    items = expect_envelope(api(w.owner).get("/notifications"), total=1)
    [new_question] = items
    assert set(new_question) == NOTIFICATION_KEYS
    assert new_question["kind"] == "new_question" and new_question["actor"] == ref(w.asker)
    assert new_question["thread_id"] == t.id and new_question["module_id"] == w.module.id
    assert new_question["post_id"] is not None and new_question["office_hour_id"] is None
    assert new_question["read"] is False and is_utc_iso(new_question["created_at"])
    asker_items = expect_envelope(api(w.asker).get("/notifications"))
    assert [n["kind"] for n in asker_items] == ["reply"]
    assert asker_items[0]["post_id"] == reply.id and asker_items[0]["actor"] == ref(w.facilitator)
    assert _kinds(api, w.learner) == ["mention"]
    assert _kinds(api, w.facilitator) == ["accepted"]
    later = answer(w.learner, t.id, body="Thanks all")
    items = expect_envelope(api(w.asker).get("/notifications"))
    assert [n["post_id"] for n in items] == [later.id, reply.id]  # newest first


def test_unread_filter_and_marking_some_read(api, world):
    w = world
    t = ask(w.asker, w.module.id)
    for n in range(3):
        answer(w.learner, t.id, body=f"Reply {n}")
    items = expect_envelope(api(w.asker).get("/notifications?unread=1"), total=3)
    first, second = items[0]["id"], items[1]["id"]
    r = api(w.asker).post("/notifications/read", json={"ids": [first, second]})
    assert r.status_code == 204 and r.get_data() == b""
    unread = expect_envelope(api(w.asker).get("/notifications?unread=1"), total=1)
    assert unread[0]["id"] not in (first, second)
    everything = expect_envelope(api(w.asker).get("/notifications?unread=0"), total=3)
    assert [n["read"] for n in everything] == [True, True, False]
    # Marking again changes nothing and is still fine.
    assert api(w.asker).post("/notifications/read", json={"ids": [first]}).status_code == 204


def test_marking_all_read(api, world):
    w = world
    t = ask(w.asker, w.module.id)
    answer(w.learner, t.id)
    answer(w.member, t.id)
    assert api(w.asker).post("/notifications/read", json={"all": True}).status_code == 204
    expect_envelope(api(w.asker).get("/notifications?unread=1"), total=0)
    assert rows(Notification, user_id=w.owner.id) == 1
    owner_note = fresh().scalars(select(Notification).where(Notification.user_id == w.owner.id))
    owner_note = owner_note.one()
    assert owner_note.read_at is None  # only the caller's own


def test_one_cannot_mark_or_see_someone_elses_notifications(api, world):
    w = world
    ask(w.asker, w.module.id)
    [owners] = expect_envelope(api(w.owner).get("/notifications"))
    assert api(w.asker).post("/notifications/read", json={"ids": [owners["id"]]}).status_code == 204
    assert expect_envelope(api(w.owner).get("/notifications"))[0]["read"] is False
    expect_envelope(api(w.asker).get("/notifications"), total=0)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": []},
        {"all": False},
        {"ids": ["1"]},
        {"ids": [0]},
        {"ids": 5},
        {"ids": list(range(1, 1002))},
        {"all": "yes"},
        {"all": 1},
    ],
    ids=[
        "nothing",
        "no-ids",
        "all-false",
        "text-id",
        "zero-id",
        "not-a-list",
        "too-many-ids",
        "all-as-text",
        "all-as-1",
    ],
)
def test_marking_read_needs_ids_or_all(api, world, body):
    w = world
    t = ask(w.asker, w.module.id)
    answer(w.learner, t.id)
    expect_invalid(api(w.asker).post("/notifications/read", json=body))
    expect_envelope(api(w.asker).get("/notifications?unread=1"), total=1)


def test_an_anonymous_actor_is_hidden_from_peers_but_not_from_moderators(api, world):
    w = world
    t = ask(w.asker, w.module.id, title="Silly?", anonymous=True)
    api(w.member).put(f"/threads/{t.id}/subscription")
    answer(w.learner, t.id)
    reply = posts.reply(w.asker, t.id, body="Thanks, anonymously", anonymous=True)
    [owner_note] = expect_envelope(api(w.owner).get("/notifications"))
    assert owner_note["kind"] == "new_question" and owner_note["actor"] == ref(w.asker)
    member_notes = expect_envelope(api(w.member).get("/notifications"))
    mine = [n for n in member_notes if n["post_id"] == reply.id]
    assert mine and mine[0]["actor"] is None
    assert w.asker.name not in api(w.member).get("/notifications").get_data(as_text=True)


def test_notifications_about_threads_one_can_no_longer_see_disappear(api, world):
    w = world
    t = ask(w.asker, w.module.id)
    answer(w.learner, t.id)
    expect_envelope(api(w.asker).get("/notifications"), total=1)
    modules.update_module(w.manager, w.module.id, published=False)
    expect_envelope(api(w.asker).get("/notifications"), total=0)
    expect_envelope(api(w.asker).get("/notifications?unread=1"), total=0)
    expect_envelope(api(w.owner).get("/notifications"), total=1)  # the owner still sees it


def test_people_outside_a_cohort_are_never_told_of_its_threads(api, world):
    w = world
    for who in (w.other, w.member):
        api(who).put(f"/modules/{w.module.id}/subscription")
    t = ask(w.asker, w.module.id, cohort_id=w.cohort_a)
    answer(w.facilitator, t.id, body=f"@{w.other.handle} @{w.member.handle} look")
    for who in (w.other, w.member):
        expect_envelope(api(who).get("/notifications"), total=0)
    assert rows(Notification, user_id=w.other.id) + rows(Notification, user_id=w.member.id) == 0


def test_notifications_need_signing_in_and_a_sane_filter(api, world):
    expect_error(api().get("/notifications"), 401)
    expect_error(api().post("/notifications/read", json={"all": True}), 401)
    expect_invalid(api(world.asker).get("/notifications?unread=maybe"), "unread")
