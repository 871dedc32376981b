"""The moderation log (who sees which entries, filters, 403 for non-moderators) and the queue
of flagged posts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.models import Flag, ModerationEntry
from forum.services import posts, threads
from tests.api.discussion import LOG_KEYS, answer, ask, build_world, ref, rows
from tests.api.helpers import expect_envelope, expect_error, expect_invalid, fresh, is_utc_iso
from tests.factories import make_module, make_user


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def logged(world):
    """Three moderation entries: cohort A's thread, an open thread, another owner's module."""
    w = world
    ours = ask(w.asker, w.module.id, title="Ours", cohort_id=w.cohort_a)
    threads.moderate(w.facilitator, ours.id, locked=True)
    open_thread = ask(w.asker, w.module.id, title="Open")
    threads.moderate(w.manager, open_thread.id, pinned=True)
    second_owner = make_user(name="Sam Second")
    elsewhere = make_module(actor=w.manager, owner=second_owner, title="Elsewhere")
    far = ask(w.member, elsewhere.id, title="Far away")
    threads.moderate(w.manager, far.id, title="Far, far away")
    return {"ours": ours, "open": open_thread, "far": far, "second_owner": second_owner}


def _actions(response) -> list[str]:
    return [e["action"] for e in expect_envelope(response)]


def test_managers_see_every_entry_newest_first(api, world, logged):
    for who in (world.manager, world.admin):
        items = expect_envelope(api(who).get("/moderation-log"), total=3)
        assert [e["action"] for e in items] == ["retitle", "pin", "lock"]
        assert all(set(e) >= LOG_KEYS and is_utc_iso(e["created_at"]) for e in items)
    retitle = expect_envelope(api(world.manager).get("/moderation-log"))[0]
    assert retitle["actor"] == ref(world.manager) and retitle["thread_id"] == logged["far"].id
    assert retitle["post_id"] is None and "Far, far away" in retitle["detail"]


def test_facilitators_see_their_cohorts_entries_and_owners_their_modules(api, world, logged):
    assert _actions(api(world.facilitator).get("/moderation-log")) == ["lock"]
    assert _actions(api(world.owner).get("/moderation-log")) == ["pin", "lock"]
    assert _actions(api(logged["second_owner"]).get("/moderation-log")) == ["retitle"]


@pytest.mark.parametrize("who", ["asker", "learner", "other", "member"])
def test_people_who_moderate_nothing_get_403(api, world, logged, who):
    r = api(getattr(world, who)).get("/moderation-log")
    assert expect_error(r, 403)["code"] == "forbidden"
    assert "Far" not in r.get_data(as_text=True)


def test_the_log_needs_signing_in(api, world):
    expect_error(api().get("/moderation-log"), 401)


def test_filters_by_cohort_and_module(api, world, logged):
    w = world
    m = api(w.manager)
    assert _actions(m.get(f"/moderation-log?cohort_id={w.cohort_a}")) == ["lock"]
    assert _actions(m.get(f"/moderation-log?module_id={w.module.id}")) == ["pin", "lock"]
    assert _actions(m.get(f"/moderation-log?module_id={w.module.id}&cohort_id={w.cohort_b}")) == []
    # A facilitator asking for another cohort's entries gets none, not other people's.
    expect_envelope(api(w.facilitator).get(f"/moderation-log?cohort_id={w.cohort_b}"), total=0)


@pytest.mark.parametrize(
    "query", ["cohort_id=abc", "module_id=0", f"module_id={2**63}", "page=0", "per_page=-1"]
)
def test_bad_log_filters_are_invalid(api, world, query):
    expect_invalid(api(world.manager).get(f"/moderation-log?{query}"))


def test_edits_and_deletions_of_others_posts_are_logged_but_own_are_not(api, world):
    w = world
    t = ask(w.asker, w.module.id, cohort_id=w.cohort_a)
    mine = answer(w.learner, t.id, body="Mine")
    theirs = answer(w.learner, t.id, body="Theirs")
    api(w.learner).patch(f"/posts/{mine.id}", json={"body": "Mine, edited"})
    api(w.learner).delete(f"/posts/{mine.id}")
    assert rows(ModerationEntry) == 0
    api(w.facilitator).patch(f"/posts/{theirs.id}", json={"body": "[removed link]"})
    api(w.facilitator).delete(f"/posts/{theirs.id}")
    items = expect_envelope(api(w.facilitator).get("/moderation-log"), total=2)
    assert [(e["action"], e["post_id"]) for e in items] == [
        ("delete_post", theirs.id),
        ("edit_post", theirs.id),
    ]


# The flag queue -------------------------------------------------------------------------------


@pytest.fixture
def flagged(world):
    w = world
    ours = ask(w.asker, w.module.id, cohort_id=w.cohort_a)
    rude = answer(w.learner, ours.id, body="Rude words")
    open_thread = ask(w.asker, w.module.id, title="Open")
    spam = answer(w.member, open_thread.id, body="Buy now", anonymous=True)
    return {
        "ours": posts.flag(w.asker, rude.id, "Rude"),
        "open": posts.flag(w.other, spam.id, "Spam"),
        "rude": rude,
        "spam": spam,
    }


def test_moderators_see_the_flags_of_what_they_moderate(api, world, flagged):
    w = world
    items = expect_envelope(api(w.facilitator).get("/flags"), total=1)
    [flag] = items
    assert flag["id"] == flagged["ours"].id and flag["reason"] == "Rude"
    assert flag["flagged_by"] == ref(w.asker) and flag["post"]["body"] == "Rude words"
    assert flag["post"]["author"] == ref(w.learner) and is_utc_iso(flag["created_at"])
    owner_items = expect_envelope(api(w.owner).get("/flags"), total=2)
    assert [f["id"] for f in owner_items] == [
        flagged["ours"].id,
        flagged["open"].id,
    ]  # oldest first
    # Moderators see who wrote an anonymous post.
    assert owner_items[1]["post"]["author"] == ref(w.member)
    for nobody in (w.learner, w.member, w.other):
        expect_envelope(api(nobody).get("/flags"), total=0)
    expect_error(api().get("/flags"), 401)


def test_clearing_a_flag_empties_the_queue_and_is_logged(api, world, flagged):
    w = world
    r = api(w.facilitator).post(f"/flags/{flagged['ours'].id}/clear")
    assert r.status_code == 204
    expect_envelope(api(w.facilitator).get("/flags"), total=0)
    [entry] = expect_envelope(api(w.facilitator).get("/moderation-log"))
    assert entry["action"] == "clear_flag" and entry["post_id"] == flagged["rude"].id
    assert api(w.facilitator).post(f"/flags/{flagged['ours'].id}/clear").status_code == 204
    assert rows(ModerationEntry) == 1


def test_only_moderators_clear_flags(api, world, flagged):
    w = world
    expect_error(api(w.learner).post(f"/flags/{flagged['ours'].id}/clear"), 403)
    expect_error(api(w.facilitator).post(f"/flags/{flagged['open'].id}/clear"), 403)
    expect_error(api(w.other).post(f"/flags/{flagged['ours'].id}/clear"), 404)
    expect_error(api(w.manager).post("/flags/99999/clear"), 404)
    expect_error(api().post(f"/flags/{flagged['ours'].id}/clear"), 401)
    assert all(f.cleared_at is None for f in fresh().scalars(select(Flag)))
    assert rows(ModerationEntry) == 0
