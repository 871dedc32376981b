"""``?page=`` and ``?per_page=`` on every API list: ASCII digits only, never a 500.

The lists are found from the API's own declarations (every GET whose query arguments are
``PageArgs``), so a new list is tested without being added here.
"""

from __future__ import annotations

import pytest
from flask import Flask

from forum.api.schemas import PageArgs
from forum.services import posts, quizzes, threads
from forum.services.quizzes import QuestionIn
from tests import factories
from tests.api.helpers import expect_envelope, expect_invalid
from tests.web.test_page_numbers import HOSTILE

# Many digits are a page past the end (an empty page), or per_page above 100, served as 100:
# the contract says so. Everything else in the list is invalid input.
SERVED = {"9" * 40}


def _api_lists(app: Flask) -> dict[str, str]:
    lists = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        params = getattr(view, "_apidoc", {}).get("arguments", {}).get("parameters", [])
        query = [p["schema"] for p in params if p.get("in") == "query"]
        if "GET" in rule.methods and any(issubclass(s, PageArgs) for s in query):
            lists[rule.endpoint] = rule.rule.removeprefix("/api/v1")
    return lists


EXPECTED = {
    "api_cohorts.list_cohorts",
    "api_moderation.flag_queue",
    "api_moderation.moderation_log",
    "api_modules.list_modules",
    "api_modules.list_revisions",
    "api_notifications.list_notifications",
    "api_office_hours.list_office_hours",
    "api_posts.revisions",
    "api_progress.list_attempts",
    "api_search.search_archive",
    "api_threads.list_threads",
    "api_threads.whats_new",
    "api_users.list_users",
}


@pytest.fixture
def paths(app, admin) -> dict[str, str]:
    module = factories.make_module(title="Paging", actor=admin)
    quizzes.set_quiz(admin, module.id, 50, [QuestionIn("Paged?", ["yes", "no"], 0)])
    thread = threads.create_thread(admin, module.id, title="A question", body="Why?")
    post = threads.get_thread(admin, thread.id).opening
    posts.edit(admin, post.id, body="Why, really?")
    ids = {"module_id": module.id, "post_id": post.id}
    found = {}
    for endpoint, rule in _api_lists(app).items():
        for name, value in ids.items():
            rule = rule.replace(f"<int:{name}>", str(value))
        found[endpoint] = rule
    return found


def test_every_api_list_is_found(paths):
    assert set(paths) == EXPECTED


@pytest.mark.parametrize("value", HOSTILE, ids=ascii)
@pytest.mark.parametrize("name", ["page", "per_page"])
def test_page_and_per_page_are_ascii_digits_on_every_list(name, value, paths, api, admin):
    client = api(admin)
    for endpoint, path in paths.items():
        r = client.get(path, query_string={name: value})
        assert r.status_code != 500, endpoint
        if value in SERVED and endpoint == "api_search.search_archive":
            body = r.get_json()  # the list envelope, and always a suggestion beside it
            assert set(body) == {"items", "page", "per_page", "total", "suggestion"}, body
        elif value in SERVED:
            expect_envelope(r)
        else:
            expect_invalid(r, name)
