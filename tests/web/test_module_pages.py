"""Module pages: reading, creating, editing, ordering, publishing, history and differences."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.models import Module
from forum.services import modules
from tests import factories
from tests.web.conftest import settled, text_of


def fresh(module_id: int) -> Module:
    return settled().get(Module, module_id)


def by_title(title: str) -> Module | None:
    return settled().scalar(select(Module).where(Module.title == title))


def course_order() -> list[str]:
    return list(settled().scalars(select(Module.title).order_by(Module.position, Module.id)))


# Reading ------------------------------------------------------------------------------------


def test_the_module_page_shows_the_lesson_and_everything_about_it(login, manager, member):
    first = factories.make_module(title="Welcome", actor=manager)
    module = factories.make_module(
        title="Security basics",
        summary="Passwords and phishing.",
        body="## Passwords\n\nUse a **manager**.\n\n```python\nprint('hi')\n```\n",
        video_url="https://video.example.com/security",
        owner=manager,
        actor=manager,
    )
    last = factories.make_module(title="Workflow", actor=manager)
    modules.update_module(manager, module.id, body="## Passwords\n\nUse a password manager.\n")

    r = login(member).get(f"/modules/{module.id}")
    html = r.get_data(as_text=True)
    page = text_of(r)
    assert r.status_code == 200
    assert "<h1" in html and "Security basics" in page
    assert "Passwords and phishing." in page
    assert "Owner: Max Manager" in page
    assert "<h2>Passwords</h2>" in html  # the stored, sanitized lesson HTML
    assert 'href="https://video.example.com/security"' in html
    assert "revision 2" in page and "Last updated" in page
    assert "Module 2 of 3" in page
    assert f'rel="prev" href="/modules/{first.id}"' in html
    assert f'rel="next" href="/modules/{last.id}"' in html
    assert "css/pygments.css" in html
    # A learner may not edit: no edit link.
    assert f"/modules/{module.id}/edit" not in html


def test_editors_see_the_edit_link(login, manager, member):
    module = factories.make_module(owner=member, actor=manager)
    html = login(member).get(f"/modules/{module.id}").get_data(as_text=True)
    assert f'href="/modules/{module.id}/edit"' in html


def test_the_home_page_lists_modules_in_order_with_drafts_marked_for_managers(
    login, manager, member
):
    factories.make_module(title="Alpha lesson", summary="First things.", actor=manager)
    factories.make_module(title="Beta lesson", actor=manager, published=False)
    factories.make_module(title="Gamma lesson", actor=manager)

    as_manager = text_of(login(manager).get("/"))
    assert as_manager.index("Alpha lesson") < as_manager.index("Beta lesson Draft")
    assert as_manager.index("Beta lesson") < as_manager.index("Gamma lesson")
    assert "First things." in as_manager

    as_member = text_of(login(member).get("/"))
    assert "Alpha lesson" in as_member and "Gamma lesson" in as_member
    assert "Beta lesson" not in as_member
    assert f"Hello, {member.name.split()[0]}" in as_member


# Creating -----------------------------------------------------------------------------------


def test_a_manager_creates_a_module_through_the_form(login, manager, member, post):
    client = login(manager)
    form = client.get("/modules/new").get_data(as_text=True)
    for name in ("title", "summary", "body", "video_url", "owner_id", "published"):
        assert f'name="{name}"' in form
    assert re.search(r'<label for="body">', form)

    r = post(
        client,
        "/modules/new",
        {
            "title": "Expenses",
            "summary": "How to claim.",
            "body": "# Expenses\r\n\r\nKeep the receipt.\r\n",
            "video_url": "https://example.com/v",
            "owner_id": str(member.id),
            "published": "y",
        },
    )
    assert r.status_code == 302
    module = by_title("Expenses")
    assert r.headers["Location"] == f"/modules/{module.id}"
    assert module.owner_id == member.id and module.published
    assert module.body == "# Expenses\n\nKeep the receipt.\n"  # as written, in LF
    assert module.video_url == "https://example.com/v"
    follow = client.get(r.headers["Location"])
    assert "“Expenses” is added at the end of the course." in text_of(follow)


def test_an_unchecked_published_box_makes_a_draft(login, manager, post):
    r = post(
        login(manager),
        "/modules/new",
        {"title": "Secret plans", "body": "Text.", "owner_id": str(manager.id)},
    )
    assert r.status_code == 302
    assert not by_title("Secret plans").published


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "", "body": "x"}, "title", "This field is required."),
        ({"title": "x" * 201, "body": "x"}, "title", "longer than 200 characters"),
        ({"title": "x", "body": ""}, "body", "This field is required."),
        ({"title": "x", "body": "y", "video_url": "ftp://nope"}, "video_url", "http://"),
        ({"title": "x", "body": "y", "owner_id": "999999"}, "owner_id", "Not a valid choice"),
        ({"title": "x", "body": "y", "owner_id": "abc"}, "owner_id", "Invalid choice"),
        ({"title": "   ", "body": "y"}, "title", "This field is required."),
    ],
)
def test_bad_module_input_is_shown_next_to_its_field(login, manager, post, data, field, message):
    data.setdefault("owner_id", str(manager.id))
    r = post(login(manager), "/modules/new", data)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error, html
    assert message.lower() in error.group(1).lower()
    assert re.search(rf'<[^>]*id="{field}"[^>]*aria-describedby="[^"]*{field}-error', html) or (
        re.search(rf'aria-describedby="[^"]*{field}-error[^"]*"[^>]*id="{field}"', html)
    )
    assert settled().scalar(select(Module.id)) is None


# Editing ------------------------------------------------------------------------------------


def test_the_owner_edits_their_module_and_a_revision_is_recorded(login, manager, member, post):
    module = factories.make_module(title="Old title", body="Line one.", owner=member, actor=manager)
    client = login(member)
    form = client.get(f"/modules/{module.id}/edit").get_data(as_text=True)
    assert 'name="owner_id"' not in form  # handing a module over is for managers
    assert "Old title" in form

    r = post(
        client,
        f"/modules/{module.id}/edit",
        {"title": "New title", "summary": "", "body": "Line one.\r\nLine two.", "published": "y"},
    )
    assert r.status_code == 302
    edited = fresh(module.id)
    assert (edited.title, edited.revision, edited.body) == ("New title", 2, "Line one.\nLine two.")
    assert edited.owner_id == member.id
    assert "Saved. This is revision 2." in text_of(client.get(r.headers["Location"]))


def test_saving_unchanged_text_from_a_browser_makes_no_new_revision(login, manager, post):
    module = factories.make_module(body="One.\n\nTwo.", summary="Sum.", actor=manager)
    r = post(
        login(manager),
        f"/modules/{module.id}/edit",
        {
            "title": module.title,
            "summary": "Sum.",
            "body": "One.\r\n\r\nTwo.",  # browsers send CRLF
            "owner_id": str(manager.id),
            "published": "y",
        },
    )
    assert r.status_code == 302
    assert fresh(module.id).revision == 1


def test_a_manager_hands_a_module_to_another_owner(login, manager, member, post):
    module = factories.make_module(actor=manager)
    r = post(
        login(manager),
        f"/modules/{module.id}/edit",
        {"title": module.title, "body": module.body, "owner_id": str(member.id), "published": "y"},
    )
    assert r.status_code == 302
    assert fresh(module.id).owner_id == member.id


def test_a_departed_owner_stays_until_someone_else_is_picked(login, manager, admin, post):
    owner = factories.make_user(name="Gone Person")
    module = factories.make_module(owner=owner, actor=manager)
    from forum.services import accounts

    accounts.update_user(admin, owner.id, active=False)
    client = login(manager)
    form = client.get(f"/modules/{module.id}/edit").get_data(as_text=True)
    assert re.search(rf'<option selected value="{owner.id}">Gone Person \(deactivated\)', form)
    r = post(
        client,
        f"/modules/{module.id}/edit",
        {"title": "Renamed", "body": module.body, "owner_id": str(owner.id), "published": "y"},
    )
    assert r.status_code == 302
    renamed = fresh(module.id)
    assert (renamed.title, renamed.owner_id) == ("Renamed", owner.id)


def test_others_cannot_post_edits(login, manager, member, post):
    module = factories.make_module(title="Keep", actor=manager)
    r = post(login(member), f"/modules/{module.id}/edit", {"title": "Mine", "body": "x"})
    assert r.status_code == 403
    assert fresh(module.id).title == "Keep"


# Order and publishing ---------------------------------------------------------------------------


def test_managers_move_modules_up_and_down(login, manager, post):
    a, _, c = (factories.make_module(title=t, actor=manager) for t in ("A", "B", "C"))
    client = login(manager)
    page = client.get("/modules/order").get_data(as_text=True)
    assert page.count('name="direction" value="up"') == 3
    # The first cannot go up, the last cannot go down.
    assert re.search(rf'module-{a.id}".*?value="up">\s*<button[^>]*disabled', page, re.S)

    r = post(client, f"/modules/{c.id}/move", {"direction": "up"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/modules/order#module-{c.id}")
    assert course_order() == ["A", "C", "B"]
    post(client, f"/modules/{a.id}/move", {"direction": "down"})
    assert course_order() == ["C", "A", "B"]
    post(client, f"/modules/{c.id}/move", {"direction": "up"})  # already first: no change
    assert course_order() == ["C", "A", "B"]
    assert post(client, f"/modules/{a.id}/move", {"direction": "sideways"}).status_code == 400
    assert course_order() == ["C", "A", "B"]


def test_members_cannot_reorder(login, manager, member, post):
    factories.make_module(title="A", actor=manager)
    b = factories.make_module(title="B", actor=manager)
    assert post(login(member), f"/modules/{b.id}/move", {"direction": "up"}).status_code == 403
    assert course_order() == ["A", "B"]


def test_publish_and_unpublish_from_the_order_page(login, manager, member, post):
    module = factories.make_module(title="Onboarding", actor=manager, published=False)
    client = login(manager)
    assert "Publish" in text_of(client.get("/modules/order"))
    r = post(client, f"/modules/{module.id}/publish", {"published": "yes"})
    assert r.status_code == 302
    assert fresh(module.id).published
    assert "“Onboarding” is published" in text_of(client.get(r.headers["Location"]))
    assert login(member).get(f"/modules/{module.id}").status_code == 200

    post(client, f"/modules/{module.id}/publish", {"published": "no"})
    assert not fresh(module.id).published
    assert login(member).get(f"/modules/{module.id}").status_code == 404
    assert post(client, f"/modules/{module.id}/publish", {"published": "maybe"}).status_code == 400


def test_members_cannot_publish_others_modules(login, manager, member, post):
    module = factories.make_module(actor=manager)
    r = post(login(member), f"/modules/{module.id}/publish", {"published": "no"})
    assert r.status_code == 403
    assert fresh(module.id).published


# History and differences ----------------------------------------------------------------------


def test_history_lists_revisions_newest_first_with_author_and_time(login, manager, member):
    module = factories.make_module(title="T", body="one", owner=member, actor=manager)
    modules.update_module(member, module.id, body="one\ntwo")
    modules.update_module(manager, module.id, title="T2")

    r = login(member).get(f"/modules/{module.id}/history")
    page = text_of(r)
    assert r.status_code == 200
    assert page.index("Revision 3") < page.index("Revision 2") < page.index("Revision 1")
    assert re.search(r"Revision 3 current T2 Max Manager \d+ \w+ \d{4}, \d\d:\d\d UTC", page)
    assert "Revision 2 T Mia Member" in page
    for n in (1, 2, 3):
        assert f'href="/modules/{module.id}/history/{n}"' in r.get_data(as_text=True)


def test_a_revision_page_shows_added_and_removed_lines(login, manager, member):
    module = factories.make_module(title="T", body="keep\nold line\nkeep too", actor=manager)
    modules.update_module(manager, module.id, body="keep\nnew line\nkeep too")

    r = login(member).get(f"/modules/{module.id}/history/2")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Compared with revision 1" in text_of(r)
    sign = '<span class="diff-sign">{}</span>'
    assert f'<ins class="diff-add">{sign.format("+")} new line</ins>' in html
    assert f'<del class="diff-del">{sign.format("-")} old line</del>' in html
    assert '<span class="diff-ctx"><span class="diff-sign"> </span> keep</span>' in html

    first = text_of(login(member).get(f"/modules/{module.id}/history/1"))
    assert "The first revision: all of it is new." in first
    assert "+ old line" in first


def test_a_lesson_with_markup_in_a_diff_is_shown_as_text(login, manager, member):
    module = factories.make_module(body="<script>alert(1)</script>", actor=manager)
    html = login(member).get(f"/modules/{module.id}/history/1").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
