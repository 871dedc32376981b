"""Threads: ask, list (filters, sorts, pinned first, unread), read, moderate, accept, follow."""

from __future__ import annotations

import re

import pytest

from forum.models import ModerationEntry, Notification, Post, Thread, ThreadFollow
from forum.services import posts, threads
from tests.api.discussion import (
    POST_KEYS,
    THREAD_KEYS,
    answer,
    ask,
    build_world,
    opening_id,
    ref,
    rows,
)
from tests.api.helpers import expect_envelope, expect_error, expect_invalid, fresh, is_utc_iso
from tests.factories import make_module


@pytest.fixture
def world(app):
    return build_world()


def _ids(response) -> list[int]:
    return [t["id"] for t in expect_envelope(response)]


# Asking -------------------------------------------------------------------------------------


def test_a_learner_asks_a_question(api, world):
    w = world
    r = api(w.asker).post(
        f"/modules/{w.module.id}/threads",
        json={
            "title": "  How do I rotate a key?  ",
            "body": "I tried **this**.",
            "kind": "question",
        },
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert THREAD_KEYS | {"posts"} <= set(body)
    assert body["title"] == "How do I rotate a key?"
    assert body["module_id"] == w.module.id and body["kind"] == "question"
    assert body["cohort_id"] is None and body["visibility"] == "everyone"
    assert body["author"] == ref(w.asker) and body["anonymous"] is False
    assert body["reply_count"] == 0 and body["accepted_post_id"] is None
    assert body["pinned"] is False and body["locked"] is False
    assert is_utc_iso(body["created_at"]) and is_utc_iso(body["last_activity_at"])
    [opening] = body["posts"]
    assert set(opening) >= POST_KEYS
    assert (
        opening["body"] == "I tried **this**." and "<strong>this</strong>" in opening["body_html"]
    )
    assert opening["author"] == ref(w.asker) and opening["parent_id"] is None
    assert opening["deleted"] is False and opening["score"] == 0 and opening["my_vote"] == 0
    assert fresh().get(Thread, body["id"]).title == "How do I rotate a key?"


def test_a_thread_in_a_cohort_is_cohort_only_unless_told(api, world):
    w = world
    url = f"/modules/{w.module.id}/threads"
    r = api(w.asker).post(url, json={"title": "Ours", "body": "b", "cohort_id": w.cohort_a})
    assert r.status_code == 201
    assert r.get_json()["visibility"] == "cohort" and r.get_json()["cohort_id"] == w.cohort_a
    data = {"title": "Open", "body": "b", "cohort_id": w.cohort_a, "visibility": "everyone"}
    r = api(w.asker).post(url, json=data)
    assert r.get_json()["visibility"] == "everyone"


def test_kind_defaults_to_question_and_discussions_are_kept(api, world):
    url = f"/modules/{world.module.id}/threads"
    assert api(world.asker).post(url, json={"title": "T", "body": "b"}).get_json()["kind"] == (
        "question"
    )
    r = api(world.asker).post(url, json={"title": "T", "body": "b", "kind": "discussion"})
    assert r.get_json()["kind"] == "discussion"


def test_an_anonymous_question_hides_the_author_from_peers_only(api, world):
    w = world
    r = api(w.asker).post(
        f"/modules/{w.module.id}/threads",
        json={"title": "Silly?", "body": "Is this silly?", "anonymous": True},
    )
    assert r.status_code == 201
    tid = r.get_json()["id"]
    assert r.get_json()["author"] == ref(w.asker)  # the author sees themself
    for peer in (w.learner, w.other, w.member):
        body = api(peer).get(f"/threads/{tid}").get_json()
        assert body["anonymous"] is True
        assert body["author"] is None and body["posts"][0]["author"] is None
        [listed] = [t for t in expect_envelope(api(peer).get(f"/modules/{w.module.id}/threads"))]
        assert listed["author"] is None
        assert w.asker.name not in api(peer).get(f"/threads/{tid}").get_data(as_text=True)
    for who in (w.owner, w.manager, w.admin):
        body = api(who).get(f"/threads/{tid}").get_json()
        assert body["author"] == ref(w.asker) and body["posts"][0]["author"] == ref(w.asker)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"body": "b"}, "title"),
        ({"title": "t"}, "body"),
        ({"title": "", "body": "b"}, "title"),
        ({"title": "   ", "body": "b"}, "title"),
        ({"title": "t" * 201, "body": "b"}, "title"),
        ({"title": "t", "body": "b" * 20_001}, "body"),
        ({"title": "t", "body": "a\x00b"}, "body"),
        ({"title": "t", "body": "b", "kind": "poll"}, "kind"),
        ({"title": "t", "body": "b", "visibility": "friends"}, "visibility"),
        ({"title": "t", "body": "b", "visibility": "cohort"}, "visibility"),
        ({"title": "t", "body": "b", "cohort_id": 99_999}, "cohort_id"),
        ({"title": "t", "body": "b", "cohort_id": "1"}, "cohort_id"),
        ({"title": "t", "body": "b", "anonymous": "yes"}, "anonymous"),
    ],
    ids=[
        "no-title",
        "no-body",
        "empty-title",
        "blank-title",
        "long-title",
        "long-body",
        "nul-body",
        "bad-kind",
        "bad-visibility",
        "cohort-visibility-without-cohort",
        "unknown-cohort",
        "cohort-id-as-text",
        "anonymous-as-text",
    ],
)
def test_invalid_threads_are_refused_and_nothing_is_written(api, world, data, field):
    before = rows(Thread), rows(Post), rows(Notification)
    expect_invalid(api(world.asker).post(f"/modules/{world.module.id}/threads", json=data), field)
    assert (rows(Thread), rows(Post), rows(Notification)) == before


