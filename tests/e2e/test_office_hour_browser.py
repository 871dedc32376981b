"""End to end in headless Chromium: a learner and a host in a live office-hour room. They
see each other, chat, the learner raises a hand, the host takes and resolves it, and ends
the session; all of it over the page's Socket.IO connection, none of it by reloading.

Assertions go by roles, labels and text, never by CSS classes.
"""

from __future__ import annotations

import time

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the chromium fixture then skips (fails on CI) with the reason
    Page = expect = None

from forum.models import User
from forum.services import office_hours as oh
from tests import factories
from tests.conftest import need
from tests.e2e.conftest import LiveServer
from tests.e2e.test_accessibility import AXE, serious_violations
from tests.e2e.test_browser import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
QUESTION = "How do we rotate the staging credentials?"


@pytest.fixture
def axe_script() -> str:
    need(AXE.is_file(), f"the accessibility checks need axe-core at {AXE} (npm ci)")
    return str(AXE)


def people_here(page: Page):
    return page.get_by_role("region", name="Here now").get_by_role("listitem")


def queue(page: Page):
    return page.get_by_role("region", name="Questions")


def live_room(host: User, title: str) -> str:
    return f"/office-hours/{factories.open_office_hour(host, title)}"


def in_room(new_page, live_server: LiveServer, user: User, room: str) -> Page:
    """A tab of ``user``, signed in, in the room once its page says it is connected."""
    page = new_page()
    sign_in(page, live_server, user.email, factories.PASSWORD)
    page.goto(room)
    expect(page.get_by_role("status").filter(has_text="Connected")).to_be_visible()
    return page


def test_a_learner_and_a_host_chat_and_the_host_takes_a_raised_hand(
    live_server: LiveServer, new_page, screenshot_path, axe_script: str
):
    host_user = factories.make_user(role="manager", name="Priya Raman")
    learner_user = factories.make_user(name="Sofia Lindqvist")
    room = live_room(host_user, "Staging access, live")
    problems: list[str] = []

    def watch(page: Page) -> Page:
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        return page

    host = watch(new_page())
    sign_in(host, live_server, host_user.email, factories.PASSWORD)
    host.goto(room)
    expect(host.get_by_role("status").filter(has_text="Connected")).to_be_visible()

    learner = watch(new_page(viewport=PHONE))
    sign_in(learner, live_server, learner_user.email, factories.PASSWORD)
    learner.goto(room)
    for page in (host, learner):
        expect(people_here(page)).to_have_count(2)
        expect(people_here(page).filter(has_text="Sofia Lindqvist")).to_be_visible()

    # Chat: typed, Enter sends; both see it once.
    box = learner.get_by_label("Message")
    box.fill("Good morning! Is the **VPN** needed?")
    box.press("Enter")
    for page in (host, learner):
        said = page.get_by_role("log").get_by_role("listitem").filter(has_text="Is the VPN needed?")
        expect(said).to_have_count(1)
        expect(said.locator("strong")).to_have_text("VPN")
    expect(box).to_have_value("")
    expect(box).to_be_focused()  # ready for the next message
    host.get_by_label("Message").fill("Yes, the VPN first.")
    host.get_by_role("button", name="Send").click()
    expect(learner.get_by_role("log")).to_contain_text("Yes, the VPN first.")

    # The learner raises a hand; learners get no host controls.
    learner.get_by_label("Raise your hand").fill(QUESTION)
    learner.get_by_role("button", name="Raise hand").click()
    expect(learner.get_by_text("You are number 1 in the queue.")).to_be_visible()
    expect(queue(learner).get_by_role("button", name="Take")).to_have_count(0)
    expect(queue(host)).to_contain_text(QUESTION)
    # Nothing serious for axe, on a desktop and on a phone, with the room in full swing.
    assert serious_violations(host, axe_script) + serious_violations(learner, axe_script) == []
    host.screenshot(path=str(screenshot_path("office-hour-room.png")), full_page=True)
    learner.screenshot(path=str(screenshot_path("office-hour-room-phone.png")), full_page=True)

    # The host takes it, then resolves it.
    queue(host).get_by_role("button", name="Take").click()
    expect(learner.get_by_text("The host is answering your question.")).to_be_visible()
    queue(host).get_by_role("button", name="Resolve").click()
    for page in (host, learner):
        expect(queue(page).get_by_text("No hands raised.")).to_be_visible()

    # The host ends the session; the learner is told.
    host.on("dialog", lambda d: d.accept())
    host.get_by_role("button", name="End the session").click()
    expect(learner.get_by_text("The session has ended.")).to_be_visible()
    expect(learner.get_by_label("Message")).to_be_disabled()
    assert problems == []

    # Everything said stays: a reload shows the whole exchange as it was.
    learner.reload()
    expect(learner.get_by_role("log")).to_contain_text("Yes, the VPN first.")
    expect(learner.get_by_role("log").get_by_role("listitem")).to_have_count(2)


def test_a_shared_name_carries_its_handle_in_chat_and_queue_as_they_arrive(
    live_server: LiveServer, new_page
):
    host_user = factories.make_user(role="manager", name="Priya Raman")
    learner_user = factories.make_user(name="Anna Müller")
    factories.make_user(name="Anna Müller")  # another active Anna, elsewhere in the company
    room = live_room(host_user, "Two Annas")
    host = in_room(new_page, live_server, host_user, room)
    learner = in_room(new_page, live_server, learner_user, room)

    learner.get_by_label("Message").fill("Which Anna am I?")
    learner.get_by_role("button", name="Send").click()
    learner.get_by_label("Raise your hand").fill(QUESTION)
    learner.get_by_role("button", name="Raise hand").click()
    said = host.get_by_role("log").get_by_role("listitem").filter(has_text="Which Anna am I?")
    expect(said).to_contain_text(f"Anna Müller @{learner_user.handle}")
    expect(queue(host)).to_contain_text(f"Anna Müller @{learner_user.handle}")
    expect(people_here(host).filter(has_text="Priya Raman")).not_to_contain_text("@")


def test_an_answer_arriving_late_leaves_the_focus_where_the_person_moved_it(
    live_server: LiveServer, new_page, monkeypatch
):
    """A chat's acknowledgement used to put the focus back in the message box whenever it
    came: on a slow connection, what the learner had begun typing into the raise-hand box
    meanwhile went into the chat box instead."""
    host_user = factories.make_user(role="manager", name="Priya Raman")
    learner_user = factories.make_user(name="Sofia Lindqvist")
    room = live_room(host_user, "Slow line")
    written = oh.post_message

    def slow_post(*args, **kwargs):  # the server in this process takes its time
        time.sleep(1.0)
        return written(*args, **kwargs)

    monkeypatch.setattr(oh, "post_message", slow_post)
    learner = in_room(new_page, live_server, learner_user, room)

    learner.get_by_label("Message").fill("Is anyone there?")
    learner.get_by_role("button", name="Send").click()
    hand = learner.get_by_label("Raise your hand")
    hand.focus()  # while the message is still on its way
    expect(learner.get_by_role("button", name="Send")).to_be_enabled()  # acknowledged
    learner.keyboard.type(QUESTION)

    expect(hand).to_have_value(QUESTION)
    expect(hand).to_be_focused()
    expect(learner.get_by_label("Message")).to_have_value("")
    learner.get_by_role("button", name="Raise hand").click()
    expect(learner.get_by_text("You are number 1 in the queue.")).to_be_visible()
