"""End to end in headless Chromium: signing in, inviting a new hire, keyboard navigation.

Assertions go by roles, labels and headings, never by CSS, so that restyling the pages
does not break them.
"""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the chromium fixture then skips (fails on CI) with the reason
    Page = expect = None

from forum import demo
from forum.services import accounts
from tests import factories
from tests.e2e.conftest import VIEWPORT, LiveServer

pytestmark = pytest.mark.browser
# After the skip link, the header may hold a brand link before the navigation, not more.
MAX_TABS_TO_NAV = 2


def sign_in(page: Page, live_server: LiveServer, email: str, password: str) -> None:
    page.goto("/login")
    form = page.locator("form", has=page.locator("input[name=password]"))
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def shown_in_order_in_a_list(page: Page, titles: list[str]) -> bool:
    """Whether some list on the page holds all these titles, in this order."""
    for listing in page.get_by_role("main").get_by_role("list").all():
        text = listing.inner_text()
        positions = [text.find(t) for t in titles]
        if -1 not in positions and positions == sorted(positions):
            return True
    return False


def test_a_learner_signs_in_and_sees_their_name_and_the_modules_in_order(
    live_server: LiveServer, page: Page, screenshot_path
):
    demo.seed()
    learner = next(p for p in demo.PEOPLE if p.label == "learner")
    published = [lesson.title for lesson in demo.LESSONS if lesson.published]

    sign_in(page, live_server, learner.email, demo.PASSWORD)

    expect(page.get_by_text(learner.name).first).to_be_visible()
    for title in published:
        expect(page.get_by_role("link", name=title).first).to_be_visible()
    assert shown_in_order_in_a_list(page, published)
    draft = next(lesson.title for lesson in demo.LESSONS if not lesson.published)
    expect(page.get_by_role("link", name=draft)).to_have_count(0)

    page.set_viewport_size(VIEWPORT)
    page.screenshot(path=str(screenshot_path("login-home.png")), full_page=True)


def test_a_manager_invites_a_new_hire_who_sets_a_password_and_signs_in(
    live_server: LiveServer, new_page
):
    manager = factories.make_user(role="manager", name="Priya Raman")
    module = factories.make_module(title="Welcome and how we work", actor=manager)
    hire_email, hire_name, hire_password = "new.hire@example.com", "Nadia Novak", "first-day-2026"

    boss = new_page()
    sign_in(boss, live_server, manager.email, factories.PASSWORD)
    people = boss.goto("/people")
    assert people is not None and people.ok, f"/people answered {people and people.status}"
    invite = boss.locator("form", has=boss.locator("input[name=name]"))
    invite.get_by_label("E-mail").fill(hire_email)
    invite.get_by_label("Name").fill(hire_name)
    invite.get_by_role("button").click()
    expect(boss.get_by_role("main")).to_contain_text(hire_name)

    # The link the manager is shown is the one the new hire is mailed.
    invite_url = live_server.link_in_mail_to(hire_email, "/invite/")
    assert invite_url in boss.content()

    hire = new_page()
    hire.goto(invite_url)
    hire.get_by_label("New password").fill(hire_password)
    hire.get_by_label("Repeat the password").fill(hire_password)
    hire.get_by_role("button", name=re.compile("password", re.I)).click()
    hire.wait_for_url(f"{live_server.url}/")
    expect(hire.get_by_text(hire_name).first).to_be_visible()
    expect(hire.get_by_role("link", name=module.title).first).to_be_visible()

    # The password works for signing in later, and the link does not work twice.
    hire.get_by_role("button", name="Sign out").click()
    sign_in(hire, live_server, hire_email, hire_password)
    expect(hire.get_by_text(hire_name).first).to_be_visible()
    hire.goto(invite_url)
    expect(hire.get_by_role("main")).to_contain_text("already been used")
    live_server.see_latest()
    assert accounts.authenticate(hire_email, hire_password).name == hire_name


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {text: (el.innerText || el.value || '').trim(),
                    href: el.getAttribute('href'), tag: el.tagName.toLowerCase()};
        }"""
    )


def test_tab_reaches_the_skip_link_first_then_the_main_navigation(
    live_server: LiveServer, page: Page
):
    member = factories.make_user(name="Mia Member")
    factories.make_module(title="Security basics")
    sign_in(page, live_server, member.email, factories.PASSWORD)
    page.goto("/")

    page.keyboard.press("Tab")
    first = focused(page)
    assert first["tag"] == "a" and first["href"] == "#main", first
    assert "skip" in first["text"].lower(), first
    box = page.evaluate("() => document.activeElement.getBoundingClientRect().toJSON()")
    assert box["width"] > 0 and box["height"] > 0, "the focused skip link must be visible"
    assert box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off-screen: {box}"

    # Then, through the header only (the brand link may come first), the main navigation.
    nav = page.get_by_role("navigation", name="Main")
    main = page.get_by_role("main")
    passed = []
    for _ in range(MAX_TABS_TO_NAV):
        page.keyboard.press("Tab")
        if nav.evaluate("nav => nav.contains(document.activeElement)"):
            break
        assert not main.evaluate("m => m.contains(document.activeElement)"), passed
        passed.append(focused(page))
    else:
        pytest.fail(f"{MAX_TABS_TO_NAV} presses of Tab after the skip link: {passed}")

    # Following the skip link sends the next Tab into the page's content, past the header.
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert main.evaluate("main => main.contains(document.activeElement)"), focused(page)
