"""The /live namespace through Flask-SocketIO's test client: who may connect and join,
presence, chat, the raise-hand queue, host controls, and bad input."""

from __future__ import annotations

import pytest

from forum.errors import NotLive
from forum.models import OfficeHourMessage
from forum.services import accounts
from forum.services import office_hours as oh
from tests import factories
from tests.statements import counted


def names(participants: list[dict]) -> list[str]:
    return [p["name"] for p in participants]


# Connecting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["cookie", "token"])
def test_signed_in_people_connect_by_cookie_or_token(live, member, how):
    sock = live(member, token=how == "token")
    assert sock.connected


@pytest.mark.parametrize("token", [None, "", "not-a-token", "x" * 500, 12, ["a"]])
def test_anyone_else_is_refused_at_connect(live, token):
    auth = None if token is None else {"token": token}
    assert not live(None, auth=auth).connected


def test_a_token_wins_over_a_cookie_it_came_with(live, login, member, manager, room):
    token = accounts.issue_token(manager).token
    sock = live(page_client=login(member), auth={"token": token})
    assert sock.join(room)["host"] is True


# Joining and presence ----------------------------------------------------------------------


def test_join_answers_participants_queue_and_last_messages(live, room, member, manager):
    host = live(manager)
    host.join(room)
    for n in range(55):
        oh.post_message(manager, room, f"message {n}")
    ack = live(member).join(room)
    assert [m["body"] for m in ack["messages"]] == [f"message {n}" for n in range(5, 55)]
    assert names(ack["participants"]) == sorted(["Max Manager", "Mia Member"])
    assert ack["queue"] == []
    assert ack["office_hour"]["status"] == "live"
    assert ack["host"] is False and host.join(room)["host"] is True


def test_the_room_is_told_who_comes_and_goes(live, room, member, manager):
    host = live(manager)
    host.join(room)
    host.events()
    learner = live(member)
    learner.join(room)
    (came,) = host.events("presence")
    assert came == {
        "office_hour_id": room,
        "participants": [
            {"id": manager.id, "name": "Max Manager", "handle": "max.manager", "namesake": False},
            {"id": member.id, "name": "Mia Member", "handle": "mia.member", "namesake": False},
        ],
    }
    assert learner.ask("leave", {"office_hour_id": room}) == {"ok": True}
    (left,) = host.events("presence")
    assert names(left["participants"]) == ["Max Manager"]


@pytest.mark.parametrize("other_active", [True, False])
def test_a_name_another_active_person_shares_comes_with_its_handle(
    live, login, room, member, manager, make_user, other_active
):
    other = make_user(name="mia  MEMBER")  # reads the same: case and spaces aside
    if not other_active:
        accounts.update_user(manager, other.id, active=False)
    host = live(manager)
    host.join(room)
    host.events()
    live(member).join(room)
    (came,) = host.events("presence")
    mia = next(p for p in came["participants"] if p["id"] == member.id)
    assert mia == {
        "id": member.id,
        "name": "Mia Member",
        "handle": "mia.member",
        "namesake": other_active,
    }
    oh.post_message(member, room, "Hello")
    oh.raise_hand(member, room, "Why?")
    people = login(manager).get(f"/office-hours/{room}").get_data(as_text=True)
    shown = 'Mia Member <span class="handle">@mia.member</span>'
    # in the people present, by her message and by her raised hand
    assert people.count(shown) == (3 if other_active else 0)
    assert '<span class="handle">@max.manager</span>' not in people


def test_two_tabs_count_once_and_stay_present_while_either_is_joined(
    live, room, member, manager, login
):
    host = live(manager)
    host.join(room)
    browser = login(member)
    first, second = live(page_client=browser), live(page_client=browser)
    first.join(room)
    assert names(second.join(room)["participants"]) == ["Max Manager", "Mia Member"]
    host.events()
    first.disconnect()  # a disconnect counts as a leave
    assert host.events("presence") == []  # still present in the other tab
    second.ask("leave", {"office_hour_id": room})
    (left,) = host.events("presence")
    assert names(left["participants"]) == ["Max Manager"]


def test_a_cohort_session_is_only_for_its_members_hosts_and_managers(live, manager, make_user):
    learner, outsider, facilitator = (make_user(name=n) for n in ("In", "Out", "Fac"))
    cohort = factories.make_cohort({learner: "learner", facilitator: "facilitator"})
    room = factories.open_office_hour(facilitator, cohort_id=cohort.id)
    for person in (learner, facilitator, manager):
        assert live(person).join(room)["ok"]
    outside = live(outsider)
    assert outside.ask("join", {"office_hour_id": room}) == {"ok": False, "error": "not_found"}
    assert outside.ask("chat", {"office_hour_id": room, "body": "hi"})["error"] == "forbidden"


