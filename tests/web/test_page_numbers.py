"""``?page=`` on every paginated page: ASCII digits from 1, anything else a clear 400, never a 500.

The paginated pages are found, not listed from memory: every GET page is asked for
``?page=abc``, and those that refuse it are the ones that read a page number. The hostile
values then go to each of them.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from forum.models import User
from forum.services import accounts, notifications, posts, threads
from tests import factories
from tests.web.conftest import post_form, settled, text_of

# Each is refused. int() takes several of them (Arabic-Indic and full-width digits, " 1",
# "1_0"); str.isdigit() takes "²", which int() refuses.
HOSTILE = [
    "²",
    "\u0661",  # ARABIC-INDIC DIGIT ONE
    "\uff11",  # FULLWIDTH DIGIT ONE
    "0",
    "00",
    "-1",
    "+1",
    "1.5",
    "1e3",
    "",
    " 1",
    "1 ",
    "1_0",
    "9" * 40,
    "0x10",
    "\x00",
    "1;",
    "abc",
]

PAGINATED = {
    "admin.jobs_page": "/admin/jobs",
    "admin.people": "/people",
    "cohorts.index": "/cohorts",
    "moderation.flags": "/moderation/flags",
    "moderation.log": "/moderation/log",
    "modules.history": "/modules/{module_id}/history",
    "modules.view": "/modules/{module_id}",
    "office_hours.index": "/office-hours",
    "people.profile": "/users/{user_id}",
    "search.results": "/search",
    "threads.history": "/posts/{post_id}/history",
    "threads.notifications_page": "/notifications",
    "threads.whats_new": "/whats-new",
}


@pytest.fixture
def ids(app, admin) -> dict[str, object]:
    learner = factories.make_user(name="Lena Learner")
    module = factories.make_module(title="Paging", actor=admin)
    cohort = factories.make_cohort({learner: "learner"}, actor=admin)
    thread = threads.create_thread(learner, module.id, title="A question", body="Why?")
    post = threads.get_thread(learner, thread.id).opening
    posts.edit(learner, post.id, body="Why, really?")
    posts.reply(admin, thread.id, body="Because.")  # a notification for the learner
    note = notifications.list_notifications(learner).items[0]
    return {
        "module_id": module.id,
        "cohort_id": cohort.id,
        "thread_id": thread.id,
        "post_id": post.id,  # edited once: it has a history
        "user_id": learner.id,
        "notification_id": note.id,
        "flag_id": 1,
        "revision": 1,
        "token": "x",
        "filename": "none.css",
    }


def _get_pages(app: Flask) -> dict[str, str]:
    """Every page a browser can GET, by endpoint, with its path pattern."""
    pages = {}
    for rule in app.url_map.iter_rules():
        web = not rule.rule.startswith("/api/") and rule.endpoint != "static"
        if web and "GET" in rule.methods:
            pages[rule.endpoint] = rule.rule
    return pages


def _fill(pattern: str, ids: dict[str, object]) -> str:
    for name, value in ids.items():
        pattern = pattern.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    return pattern


def test_the_list_of_paginated_pages_is_every_page_that_reads_a_page_number(app, ids, admin, login):
    client = login(admin)
    reads_page = set()
    for endpoint, pattern in _get_pages(app).items():
        r = client.get(_fill(pattern, ids), query_string={"page": "abc"})
        assert r.status_code != 500, endpoint
        if r.status_code == 400 and "page" in text_of(r):
            reads_page.add(endpoint)
    assert reads_page == set(PAGINATED)


@pytest.mark.parametrize("value", HOSTILE, ids=ascii)
@pytest.mark.parametrize("endpoint", sorted(PAGINATED))
def test_a_page_number_that_is_not_ascii_digits_from_1_is_a_clear_400(
    endpoint, value, ids, admin, login
):
    r = login(admin).get(PAGINATED[endpoint].format(**ids), query_string={"page": value})
    assert r.status_code == 400, r.get_data(as_text=True)[:300]
    assert "page" in text_of(r) and "whole number" in text_of(r)


@pytest.mark.parametrize("endpoint", sorted(PAGINATED))
def test_a_plain_page_number_is_served(endpoint, ids, admin, login):
    client = login(admin)
    for value in ("1", "2", "01", "999999999"):
        r = client.get(PAGINATED[endpoint].format(**ids), query_string={"page": value})
        assert r.status_code == 200, value


@pytest.mark.parametrize("value", ["²", "\u0661", "0"], ids=ascii)
def test_a_people_form_posted_with_a_bad_page_number_is_refused_before_it_changes_anything(
    value, admin, login
):
    someone = factories.make_user(name="Sam Someone")
    client = login(admin)
    forms = {
        "/people": {"email": "new.hire@example.com", "name": "New Hire", "role": "member"},
        f"/people/{someone.id}/active": {"active": "no"},
        f"/people/{someone.id}/role": {"role": "manager"},
        f"/people/{someone.id}/invite": {},
    }
    for path, data in forms.items():
        r = post_form(client, path, data, query_string={"page": value})
        assert r.status_code == 400, path
    session = settled()
    assert session.scalar(select(User).filter_by(email="new.hire@example.com")) is None
    assert accounts.get_user(someone.id).active and accounts.get_user(someone.id).role == "member"
