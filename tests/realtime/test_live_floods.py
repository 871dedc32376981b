"""A socket that sends too much is slowed, not dropped."""

from __future__ import annotations

import time

import pytest


@pytest.fixture
def app_config():
    return {"LIVE_EVENTS_PER_SECOND": 1, "LIVE_EVENTS_BURST": 5}


def test_a_flood_of_events_is_rate_limited_without_dropping_the_socket(live, room, member):
    sock = live(member)
    sock.join(room)
    answers = [sock.ask("leave", {"office_hour_id": 99999}) for _ in range(10)]
    assert {"ok": False, "error": "rate_limited"} in answers
    assert sock.connected
    time.sleep(1.1)  # one event's worth of allowance comes back each second
    assert sock.ask("leave", {"office_hour_id": room}) == {"ok": True}