def test_titles_and_bodies_at_their_limits_are_taken(api, world):
    data = {"title": "t" * 200, "body": "b" * 20_000}
    assert api(world.asker).post(f"/modules/{world.module.id}/threads", json=data).status_code == (
        201
    )


def test_a_cohort_one_is_not_in_answers_as_a_cohort_that_does_not_exist(api, world):
    """Both the same 400: the answer tells an outsider nothing about which ids exist."""
    w = world
    before = rows(Thread), rows(Post)
    url = f"/modules/{w.module.id}/threads"
    answers = [
        api(w.other).post(url, json={"title": "t", "body": "b", "cohort_id": cohort_id})
        for cohort_id in (w.cohort_a, 99_999)
    ]
    real, missing = (expect_invalid(r, "cohort_id") for r in answers)
    assert answers[0].status_code == answers[1].status_code == 400
    assert real == missing
    assert (rows(Thread), rows(Post)) == before


def test_asking_on_an_unknown_or_unpublished_module_is_404(api, world):
    w = world
    draft = make_module(actor=w.manager, owner=w.owner, published=False)
    for module_id in (draft.id, 99_999, 2**40):
        r = api(w.asker).post(f"/modules/{module_id}/threads", json={"title": "t", "body": "b"})
        assert expect_error(r, 404)["code"] == "not_found"
    # Its owner may ask there.
    r = api(w.owner).post(f"/modules/{draft.id}/threads", json={"title": "t", "body": "b"})
    assert r.status_code == 201


def test_asking_needs_signing_in(api, world):
    before = rows(Thread)
    r = api().post(f"/modules/{world.module.id}/threads", json={"title": "t", "body": "b"})
    expect_error(r, 401)
    assert rows(Thread) == before


# Listing ------------------------------------------------------------------------------------


def test_the_list_is_the_envelope_of_threads_without_posts(api, world):
    w = world
    t = ask(w.asker, w.module.id)
    items = expect_envelope(api(w.learner).get(f"/modules/{w.module.id}/threads"), total=1)
    [item] = items
    assert set(item) >= THREAD_KEYS and "posts" not in item
    assert item["id"] == t.id and item["author"] == ref(w.asker)
    assert item["unread"] is True


