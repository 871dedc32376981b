"""The office-hours rows of API.md: every endpoint's answers, its 400/403/404/409, and who is
told. The live room's events are the /live namespace's (tests/realtime)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from forum.models import OfficeHour, utcnow
from forum.services import follows
from forum.services import office_hours as oh
from tests.api.helpers import (
    count,
    expect_envelope,
    expect_error,
    expect_invalid,
    is_utc_iso,
    snapshot,
    user_ref,
)
from tests.factories import make_cohort, make_module


@pytest.fixture
def w(make_user, manager, admin):
    fac = make_user(name="Fay Facilitator")
    learner = make_user(name="Lea Learner")
    outsider = make_user(name="Otto Outsider")
    module = make_module(actor=manager, title="Security basics")
    cohort = make_cohort({fac: "facilitator", learner: "learner"}, actor=manager)
    other = make_cohort({outsider: "facilitator"}, actor=manager)
    return type(
        "World",
        (),
        {
            "manager": manager,
            "admin": admin,
            "fac": fac,
            "learner": learner,
            "outsider": outsider,
            "module": module,
            "cohort": cohort,
            "other": other,
        },
    )


def times(minutes_from_now: int = 60, length: int = 60) -> dict:
    starts = utcnow() + timedelta(minutes=minutes_from_now)
    return {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(minutes=length)).isoformat(),
    }


def scheduled(w, **extra):
    starts = utcnow() + timedelta(hours=1)
    fields = {"cohort_id": w.cohort.id, "module_id": w.module.id, **extra}
    return oh.create(
        w.fac, title="Keys Q&A", starts_at=starts, ends_at=starts + timedelta(hours=1), **fields
    )


def live(w, **extra):
    return oh.start(w.fac, scheduled(w, **extra).id)


# Creating and listing --------------------------------------------------------------------


def test_a_facilitator_schedules_a_session_for_their_cohort(api, w):
    body = {"title": "  Keys Q&A  ", **times(), "cohort_id": w.cohort.id, "module_id": w.module.id}
    r = api(w.fac).post("/office-hours", json=body)
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    assert {k: made[k] for k in ("title", "host", "cohort_id", "module_id", "status")} == {
        "title": "Keys Q&A",
        "host": user_ref(w.fac),
        "cohort_id": w.cohort.id,
        "module_id": w.module.id,
        "status": "scheduled",
    }
    assert is_utc_iso(made["starts_at"]) and is_utc_iso(made["ends_at"])
    assert set(made) >= {"id", "title", "host", "starts_at", "ends_at", "cohort_id", "module_id"}


def test_times_with_an_offset_are_stored_in_utc(api, w):
    body = {"title": "Berlin", "starts_at": "2027-03-01T10:00:00+01:00"}
    body["ends_at"] = "2027-03-01T11:00:00+01:00"
    made = api(w.manager).post("/office-hours", json=body).get_json()
    assert made["starts_at"] == "2027-03-01T09:00:00+00:00"
    assert made["cohort_id"] is None and made["module_id"] is None


@pytest.mark.parametrize(
    ("who", "cohort", "status"),
    [
        ("learner", "cohort", 403),
        ("learner", None, 403),
        ("fac", None, 403),
        ("outsider", "cohort", 400),  # not their cohort: the same 400 as no such cohort
    ],
)
def test_who_may_not_schedule(api, w, who, cohort, status):
    body = {"title": "Mine", **times()}
    if cohort:
        body["cohort_id"] = w.cohort.id
    client = api(getattr(w, who))
    before = snapshot()
    error = expect_error(client.post("/office-hours", json=body), status)
    if status == 400:
        assert "cohort_id" in error["fields"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at"),
        ({"starts_at": "soon"}, "starts_at"),
        ({"cohort_id": 999_999}, "cohort_id"),
        ({"module_id": 999_999}, "module_id"),
        ({"title": ""}, "title"),
        ({"title": "t" * 201}, "title"),
    ],
)
def test_bad_schedules_are_invalid_input(api, w, change, field):
    body = {"title": "Fine", **times(), **change}
    expect_invalid(api(w.manager).post("/office-hours", json=body), field)
    assert count(OfficeHour) == 0


def test_the_list_holds_what_the_caller_may_join_soonest_first(api, w):
    later = scheduled(w)
    sooner = oh.create(
        w.manager,
        title="Everyone",
        starts_at=utcnow() + timedelta(minutes=5),
        ends_at=utcnow() + timedelta(minutes=50),
    )
    items = expect_envelope(api(w.learner).get("/office-hours"), total=2)
    assert [i["id"] for i in items] == [sooner.id, later.id]
    items = expect_envelope(api(w.outsider).get("/office-hours"), total=1)
    assert [i["id"] for i in items] == [sooner.id]
    oh.start(w.manager, sooner.id)
    items = expect_envelope(api(w.learner).get("/office-hours?status=live"), total=1)
    assert items[0]["status"] == "live"
    expect_invalid(api(w.learner).get("/office-hours?status=cancelled"), "status")


def test_a_session_is_read_by_those_who_may_join_it(api, w):
    session = scheduled(w)
    assert api(w.learner).get(f"/office-hours/{session.id}").get_json()["id"] == session.id
    assert expect_error(api(w.outsider).get(f"/office-hours/{session.id}"), 404)
    assert expect_error(api().get(f"/office-hours/{session.id}"), 401)


# Rescheduling and cancelling ------------------------------------------------------------------


def test_rescheduling_tells_the_cohort(api, w):
    session = scheduled(w)
    r = api(w.fac).patch(f"/office-hours/{session.id}", json={"title": "Moved", **times(180)})
    assert r.status_code == 200 and r.get_json()["title"] == "Moved"
    notes = expect_envelope(api(w.learner).get("/notifications"))
    assert [(n["kind"], n["office_hour_id"]) for n in notes] == [
        ("office_hour_changed", session.id)
    ]
    assert expect_envelope(api(w.fac).get("/notifications")) == []


def test_cancelling_tells_the_cohort_and_the_session_is_gone(api, w):
    session = scheduled(w)
    assert api(w.manager).delete(f"/office-hours/{session.id}").status_code == 204
    assert [n["kind"] for n in expect_envelope(api(w.learner).get("/notifications"))] == [
        "office_hour_changed"
    ]
    expect_error(api(w.learner).get(f"/office-hours/{session.id}"), 404)
    expect_error(api(w.manager).delete(f"/office-hours/{session.id}"), 404)


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_only_the_host_and_managers_reschedule_or_cancel(api, w, method):
    session = scheduled(w)
    learner, outsider = api(w.learner), api(w.outsider)
    before = snapshot()
    kwargs = {"json": {"title": "Mine"}} if method == "patch" else {}
    expect_error(getattr(learner, method)(f"/office-hours/{session.id}", **kwargs), 403)
    expect_error(getattr(outsider, method)(f"/office-hours/{session.id}", **kwargs), 404)
    assert snapshot() == before


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_a_live_session_is_neither_rescheduled_nor_cancelled(api, w, method):
    session = live(w)
    kwargs = {"json": {"title": "Mine"}} if method == "patch" else {}
    error = expect_error(getattr(api(w.fac), method)(f"/office-hours/{session.id}", **kwargs), 409)
    assert error["code"] == "conflict"


def test_a_reschedule_that_ends_before_it_starts_is_invalid(api, w):
    session = scheduled(w)
    body = {"ends_at": (session.starts_at - timedelta(minutes=1)).isoformat()}
    expect_invalid(api(w.fac).patch(f"/office-hours/{session.id}", json=body), "ends_at")


# Starting and ending -------------------------------------------------------------------------


def test_starting_tells_the_cohort_and_ending_closes_the_room(api, w):
    session = scheduled(w)
    r = api(w.fac).post(f"/office-hours/{session.id}/start")
    assert r.status_code == 200 and r.get_json()["status"] == "live"
    notes = expect_envelope(api(w.learner).get("/notifications"))
    assert [(n["kind"], n["office_hour_id"], n["module_id"]) for n in notes] == [
        ("office_hour_live", session.id, w.module.id)
    ]
    r = api(w.manager).post(f"/office-hours/{session.id}/end")
    assert r.status_code == 200 and r.get_json()["status"] == "ended"
    assert is_utc_iso(r.get_json()["ended_at"])


def test_a_session_over_by_the_30_minute_rule_reads_ended_before_the_sweep_stores_it(api, w, db):
    session = live(w)
    ended = utcnow() - timedelta(minutes=31)
    stored = db.session.get(OfficeHour, session.id)
    stored.starts_at, stored.ends_at = ended - timedelta(hours=1), ended
    db.session.commit()
    body = api(w.learner).get(f"/office-hours/{session.id}").get_json()
    assert body["status"] == "ended"
    assert body["ended_at"] == (ended + timedelta(minutes=30)).isoformat()
    assert db.session.get(OfficeHour, session.id).status == "live"  # a GET stores nothing


def test_starting_an_ended_session_or_ending_a_scheduled_one_is_409(api, w):
    session = scheduled(w)
    expect_error(api(w.fac).post(f"/office-hours/{session.id}/end"), 409)
    api(w.fac).post(f"/office-hours/{session.id}/start")
    api(w.fac).post(f"/office-hours/{session.id}/end")
    assert expect_error(api(w.fac).post(f"/office-hours/{session.id}/start"), 409)["code"] == (
        "conflict"
    )


@pytest.mark.parametrize("action", ["start", "end"])
def test_learners_may_not_start_or_end(api, w, action):
    session = live(w) if action == "end" else scheduled(w)
    expect_error(api(w.learner).post(f"/office-hours/{session.id}/{action}"), 403)
    expect_error(api(w.outsider).post(f"/office-hours/{session.id}/{action}"), 404)
    expect_error(api().post(f"/office-hours/{session.id}/{action}"), 401)


# Transcripts ------------------------------------------------------------------------------


def test_the_transcript_has_every_message_and_question_oldest_first(api, w):
    session = live(w)
    first = oh.post_message(w.learner, session.id, "  Hello *all*\n")
    gone = oh.post_message(w.learner, session.id, "Oops")
    oh.delete_message(w.learner, session.id, gone.id)
    last = oh.post_message(w.fac, session.id, "Welcome")
    hand = oh.raise_hand(w.learner, session.id, "How do I rotate keys?")
    oh.take_question(w.fac, session.id, hand.id)
    oh.end(w.fac, session.id)
    r = api(w.learner).get(f"/office-hours/{session.id}/transcript")
    assert r.status_code == 200
    body = r.get_json()
    assert [m["id"] for m in body["messages"]] == [first.id, last.id]
    message = body["messages"][0]
    assert message["body"] == "  Hello *all*\n" and "<em>all</em>" in message["body_html"]
    assert message["author"] == user_ref(w.learner) and is_utc_iso(message["created_at"])
    assert body["questions"] == [
        {
            "id": hand.id,
            "office_hour_id": session.id,
            "author": user_ref(w.learner),
            "question": "How do I rotate keys?",
            "status": "answering",
            "thread_id": None,
            "created_at": body["questions"][0]["created_at"],
        }
    ]


def test_the_transcript_is_404_to_those_who_may_not_join(api, w):
    session = live(w)
    expect_error(api(w.outsider).get(f"/office-hours/{session.id}/transcript"), 404)
    expect_error(api(w.learner).get("/office-hours/999999/transcript"), 404)


# Archiving a raised hand ------------------------------------------------------------------


def test_a_raised_hand_becomes_an_answered_question_thread_of_the_cohort(api, w):
    session = live(w)
    hand = oh.raise_hand(w.learner, session.id, "How often do we rotate the API keys?")
    r = api(w.fac).post(
        f"/office-hours/{session.id}/questions/{hand.id}/archive",
        json={"answer": "Every **90 days**, by the on-call."},
    )
    assert r.status_code == 201, r.get_json()
    thread = r.get_json()
    assert thread["kind"] == "question" and thread["title"] == hand.question
    assert thread["author"] == user_ref(w.learner)
    assert thread["module_id"] == w.module.id
    assert (thread["cohort_id"], thread["visibility"]) == (w.cohort.id, "cohort")
    accepted = next(p for p in thread["posts"] if p["id"] == thread["accepted_post_id"])
    assert (
        accepted["author"] == user_ref(w.fac)
        and "<strong>90 days</strong>" in (accepted["body_html"])
    )
    transcript = api(w.learner).get(f"/office-hours/{session.id}/transcript").get_json()
    assert transcript["questions"][0]["thread_id"] == thread["id"]
    # The cohort reads it; others do not see it at all.
    assert api(w.learner).get(f"/threads/{thread['id']}").status_code == 200
    expect_error(api(w.outsider).get(f"/threads/{thread['id']}"), 404)
    # Once only.
    again = api(w.fac).post(
        f"/office-hours/{session.id}/questions/{hand.id}/archive", json={"answer": "Again"}
    )
    expect_error(again, 409)


def test_archiving_from_a_session_without_a_module_needs_a_module_id(api, w):
    session = live(w, module_id=None)
    hand = oh.raise_hand(w.learner, session.id, "Where is the runbook?")
    path = f"/office-hours/{session.id}/questions/{hand.id}/archive"
    expect_invalid(api(w.fac).post(path, json={"answer": "In the wiki."}), "module_id")
    r = api(w.fac).post(path, json={"answer": "In the wiki.", "module_id": w.module.id})
    assert r.status_code == 201 and r.get_json()["module_id"] == w.module.id


@pytest.mark.parametrize(
    ("who", "qid", "status"),
    [("learner", "hand", 403), ("outsider", "hand", 404), ("fac", 999_999, 404)],
)
def test_archiving_is_for_the_host_and_a_question_of_this_session(api, w, who, qid, status):
    session = live(w)
    hand = oh.raise_hand(w.learner, session.id, "Mine")
    question_id = hand.id if qid == "hand" else qid
    client = api(getattr(w, who))
    before = snapshot()
    path = f"/office-hours/{session.id}/questions/{question_id}/archive"
    expect_error(client.post(path, json={"answer": "No"}), status)
    assert snapshot() == before


def test_the_module_followers_are_told_of_a_session_for_everyone(api, w):
    follows.follow_module(w.outsider, w.module.id)
    session = oh.create(
        w.manager,
        title="Open doors",
        starts_at=utcnow() + timedelta(hours=1),
        ends_at=utcnow() + timedelta(hours=2),
        module_id=w.module.id,
    )
    api(w.manager).post(f"/office-hours/{session.id}/start")
    kinds = [n["kind"] for n in expect_envelope(api(w.outsider).get("/notifications"))]
    assert kinds == ["office_hour_live"]
    assert expect_envelope(api(w.learner).get("/notifications")) == []
