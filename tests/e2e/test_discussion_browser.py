"""End to end in headless Chromium: one person asks on a module page, another answers on the
thread page, the first accepts, and the accepted answer shows first, marked.

Assertions go by roles, labels and text, never by CSS classes.
"""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the chromium fixture then skips (fails on CI) with the reason
    Page = expect = None

from tests import factories
from tests.e2e.conftest import LiveServer
from tests.e2e.test_browser import sign_in

pytestmark = pytest.mark.browser

QUESTION = "Which port does the staging database listen on?"
DETAILS = "The runbook says **5432**, but my connection times out."
ANSWER = "Staging moved to port 6432 behind the pooler last week."


def test_one_asks_another_answers_the_first_accepts_and_it_shows_first(
    live_server: LiveServer, new_page
):
    manager = factories.make_user(role="manager", name="Priya Raman")
    asker = factories.make_user(name="Sofia Lindqvist")
    helper = factories.make_user(name="Ben Carter")
    module = factories.make_module(title="Our engineering workflow", actor=manager)

    # Sofia asks on the module page.
    sofia = new_page()
    sign_in(sofia, live_server, asker.email, factories.PASSWORD)
    sofia.goto(f"/modules/{module.id}")
    form = sofia.locator("form", has=sofia.locator("input[name=title]"))
    form.get_by_label("Title").fill(QUESTION)
    form.get_by_label("Details").fill(DETAILS)
    form.get_by_label("Kind").select_option("question")
    form.get_by_role("button", name="Post").click()
    sofia.wait_for_url(re.compile(r"/threads/\d+#post-\d+$"))
    thread_url = sofia.url.split("#")[0]
    expect(sofia.get_by_role("heading", level=1)).to_have_text(QUESTION)
    expect(sofia.get_by_role("main").locator("strong", has_text="5432")).to_be_visible()
    sofia.goto(f"/modules/{module.id}")
    expect(sofia.get_by_role("link", name=QUESTION)).to_be_visible()

    # Ben answers on the thread page.
    ben = new_page()
    sign_in(ben, live_server, helper.email, factories.PASSWORD)
    ben.goto(thread_url)
    ben.get_by_label("Your reply").fill(ANSWER)
    ben.get_by_role("button", name="Post answer").click()
    ben.wait_for_url(re.compile(r"/threads/\d+#post-\d+$"))
    expect(ben.get_by_role("article").filter(has_text=ANSWER)).to_be_visible()

    # Sofia is told, opens the thread at the new answer, and accepts it.
    sofia.goto(f"/modules/{module.id}")
    expect(sofia.get_by_role("link", name=re.compile(r"Notifications\s*1 unread"))).to_be_visible()
    sofia.goto(thread_url)
    answer = sofia.get_by_role("article").filter(has_text=ANSWER)
    expect(answer).to_be_visible()
    assert re.search(r"#post-\d+$", sofia.url), "the page should open at the first unread post"
    # The post's buttons submit the page's one actions form (which carries the CSRF token).
    answer.get_by_role("button", name=re.compile("vote this up")).click()
    sofia.wait_for_load_state()
    answer = sofia.get_by_role("article").filter(has_text=ANSWER)
    voted = answer.get_by_role("button", name=re.compile("take back your vote"))
    expect(voted).to_have_attribute("aria-pressed", "true")
    expect(voted.locator(".score")).to_have_text("1")
    answer.get_by_role("button", name="Accept this answer").click()
    sofia.wait_for_load_state()

    # The accepted answer comes right after the question, marked; the list says Answered.
    articles = sofia.get_by_role("main").get_by_role("article")
    expect(articles.nth(0)).to_contain_text(DETAILS.replace("**", ""))
    expect(articles.nth(1)).to_contain_text(ANSWER)
    expect(articles.nth(1)).to_contain_text("Accepted answer")
    expect(sofia.get_by_text("is shown first")).to_be_visible()
    sofia.goto(f"/modules/{module.id}")
    row = sofia.get_by_role("listitem").filter(has=sofia.get_by_role("link", name=QUESTION))
    expect(row).to_contain_text("Answered")

    # Ben sees his answer accepted, from his notifications: opening an unread one is a
    # button (a POST marks it read), and afterwards it is a plain link.
    ben.goto("/notifications")
    ben.get_by_role("button", name=re.compile("^Unread: .*accepted your answer")).click()
    ben.wait_for_url(re.compile(r"/threads/\d+#post-\d+$"))
    expect(ben.get_by_role("article").nth(1)).to_contain_text("Accepted answer")
    ben.goto("/notifications")
    expect(ben.get_by_role("link", name=re.compile("accepted your answer"))).to_be_visible()
