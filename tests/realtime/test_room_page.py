"""The room page /office-hours/<id>: what it shows to whom, and its forms, which work
without JavaScript and reach the sockets in the room all the same."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from forum.models import utcnow
from forum.services import office_hours as oh
from tests import factories
from tests.web.conftest import post_form, text_of

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_the_room_shows_chat_people_and_queue_with_host_controls_for_hosts(
    live, login, room, member, manager
):
    live(member).join(room)
    oh.post_message(member, room, "Is the **recording** shared?")
    oh.raise_hand(member, room, "How do retries work?")
    learner_page = login(member).get(f"/office-hours/{room}")
    html = learner_page.get_data(as_text=True)
    assert learner_page.status_code == 200
    assert 'name="body"' in html and 'name="question"' in html
    assert "<strong>recording</strong>" in html
    text = text_of(learner_page)
    assert "Here now 1 Mia Member" in text
    assert "How do retries work?" in text and "You are number 1 in the queue." in text
    assert "End the session" not in text and "/take" not in html
    host_page = login(manager).get(f"/office-hours/{room}")
    assert "End the session" in text_of(host_page)
    assert "/take" in host_page.get_data(as_text=True)


def test_the_page_loads_its_scripts_from_static_files_only(login, room, member):
    html = login(member).get(f"/office-hours/{room}").get_data(as_text=True)
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all(body.strip() == "" and "src=" in attrs for attrs, body in scripts)
    assert " on" not in " ".join(re.findall(r"<[a-z]+ [^>]*>", html)).replace(" one", "")
    for attrs, _ in scripts:
        path = re.search(r'src="/static/([^"]+)"', attrs).group(1)
        assert (STATIC / path).is_file()
    assert (STATIC / "vendor" / "socket.io" / "LICENSE").is_file()


def test_without_javascript_the_page_says_so_and_its_forms_still_work(
    live, login, room, member, manager, db
):
    host = live(manager)
    host.join(room)
    host.events()
    browser = login(member)
    page = browser.get(f"/office-hours/{room}")
    assert "Live chat needs JavaScript" in page.get_data(as_text=True)
    sent = post_form(browser, f"/office-hours/{room}/messages", {"body": "hello\r\nthere"})
    assert sent.status_code == 302 and "#message-" in sent.location
    (chat,) = host.events("chat")
    assert chat["body"] == "hello\nthere" and chat["author"]["id"] == member.id
    raised = post_form(browser, f"/office-hours/{room}/hand", {"question": "Why?"})
    assert raised.status_code == 302
    (queue,) = host.events("queue")
    assert [q["question"] for q in queue["queue"]] == ["Why?"]
    qid = queue["queue"][0]["id"]
    assert post_form(browser, f"/office-hours/{room}/questions/{qid}/take").status_code == 403
    host_browser = login(manager)
    for step in ("take", "resolve"):
        done = post_form(host_browser, f"/office-hours/{room}/questions/{qid}/{step}")
        assert done.status_code == 302
    assert [e["queue"] for e in host.events("queue")] == [
        [{**queue["queue"][0], "status": "answering"}],
        [],
    ]


@pytest.mark.parametrize(("body", "status"), [("", 400), ("x" * 2001, 400)])
def test_a_refused_message_keeps_the_text_and_says_why(login, room, member, body, status):
    browser = login(member)
    page = post_form(browser, f"/office-hours/{room}/messages", {"body": body})
    assert page.status_code == status
    assert 'role="alert" id="room-error"><p>' in page.get_data(as_text=True)


def test_the_host_starts_and_ends_the_session_from_the_room(live, login, manager, member):
    now = utcnow()
    made = oh.create(manager, title="Later", starts_at=now, ends_at=now + timedelta(hours=1))
    before = text_of(login(member).get(f"/office-hours/{made.id}"))
    assert "has not started yet" in before and "Start the session" not in before
    host = login(manager)
    assert post_form(host, f"/office-hours/{made.id}/start").status_code == 302
    learner = live(member)
    learner.join(made.id)
    assert post_form(host, f"/office-hours/{made.id}/end").status_code == 302
    assert learner.events("ended") == [{"office_hour_id": made.id}]
    assert "Ended" in text_of(login(member).get(f"/office-hours/{made.id}"))


def test_a_cohort_session_is_not_found_for_others(login, make_user):
    facilitator, outsider = make_user(), make_user()
    cohort = factories.make_cohort({facilitator: "facilitator"})
    room = factories.open_office_hour(facilitator, cohort_id=cohort.id)
    assert login(outsider).get(f"/office-hours/{room}").status_code == 404
    assert (
        post_form(login(outsider), f"/office-hours/{room}/messages", {"body": "x"}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("path", "field", "setting", "what"),
    [
        ("messages", "body", "LIMIT_CHAT", "chat messages"),
        ("hand", "question", "LIMIT_HANDS", "raised hands"),
    ],
)
def test_over_the_write_limit_the_room_keeps_the_text_and_says_when_to_try_again(
    app, login, room, member, path, field, setting, what
):
    app.config[setting] = "1 per minute"
    browser = login(member)
    assert post_form(browser, f"/office-hours/{room}/{path}", {field: "first"}).status_code == 302
    typed = "Does the <retry> policy cover timeouts?"
    page = post_form(browser, f"/office-hours/{room}/{path}", {field: typed})
    assert page.status_code == 429
    assert 50 <= int(page.headers["Retry-After"]) <= 60  # the first leaves the minute then
    html = page.get_data(as_text=True)
    assert "Does the &lt;retry&gt; policy cover timeouts?</textarea>" in html
    error = re.search(r'id="room-error"><p>(.*?)</p>', html).group(1)
    assert error.startswith(f"You have sent a lot of {what} in a short time. Try again in ")
