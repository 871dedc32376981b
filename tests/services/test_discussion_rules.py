"""Every rule of the discussion, one behaviour per test, through the services."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.models import ModerationEntry, Post, Thread
from forum.services import follows, moderation, notifications, posts, threads
from tests.factories import make_cohort, make_module


@pytest.fixture
def w(make_user, manager):
    owner = make_user(name="Olga Owner")
    learner = make_user(name="Lea Learner")
    facilitator = make_user(name="Fay Facilitator")
    other = make_user(name="Otto Other")
    peer = make_user(name="Pia Peer")
    module = make_module(actor=manager, owner=owner)
    cohort = make_cohort({learner: "learner", facilitator: "facilitator"}, actor=manager)
    other_cohort = make_cohort({other: "facilitator"}, actor=manager)
    return type(
        "World",
        (),
        {
            "owner": owner,
            "learner": learner,
            "fac": facilitator,
            "other": other,
            "peer": peer,
            "manager": manager,
            "module": module,
            "cohort": cohort,
            "other_cohort": other_cohort,
        },
    )


def _ask(w, who=None, **kw):
    kw.setdefault("title", "A question")
    kw.setdefault("body", "Body")
    return threads.create_thread(who or w.learner, w.module.id, **kw)


def _kinds(user) -> list[str]:
    return [n.kind for n in notifications.list_notifications(user).items]


def _count(model) -> int:
    from forum.extensions import db

    return db.session.scalar(select(func.count()).select_from(model))


# Creating threads ------------------------------------------------------------------------


def test_a_cohort_thread_defaults_to_cohort_visibility_but_may_be_open(w):
    assert _ask(w, cohort_id=w.cohort.id).visibility == "cohort"
    opened = _ask(w, cohort_id=w.cohort.id, visibility="everyone")
    assert opened.visibility == "everyone" and opened.cohort_id == w.cohort.id
    assert threads.get_thread(w.peer, opened.id).thread.id == opened.id


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"body": " "}, "body"),
        ({"body": "b" * 20_001}, "body"),
        ({"kind": "poll"}, "kind"),
        ({"visibility": "cohort"}, "visibility"),
        ({"visibility": "friends"}, "visibility"),
        ({"cohort_id": 987_654}, "cohort_id"),
    ],
)
def test_invalid_threads_are_refused_and_nothing_is_written(w, kw, field):
    with pytest.raises(Invalid) as err:
        _ask(w, **kw)
    assert field in err.value.fields
    assert _count(Thread) == 0 and _count(Post) == 0


def test_posting_into_someone_elses_cohort_is_refused_as_an_unknown_cohort(w):
    with pytest.raises(Invalid) as theirs:
        _ask(w, who=w.peer, cohort_id=w.cohort.id)
    with pytest.raises(Invalid) as unknown:
        _ask(w, who=w.peer, cohort_id=99_999)
    assert theirs.value.fields == unknown.value.fields == {"cohort_id": "is not a cohort of yours"}
    assert _count(Thread) == 0


def test_owner_and_managers_may_post_into_any_cohort(w):
    assert _ask(w, who=w.owner, cohort_id=w.cohort.id).cohort_id == w.cohort.id
    assert _ask(w, who=w.manager, cohort_id=w.other_cohort.id)


def test_drafts_have_no_threads_for_members(w, manager):
    draft = make_module(actor=manager, owner=w.owner, published=False)
    with pytest.raises(NotFound):
        threads.create_thread(w.learner, draft.id, title="Q", body="q")
    t = threads.create_thread(w.owner, draft.id, title="Review please", body="x")
    with pytest.raises(NotFound):
        threads.get_thread(w.learner, t.id)
    assert threads.get_thread(w.manager, t.id)


def test_only_owner_and_managers_start_pinned_prompts(w):
    with pytest.raises(Forbidden):
        threads.start_prompt(w.learner, w.module.id, title="P", body="p")
    prompt = threads.start_prompt(w.owner, w.module.id, title="What surprised you?", body="Tell")
    assert prompt.pinned and prompt.prompt and prompt.kind == "discussion"
    _ask(w)
    listed = threads.list_threads(w.peer, w.module.id).items
    assert listed[0].id == prompt.id


# Replies ----------------------------------------------------------------------------------


def test_parent_must_be_a_live_post_of_the_same_thread(w):
    t, other = _ask(w), _ask(w, title="Other")
    foreign = posts.reply(w.peer, other.id, body="elsewhere")
    with pytest.raises(Invalid) as err:
        posts.reply(w.peer, t.id, body="x", parent_id=foreign.id)
    assert "parent_id" in err.value.fields
    gone = posts.reply(w.peer, t.id, body="soon gone")
    posts.remove(w.peer, gone.id)
    with pytest.raises(Invalid):
        posts.reply(w.peer, t.id, body="x", parent_id=gone.id)
    with pytest.raises(Invalid):
        posts.reply(w.peer, t.id, body="x", parent_id=2**40)
    first = posts.reply(w.peer, t.id, body="first")
    nested = posts.reply(w.owner, t.id, body="nested", parent_id=first.id)
    assert nested.parent_id == first.id
    assert threads.get_thread(w.learner, t.id).thread.reply_count == 2


def test_counters_and_last_activity_follow_replies_and_deletes(w):
    t = _ask(w)
    first = posts.reply(w.peer, t.id, body="one")
    second = posts.reply(w.owner, t.id, body="two", parent_id=first.id)
    view = threads.get_thread(w.learner, t.id)
    assert view.thread.reply_count == 2 and view.thread.last_post_id == second.id
    assert view.thread.last_activity_at >= view.thread.created_at
    posts.remove(w.owner, second.id)
    posts.remove(w.owner, second.id)  # deleting twice changes nothing more
    assert threads.get_thread(w.learner, t.id).thread.reply_count == 1


def test_nobody_replies_to_a_locked_thread_not_even_moderators(w):
    t = _ask(w, cohort_id=w.cohort.id)
    threads.moderate(w.fac, t.id, locked=True)
    for who in (w.learner, w.fac, w.manager):
        with pytest.raises(Forbidden):
            posts.reply(who, t.id, body="more")
    assert threads.get_thread(w.learner, t.id).thread.reply_count == 0
    threads.moderate(w.fac, t.id, locked=False)
    assert posts.reply(w.learner, t.id, body="thanks")


# Editing and deleting ------------------------------------------------------------------------


def test_only_author_and_moderators_edit_and_moderator_edits_are_logged(w):
    t = _ask(w, cohort_id=w.cohort.id)
    r = posts.reply(w.learner, t.id, body="mine")
    with pytest.raises(NotFound):  # cannot even see it
        posts.edit(w.other, r.id, body="x")
    public = posts.reply(w.learner, _ask(w, title="Open").id, body="open")
    with pytest.raises(Forbidden):
        posts.edit(w.peer, public.id, body="x")
    posts.edit(w.learner, r.id, body="mine, fixed")
    posts.edit(w.fac, r.id, body="moderated")
    log = moderation.list_log(w.fac).items
    assert [(e.action, e.post_id) for e in log] == [("edit_post", r.id)]
    assert posts.revisions(w.learner, r.id).total == 2


def test_unchanged_edits_keep_no_revision(w):
    t = _ask(w)
    r = posts.reply(w.peer, t.id, body="same")
    posts.edit(w.peer, r.id, body="same")
    assert posts.revisions(w.peer, r.id).total == 0
    posts.edit(w.peer, r.id, body="    same")  # stored as written: now a code block
    assert posts.revisions(w.peer, r.id).total == 1


def test_deleting_the_accepted_answer_withdraws_it_and_is_logged_for_moderators(w):
    t = _ask(w, cohort_id=w.cohort.id)
    r = posts.reply(w.fac, t.id, body="answer")
    threads.accept(w.learner, t.id, r.id)
    posts.remove(w.owner, r.id)
    assert threads.get_thread(w.learner, t.id).thread.accepted_post_id is None
    actions = [e.action for e in moderation.list_log(w.owner).items]
    assert actions == ["delete_post"]
    with pytest.raises(Invalid):
        posts.edit(w.fac, r.id, body="back")
    public = posts.reply(w.learner, _ask(w, title="Open").id, body="open")
    with pytest.raises(Forbidden):
        posts.remove(w.peer, public.id)


# Accepting ------------------------------------------------------------------------------------


def test_accepting_replaces_and_withdraws(w):
    t = _ask(w, cohort_id=w.cohort.id)
    a, b = posts.reply(w.fac, t.id, body="a"), posts.reply(w.owner, t.id, body="b")
    threads.accept(w.learner, t.id, a.id)
    threads.accept(w.fac, t.id, b.id)  # a moderator changes the choice
    assert threads.get_thread(w.learner, t.id).accepted.id == b.id
    assert threads.unaccept(w.learner, t.id).accepted_post_id is None
    assert threads.list_threads(w.learner, w.module.id, unanswered=True).total == 1


# Moderation -------------------------------------------------------------------------------------


def test_facilitators_moderate_only_their_cohorts_threads(w):
    mine = _ask(w, cohort_id=w.cohort.id)
    public = _ask(w, title="Public")
    threads.moderate(w.fac, mine.id, pinned=True)
    with pytest.raises(Forbidden):
        threads.moderate(w.fac, public.id, pinned=True)
    with pytest.raises(NotFound):
        threads.moderate(w.other, mine.id, pinned=True)
    threads.moderate(w.owner, public.id, title="Public, clearer")
    with pytest.raises(Invalid):
        threads.moderate(w.owner, public.id, title="")


def test_the_moderation_log_shows_each_moderator_their_part(w):
    mine = _ask(w, cohort_id=w.cohort.id)
    other_t = _ask(w, who=w.other, cohort_id=w.other_cohort.id, title="Theirs")
    threads.moderate(w.fac, mine.id, locked=True)
    threads.moderate(w.other, other_t.id, pinned=True)
    assert [e.action for e in moderation.list_log(w.fac).items] == ["lock"]
    assert [e.action for e in moderation.list_log(w.other).items] == ["pin"]
    assert moderation.list_log(w.owner).total == 2  # the module's owner sees both
    assert moderation.list_log(w.manager, cohort_id=w.cohort.id).total == 1
    with pytest.raises(Forbidden):
        moderation.list_log(w.peer)


def test_flags_queue_per_moderator_and_clearing_is_logged(w):
    t = _ask(w, cohort_id=w.cohort.id)
    r = posts.reply(w.learner, t.id, body="hmm")
    posts.flag(w.fac, r.id, "Off topic")
    assert moderation.flag_queue(w.other).total == 0
    assert moderation.flag_queue(w.owner).total == 1
    with pytest.raises(Forbidden):
        moderation.clear_flag(w.learner, moderation.flag_queue(w.fac).items[0].id)
    moderation.clear_flag(w.owner, moderation.flag_queue(w.fac).items[0].id)
    assert moderation.flag_queue(w.fac).total == 0
    assert "clear_flag" in [e.action for e in moderation.list_log(w.fac).items]


@pytest.mark.parametrize("reason", ["", "r" * 501])
def test_flag_needs_a_reason(w, reason):
    t = _ask(w)
    with pytest.raises(Invalid):
        posts.flag(w.peer, threads.get_thread(w.peer, t.id).opening.id, reason)


# Votes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [2, -1, True])
def test_votes_are_one_or_zero(w, value):
    t = _ask(w)
    with pytest.raises(Invalid):
        posts.vote(w.peer, threads.get_thread(w.peer, t.id).opening.id, value)


def test_top_sorts_by_the_opening_posts_score(w):
    low, high = _ask(w, title="Low"), _ask(w, title="High")
    posts.vote(w.peer, threads.get_thread(w.peer, high.id).opening.id, 1)
    top = threads.list_threads(w.peer, w.module.id, sort="top").items
    assert [t.id for t in top] == [high.id, low.id]
    recent = threads.list_threads(w.peer, w.module.id, sort="recent").items
    assert [t.id for t in recent] == [high.id, low.id]
    with pytest.raises(Invalid):
        threads.list_threads(w.peer, w.module.id, sort="loudest")


def test_list_filters(w):
    q = _ask(w, cohort_id=w.cohort.id, visibility="everyone")
    d = _ask(w, title="D", kind="discussion")
    answered = _ask(w, title="Answered")
    threads.accept(w.learner, answered.id, posts.reply(w.peer, answered.id, body="a").id)
    by = lambda **kw: {t.id for t in threads.list_threads(w.learner, w.module.id, **kw).items}  # noqa: E731
    assert by(kind="discussion") == {d.id}
    assert by(unanswered=True) == {q.id}
    assert by(mine=True) == {q.id}
    assert by(cohort_id=w.cohort.id) == {q.id}


# Following and notifications -------------------------------------------------------------------


def test_an_explicit_unfollow_survives_posting_again(w):
    t = _ask(w)
    follows.unfollow_thread(w.learner, t.id)
    posts.reply(w.learner, t.id, body="one more thing")
    posts.reply(w.peer, t.id, body="answer")
    assert "reply" not in _kinds(w.learner)
    follows.follow_thread(w.learner, t.id)
    posts.reply(w.peer, t.id, body="again")
    assert "reply" in _kinds(w.learner)


def test_module_followers_hear_of_questions_and_replies(w):
    follows.follow_module(w.peer, w.module.id)
    follows.follow_module(w.peer, w.module.id)  # twice is once
    t = _ask(w)
    posts.reply(w.owner, t.id, body="answer")
    assert sorted(_kinds(w.peer)) == ["new_question", "reply"]
    follows.unfollow_module(w.peer, w.module.id)
    posts.reply(w.owner, t.id, body="more")
    assert len(_kinds(w.peer)) == 2


def test_module_followers_outside_a_cohort_hear_nothing_of_its_threads(w):
    follows.follow_module(w.peer, w.module.id)
    _ask(w, cohort_id=w.cohort.id)
    assert _kinds(w.peer) == []


def test_nobody_is_notified_of_their_own_actions(w):
    follows.follow_module(w.owner, w.module.id)
    t = _ask(w, who=w.owner)
    posts.reply(w.owner, t.id, body=f"me, @{w.owner.handle}")
    assert _kinds(w.owner) == []


def test_marking_notifications_read(w):
    t = _ask(w)
    posts.reply(w.peer, t.id, body="1")
    posts.reply(w.owner, t.id, body="2")
    items = notifications.list_notifications(w.learner).items
    assert notifications.unread_count(w.learner) == 2
    notifications.mark_read(w.learner, ids=[items[0].id])
    assert notifications.unread_count(w.learner) == 1
    assert notifications.list_notifications(w.learner, unread=True).total == 1
    notifications.mark_read(w.peer, everything=True)  # someone else's: untouched
    assert notifications.unread_count(w.learner) == 1
    notifications.mark_read(w.learner, everything=True)
    assert notifications.unread_count(w.learner) == 0
    with pytest.raises(Invalid):
        notifications.mark_read(w.learner)


def test_notifications_disappear_with_access(w, manager):
    from forum.services import cohorts

    t = _ask(w, cohort_id=w.cohort.id)
    posts.reply(w.fac, t.id, body="hi")
    assert notifications.unread_count(w.learner) == 1
    cohorts.remove_member(manager, w.cohort.id, w.learner.id)
    assert notifications.unread_count(w.learner) == 0
    assert notifications.list_notifications(w.learner).total == 0


def test_anonymous_replies_hide_the_actor_in_peers_notifications(w):
    t = _ask(w, who=w.peer)
    posts.reply(w.learner, t.id, body="psst", anonymous=True)
    note = notifications.list_notifications(w.peer).items[0]
    assert note.kind == "reply" and note.actor is None
    owner_view = threads.get_thread(w.owner, t.id).replies[0]
    assert owner_view.author.id == w.learner.id
    assert threads.get_thread(w.peer, t.id).replies[0].author is None


def test_whats_new_spans_modules_and_respects_privacy(w, manager):
    second = make_module(actor=manager, owner=w.owner)
    a = _ask(w)
    b = threads.create_thread(w.learner, second.id, title="B", body="b")
    hidden = _ask(w, cohort_id=w.cohort.id, title="Hidden")
    assert {t.id for t in threads.whats_new(w.peer).items} == {a.id, b.id}
    assert hidden.id in {t.id for t in threads.whats_new(w.fac).items}


def test_thread_counts_per_module(w):
    _ask(w)
    _ask(w, cohort_id=w.cohort.id)
    _ask(w, kind="discussion", title="D")
    assert threads.thread_counts(w.learner, [w.module.id]) == {w.module.id: (3, 2)}
    assert threads.thread_counts(w.peer, [w.module.id]) == {w.module.id: (2, 1)}


def test_revisions_of_anonymous_posts_hide_the_author_from_peers(w):
    t = _ask(w)
    r = posts.reply(w.learner, t.id, body="first", anonymous=True)
    posts.edit(w.learner, r.id, body="second")
    assert posts.revisions(w.peer, r.id).items[0].edited_by is None
    assert posts.revisions(w.owner, r.id).items[0].edited_by.id == w.learner.id


def test_every_moderation_entry_names_actor_and_thread(w, db):
    t = _ask(w, cohort_id=w.cohort.id)
    threads.moderate(w.fac, t.id, pinned=True)
    entry = db.session.scalars(select(ModerationEntry)).one()
    assert (entry.actor_id, entry.thread_id, entry.cohort_id, entry.module_id) == (
        w.fac.id,
        t.id,
        w.cohort.id,
        w.module.id,
    )


def test_conflict_is_raised_for_a_second_flag(w):
    t = _ask(w)
    opening = threads.get_thread(w.peer, t.id).opening.id
    posts.flag(w.peer, opening, "spam")
    with pytest.raises(Conflict):
        posts.flag(w.peer, opening, "spam again")