def test_pinned_threads_come_first_then_by_the_sort(api, world):
    w = world
    t1 = ask(w.asker, w.module.id, title="First")
    t2 = ask(w.asker, w.module.id, title="Second")
    t3 = ask(w.asker, w.module.id, title="Third")
    t4 = ask(w.asker, w.module.id, title="Fourth")
    answer(w.learner, t1.id)  # t1 is now the most active
    posts.vote(w.learner, opening_id(t2.id), 1)  # t2 has the top opening post
    threads.moderate(w.manager, t4.id, pinned=True)
    url = f"/modules/{w.module.id}/threads"
    assert _ids(api(w.learner).get(url)) == [t4.id, t1.id, t3.id, t2.id]
    assert _ids(api(w.learner).get(f"{url}?sort=active")) == [t4.id, t1.id, t3.id, t2.id]
    assert _ids(api(w.learner).get(f"{url}?sort=recent")) == [t4.id, t3.id, t2.id, t1.id]
    assert _ids(api(w.learner).get(f"{url}?sort=top")) == [t4.id, t2.id, t1.id, t3.id]


def test_filters_cohort_kind_unanswered_and_mine(api, world):
    w = world
    everyone = ask(w.asker, w.module.id, title="Everyone")
    ours = ask(w.asker, w.module.id, title="Ours", cohort_id=w.cohort_a)
    talk = ask(w.asker, w.module.id, title="Talk", kind="discussion")
    answered = ask(w.asker, w.module.id, title="Answered")
    threads.accept(w.asker, answered.id, answer(w.facilitator, answered.id).id)
    url = f"/modules/{w.module.id}/threads"
    c = api(w.learner)
    assert _ids(c.get(f"{url}?cohort_id={w.cohort_a}")) == [ours.id]
    assert set(_ids(c.get(f"{url}?kind=discussion"))) == {talk.id}
    assert set(_ids(c.get(f"{url}?kind=question"))) == {everyone.id, ours.id, answered.id}
    assert set(_ids(c.get(f"{url}?unanswered=1"))) == {everyone.id, ours.id}
    assert set(_ids(c.get(f"{url}?unanswered=0"))) == {everyone.id, ours.id, talk.id, answered.id}
    assert _ids(c.get(f"{url}?mine=1")) == [ours.id]
    assert _ids(c.get(f"{url}?unanswered=1&cohort_id={w.cohort_a}")) == [ours.id]
    # Someone in cohort B filtering on cohort A finds nothing, not even a count.
    expect_envelope(api(w.other).get(f"{url}?cohort_id={w.cohort_a}"), total=0)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=best", "sort"),
        ("kind=poll", "kind"),
        ("unanswered=maybe", "unanswered"),
        ("cohort_id=abc", "cohort_id"),
        ("cohort_id=0", "cohort_id"),
        (f"cohort_id={2**63}", "cohort_id"),
        ("page=0", "page"),
    ],
)
def test_bad_list_filters_are_invalid_input(api, world, query, field):
    r = api(world.learner).get(f"/modules/{world.module.id}/threads?{query}")
    expect_invalid(r, field)


def test_cohort_threads_are_absent_from_lists_and_totals_for_outsiders(api, world):
    w = world
    ask(w.asker, w.module.id, title="Everyone")
    ask(w.asker, w.module.id, title="Ours only", cohort_id=w.cohort_a)
    url = f"/modules/{w.module.id}/threads"
    for insider in (w.learner, w.facilitator, w.owner, w.manager, w.admin):
        expect_envelope(api(insider).get(url), total=2)
    for outsider in (w.other, w.member):
        r = api(outsider).get(url)
        items = expect_envelope(r, total=1)
        assert [i["title"] for i in items] == ["Everyone"]
        assert "Ours only" not in r.get_data(as_text=True)


def test_listing_pages_and_counts(api, world):
    w = world
    for n in range(5):
        ask(w.asker, w.module.id, title=f"Question {n}")
    r = api(w.learner).get(f"/modules/{w.module.id}/threads?per_page=2&page=3")
    items = expect_envelope(r, total=5)
    assert len(items) == 1 and r.get_json()["page"] == 3 and r.get_json()["per_page"] == 2


def test_listing_an_unknown_or_unpublished_module_is_404(api, world):
    draft = make_module(actor=world.manager, published=False)
    for module_id in (draft.id, 99_999):
        expect_error(api(world.learner).get(f"/modules/{module_id}/threads"), 404)
    expect_error(api().get(f"/modules/{world.module.id}/threads"), 401)


# Reading --------------------------------------------------------------------------------------


