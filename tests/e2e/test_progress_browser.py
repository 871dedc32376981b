"""End to end in headless Chromium: a late learner passes the knowledge check, and the
manager's dashboard turns that cell green; its chart reads without script; the CSV agrees.

Assertions go by roles, labels and text, so that restyling the pages does not break them.
"""

from __future__ import annotations

import csv
import io

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the chromium fixture then skips (fails on CI) with the reason
    Page = expect = None

from forum import demo
from tests.e2e.conftest import LiveServer
from tests.e2e.test_browser import sign_in

pytestmark = pytest.mark.browser

LATE = "aiko"  # failed the security check twice: overdue on it
MANAGER = "priya"
COHORT = "engineering"
MODULE = "security"


def person(key: str) -> demo.Person:
    return next(p for p in demo.PEOPLE if p.key == key)


def lesson(key: str) -> demo.Lesson:
    return next(x for x in demo.LESSONS if x.key == key)


def right_answers(key: str) -> list[str]:
    check = next(c for c in demo.CONTENT.checks if c.module == key)
    return [q.choices[q.answer] for q in check.questions]


def cell(page: Page, learner: str, column: int):
    """The grid's cell of this learner in this (1-based) module column."""
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=learner))
    return row.get_by_role("cell").nth(column - 1)


def test_passing_the_check_turns_the_cell_green_on_the_dashboard(
    live_server: LiveServer, new_page, screenshot_path
):
    demo.seed()
    cohort = next(c for c in demo.COHORTS if c.key == COHORT)
    learner, security = person(LATE), lesson(MODULE)
    column = list(cohort.due_in_days).index(MODULE) + 1
    errors: list[str] = []

    boss = new_page()
    boss.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(boss, live_server, person(MANAGER).email, demo.PASSWORD)
    boss.get_by_role("link", name="Cohorts", exact=True).click()
    boss.get_by_role("link", name=cohort.name).click()
    boss.get_by_role("link", name="Progress dashboard").click()
    expect(boss.get_by_role("heading", name=f"Progress of {cohort.name}")).to_be_visible()
    expect(cell(boss, learner.name, column)).to_have_text("Overdue")

    # The late learner sees it on their home page, retakes the check and passes.
    page = new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, learner.email, demo.PASSWORD)
    overdue = page.get_by_role("main").locator("li", has_text="Overdue")
    expect(overdue.filter(has_text=security.title).first).to_be_visible()
    page.get_by_role("link", name=security.title).first.click()
    page.get_by_role("link", name="Try the knowledge check again").click()
    expect(page.get_by_text("Wrong last time").first).to_be_visible()
    expect(page.get_by_text("Correct answer")).to_have_count(0)
    for answer in right_answers(MODULE):
        page.get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Try again").click()
    expect(page.get_by_role("heading", name="Passed")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("this module is completed")
    expect(page.get_by_text("Correct answer")).to_have_count(len(right_answers(MODULE)))

    boss.reload()
    done = cell(boss, learner.name, column)
    expect(done).to_contain_text("Done")
    green = done.evaluate("td => getComputedStyle(td).backgroundColor")
    assert green not in ("rgba(0, 0, 0, 0)", "transparent")

    # The chart is an image with a name and a description, and its numbers are in a table.
    chart = boss.get_by_role("img", name="Share of the schedule done, day by day")
    expect(chart).to_be_visible()
    boss.screenshot(path=str(screenshot_path("dashboard.png")), full_page=True)
    boss.get_by_text("The numbers, day by day").click()
    expect(boss.locator("details.chart-data table")).to_be_visible()

    # The CSV says what the grid says, row by row.
    link = boss.get_by_role("link", name="Download CSV")
    response = boss.request.get(link.get_attribute("href"))
    rows = list(csv.reader(io.StringIO(response.text())))
    by_name = {row[0]: row for row in rows[1:]}
    for learner_key in cohort.learners:
        name = person(learner_key).name
        shown = [cell(boss, name, n).inner_text().split()[0] for n in (1, 2, 3)]
        assert [w.split()[0] for w in by_name[name][1:7:2]] == shown
    assert by_name[learner.name][2 * column - 1] == "Done"

    assert errors == []