@pytest.mark.parametrize("state", ["scheduled", "ended"])
def test_only_a_live_session_is_joined(live, manager, member, state):
    from datetime import timedelta

    from forum.models import utcnow

    now = utcnow()
    made = oh.create(manager, title="Later", starts_at=now, ends_at=now + timedelta(hours=1))
    if state == "ended":
        oh.start(manager, made.id)
        oh.end(manager, made.id)
    ack = live(member).ask("join", {"office_hour_id": made.id})
    assert ack == {"ok": False, "error": "not_live"}


def _left_live_past_its_end(host) -> int:
    """A session its host never ended, over 30 minutes past its end: the periodic job has
    not run yet, so it is still stored as live."""
    from datetime import timedelta

    from forum.models import utcnow

    now = utcnow()
    made = oh.create(
        host,
        title="Forgotten",
        starts_at=now - timedelta(hours=3),
        ends_at=now - timedelta(hours=1),
    )
    oh.start(host, made.id)
    return made.id


def test_a_session_left_live_past_its_end_takes_no_join_and_no_chat(live, login, manager, member):
    stale = _left_live_past_its_end(manager)
    page = login(member).get(f"/office-hours/{stale}").get_data(as_text=True)
    assert "status-ended" in page and 'name="body"' not in page and 'name="question"' not in page
    assert live(member).ask("join", {"office_hour_id": stale}) == {"ok": False, "error": "not_live"}
    assert live(manager).ask("join", {"office_hour_id": stale}) == {
        "ok": False,
        "error": "not_live",
    }
    with pytest.raises(NotLive):
        oh.post_message(member, stale, "still there?")


# Chat -----------------------------------------------------------------------------------------


def test_chat_is_stored_before_the_room_receives_it(live, room, member, manager, db):
    host, learner = live(manager), live(member)
    host.join(room)
    learner.join(room)
    ack = learner.ask("chat", {"office_hour_id": room, "body": "What is **idempotent**?"})
    message = ack["message"]
    assert ack["ok"] and message["author"] == {
        "id": member.id,
        "name": "Mia Member",
        "handle": "mia.member",
    }
    assert "<strong>idempotent</strong>" in message["body_html"]
    (received,) = host.events("chat")
    assert received == message
    db.session.rollback()
    assert db.session.get(OfficeHourMessage, message["id"]).body == "What is **idempotent**?"


def test_a_chat_costs_three_statements_and_nothing_is_reloaded_to_broadcast_it(
    live, room, member, manager, app
):
    # The sign-in check, the session (with whether its host removed this person) and the
    # insert; the message and its author are broadcast as written, not read back.
    learner = live(member, token=True)
    learner.join(room)
    learner.ask("chat", {"office_hour_id": room, "body": "first"})
    with app.app_context(), counted() as statements:
        ack = learner.ask("chat", {"office_hour_id": room, "body": "second"})
    assert ack["ok"] and ack["message"]["author"]["handle"] == "mia.member"
    assert [s.split()[0].upper() for s in statements] == ["SELECT"] * 2 + ["INSERT"]


def test_rejoining_with_since_id_gives_exactly_what_was_missed(live, room, member, manager):
    host, learner = live(manager), live(member)
    host.join(room)
    learner.join(room)
    seen = learner.ask("chat", {"office_hour_id": room, "body": "before"})["message"]["id"]
    learner.disconnect()
    missed = [oh.post_message(manager, room, f"missed {n}").id for n in range(60)]
    back = live(member).join(room, since_id=seen)
    assert [m["id"] for m in back["messages"]] == missed


def test_a_message_is_deleted_by_its_author_or_the_host_only(
    live, room, member, manager, make_user
):
    host, learner, other = live(manager), live(member), live(make_user())
    for sock in (host, learner, other):
        sock.join(room)
    mine = learner.ask("chat", {"office_hour_id": room, "body": "oops"})["message"]["id"]
    theirs = other.ask("chat", {"office_hour_id": room, "body": "hello"})["message"]["id"]
    assert learner.ask("delete_message", {"office_hour_id": room, "message_id": theirs}) == {
        "ok": False,
        "error": "forbidden",
    }
    host.events()
    for sock, message_id in ((learner, mine), (host, theirs)):
        assert sock.ask("delete_message", {"office_hour_id": room, "message_id": message_id})["ok"]
    assert host.events("message_deleted") == [
        {"office_hour_id": room, "message_id": mine},
        {"office_hour_id": room, "message_id": theirs},
    ]
    assert live(member).join(room)["messages"] == []


# The queue and host controls ---------------------------------------------------------------


def test_a_raised_hand_is_queued_taken_and_resolved_by_the_host(live, room, member, manager):
    host, learner = live(manager), live(member)
    host.join(room)
    learner.join(room)
    ack = learner.ask("raise_hand", {"office_hour_id": room, "question": "How do retries work?"})
    question = ack["question"]
    assert question["status"] == "waiting" and question["author"]["id"] == member.id
    assert [q["question"] for q in host.events("queue")[0]["queue"]] == ["How do retries work?"]
    qid = {"office_hour_id": room, "question_id": question["id"]}
    assert learner.ask("take_question", qid) == {"ok": False, "error": "forbidden"}
    assert host.ask("take_question", qid) == {"ok": True}
    assert learner.events("queue")[-1]["queue"][0]["status"] == "answering"
    assert host.ask("resolve_question", qid) == {"ok": True}
    assert learner.events("queue")[-1]["queue"] == []


