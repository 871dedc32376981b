"""The layout's promises (skip link, navigation, labelled forms, stylesheets) and list pages
that load in a fixed number of queries, however many rows they show."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from forum.web.assets import TARGET, pygments_stylesheet
from tests import factories
from tests.statements import counted

STATIC = Path(__file__).resolve().parents[2] / "static"


# Layout ----------------------------------------------------------------------------------------


def test_the_layout_has_a_skip_link_main_navigation_and_a_sign_out_form(login, member):
    html = login(member).get("/").get_data(as_text=True)
    assert re.search(r'<body>\s*<a class="skip-link" href="#main">Skip to content</a>', html)
    assert '<main id="main"' in html
    nav = re.search(r'<nav class="main-nav" aria-label="Main">(.*?)</nav>', html, re.S).group(1)
    assert 'href="/" aria-current="page">Modules' in nav
    assert 'href="/cohorts"' in nav
    assert "/people" not in nav  # members do not manage people
    assert re.search(r'<form method="post" action="/logout">\s*<input type="hidden"', html)
    assert "Mia Member" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html


def test_managers_see_people_in_the_navigation(login, manager):
    html = login(manager).get("/people").get_data(as_text=True)
    assert 'href="/people" aria-current="page">People' in html


def test_flash_messages_are_announced(login, manager, post):
    client = login(manager)
    post(client, "/cohorts/new", {"name": "Announced"})
    html = client.get("/cohorts").get_data(as_text=True)
    assert re.search(r'<p class="flash flash-success" role="status">Cohort', html)


@pytest.mark.parametrize("path", ["/modules/new", "/cohorts/new", "/people"])
def test_every_input_on_a_form_page_has_a_label(login, admin, path):
    html = login(admin).get(path).get_data(as_text=True)
    main = html.split("<main", 1)[1]
    ids = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', main)
    assert ids
    for field_id in ids:
        assert f'for="{field_id}"' in main, field_id


def test_the_stylesheet_keeps_its_promises():
    css = (STATIC / "css" / "app.css").read_text()
    assert "@media (prefers-color-scheme: dark)" in css
    assert ":focus-visible" in css and "outline:" in css
    assert ".skip-link:focus" in css
    assert "max-width: 40rem" in css  # the phone layout
    assert "--measure: 70ch" in css
    assert "system-ui" in css


def test_the_pygments_stylesheet_is_current_with_light_and_dark_colours():
    assert TARGET.read_text() == pygments_stylesheet(), "run: python -m forum.web.assets"
    css = TARGET.read_text()
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    assert ".highlight .k {" in light and ".highlight .k {" in dark
    assert "pre {" not in css  # app.css styles the block; this file only colours tokens


def test_a_highlighted_lesson_uses_the_classes_the_stylesheet_colours(login, manager):
    module = factories.make_module(body="```python\ndef f():\n    return 1\n```\n", actor=manager)
    html = login(manager).get(f"/modules/{module.id}").get_data(as_text=True)
    lesson = html.split('class="prose"', 1)[1].split('id="discussion"', 1)[0]
    classes = set(re.findall(r'<span class="(\w+)">', lesson))
    assert "k" in classes
    css = TARGET.read_text()
    for cls in classes:
        assert f".highlight .{cls} {{" in css, cls


# Query counts ----------------------------------------------------------------------------------


def fill(manager, learner, n: int) -> int:
    """n modules, n members and a due date per module, in one cohort with the learner."""
    soon = datetime.now(UTC) + timedelta(days=3)
    mods = [factories.make_module(actor=manager) for _ in range(n)]
    people = {factories.make_user(): "learner" for _ in range(n)} | {learner: "learner"}
    cohort = factories.make_cohort(people, actor=manager, schedule={m.id: soon for m in mods})
    factories.make_cohort({learner: "facilitator"}, actor=manager)
    return cohort.id


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("learner", "/"),
        ("manager", "/"),
        ("learner", "/modules/{module}"),
        ("learner", "/cohorts"),
        ("manager", "/cohorts/{cohort}"),
        ("learner", "/cohorts/{cohort}"),
        ("manager", "/people"),
        ("manager", "/modules/order"),
        ("manager", "/modules/{module}/history"),
    ],
)
def test_list_pages_load_in_a_fixed_number_of_queries(login, manager, member, who, path):
    client = login({"learner": member, "manager": manager}[who])

    def queries_for(n: int) -> int:
        cohort_id = fill(manager, member, n)
        module_id = factories.make_module(actor=manager).id
        url = path.format(cohort=cohort_id, module=module_id)
        with counted() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    few, many = queries_for(2), queries_for(12)
    assert few == many, f"{path}: {few} queries with few rows, {many} with more"
