"""A room's presence goes out at most once per LIVE_PRESENCE_SECONDS: the first change at
once, the changes meanwhile together in one list once the interval has passed, and the last
change never lost. Without it a room filling with n people sends n lists of n (bench/live.py
could not fill a room of 1,000)."""

from __future__ import annotations

import time

import pytest

from tests import factories

EVERY = 1.0


@pytest.fixture
def app_config():
    return {"LIVE_PRESENCE_SECONDS": EVERY}


def _wait_for_presence(sock, count: int, timeout: float = 5 * EVERY) -> list[dict]:
    """Presence events the socket received, once the newest lists ``count`` people."""
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got += sock.events("presence")
        if got and len(got[-1]["participants"]) == count:
            return got
        time.sleep(0.05)
    raise AssertionError(f"no presence of {count} people, got {got}")


def test_a_burst_of_joins_is_told_in_one_list_and_the_last_change_is_not_lost(live, room, manager):
    host = live(manager)
    host.join(room)
    assert len(_wait_for_presence(host, 1)) == 1  # the first change goes out at once
    started = time.monotonic()
    people = [factories.make_user(name=f"Learner {n}") for n in range(6)]
    socks = [live(person) for person in people]
    for sock in socks:
        sock.join(room)
    joined_in = time.monotonic() - started
    lists = _wait_for_presence(host, 7)
    # Six joins, and one list for each interval they took (the first may be at once).
    assert len(lists) <= 1 + int(joined_in / EVERY) + 1 < 6
    assert {p["name"] for p in lists[-1]["participants"]} == {
        "Max Manager",
        *(f"Learner {n}" for n in range(6)),
    }
    # A change after a quiet interval goes out; the room's list is right in the end.
    time.sleep(EVERY)
    host.ask("leave", {"office_hour_id": room})
    watcher = live(people[0])
    watcher.join(room)
    watcher.events()
    assert socks[1].ask("leave", {"office_hour_id": room}) == {"ok": True}
    assert len(_wait_for_presence(watcher, 5)[-1]["participants"]) == 5