def test_a_removed_person_leaves_and_may_not_come_back(live, room, member, manager, login):
    host = live(manager)
    host.join(room)
    browser = login(member)
    tabs = [live(page_client=browser), live(page_client=browser)]
    for tab in tabs:
        tab.join(room)
    assert (
        live(member).ask("remove_participant", {"office_hour_id": room, "user_id": manager.id})[
            "error"
        ]
        == "forbidden"
    )
    host.events()
    assert host.ask("remove_participant", {"office_hour_id": room, "user_id": member.id})["ok"]
    assert names(host.events("presence")[-1]["participants"]) == ["Max Manager"]
    for tab in tabs:
        assert tab.events("removed") == [{"office_hour_id": room}]
        assert tab.ask("chat", {"office_hour_id": room, "body": "hi"})["error"] == "forbidden"
        assert tab.ask("join", {"office_hour_id": room})["error"] == "forbidden"
    host.ask("chat", {"office_hour_id": room, "body": "carry on"})
    assert tabs[0].events("chat") == []


def test_the_host_ends_the_session_for_everyone(live, room, member, manager, db):
    host, learner = live(manager), live(member)
    host.join(room)
    learner.join(room)
    learner.ask("chat", {"office_hour_id": room, "body": "thanks!"})
    assert learner.ask("end", {"office_hour_id": room})["error"] == "forbidden"
    assert host.ask("end", {"office_hour_id": room}) == {"ok": True}
    assert learner.events("ended") == [{"office_hour_id": room}]
    assert learner.ask("join", {"office_hour_id": room})["error"] == "not_live"
    db.session.rollback()  # see what the handlers committed
    assert [m.body for m in oh.messages_since(manager, room, 0)] == ["thanks!"]


# Bad input --------------------------------------------------------------------------------


BAD = [
    ("join", [], "invalid"),
    ("join", ["not an object"], "invalid"),
    ("join", [{"office_hour_id": "1"}], "invalid"),
    ("join", [{"office_hour_id": True}], "invalid"),
    ("join", [{"office_hour_id": 10**30}], "invalid"),
    ("join", [{"office_hour_id": 99999}], "not_found"),
    ("join", [{"office_hour_id": "ROOM", "since_id": "x"}], "invalid"),
    ("join", [{"office_hour_id": "ROOM"}, {"extra": 1}], "invalid"),
    ("chat", [{"office_hour_id": "ROOM"}], "invalid"),
    ("chat", [{"office_hour_id": "ROOM", "body": 5}], "invalid"),
    ("chat", [{"office_hour_id": "ROOM", "body": "   "}], "invalid"),
    ("chat", [{"office_hour_id": "ROOM", "body": "x" * 2001}], "invalid"),
    ("chat", [{"office_hour_id": 99999, "body": "hi"}], "forbidden"),
    ("raise_hand", [{"office_hour_id": "ROOM", "question": None}], "invalid"),
    ("delete_message", [{"office_hour_id": "ROOM", "message_id": 99999}], "not_found"),
    ("delete_message", [{"office_hour_id": "ROOM", "message_id": -1}], "invalid"),
    ("take_question", [{"office_hour_id": "ROOM", "question_id": 99999}], "forbidden"),
    ("remove_participant", [{"office_hour_id": "ROOM", "user_id": "me"}], "invalid"),
    ("leave", [{"office_hour_id": 99999}], "forbidden"),
    ("no_such_event", [{"office_hour_id": "ROOM"}], "invalid"),
]


@pytest.mark.parametrize(("event", "args", "error"), BAD)
def test_bad_input_is_refused_and_the_connection_keeps_working(
    live, room, member, event, args, error
):
    sock = live(member)
    sock.join(room)
    args = [
        {k: room if v == "ROOM" else v for k, v in a.items()} if isinstance(a, dict) else a
        for a in args
    ]
    assert sock.ask(event, *args) == {"ok": False, "error": error}
    assert sock.connected
    assert sock.ask("chat", {"office_hour_id": room, "body": "still here"})["ok"]


@pytest.mark.parametrize("event", ["chat", "raise_hand", "leave", "delete_message", "end"])
def test_events_before_join_are_forbidden(live, room, manager, event):
    data = {"office_hour_id": room, "body": "x", "question": "x", "message_id": 1}
    assert live(manager).ask(event, data) == {"ok": False, "error": "forbidden"}


def test_an_open_socket_holds_no_database_connection(live, room, member, manager, db):
    socks = [live(member), live(manager)]
    for sock in socks:
        sock.join(room)
    socks[0].ask("chat", {"office_hour_id": room, "body": "hello"})
    db.session.remove()  # the test's own
    assert db.engine.pool.checkedout() == 0
    assert all(sock.connected for sock in socks)