def test_reading_a_thread_gives_posts_in_order_and_marks_it_read(api, world):
    w = world
    t = ask(w.asker, w.module.id)
    first = answer(w.facilitator, t.id, body="First answer")
    second = answer(w.owner, t.id, body="Second answer", parent_id=first.id)
    r = api(w.learner).get(f"/threads/{t.id}")
    assert r.status_code == 200
    body = r.get_json()
    assert [p["id"] for p in body["posts"]] == [opening_id(t.id), first.id, second.id]
    assert body["posts"][2]["parent_id"] == first.id
    assert body["reply_count"] == 2
    assert body["unread"] is True and body["first_unread_post_id"] == opening_id(t.id)
    # Read now: the list and the next read say so, until someone replies.
    listed = expect_envelope(api(w.learner).get(f"/modules/{w.module.id}/threads"))
    assert listed[0]["unread"] is False
    again = api(w.learner).get(f"/threads/{t.id}").get_json()
    assert again["unread"] is False and again["first_unread_post_id"] is None
    newest = answer(w.asker, t.id, body="Thanks")
    body = api(w.learner).get(f"/threads/{t.id}").get_json()
    assert body["unread"] is True and body["first_unread_post_id"] == newest.id


def test_whats_new_gathers_unread_threads(api, world):
    w = world
    t = ask(w.asker, w.module.id)
    ours = ask(w.asker, w.module.id, title="Ours", cohort_id=w.cohort_a)
    assert set(_ids(api(w.learner).get("/whats-new"))) == {t.id, ours.id}
    assert _ids(api(w.other).get("/whats-new")) == [t.id]
    api(w.learner).get(f"/threads/{t.id}")
    assert _ids(api(w.learner).get("/whats-new")) == [ours.id]


def test_a_deleted_reply_shows_as_removed(api, world):
    w = world
    t = ask(w.asker, w.module.id)
    gone = answer(w.learner, t.id, body="Regrettable words")
    posts.remove(w.learner, gone.id)
    r = api(w.asker).get(f"/threads/{t.id}")
    removed = r.get_json()["posts"][1]
    assert removed["deleted"] is True
    assert removed["body"] == "" and removed["body_html"] == "" and removed["author"] is None
    assert r.get_json()["reply_count"] == 0
    assert "Regrettable" not in r.get_data(as_text=True)


def test_reading_an_unknown_thread_is_404(api, world):
    for thread_id in (99_999, 2**31, 2**63):
        assert expect_error(api(world.learner).get(f"/threads/{thread_id}"), 404)["code"] == (
            "not_found"
        )
    expect_error(api().get("/threads/1"), 401)


# Moderating ---------------------------------------------------------------------------------


def test_moderators_pin_lock_and_retitle_and_it_is_logged(api, world):
    w = world
    t = ask(w.asker, w.module.id, cohort_id=w.cohort_a)
    r = api(w.facilitator).patch(
        f"/threads/{t.id}", json={"pinned": True, "locked": True, "title": "Rotating keys"}
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["pinned"] is True and body["locked"] is True and body["title"] == "Rotating keys"
    assert "posts" in body
    assert rows(ModerationEntry, thread_id=t.id) == 3
    r = api(w.owner).patch(f"/threads/{t.id}", json={"locked": False})
    assert r.get_json()["locked"] is False and r.get_json()["pinned"] is True
    assert rows(ModerationEntry, thread_id=t.id, action="unlock") == 1


def test_patching_nothing_changes_nothing(api, world):
    t = ask(world.asker, world.module.id)
    r = api(world.manager).patch(f"/threads/{t.id}", json={})
    assert r.status_code == 200 and r.get_json()["title"] == t.title
    assert rows(ModerationEntry) == 0


@pytest.mark.parametrize("who", ["asker", "learner", "other", "member"])
def test_people_who_do_not_moderate_get_403_and_nothing_changes(api, world, who):
    w = world
    t = ask(w.asker, w.module.id)
    r = api(getattr(w, who)).patch(f"/threads/{t.id}", json={"pinned": True, "title": "Mine"})
    expect_error(r, 403)
    thread = fresh().get(Thread, t.id)
    assert thread.pinned is False and thread.title == t.title
    assert rows(ModerationEntry) == 0


def test_facilitators_moderate_only_their_cohorts_threads(api, world):
    w = world
    t = ask(w.asker, w.module.id)  # everyone can see it; cohort A's facilitator has no say
    expect_error(api(w.facilitator).patch(f"/threads/{t.id}", json={"pinned": True}), 403)
    ours = ask(w.asker, w.module.id, cohort_id=w.cohort_a, visibility="everyone")
    r = api(w.facilitator).patch(f"/threads/{ours.id}", json={"pinned": True})
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"title": 5}, "title"),
        ({"pinned": "yes"}, "pinned"),
        ({"locked": 1}, "locked"),
        ({"locked": None}, "locked"),
    ],
    ids=["empty-title", "long-title", "number-title", "pinned-text", "locked-1", "locked-null"],
)
def test_invalid_moderation_is_refused(api, world, data, field):
    t = ask(world.asker, world.module.id)
    expect_invalid(api(world.manager).patch(f"/threads/{t.id}", json=data), field)
    assert rows(ModerationEntry) == 0 and fresh().get(Thread, t.id).title == t.title


