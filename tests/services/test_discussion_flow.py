"""The discussion's main path: ask in a cohort, answer, accept, notify, stay private."""

from __future__ import annotations

import pytest

from forum.errors import Forbidden, Invalid, NotFound
from forum.services import follows, notifications, posts, threads
from tests.factories import make_cohort, make_module


@pytest.fixture
def world(make_user, manager):
    owner = make_user(name="Olga Owner")
    learner_a = make_user(name="Lea Learner")
    facilitator = make_user(name="Fay Facilitator")
    learner_b = make_user(name="Ben Other")
    outsider = make_user(name="Nora Nobody")
    module = make_module(actor=manager, owner=owner)
    cohort_a = make_cohort({learner_a: "learner", facilitator: "facilitator"}, actor=manager)
    make_cohort({learner_b: "learner"}, actor=manager)
    return {
        "owner": owner,
        "a": learner_a,
        "fac": facilitator,
        "b": learner_b,
        "out": outsider,
        "module": module,
        "cohort": cohort_a,
    }


def _kinds(user) -> list[str]:
    return [n.kind for n in notifications.list_notifications(user).items]


def test_ask_answer_accept_notify_and_privacy(world):
    w = world
    t = threads.create_thread(
        w["a"],
        w["module"].id,
        title="How do I rotate my key?",
        body="Help",
        cohort_id=w["cohort"].id,
    )
    assert t.visibility == "cohort"
    answer = posts.reply(w["fac"], t.id, body="Run `keys rotate`.")
    threads.accept(w["a"], t.id, answer.id)
    assert "new_question" in _kinds(w["owner"])
    assert "reply" in _kinds(w["a"])
    assert "accepted" in _kinds(w["fac"])
    view = threads.get_thread(w["a"], t.id)
    assert view.accepted.id == answer.id and view.thread.reply_count == 1
    for stranger in (w["b"], w["out"]):
        with pytest.raises(NotFound):
            threads.get_thread(stranger, t.id)
        assert threads.list_threads(stranger, w["module"].id).total == 0
        assert threads.whats_new(stranger).total == 0
        assert notifications.unread_count(stranger) == 0
        with pytest.raises(NotFound):
            posts.reply(stranger, t.id, body="me too")
        with pytest.raises(NotFound):
            posts.revisions(stranger, answer.id)
    assert threads.thread_counts(w["b"], [w["module"].id]) == {}


def test_anonymous_questions_hide_the_author_from_peers_only(world, make_user):
    w = world
    t = threads.create_thread(w["a"], w["module"].id, title="Silly?", body="q", anonymous=True)
    peer = make_user()
    assert threads.get_thread(peer, t.id).author is None
    assert threads.get_thread(w["a"], t.id).author.id == w["a"].id
    assert threads.get_thread(w["owner"], t.id).author.id == w["a"].id
    owner_note = notifications.list_notifications(w["owner"]).items[0]
    assert owner_note.kind == "new_question" and owner_note.actor.id == w["a"].id
    follows.follow_thread(peer, t.id)
    posts.reply(w["b"], t.id, body="Not silly")
    answer = posts.reply(peer, t.id, body="Good question")
    threads.accept(w["a"], t.id, answer.id)
    accepted = notifications.list_notifications(peer).items[0]
    assert accepted.kind == "accepted" and accepted.actor is None


def test_accept_rules(world):
    w = world
    t = threads.create_thread(w["a"], w["module"].id, title="Q", body="q")
    opening = threads.get_thread(w["a"], t.id).opening
    r1 = posts.reply(w["b"], t.id, body="one")
    with pytest.raises(Invalid):
        threads.accept(w["a"], t.id, opening.id)
    with pytest.raises(Forbidden):
        threads.accept(w["b"], t.id, r1.id)
    other = threads.create_thread(w["a"], w["module"].id, title="Other", body="x")
    foreign = posts.reply(w["b"], other.id, body="elsewhere")
    with pytest.raises(Invalid):
        threads.accept(w["a"], t.id, foreign.id)
    posts.remove(w["b"], r1.id)
    with pytest.raises(Invalid):
        threads.accept(w["a"], t.id, r1.id)
    d = threads.create_thread(w["a"], w["module"].id, title="D", body="d", kind="discussion")
    r2 = posts.reply(w["b"], d.id, body="two")
    with pytest.raises(Invalid):
        threads.accept(w["a"], d.id, r2.id)


