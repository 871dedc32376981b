"""Office hours through their services: who may join, chat, the raise-hand queue, removing
people, starting and ending, scheduling, who is told, and the periodic upkeep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text

from forum.errors import Conflict, Forbidden, Invalid, NotFound, NotLive, RateLimited
from forum.extensions import db
from forum.models import Notification, OfficeHour, utcnow
from forum.services import follows, limits, modules, notifications
from forum.services import office_hours as oh
from forum.wire import message_dict, office_hour_dict, question_dict
from tests.factories import make_cohort, make_module


@pytest.fixture
def w(make_user, manager, admin):
    fac = make_user(name="Fay Facilitator")
    co_fac = make_user(name="Cole Cofacilitator")
    learner = make_user(name="Lea Learner")
    peer = make_user(name="Pia Peer")
    outsider = make_user(name="Otto Outsider")
    owner = make_user(name="Olga Owner")
    module = make_module(actor=manager, owner=owner)
    cohort = make_cohort(
        {fac: "facilitator", co_fac: "facilitator", learner: "learner", peer: "learner"},
        actor=manager,
    )
    other_cohort = make_cohort({outsider: "facilitator"}, actor=manager)
    return type(
        "World",
        (),
        {
            "manager": manager,
            "admin": admin,
            "fac": fac,
            "co_fac": co_fac,
            "learner": learner,
            "peer": peer,
            "outsider": outsider,
            "owner": owner,
            "module": module,
            "cohort": cohort,
            "other_cohort": other_cohort,
        },
    )


def schedule(host, *, cohort=None, module=None, minutes_from_now=60, length=60, title="Q&A"):
    starts = utcnow() + timedelta(minutes=minutes_from_now)
    return oh.create(
        host,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=length),
        cohort_id=cohort.id if cohort else None,
        module_id=module.id if module else None,
    )


@pytest.fixture
def live(w):
    """A live session of the cohort, on the module, hosted by its facilitator."""
    session = schedule(w.fac, cohort=w.cohort, module=w.module, minutes_from_now=-5)
    return oh.start(w.fac, session.id)


def kinds(user) -> list[str]:
    return [n.kind for n in notifications.list_notifications(user).items]


# Who may join -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("fac", True),
        ("learner", True),
        ("manager", True),
        ("admin", True),
        ("owner", True),  # of its module, who also reads the cohort's threads there
        ("outsider", False),
    ],
)
def test_a_cohorts_session_is_for_its_members_hosts_managers_and_the_modules_owner(
    w, live, who, may
):
    person = getattr(w, who)
    if may:
        assert oh.joinable(person, live.id).id == live.id
    else:
        with pytest.raises(NotFound):
            oh.joinable(person, live.id)


def test_a_session_without_a_cohort_is_for_everyone_signed_in(w):
    session = schedule(w.manager)
    for person in (w.outsider, w.learner, w.owner):
        assert oh.joinable(person, session.id).id == session.id
    with pytest.raises(NotFound):
        oh.joinable(None, session.id)


def test_a_session_on_an_unpublished_module_follows_the_module(w):
    modules.update_module(w.manager, w.module.id, published=False)
    session = schedule(w.manager, module=w.module)
    with pytest.raises(NotFound):
        oh.joinable(w.outsider, session.id)
    assert oh.joinable(w.owner, session.id).id == session.id


@pytest.mark.parametrize("bad_id", [0, -1, 2**40, 999_999, "1", None, True])
def test_unknown_or_malformed_session_ids_are_not_found(w, bad_id):
    with pytest.raises(NotFound):
        oh.joinable(w.manager, bad_id)


@pytest.mark.parametrize(
    ("who", "host"),
    [("fac", True), ("manager", True), ("admin", True), ("co_fac", False), ("learner", False)],
)
def test_the_host_managers_and_admins_run_a_session(w, live, who, host):
    assert oh.is_host(getattr(w, who), live) is host


# Chat ---------------------------------------------------------------------------------------


def test_a_message_is_stored_as_written_and_rendered_safely(w, live):
    body = "    indented code\n\n**bold** <script>alert(1)</script> ![x](http://e.example/i.png)\n"
    message = oh.post_message(w.learner, live.id, body)
    assert message.body == body
    assert "<pre>" in message.body_html and "<strong>bold</strong>" in message.body_html
    assert "<script>" not in message.body_html and "<img" not in message.body_html
    assert '<a href="http://e.example/i.png"' in message.body_html
    assert message_dict(message) == {
        "id": message.id,
        "office_hour_id": live.id,
        "author": {"id": w.learner.id, "name": "Lea Learner", "handle": w.learner.handle},
        "body": body,
        "body_html": message.body_html,
        "created_at": message.created_at.isoformat(),
    }


def test_a_message_is_committed_before_it_is_returned(w, live, app):
    message = oh.post_message(w.learner, live.id, "Stored first")
    # Another connection sees it at once: nothing is left to commit.
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.connect() as conn:
        found = conn.execute(
            text("SELECT body FROM office_hour_messages WHERE id = :id"), {"id": message.id}
        ).scalar()
    other.dispose()
    assert found == "Stored first"


@pytest.mark.parametrize(
    ("body", "field"),
    [("", "body"), ("   \n\t", "body"), ("x" * 2001, "body"), (None, "body"), (42, "body")],
)
def test_empty_oversized_or_wrong_typed_messages_are_refused(w, live, body, field):
    with pytest.raises(Invalid) as refused:
        oh.post_message(w.learner, live.id, body)
    assert field in refused.value.fields
    assert oh.messages_since(w.learner, live.id, None) == []


def test_a_message_of_exactly_2000_characters_is_accepted(w, live):
    assert len(oh.post_message(w.learner, live.id, "x" * 2000).body) == 2000


@pytest.mark.parametrize("state", ["scheduled", "ended"])
def test_chat_and_raised_hands_need_a_live_session(w, state):
    session = schedule(w.fac, cohort=w.cohort)
    if state == "ended":
        oh.start(w.fac, session.id)
        oh.end(w.fac, session.id)
    with pytest.raises(NotLive):
        oh.post_message(w.learner, session.id, "Hello?")
    with pytest.raises(NotLive):
        oh.raise_hand(w.learner, session.id, "Anyone?")


def test_outsiders_cannot_chat_in_a_cohorts_session(w, live):
    with pytest.raises(NotFound):
        oh.post_message(w.outsider, live.id, "Let me in")


def test_joining_gets_the_last_50_messages_oldest_first(w, live):
    with limits.suspended():  # a long conversation, loaded at once
        sent = [oh.post_message(w.learner, live.id, f"message {i}") for i in range(60)]
    got = oh.messages_since(w.peer, live.id, None)
    assert [m.id for m in got] == [m.id for m in sent[-50:]]


def test_rejoining_with_since_id_gets_every_message_after_it_however_many(w, live):
    with limits.suspended():  # a long conversation, loaded at once
        sent = [oh.post_message(w.learner, live.id, f"message {i}") for i in range(70)]
    got = oh.messages_since(w.peer, live.id, sent[4].id)
    assert [m.id for m in got] == [m.id for m in sent[5:]]
    assert oh.messages_since(w.peer, live.id, sent[-1].id) == []
    assert len(oh.messages_since(w.peer, live.id, 0)) == 70


@pytest.mark.parametrize("since_id", [-1, "5", 1.5, True])
def test_a_malformed_since_id_is_invalid(w, live, since_id):
    with pytest.raises(Invalid) as refused:
        oh.messages_since(w.learner, live.id, since_id)
    assert "since_id" in refused.value.fields


@pytest.mark.parametrize("who", ["learner", "fac", "manager"])
def test_its_author_or_the_host_deletes_a_message_and_it_leaves_the_transcript(w, live, who):
    message = oh.post_message(w.learner, live.id, "Oops, my password is hunter2")
    kept = oh.post_message(w.learner, live.id, "Kept")
    gone = oh.delete_message(getattr(w, who), live.id, message.id)
    assert gone.deleted and gone.body == "" and gone.body_html == ""
    assert [m.id for m in oh.messages_since(w.peer, live.id, None)] == [kept.id]
    assert [m.id for m in oh.messages_since(w.peer, live.id, 0)] == [kept.id]
    assert [m.id for m in oh.transcript(w.peer, live.id).messages] == [kept.id]
    # Deleting it again changes nothing.
    assert oh.delete_message(w.learner, live.id, message.id).deleted


def test_others_may_not_delete_a_message(w, live):
    message = oh.post_message(w.learner, live.id, "Mine")
    with pytest.raises(Forbidden):
        oh.delete_message(w.peer, live.id, message.id)
    with pytest.raises(Forbidden):
        oh.delete_message(w.co_fac, live.id, message.id)


def test_a_message_of_another_session_is_not_found_here(w, live):
    elsewhere = oh.start(w.manager, schedule(w.manager).id)
    message = oh.post_message(w.learner, elsewhere.id, "Elsewhere")
    with pytest.raises(NotFound):
        oh.delete_message(w.fac, live.id, message.id)
    for bad in (0, 2**40, "1", None):
        with pytest.raises(NotFound):
            oh.delete_message(w.fac, live.id, bad)


# The raise-hand queue -----------------------------------------------------------------------


def test_raised_hands_queue_in_order_and_the_host_takes_and_resolves_them(w, live):
    first = oh.raise_hand(w.learner, live.id, "  How do I rotate keys?  ")
    second = oh.raise_hand(w.peer, live.id, "Where is the runbook?")
    assert first.question == "How do I rotate keys?"
    assert [q.id for q in oh.queue(w.learner, live.id)] == [first.id, second.id]
    assert question_dict(first)["status"] == "waiting"

    taken = oh.take_question(w.fac, live.id, first.id)
    assert question_dict(taken)["status"] == "answering" and taken.taken_at is not None
    assert [q.status for q in oh.queue(w.peer, live.id)] == ["taken", "queued"]

    resolved = oh.resolve_question(w.fac, live.id, first.id)
    assert question_dict(resolved)["status"] == "answered"
    assert [q.id for q in oh.queue(w.peer, live.id)] == [second.id]
    # Every hand stays in the transcript.
    statuses = [question_dict(q)["status"] for q in oh.transcript(w.peer, live.id).questions]
    assert statuses == ["answered", "waiting"]


def test_taking_or_resolving_twice_changes_nothing_but_a_resolved_one_is_not_taken(w, live):
    item = oh.raise_hand(w.learner, live.id, "Twice?")
    oh.take_question(w.fac, live.id, item.id)
    assert oh.take_question(w.fac, live.id, item.id).status == "taken"
    oh.resolve_question(w.fac, live.id, item.id)
    assert oh.resolve_question(w.fac, live.id, item.id).status == "resolved"
    with pytest.raises(Invalid):
        oh.take_question(w.fac, live.id, item.id)


@pytest.mark.parametrize("call", [oh.take_question, oh.resolve_question])
@pytest.mark.parametrize("who", ["learner", "co_fac"])
def test_only_the_host_takes_and_resolves_questions(w, live, call, who):
    item = oh.raise_hand(w.learner, live.id, "Mine")
    with pytest.raises(Forbidden):
        call(getattr(w, who), live.id, item.id)
    assert oh.queue(w.learner, live.id)[0].status == "queued"


@pytest.mark.parametrize("call", [oh.take_question, oh.resolve_question])
def test_a_question_of_another_session_is_not_found_here(w, live, call):
    elsewhere = oh.start(w.manager, schedule(w.manager).id)
    item = oh.raise_hand(w.learner, elsewhere.id, "Elsewhere")
    with pytest.raises(NotFound):
        call(w.fac, live.id, item.id)


@pytest.mark.parametrize("question", ["", "   ", "q" * 2001, None, ["a"]])
def test_an_empty_oversized_or_wrong_typed_question_is_invalid(w, live, question):
    with pytest.raises(Invalid):
        oh.raise_hand(w.learner, live.id, question)
    assert oh.queue(w.learner, live.id) == []


# Removing people ------------------------------------------------------------------------------


def test_a_removed_person_is_refused_until_the_session_ends(w, live):
    oh.remove_participant(w.fac, live.id, w.peer.id)
    oh.remove_participant(w.fac, live.id, w.peer.id)  # again: no change, no error
    for call in (
        lambda: oh.joinable(w.peer, live.id),
        lambda: oh.post_message(w.peer, live.id, "Back"),
        lambda: oh.raise_hand(w.peer, live.id, "Back?"),
        lambda: oh.messages_since(w.peer, live.id, None),
    ):
        with pytest.raises(Forbidden):
            call()
    assert oh.joinable(w.learner, live.id).id == live.id  # others go on
    oh.end(w.fac, live.id)
    assert oh.joinable(w.peer, live.id).id == live.id  # the transcript is theirs to read


def test_only_the_host_removes_people_and_never_a_host(w, live):
    with pytest.raises(Forbidden):
        oh.remove_participant(w.learner, live.id, w.peer.id)
    with pytest.raises(Invalid):
        oh.remove_participant(w.fac, live.id, w.manager.id)
    with pytest.raises(NotFound):
        oh.remove_participant(w.fac, live.id, 999_999)


# Starting and ending ------------------------------------------------------------------------


def test_starting_tells_the_cohort_and_ending_keeps_everything(w):
    session = schedule(w.fac, cohort=w.cohort, module=w.module)
    started = oh.start(w.fac, session.id)
    assert started.status == "live" and started.started_at is not None
    assert kinds(w.learner) == ["office_hour_live"]
    assert kinds(w.co_fac) == ["office_hour_live"]
    assert kinds(w.fac) == [] and kinds(w.outsider) == []
    note = notifications.list_notifications(w.learner).items[0]
    assert note.office_hour_id == session.id and note.module_id == w.module.id
    oh.start(w.fac, session.id)  # already live: nothing more is sent
    assert kinds(w.learner) == ["office_hour_live"]

    oh.post_message(w.learner, session.id, "Thanks!")
    ended = oh.end(w.fac, session.id)
    assert ended.status == "ended" and ended.ended_at is not None
    assert [m.body for m in oh.transcript(w.learner, session.id).messages] == ["Thanks!"]


def test_an_ended_session_does_not_start_again_and_only_a_live_one_ends(w):
    session = schedule(w.fac, cohort=w.cohort)
    with pytest.raises(NotLive):
        oh.end(w.fac, session.id)
    oh.start(w.fac, session.id)
    oh.end(w.fac, session.id)
    with pytest.raises(NotLive) as refused:
        oh.start(w.fac, session.id)
    assert isinstance(refused.value, Conflict) and refused.value.status == 409


@pytest.mark.parametrize("call", [oh.start, oh.end])
def test_learners_and_other_facilitators_neither_start_nor_end(w, call):
    session = schedule(w.fac, cohort=w.cohort)
    oh.start(w.fac, session.id) if call is oh.end else None
    for person in (w.learner, w.co_fac):
        with pytest.raises(Forbidden):
            call(person, session.id)
    with pytest.raises(NotFound):
        call(w.outsider, session.id)


def test_a_session_left_live_ends_30_minutes_after_its_end(w):
    session = schedule(w.fac, cohort=w.cohort, minutes_from_now=-120, length=60)
    oh.start(w.fac, session.id)
    assert oh.end_overdue(utcnow() - timedelta(minutes=31)) == 0
    assert oh.end_overdue() == 1
    assert db.session.get(OfficeHour, session.id).status == "ended"


def test_a_session_left_live_past_its_end_takes_nothing_more_before_the_upkeep_runs(w):
    session = schedule(w.fac, cohort=w.cohort, minutes_from_now=-120, length=60)
    oh.start(w.fac, session.id)
    with pytest.raises(NotLive):
        oh.post_message(w.learner, session.id, "Still here?")
    with pytest.raises(NotLive):
        oh.raise_hand(w.learner, session.id, "Still here?")


# Scheduling ---------------------------------------------------------------------------------


def test_managers_schedule_anything_and_facilitators_for_their_own_cohort(w):
    assert schedule(w.manager).host.id == w.manager.id
    session = schedule(w.fac, cohort=w.cohort, module=w.module)
    assert office_hour_dict(session) | {"starts_at": None, "ends_at": None} == {
        "id": session.id,
        "title": "Q&A",
        "host": {"id": w.fac.id, "name": "Fay Facilitator", "handle": w.fac.handle},
        "starts_at": None,
        "ends_at": None,
        "cohort_id": w.cohort.id,
        "module_id": w.module.id,
        "status": "scheduled",
        "started_at": None,
        "ended_at": None,
    }


@pytest.mark.parametrize(
    ("who", "cohort", "error", "field"),
    [
        ("learner", "cohort", Forbidden, None),  # a learner of that cohort
        ("peer", None, Forbidden, None),
        ("fac", None, Forbidden, None),  # a facilitator, but for everyone
        ("fac", "other_cohort", Invalid, "cohort_id"),  # not a cohort of theirs
        ("fac", "missing", Invalid, "cohort_id"),
        ("manager", "missing", Invalid, "cohort_id"),
    ],
)
def test_who_may_not_schedule_where(w, who, cohort, error, field):
    cohort_id = {"cohort": w.cohort.id, "other_cohort": w.other_cohort.id, "missing": 999_999}
    starts = utcnow() + timedelta(hours=1)
    with pytest.raises(error) as refused:
        oh.create(
            getattr(w, who),
            title="Mine",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            cohort_id=cohort_id.get(cohort),
        )
    if field:
        assert field in refused.value.fields


def test_a_facilitator_who_is_a_learner_elsewhere_may_not_schedule_there(w, make_user):
    make_cohort({w.fac: "learner"}, actor=w.manager)
    starts = utcnow() + timedelta(hours=1)
    learner_cohort = make_cohort({w.fac: "learner", w.peer: "learner"}, actor=w.manager)
    with pytest.raises(Forbidden):
        oh.create(
            w.fac,
            title="x",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            cohort_id=learner_cohort.id,
        )


@pytest.mark.parametrize(
    ("title", "start_offset", "length", "module_id", "field"),
    [
        ("", 60, 60, None, "title"),
        ("t" * 201, 60, 60, None, "title"),
        ("Backwards", 60, -30, None, "ends_at"),
        ("Zero", 60, 0, None, "ends_at"),
        ("Forever", 60, 13 * 60, None, "ends_at"),
        ("Module", 60, 60, 999_999, "module_id"),
        ("Module", 60, 60, 0, "module_id"),
    ],
)
def test_bad_schedules_are_invalid(w, title, start_offset, length, module_id, field):
    starts = utcnow() + timedelta(minutes=start_offset)
    with pytest.raises(Invalid) as refused:
        oh.create(
            w.manager,
            title=title,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=length),
            module_id=module_id,
        )
    assert field in refused.value.fields
    assert db.session.scalar(select(func.count()).select_from(OfficeHour)) == 0


def test_an_unpublished_module_is_no_module_to_a_facilitator(w):
    modules.update_module(w.manager, w.module.id, published=False)
    with pytest.raises(Invalid) as refused:
        schedule(w.fac, cohort=w.cohort, module=w.module)
    assert "module_id" in refused.value.fields


def test_rescheduling_tells_the_cohort_and_re_arms_the_soon_notice(w):
    session = schedule(w.fac, cohort=w.cohort, minutes_from_now=10)
    assert oh.send_soon_notices() == 1
    later = session.starts_at + timedelta(days=1)
    moved = oh.reschedule(w.fac, session.id, starts_at=later, ends_at=later + timedelta(hours=1))
    assert moved.starts_at == later and moved.soon_notified_at is None
    assert kinds(w.learner) == ["office_hour_changed", "office_hour_soon"]
    oh.reschedule(w.fac, session.id, title="Q&A")  # nothing changed: nobody is told
    assert kinds(w.learner).count("office_hour_changed") == 1
    with pytest.raises(Invalid):
        oh.reschedule(w.fac, session.id, ends_at=later - timedelta(minutes=1))


def test_the_module_followers_are_told_of_a_session_without_a_cohort(w):
    follows.follow_module(w.outsider, w.module.id)
    session = schedule(w.manager, module=w.module)
    oh.reschedule(w.manager, session.id, title="New title")
    assert kinds(w.outsider) == ["office_hour_changed"]
    assert kinds(w.learner) == []


def test_only_a_scheduled_session_is_rescheduled_or_cancelled(w, live):
    with pytest.raises(Conflict):
        oh.reschedule(w.fac, live.id, title="Renamed")
    with pytest.raises(Conflict):
        oh.cancel(w.fac, live.id)


@pytest.mark.parametrize("call", ["reschedule", "cancel"])
def test_learners_neither_reschedule_nor_cancel(w, call):
    session = schedule(w.fac, cohort=w.cohort)
    with pytest.raises(Forbidden):
        if call == "cancel":
            oh.cancel(w.learner, session.id)
        else:
            oh.reschedule(w.learner, session.id, title="Mine now")


def test_a_cancelled_session_is_gone_for_everyone_who_was_told(w):
    session = schedule(w.fac, cohort=w.cohort)
    oh.cancel(w.fac, session.id)
    assert kinds(w.learner) == ["office_hour_changed"]
    for person in (w.learner, w.fac, w.manager):
        with pytest.raises(NotFound):
            oh.joinable(person, session.id)
        assert oh.list_office_hours(person).items == []
        assert oh.upcoming(person) == []


# Lists -----------------------------------------------------------------------------------------


def test_lists_hold_what_the_caller_may_join_soonest_first(w):
    later = schedule(w.fac, cohort=w.cohort, minutes_from_now=120)
    sooner = schedule(w.manager, minutes_from_now=30)
    theirs = schedule(w.outsider, cohort=w.other_cohort, minutes_from_now=60)
    ids = [o.id for o in oh.list_office_hours(w.learner).items]
    assert ids == [sooner.id, later.id]
    assert [o.id for o in oh.list_office_hours(w.manager).items] == [
        sooner.id,
        theirs.id,
        later.id,
    ]
    oh.start(w.fac, later.id)
    assert [o.id for o in oh.list_office_hours(w.learner, status="live").items] == [later.id]
    assert [o.id for o in oh.upcoming(w.learner, cohort_id=w.cohort.id)] == [later.id]
    with pytest.raises(Invalid):
        oh.list_office_hours(w.learner, status="cancelled")


def test_upcoming_leaves_out_ended_sessions(w, live):
    oh.end(w.fac, live.id)
    assert oh.upcoming(w.learner) == []


# Soon notices -----------------------------------------------------------------------------------


def test_the_soon_notice_goes_out_once_15_minutes_before_to_the_cohort_and_host(w):
    session = schedule(w.manager, cohort=w.cohort, minutes_from_now=30)
    assert oh.send_soon_notices() == 0
    assert oh.send_soon_notices(session.starts_at - timedelta(minutes=14)) == 1
    assert oh.send_soon_notices(session.starts_at - timedelta(minutes=10)) == 0
    assert kinds(w.learner) == ["office_hour_soon"]
    assert kinds(w.manager) == ["office_hour_soon"]  # its host
    assert kinds(w.outsider) == []
    # The cohort's four members and the host, once each.
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 5


def test_no_soon_notice_for_a_session_already_started_or_past(w):
    live_one = schedule(w.fac, cohort=w.cohort, minutes_from_now=10)
    oh.start(w.fac, live_one.id)
    schedule(w.fac, cohort=w.cohort, minutes_from_now=-10)
    assert oh.send_soon_notices() == 0


# Write limits (issue 11) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("act", "setting"),
    [
        (lambda who, room, n: oh.post_message(who, room, f"msg {n}"), "LIMIT_CHAT"),
        (lambda who, room, n: oh.raise_hand(who, room, f"question {n}?"), "LIMIT_HANDS"),
    ],
    ids=["chat", "hands"],
)
def test_chat_and_raised_hands_are_limited_per_person_but_never_the_host(
    app, w, live, act, setting
):
    app.config[setting] = "3 per minute"
    for n in range(3):
        act(w.learner, live.id, n)
    with pytest.raises(RateLimited) as refused:
        act(w.learner, live.id, 3)
    assert 50 <= refused.value.retry_after <= 60  # until the first of the 3 leaves the minute
    act(w.peer, live.id, 0)  # someone else is not slowed
    for n in range(5):
        act(w.fac, live.id, n)  # the host moderates the room
