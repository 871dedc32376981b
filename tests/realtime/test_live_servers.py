"""End to end: python-socketio clients against real servers started with the production
command (gunicorn, threads, websockets by simple-websocket); and two such servers sharing
PostgreSQL and Redis, where a room spans both."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
import socketio

from tests.conftest import POSTGRES_URL, postgres_database
from tests.realtime.servers import PASSWORD, Listener, gunicorn, seed, server_env


@pytest.fixture(scope="module")
def sqlite_server(tmp_path_factory):
    """One server for this module's tests (starting one takes seconds)."""
    tmp = tmp_path_factory.mktemp("live-server")
    url = f"sqlite:///{tmp / 'forum.db'}"
    room, tokens = seed(url, str(tmp), people=3)
    # A host here sends faster than a person would (70 messages in a row).
    with gunicorn(server_env(url, str(tmp), LIVE_EVENTS_BURST="100")) as base:
        yield base, room, tokens


def browser_cookie(base: str, email: str) -> str:
    """Sign in through the /login form as a browser does; the session cookie it gets."""
    web = requests.Session()
    page = web.get(f"{base}/login").text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    signed = web.post(
        f"{base}/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf},
        allow_redirects=False,
    )
    assert signed.status_code == 302
    return "; ".join(f"{k}={v}" for k, v in web.cookies.items())


def test_the_production_command_carries_a_websocket_chat(sqlite_server):
    base, room, (host_token, _, _) = sqlite_server
    host = Listener(base, host_token)
    learner = Listener(base, headers={"Cookie": browser_cookie(base, "person1@example.com")})
    try:
        assert host.sio.transport() == learner.sio.transport() == "websocket"
        assert host.call("join", {"office_hour_id": room})["ok"]
        joined = learner.call("join", {"office_hour_id": room})
        assert [p["name"] for p in joined["participants"]] == ["Person 0", "Person 1"]
        sent = learner.call("chat", {"office_hour_id": room, "body": "hello from a browser"})
        assert host.wait_for("chat") == [sent["message"]]
    finally:
        host.close()
        learner.close()


@pytest.mark.parametrize("transport", ["websocket", "polling"])
@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        (None, True),  # not a browser
        ("SAME", True),
        ("http://127.0.0.1:5000", True),  # FORUM_BASE_URL's default
        ("https://evil.example", False),
        ("null", False),
    ],
)
def test_sockets_are_accepted_from_the_sites_own_origin_only(
    sqlite_server, origin, accepted, transport
):
    base, _, (_, member_token, _) = sqlite_server
    origin = base if origin == "SAME" else origin
    if transport == "websocket":  # websocket-client sends an Origin of its own unless told
        ws = {"suppress_origin": True} if origin is None else {"origin": origin}
        client, headers = socketio.Client(reconnection=False, websocket_extra_options=ws), {}
    else:
        client = socketio.Client(reconnection=False)
        headers = {} if origin is None else {"Origin": origin}
    try:
        client.connect(
            base, namespaces=["/live"], auth={"token": member_token}, headers=headers,
            transports=[transport], wait_timeout=10,
        )  # fmt: skip
    except socketio.exceptions.ConnectionError:
        assert not accepted
    else:
        assert accepted
    finally:
        client.disconnect()


@pytest.mark.parametrize("auth", [None, {"token": "forged"}])
def test_a_real_server_refuses_sockets_without_a_sign_in(sqlite_server, auth):
    base = sqlite_server[0]
    client = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(base, namespaces=["/live"], auth=auth, wait_timeout=10)


def test_a_client_back_after_a_drop_gets_exactly_what_it_missed(sqlite_server):
    base, room, (host_token, member_token, _) = sqlite_server
    host = Listener(base, host_token)
    host.call("join", {"office_hour_id": room})
    learner = Listener(base, member_token)
    learner.call("join", {"office_hour_id": room})
    last = host.call("chat", {"office_hour_id": room, "body": "seen"})["message"]["id"]
    learner.wait_for("chat")
    learner.close()
    missed = [host.call("chat", {"office_hour_id": room, "body": f"m{n}"}) for n in range(70)]
    back = Listener(base, member_token)
    try:
        again = back.call("join", {"office_hour_id": room, "since_id": last})
        assert [m["id"] for m in again["messages"]] == [a["message"]["id"] for a in missed]
    finally:
        back.close()
        host.close()


# Two processes, one room --------------------------------------------------------------------


@pytest.fixture
def two_servers(tmp_path, redis_url):
    if not POSTGRES_URL:
        pytest.skip("two servers share PostgreSQL: set FORUM_TEST_POSTGRES_URL")
    for url in postgres_database("live"):
        room, tokens = seed(url, str(tmp_path), people=4)
        # A prefix of this test's own: other test processes may share the Redis.
        env = server_env(url, str(tmp_path), REDIS_URL=redis_url,
                         LIVE_REDIS_PREFIX=f"test-live-{uuid.uuid4().hex}")  # fmt: skip
        with gunicorn(env) as one, gunicorn(env) as two:
            yield (one, two), room, tokens


@pytest.mark.redis
@pytest.mark.postgres
def test_a_room_spans_two_processes_through_redis(two_servers):
    (one, two), room, (host_token, a_token, b_token, c_token) = two_servers
    host, a, b = Listener(one, host_token), Listener(one, a_token), Listener(two, b_token)
    tab2 = Listener(two, a_token)  # the same person, a second tab on the other process
    people = [host, a, b, tab2]
    try:
        for sock in people:
            assert sock.call("join", {"office_hour_id": room})["ok"]
        everyone = ["Person 0", "Person 1", "Person 2"]
        assert [p["name"] for p in host.wait_for("presence", 2)[-1]["participants"]] == everyone
        sent = a.call("chat", {"office_hour_id": room, "body": "across processes"})
        assert b.wait_for("chat") == [sent["message"]]
        assert host.wait_for("chat") == [sent["message"]]
        asked = b.call("raise_hand", {"office_hour_id": room, "question": "Over here?"})
        took = host.call(
            "take_question", {"office_hour_id": room, "question_id": asked["question"]["id"]}
        )
        assert took == {"ok": True}
        assert b.wait_for("queue", 2)[-1]["queue"][0]["status"] == "answering"
        # Removing a person reaches their sockets on both processes.
        assert host.call("remove_participant", {"office_hour_id": room, "user_id": 2})["ok"]
        assert a.wait_for("removed") and tab2.wait_for("removed")
        assert tab2.call("chat", {"office_hour_id": room, "body": "x"})["error"] == "forbidden"
        assert [p["name"] for p in b.wait_for("presence", 2)[-1]["participants"]] == [
            "Person 0",
            "Person 2",
        ]
        late = Listener(two, c_token)
        people.append(late)
        joined = late.call("join", {"office_hour_id": room})
        assert [p["name"] for p in joined["participants"]] == ["Person 0", "Person 2", "Person 3"]
        assert host.call("end", {"office_hour_id": room}) == {"ok": True}
        assert b.wait_for("ended") and late.wait_for("ended")
    finally:
        for sock in people:
            sock.close()
