"""A socket lives only as long as what signed it in: signing out, a revoked or expired token
and deactivation end it at its next event, or at the next sweep when it stays quiet."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from forum.models import ApiToken, utcnow
from forum.realtime.live import DROP_AFTER_S
from forum.realtime.rooms import live_state
from forum.services import accounts
from tests.conftest import csrf_token


def sign_out_page(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})


def revoke(token: str, user) -> None:
    accounts.revoke_token(token)


def expire(token: str, user) -> None:
    from forum.extensions import db

    with db.session.begin():
        db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))


def deactivate(_secret, user) -> None:
    admin = accounts.create_user(
        None, email="boss@example.com", name="Boss", role="admin", password="x" * 12
    ).user
    accounts.update_user(admin, user.id, active=False)


def change_password_elsewhere(_secret, user) -> None:
    from tests.factories import PASSWORD

    accounts.change_password(user, PASSWORD, "a new long password")


def wait_for_drop(sock) -> None:
    deadline = time.monotonic() + DROP_AFTER_S + 3
    while sock.connected and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.parametrize("end", [deactivate, change_password_elsewhere])
@pytest.mark.parametrize("how", ["cookie", "token"])
def test_a_socket_ends_with_its_person(live, room, member, how, end):
    token = accounts.issue_token(member).token if how == "token" else False
    sock = live(member, token=token)
    sock.join(room)
    end(token, member)
    assert sock.ask("chat", {"office_hour_id": room, "body": "still here?"}) == {
        "ok": False,
        "error": "unauthorized",
    }
    wait_for_drop(sock)
    assert not sock.connected


@pytest.mark.parametrize("end", [revoke, expire])
def test_a_socket_ends_with_its_token(live, room, member, end):
    token = accounts.issue_token(member).token
    sock = live(member, token=token)
    sock.join(room)
    end(token, member)
    assert sock.ask("leave", {"office_hour_id": room})["error"] == "unauthorized"
    wait_for_drop(sock)
    assert not sock.connected


def test_signing_out_a_browser_ends_its_sockets_and_no_one_elses(live, room, member, login):
    browser, other_browser = login(member), login(member)
    signed_out, kept = live(page_client=browser), live(page_client=other_browser)
    signed_out.join(room)
    kept.join(room)
    sign_out_page(browser)
    assert signed_out.ask("leave", {"office_hour_id": room})["error"] == "unauthorized"
    assert kept.ask("chat", {"office_hour_id": room, "body": "still here"})["ok"]


def test_a_quiet_socket_is_ended_by_the_sweep(app, live, room, member, manager, login):
    browser = login(member)
    quiet, host = live(page_client=browser), live(manager)
    quiet.join(room)
    host.join(room)
    host.events()
    sign_out_page(browser)
    state = live_state()
    with app.app_context():
        state.sweep(dict(state.sockets))
    assert not quiet.connected
    assert [p["id"] for p in host.events("presence")[-1]["participants"]] == [manager.id]
    assert host.connected