def test_locked_threads_take_no_replies_and_moves_are_logged(world):
    w = world
    t = threads.create_thread(w["a"], w["module"].id, title="Q", body="q", cohort_id=w["cohort"].id)
    with pytest.raises(Forbidden):
        threads.moderate(w["a"], t.id, locked=True)
    threads.moderate(w["fac"], t.id, locked=True, pinned=True, title="Better title")
    with pytest.raises(Forbidden):
        posts.reply(w["a"], t.id, body="more")
    from forum.services import moderation

    actions = [e.action for e in moderation.list_log(w["fac"]).items]
    assert sorted(actions) == ["lock", "pin", "retitle"]
    with pytest.raises(Forbidden):
        moderation.list_log(w["a"])


def test_edits_keep_revisions_and_deletes_erase_them(world):
    w = world
    t = threads.create_thread(w["a"], w["module"].id, title="Q", body="q")
    r = posts.reply(w["b"], t.id, body="first")
    posts.edit(w["b"], r.id, body="second")
    posts.edit(w["owner"], r.id, body="third")
    revs = posts.revisions(w["a"], r.id).items
    assert [x.body for x in revs] == ["second", "first"]
    assert revs[0].edited_by.id == w["b"].id
    posts.remove(w["b"], r.id)
    assert posts.revisions(w["a"], r.id).total == 0
    view = threads.get_thread(w["a"], t.id)
    assert view.replies[0].deleted and view.replies[0].body == "" and view.replies[0].author is None
    assert view.thread.reply_count == 0


def test_votes_count_once(world):
    w = world
    t = threads.create_thread(w["a"], w["module"].id, title="Q", body="q")
    opening = threads.get_thread(w["a"], t.id).opening
    assert posts.vote(w["b"], opening.id, 1) == 1
    assert posts.vote(w["b"], opening.id, 1) == 1
    assert posts.vote(w["owner"], opening.id, 1) == 2
    assert posts.vote(w["b"], opening.id, 0) == 1
    assert threads.get_thread(w["a"], t.id).thread.score == 1


def test_flags_reach_moderators_once(world):
    w = world
    t = threads.create_thread(w["a"], w["module"].id, title="Q", body="q", cohort_id=w["cohort"].id)
    r = posts.reply(w["a"], t.id, body="rude")
    posts.flag(w["a"], r.id, "spam")
    from forum.errors import Conflict

    with pytest.raises(Conflict):
        posts.flag(w["a"], r.id, "again")
    assert "flag" in _kinds(w["fac"]) and "flag" in _kinds(w["owner"])
    from forum.services import moderation

    queue = moderation.flag_queue(w["fac"])
    assert queue.total == 1
    moderation.clear_flag(w["fac"], queue.items[0].id)
    assert moderation.flag_queue(w["fac"]).total == 0


def test_unread_marks_and_whats_new(world):
    w = world
    t = threads.create_thread(w["a"], w["module"].id, title="Q", body="q")
    assert [r.id for r in threads.whats_new(w["b"]).items] == [t.id]
    view = threads.get_thread(w["b"], t.id)
    assert view.first_unread_post_id == view.opening.id
    assert threads.mark_read(w["b"], view.thread) is True
    assert threads.mark_read(w["b"], view.thread) is False  # nothing to move: no write
    assert threads.whats_new(w["b"]).total == 0
    r = posts.reply(w["a"], t.id, body="new")
    assert threads.get_thread(w["b"], t.id).first_unread_post_id == r.id
    assert threads.list_threads(w["b"], w["module"].id).items[0].unread is True


def test_mentions_link_and_notify_only_who_can_see(world):
    w = world
    t = threads.create_thread(w["a"], w["module"].id, title="Q", body="q", cohort_id=w["cohort"].id)
    r = posts.reply(w["a"], t.id, body=f"@{w['fac'].handle} and @{w['b'].handle}?")
    assert f'href="/users/{w["fac"].id}"' in r.body_html
    assert "mention" in _kinds(w["fac"])
    assert "mention" not in _kinds(w["b"])  # cannot see the cohort thread