def test_moderating_a_thread_one_cannot_see_is_404(api, world):
    w = world
    t = ask(w.asker, w.module.id, cohort_id=w.cohort_a)
    expect_error(api(w.other).patch(f"/threads/{t.id}", json={"pinned": True}), 404)
    expect_error(api(w.manager).patch("/threads/99999", json={"pinned": True}), 404)


# Accepting ----------------------------------------------------------------------------------


def test_the_asker_accepts_changes_and_withdraws_an_answer(api, world):
    w = world
    t = ask(w.asker, w.module.id)
    one = answer(w.learner, t.id, body="One")
    two = answer(w.facilitator, t.id, body="Two")
    r = api(w.asker).post(f"/threads/{t.id}/accept", json={"post_id": one.id})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["accepted_post_id"] == one.id and "posts" in r.get_json()
    r = api(w.asker).post(f"/threads/{t.id}/accept", json={"post_id": two.id})
    assert r.get_json()["accepted_post_id"] == two.id
    assert rows(Notification, kind="accepted", user_id=w.facilitator.id) == 1
    # The list marks it answered: it leaves the unanswered filter.
    assert _ids(api(w.asker).get(f"/modules/{w.module.id}/threads?unanswered=1")) == []
    r = api(w.asker).delete(f"/threads/{t.id}/accept")
    assert r.status_code == 200 and r.get_json()["accepted_post_id"] is None
    assert _ids(api(w.asker).get(f"/modules/{w.module.id}/threads?unanswered=1")) == [t.id]


@pytest.mark.parametrize("who", ["owner", "manager", "admin"])
def test_moderators_accept_too(api, world, who):
    w = world
    t = ask(w.asker, w.module.id)
    reply = answer(w.learner, t.id)
    r = api(getattr(w, who)).post(f"/threads/{t.id}/accept", json={"post_id": reply.id})
    assert r.status_code == 200 and r.get_json()["accepted_post_id"] == reply.id


def test_peers_may_not_accept_and_nothing_changes(api, world):
    w = world
    t = ask(w.asker, w.module.id)
    reply = answer(w.learner, t.id)
    threads.accept(w.asker, t.id, reply.id)
    other = answer(w.member, t.id)
    before = rows(Notification)
    expect_error(api(w.learner).post(f"/threads/{t.id}/accept", json={"post_id": other.id}), 403)
    expect_error(api(w.member).delete(f"/threads/{t.id}/accept"), 403)
    assert fresh().get(Thread, t.id).accepted_post_id == reply.id
    assert rows(Notification) == before


def _bad_accept_targets(w):
    t = ask(w.asker, w.module.id)
    elsewhere = ask(w.asker, w.module.id, title="Elsewhere")
    foreign = answer(w.learner, elsewhere.id)
    gone = answer(w.learner, t.id, body="gone")
    posts.remove(w.learner, gone.id)
    talk = ask(w.asker, w.module.id, title="Talk", kind="discussion")
    talk_reply = answer(w.learner, talk.id)
    return {
        "opening-post": (t.id, opening_id(t.id)),
        "deleted-reply": (t.id, gone.id),
        "other-threads-post": (t.id, foreign.id),
        "unknown-post": (t.id, 99_999),
        "discussion-thread": (talk.id, talk_reply.id),
    }


