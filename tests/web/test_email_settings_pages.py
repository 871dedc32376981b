"""Choosing which e-mail one gets (settings page, PATCH /me), and unsubscribing from a letter's
link without signing in: a GET only asks, the button or a one-click POST acts."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner

from forum.models import User
from forum.services import unsubscribe
from tests.web.conftest import settled, text_of


def _path(url: str) -> str:
    return urlsplit(url).path


def _person(user_id: int) -> User:
    return settled().get(User, user_id)


def _checked(html: str) -> set[str]:
    """The names (and values) of the inputs that are checked."""
    found = set()
    for tag in re.findall(r"<input [^>]*>", html):
        if " checked" in tag:
            name = re.search(r'name="([^"]+)"', tag).group(1)
            value = re.search(r'value="([^"]*)"', tag).group(1)
            found.add(f"{name}={value}")
    return found


def test_the_settings_page_offers_three_choices_with_the_digest_chosen(login, member):
    page = login(member).get("/settings")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<legend>E-mail about replies, mentions and other notifications</legend>" in html
    for value in ("immediate", "daily", "off"):
        assert f'value="{value}"' in html
    assert _checked(html) == {"notify_email=daily", "reminder_email=y"}


@pytest.mark.parametrize(
    ("form", "notify", "reminders"),
    [
        ({"notify_email": "immediate", "reminder_email": "y"}, "immediate", True),
        ({"notify_email": "off"}, "off", False),  # an unticked box is not sent
        ({"notify_email": "daily", "reminder_email": "y"}, "daily", True),
    ],
)
def test_the_settings_page_saves_the_choice(login, post, member, form, notify, reminders):
    client = login(member)
    r = post(client, "/settings/email", form)
    assert r.status_code == 302 and r.headers["Location"].endswith("/settings#email")
    person = _person(member.id)
    assert (person.notify_email, person.reminder_email) == (notify, reminders)


@pytest.mark.parametrize("form", [{}, {"notify_email": "hourly"}])
def test_a_choice_outside_the_three_is_refused_on_the_page(login, post, member, form):
    r = post(login(member), "/settings/email", form)
    assert r.status_code == 400
    assert "Not a valid choice" in text_of(r) or "Choose one" in text_of(r)
    assert _person(member.id).notify_email == "daily"


def test_the_api_reads_and_sets_the_same_choice(api, member):
    client = api(member)
    assert client.get("/me").get_json()["notify_email"] == "daily"
    r = client.patch("/me", json={"notify_email": "off", "reminder_email": False})
    assert r.status_code == 200
    assert (r.get_json()["notify_email"], r.get_json()["reminder_email"]) == ("off", False)


# Unsubscribe ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "setting", "after"),
    [("notifications", "notify_email", "off"), ("reminders", "reminder_email", False)],
)
def test_opening_an_unsubscribe_link_asks_and_the_button_unsubscribes(
    client, member, kind, setting, after
):
    path = _path(unsubscribe.unsubscribe_url(member, kind))
    page = client.get(path)
    assert page.status_code == 200
    assert member.email in text_of(page) and "Unsubscribe" in text_of(page)
    assert f'<form method="post" action="{path}"' in page.get_data(as_text=True)
    before = getattr(_person(member.id), setting)
    assert before != after  # a GET (a mail scanner's) changes nothing

    done = client.post(path)  # the confirm button: no sign-in, no CSRF token needed
    assert done.status_code == 200 and "You are unsubscribed" in text_of(done)
    assert getattr(_person(member.id), setting) == after
    # Twice is harmless, and the page then says so.
    assert client.post(path).status_code == 200
    assert "already gets no" in text_of(client.get(path))


def test_one_click_unsubscribe_from_a_mail_client(client, member):
    """RFC 8058: the client POSTs List-Unsubscribe=One-Click to the header's address."""
    path = _path(unsubscribe.unsubscribe_url(member, "notifications"))
    r = client.post(
        path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 200
    assert _person(member.id).notify_email == "off"


def _tampered(token: str) -> str:
    payload, stamp, signature = token.split(".")
    return f"{payload}.{stamp}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(_tampered, id="signature changed"),
        pytest.param(lambda t: t[: len(t) // 2], id="cut short"),
        pytest.param(lambda t: "not-a-token", id="made up"),
        pytest.param(
            lambda t: (
                __import__("itsdangerous")
                .URLSafeTimedSerializer("someone else's key", salt="forum.unsubscribe")
                .dumps([1, "notifications"])
            ),
            id="signed elsewhere",
        ),
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_forged_unsubscribe_link_is_refused_clearly(client, member, make, method):
    token = unsubscribe.make_token(member, "notifications")
    r = client.open(f"/unsubscribe/{make(token)}", method=method)
    assert r.status_code == 400
    assert "This unsubscribe link is not valid" in text_of(r)
    assert _person(member.id).notify_email == "daily"


@pytest.mark.parametrize(("age_days", "works"), [(89, True), (181, False)])
def test_an_unsubscribe_link_works_for_months_then_expires(
    client, member, monkeypatch, age_days, works
):
    made = int(time.time()) - age_days * 86400
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: made)
        path = _path(unsubscribe.unsubscribe_url(member, "reminders"))
    r = client.post(path)
    if works:
        assert r.status_code == 200 and not _person(member.id).reminder_email
    else:
        assert r.status_code == 410
        assert "expired" in text_of(r) and _person(member.id).reminder_email


def test_an_unsubscribe_link_of_one_person_changes_nobody_else(client, member, make_user):
    other = make_user()
    client.post(_path(unsubscribe.unsubscribe_url(member, "notifications")))
    assert _person(other.id).notify_email == "daily"
