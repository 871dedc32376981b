"""Every page answers each kind of person as the permission rules say: 200, 403 or 404."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories

ROLES = ("outsider", "learner", "owner", "manager", "admin")
EVERYONE = dict.fromkeys(ROLES, 200)
MANAGERS_ONLY = {"outsider": 403, "learner": 403, "owner": 403, "manager": 200, "admin": 200}
# An unpublished module does not exist for people other than its owner and managers.
DRAFT = {"outsider": 404, "learner": 404, "owner": 200, "manager": 200, "admin": 200}
# A cohort does not exist for people outside it, except managers.
COHORT = {"outsider": 404, "learner": 200, "owner": 404, "manager": 200, "admin": 200}

PAGES = {
    "/": EVERYONE,
    "/modules/{published}": EVERYONE,
    "/modules/{draft}": DRAFT,
    "/modules/new": MANAGERS_ONLY,
    "/modules/{published}/edit": {**MANAGERS_ONLY, "owner": 200},
    "/modules/{others}/edit": MANAGERS_ONLY,
    "/modules/{draft}/edit": DRAFT,
    "/modules/order": MANAGERS_ONLY,
    "/modules/{published}/history": EVERYONE,
    "/modules/{draft}/history": DRAFT,
    "/modules/{published}/history/1": EVERYONE,
    "/modules/{draft}/history/1": DRAFT,
    "/modules/{published}/history/2": dict.fromkeys(ROLES, 404),
    "/modules/2147483647": dict.fromkeys(ROLES, 404),
    "/modules/99999999999999999999": dict.fromkeys(ROLES, 404),
    "/cohorts": EVERYONE,
    "/cohorts/new": MANAGERS_ONLY,
    "/cohorts/{cohort}": COHORT,
    "/cohorts/{cohort}/edit": {**COHORT, "learner": 403},
    "/cohorts/2147483647": dict.fromkeys(ROLES, 404),
    "/people": MANAGERS_ONLY,
}


@dataclass
class World:
    people: dict
    ids: dict


@pytest.fixture
def world(app) -> World:
    manager = factories.make_user(role="manager", name="Max Manager")
    people = {
        "outsider": factories.make_user(name="Olga Outsider"),
        "learner": factories.make_user(name="Lena Learner"),
        "owner": factories.make_user(name="Omar Owner"),
        "manager": manager,
        "admin": factories.make_user(role="admin", name="Ada Admin"),
    }
    published = factories.make_module(title="Published", owner=people["owner"], actor=manager)
    draft = factories.make_module(
        title="Draft", owner=people["owner"], actor=manager, published=False
    )
    others = factories.make_module(title="Someone else's", actor=manager)
    cohort = factories.make_cohort({people["learner"]: "learner"}, actor=manager)
    ids = {"published": published.id, "draft": draft.id, "others": others.id, "cohort": cohort.id}
    return World(people, ids)


@pytest.mark.parametrize("path", PAGES)
def test_each_page_answers_each_role_as_the_rules_say(path, world, login):
    url = path.format(**world.ids)
    answers = {role: login(world.people[role]).get(url).status_code for role in ROLES}
    assert answers == PAGES[path]


@pytest.mark.parametrize("path", [p for p in PAGES if "2147483647" not in p and "999" not in p])
def test_anonymous_visitors_are_sent_to_sign_in_and_come_back(path, world, client):
    url = path.format(**world.ids)
    r = client.get(url)
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login?next=")


def test_error_pages_are_pages_with_the_layout(world, login):
    r = login(world.people["outsider"]).get(f"/modules/{world.ids['draft']}")
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert "<h1>Page not found</h1>" in html
    assert 'class="skip-link"' in html


@pytest.mark.parametrize("query", ["page=0", "page=x", "page=-1", "page=1e3", "page=" + "9" * 30])
def test_a_bad_page_number_is_a_clear_400(query, world, login):
    client = login(world.people["manager"])
    for path in ("/people", "/cohorts", f"/modules/{world.ids['published']}/history"):
        r = client.get(f"{path}?{query}")
        assert r.status_code == 400, path
        assert "page" in r.get_data(as_text=True)


def test_a_page_number_past_the_end_is_an_empty_page_not_an_error(world, login):
    client = login(world.people["manager"])
    assert client.get("/people?page=999999").status_code == 200
    assert client.get("/cohorts?page=999999").status_code == 200