@pytest.mark.parametrize(
    "case",
    ["opening-post", "deleted-reply", "other-threads-post", "unknown-post", "discussion-thread"],
)
def test_accepting_what_is_not_a_live_reply_is_invalid(api, world, case):
    thread_id, post_id = _bad_accept_targets(world)[case]
    before = rows(Notification)
    r = api(world.asker).post(f"/threads/{thread_id}/accept", json={"post_id": post_id})
    expect_invalid(r, "post_id")
    assert fresh().get(Thread, thread_id).accepted_post_id is None
    assert rows(Notification) == before


@pytest.mark.parametrize(
    "body", [{}, {"post_id": "1"}, {"post_id": 0}, {"post_id": 2**63}, {"post_id": True}]
)
def test_accept_needs_a_post_id(api, world, body):
    t = ask(world.asker, world.module.id)
    expect_invalid(api(world.asker).post(f"/threads/{t.id}/accept", json=body), "post_id")


def test_accepting_on_a_thread_one_cannot_see_is_404(api, world):
    w = world
    t = ask(w.asker, w.module.id, cohort_id=w.cohort_a)
    reply = answer(w.learner, t.id)
    expect_error(api(w.other).post(f"/threads/{t.id}/accept", json={"post_id": reply.id}), 404)
    expect_error(api(w.other).delete(f"/threads/{t.id}/accept"), 404)
    expect_error(api().post(f"/threads/{t.id}/accept", json={"post_id": reply.id}), 401)


# Following ----------------------------------------------------------------------------------


def test_following_a_thread_brings_its_replies(api, world):
    w = world
    t = ask(w.asker, w.module.id)
    r = api(w.member).put(f"/threads/{t.id}/subscription")
    assert r.status_code == 204 and r.get_data() == b""
    assert api(w.member).put(f"/threads/{t.id}/subscription").status_code == 204  # idempotent
    assert api(w.member).get(f"/threads/{t.id}").get_json()["following"] is True
    answer(w.learner, t.id)
    assert rows(Notification, user_id=w.member.id, kind="reply") == 1
    assert api(w.member).delete(f"/threads/{t.id}/subscription").status_code == 204
    assert api(w.member).get(f"/threads/{t.id}").get_json()["following"] is False
    answer(w.learner, t.id, body="More")
    assert rows(Notification, user_id=w.member.id, kind="reply") == 1


def test_unfollowing_is_remembered_when_one_posts_again(api, world):
    w = world
    t = ask(w.asker, w.module.id)
    assert api(w.asker).delete(f"/threads/{t.id}/subscription").status_code == 204
    answer(w.asker, t.id, body="Bump")
    answer(w.learner, t.id)
    assert rows(Notification, user_id=w.asker.id, kind="reply") == 0
    assert rows(ThreadFollow, user_id=w.asker.id, following=False) == 1


def test_following_a_module_brings_new_questions_and_replies(api, world):
    w = world
    r = api(w.member).put(f"/modules/{w.module.id}/subscription")
    assert r.status_code == 204
    assert api(w.member).put(f"/modules/{w.module.id}/subscription").status_code == 204
    t = ask(w.asker, w.module.id)
    answer(w.learner, t.id)
    assert rows(Notification, user_id=w.member.id, kind="new_question") == 1
    assert rows(Notification, user_id=w.member.id, kind="reply") == 1
    assert api(w.member).delete(f"/modules/{w.module.id}/subscription").status_code == 204
    ask(w.asker, w.module.id, title="Another")
    assert rows(Notification, user_id=w.member.id, kind="new_question") == 1


def test_module_followers_hear_nothing_of_threads_they_cannot_see(api, world):
    w = world
    api(w.other).put(f"/modules/{w.module.id}/subscription")
    t = ask(w.asker, w.module.id, cohort_id=w.cohort_a)
    answer(w.learner, t.id)
    assert rows(Notification, user_id=w.other.id) == 0


def test_following_what_one_cannot_see_is_404(api, world):
    w = world
    t = ask(w.asker, w.module.id, cohort_id=w.cohort_a)
    draft = make_module(actor=w.manager, published=False)
    for method in ("put", "delete"):
        expect_error(getattr(api(w.other), method)(f"/threads/{t.id}/subscription"), 404)
        expect_error(getattr(api(w.other), method)(f"/modules/{draft.id}/subscription"), 404)
        expect_error(getattr(api(w.other), method)("/threads/99999/subscription"), 404)
        expect_error(getattr(api(), method)(f"/threads/{t.id}/subscription"), 401)
        expect_error(getattr(api(), method)(f"/modules/{w.module.id}/subscription"), 401)
    assert rows(ThreadFollow, user_id=w.other.id) == 0


