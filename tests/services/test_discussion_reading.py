"""Reading-side rules the pages rely on: your own posts are read, profiles, log titles."""

from __future__ import annotations

import pytest

from forum.errors import NotFound
from forum.services import permissions, posts, profiles, threads
from tests.factories import make_cohort, make_module


@pytest.fixture
def world(make_user, manager):
    owner = make_user(name="Olga Owner")
    a = make_user(name="Lea Learner")
    b = make_user(name="Ben Other")
    module = make_module(actor=manager, owner=owner)
    cohort = make_cohort({a: "learner"}, actor=manager)
    return {"owner": owner, "a": a, "b": b, "module": module, "cohort": cohort}


def test_your_own_new_thread_is_not_unread_to_you(world):
    t = threads.create_thread(world["a"], world["module"].id, title="Q", body="q")
    assert threads.whats_new(world["a"]).total == 0
    assert threads.list_threads(world["a"], world["module"].id).items[0].unread is False
    assert threads.get_thread(world["a"], t.id).first_unread_post_id is None
    assert threads.whats_new(world["b"]).total == 1


def test_your_own_reply_moves_your_mark_only_if_you_had_read_everything(world):
    a, b = world["a"], world["b"]
    t = threads.create_thread(a, world["module"].id, title="Q", body="q")
    threads.mark_read(b, threads.get_thread(b, t.id).thread)
    posts.reply(b, t.id, body="caught up, so my reply is read too")
    assert threads.get_thread(b, t.id).first_unread_post_id is None
    missed = posts.reply(world["owner"], t.id, body="b has not seen this")
    posts.reply(b, t.id, body="replying without reading the one above")
    assert threads.get_thread(b, t.id).first_unread_post_id == missed.id


def test_a_reply_without_a_read_mark_leaves_the_thread_unread(world):
    t = threads.create_thread(world["a"], world["module"].id, title="Q", body="q")
    posts.reply(world["b"], t.id, body="straight from a notification")
    view = threads.get_thread(world["b"], t.id)
    assert view.first_unread_post_id == view.opening.id


def test_thread_titles_name_only_threads_the_reader_may_see(world):
    w = world
    public = threads.create_thread(w["a"], w["module"].id, title="Public", body="x")
    private = threads.create_thread(
        w["a"], w["module"].id, title="Private", body="x", cohort_id=w["cohort"].id
    )
    ids = [public.id, private.id, None, 2**31 - 1]
    assert threads.thread_titles(w["b"], ids) == {public.id: "Public"}
    assert threads.thread_titles(w["a"], ids) == {public.id: "Public", private.id: "Private"}
    assert threads.thread_titles(w["a"], []) == {}


def test_a_profile_lists_signed_posts_in_threads_the_viewer_may_see(world):
    w = world
    public = threads.create_thread(w["a"], w["module"].id, title="Public", body="signed")
    threads.create_thread(w["a"], w["module"].id, title="Shy", body="hidden", anonymous=True)
    threads.create_thread(
        w["a"], w["module"].id, title="Cohort", body="in cohort", cohort_id=w["cohort"].id
    )
    gone = posts.reply(w["a"], public.id, body="removed later")
    posts.remove(w["a"], gone.id)
    seen_by_b = profiles.get_profile(w["b"], w["a"].id)
    assert seen_by_b.user.id == w["a"].id
    assert [p.body for p in seen_by_b.posts.items] == ["signed"]
    # Anonymity holds even for those who may know who wrote it.
    seen_by_owner = profiles.get_profile(w["owner"], w["a"].id)
    assert [p.body for p in seen_by_owner.posts.items] == ["in cohort", "signed"]


@pytest.mark.parametrize("user_id", [0, 2**31 - 1, 2**40])
def test_a_missing_profile_is_not_found(world, user_id):
    with pytest.raises(NotFound):
        profiles.get_profile(world["b"], user_id)


def test_who_moderates_anything(world, manager, make_user):
    fac = make_user()
    make_cohort({fac: "facilitator"}, actor=manager)
    assert permissions.can_moderate_anything(manager)
    assert permissions.can_moderate_anything(world["owner"])
    assert permissions.can_moderate_anything(fac)
    assert not permissions.can_moderate_anything(world["a"])
    assert not permissions.can_moderate_anything(None)
