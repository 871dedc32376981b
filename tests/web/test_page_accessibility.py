"""Accessibility that shows in the pages' HTML and stylesheets; the browser's side (axe-core,
the keyboard, the computed colours) is in tests/e2e/test_accessibility.py."""

from __future__ import annotations

import re
from html import unescape
from itertools import pairwise

import pytest

from forum.services import posts, threads
from forum.web.admin.forms import InviteForm
from forum.web.assets import CODE_BACKGROUND, MIN_CONTRAST, TARGET, contrast
from tests import factories

APP_CSS = TARGET.with_name("app.css")


def surface_2() -> dict[str, str]:
    """--surface-2 of app.css, light (the first :root) and dark."""
    light, dark = re.findall(r"--surface-2: (#[0-9a-fA-F]{6});", APP_CSS.read_text())
    return {"light": light, "dark": dark}


def test_every_code_colour_reads_at_4_5_to_1_on_the_code_block_in_both_schemes():
    css = APP_CSS.read_text()
    code_block = re.search(r"\.prose pre \{(.*?)\}", css, flags=re.S).group(1)
    assert "background: var(--surface-2)" in code_block
    assert surface_2() == CODE_BACKGROUND

    light, dark = TARGET.read_text().split("@media (prefers-color-scheme: dark)")
    faint = [
        (scheme, token, colour, round(contrast(colour, CODE_BACKGROUND[scheme]), 2))
        for scheme, rules in (("light", light), ("dark", dark))
        for token, colour in re.findall(r"(\.\w+) \{[^}]*?(?<![\w-])color: (#\w+)[^}]*\}", rules)
        if contrast(colour, CODE_BACKGROUND[scheme]) < MIN_CONTRAST
    ]
    assert not faint


# Titles: each page says what it is, and which thread a post's page is about ----------------------


def title_of(response) -> str:
    return unescape(re.search(r"<title>(.*?)</title>", response.get_data(as_text=True)).group(1))


def heading_of(response) -> str:
    return unescape(re.search(r"<h1>(.*?)</h1>", response.get_data(as_text=True)).group(1))


@pytest.mark.parametrize(
    ("who", "path", "status", "title"),
    [
        ("member", "/no-such-page", 404, "Page not found"),
        ("member", "/people", 403, "Not allowed"),
        ("manager", "/people?page=0", 400, "That did not work"),
    ],
)
def test_error_pages_are_titled_by_what_went_wrong(login, request, who, path, status, title):
    r = login(request.getfixturevalue(who)).get(path)
    assert r.status_code == status
    assert title_of(r) == f"{title} · Learning forum"
    assert heading_of(r) == title


@pytest.mark.parametrize(
    ("page", "title", "heading"),
    [
        ("edit", "Edit a post in “{}”", True),
        ("history", "History of a post in “{}”", True),
        ("flag", "Flag a post in “{}”", True),
        ("delete", "Delete a post in “{}”", False),
    ],
)
def test_a_posts_pages_name_its_thread_in_the_title_and_heading(
    login, member, manager, page, title, heading
):
    module = factories.make_module(actor=manager)
    thread = threads.create_thread(member, module.id, title="Where is the VPN <config>?", body="?")
    reply = posts.reply(member, thread.id, body="Found it.")
    r = login(member).get(f"/posts/{reply.id}/{page}")
    assert r.status_code == 200
    assert title_of(r) == title.format(thread.title) + " · Learning forum"
    if heading:
        assert thread.title in heading_of(r)


# Where a form sends the reader back to ------------------------------------------------------------


@pytest.mark.parametrize("on", ["yes", "no"])
def test_following_a_thread_comes_back_to_the_follow_button(login, member, manager, post, on):
    module = factories.make_module(actor=manager)
    thread = threads.create_thread(manager, module.id, title="Office Wi-Fi", body="Which one?")
    client = login(member)
    r = post(client, f"/threads/{thread.id}/follow", {"on": on})
    assert r.status_code == 302
    assert r.headers["Location"] == f"/threads/{thread.id}#thread-actions"
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    actions = re.search(r'<div class="actions" id="thread-actions">(.*?)</div>', page, re.S)
    assert actions and f'action="/threads/{thread.id}/follow"' in actions.group(1)


# A refused form puts the cursor where the first thing to correct is -------------------------------


def autofocused(html: str) -> list[str]:
    """The start tags that carry autofocus."""
    return re.findall(r"<[^>]*\bautofocus\b[^>]*>", html)


@pytest.mark.parametrize(
    ("data", "focused"),
    [
        ({"name": "", "email": "not an address", "role": "member"}, 'name="name"'),
        ({"name": "Nadia Novak", "email": "", "role": "member"}, 'name="email"'),
        ({"name": "Nadia Novak", "email": "taken@example.com", "role": "member"}, 'name="email"'),
        ({"name": "Nadia Novak", "email": "nadia@example.com", "role": "admin"}, 'name="role"'),
    ],
)
def test_a_refused_invitation_comes_back_focused_on_the_first_field_to_correct(
    login, manager, post, data, focused
):
    factories.make_user(email="taken@example.com")
    client = login(manager)
    assert autofocused(client.get("/people").get_data(as_text=True)) == []
    r = post(client, "/people", data)
    assert r.status_code in (400, 409)
    tags = autofocused(r.get_data(as_text=True))
    assert len(tags) == 1 and focused in tags[0], tags


def test_a_problem_with_no_field_to_blame_takes_the_focus_when_asked(app):
    with app.test_request_context("/people", method="POST", data={}):
        form = InviteForm(meta={"csrf": False})
        form.form_errors.append("Someone else has just invited this address.")
        macros = app.jinja_env.get_template("_form.html").module
        assert autofocused(str(macros.form_errors(form))) == []
        tags = autofocused(str(macros.form_errors(form, focus=True)))
    assert len(tags) == 1 and 'role="alert"' in tags[0] and 'tabindex="-1"' in tags[0], tags


# Headings go down one level at a time -------------------------------------------------------------


def heading_levels(response) -> list[int]:
    return [int(n) for n in re.findall(r"<h([1-6])\b", response.get_data(as_text=True))]


def test_whats_new_titles_its_threads_one_level_below_the_page(login, member, manager):
    module = factories.make_module(actor=manager)
    threads.create_thread(manager, module.id, title="Parking at the office", body="Where?")
    levels = heading_levels(login(member).get("/whats-new"))
    assert levels[:2] == [1, 2], levels
    assert all(b <= a + 1 for a, b in pairwise(levels)), levels