# OpenAPI --------------------------------------------------------------------------------------

DISCUSSION_PATHS = {
    "/modules/{}/threads": {"post", "get"},
    "/threads/{}": {"get", "patch"},
    "/threads/{}/posts": {"post"},
    "/posts/{}": {"patch", "delete"},
    "/posts/{}/revisions": {"get"},
    "/posts/{}/flag": {"post"},
    "/posts/{}/vote": {"post"},
    "/threads/{}/accept": {"post", "delete"},
    "/threads/{}/subscription": {"put", "delete"},
    "/modules/{}/subscription": {"put", "delete"},
    "/notifications": {"get"},
    "/notifications/read": {"post"},
    "/moderation-log": {"get"},
}
# Request bodies: operation -> (required fields, every documented field).
DISCUSSION_BODIES = {
    ("/modules/{}/threads", "post"): (
        {"title", "body"},
        {"title", "body", "kind", "cohort_id", "visibility", "anonymous"},
    ),
    ("/threads/{}", "patch"): (set(), {"pinned", "locked", "title"}),
    ("/threads/{}/posts", "post"): ({"body"}, {"body", "parent_id", "anonymous"}),
    ("/posts/{}", "patch"): ({"body"}, {"body"}),
    ("/posts/{}/flag", "post"): ({"reason"}, {"reason"}),
    ("/posts/{}/vote", "post"): ({"value"}, {"value"}),
    ("/threads/{}/accept", "post"): ({"post_id"}, {"post_id"}),
    ("/notifications/read", "post"): (set(), {"ids", "all"}),
}
DISCUSSION_LISTS = [
    "/modules/{}/threads",
    "/posts/{}/revisions",
    "/notifications",
    "/moderation-log",
]


@pytest.fixture
def spec(api):
    r = api().get("/openapi.json")
    assert r.status_code == 200
    spec = r.get_json()
    paths = {
        re.sub(r"\{[^}]+\}", "{}", p.removeprefix("/api/v1")): v for p, v in spec["paths"].items()
    }
    return spec, paths


def _resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        target = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def test_openapi_lists_every_discussion_endpoint_behind_sign_in(spec):
    _, paths = spec
    for path, methods in DISCUSSION_PATHS.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
        for method in methods:
            assert paths[path][method]["security"] == [{"bearer": []}], (path, method)


@pytest.mark.parametrize(
    ("key", "expected"),
    DISCUSSION_BODIES.items(),
    ids=[f"{method} {path}" for path, method in DISCUSSION_BODIES],
)
def test_openapi_describes_the_discussion_request_bodies(spec, key, expected):
    doc, paths = spec
    path, method = key
    required, documented = expected
    body = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
    schema = _resolve(doc, body)
    assert set(schema["properties"]) == documented
    assert set(schema.get("required", [])) == required


@pytest.mark.parametrize("path", DISCUSSION_LISTS)
def test_openapi_discussion_lists_are_the_envelope(spec, path):
    doc, paths = spec
    operation = paths[path]["get"]
    schema = _resolve(doc, operation["responses"]["200"]["content"]["application/json"]["schema"])
    assert set(schema["properties"]) == {"items", "page", "per_page", "total"}
    query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    assert {"page", "per_page"} <= query


def test_openapi_describes_a_thread_and_its_posts(spec):
    doc, paths = spec
    thread = paths["/threads/{}"]["get"]["responses"]["200"]["content"]["application/json"]
    props = _resolve(doc, thread["schema"])["properties"]
    assert THREAD_KEYS | {"posts"} <= set(props)
    post = _resolve(doc, props["posts"]["items"])["properties"]
    assert set(post) >= POST_KEYS
    listed = paths["/modules/{}/threads"]["get"]["responses"]["200"]["content"]["application/json"]
    item = _resolve(doc, _resolve(doc, listed["schema"])["properties"]["items"]["items"])
    assert set(item["properties"]) >= THREAD_KEYS and "posts" not in item["properties"]
