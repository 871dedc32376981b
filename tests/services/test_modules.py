"""Modules: creation, visibility, edits with revisions, order, diffs."""

from __future__ import annotations

import pytest

from forum.errors import Forbidden, Invalid, NotFound
from forum.services import modules
from tests.factories import make_module


def test_create_renders_and_stores_sanitized_html(manager):
    m = modules.create_module(
        manager,
        title="Security basics",
        body="# Phishing\n\n<script>alert(1)</script>\n\n[help](https://example.com)",
    )
    assert "<script>" not in m.body_html and "&lt;script&gt;" in m.body_html
    assert 'rel="nofollow noopener ugc"' in m.body_html
    assert m.slug == "security-basics" and m.revision == 1 and m.owner_id == manager.id


def test_slugs_stay_unique(manager):
    a = modules.create_module(manager, title="Welcome", body="a")
    b = modules.create_module(manager, title="Welcome", body="b")
    assert {a.slug, b.slug} == {"welcome", "welcome-2"}


def test_new_modules_go_last(manager):
    first = make_module(actor=manager)
    second = make_module(actor=manager)
    assert second.position > first.position


def test_only_managers_create_modules(member):
    with pytest.raises(Forbidden):
        modules.create_module(member, title="Mine", body="text")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", ""),
        ("title", "t" * 201),
        ("body", "b" * 20_001),
        ("body", "   "),
        ("video_url", "javascript:alert(1)"),
        ("owner_id", 999_999),
    ],
)
def test_invalid_modules_are_refused(manager, field, value):
    data = {"title": "Fine", "body": "Fine"}
    data[field] = value
    with pytest.raises(Invalid) as err:
        modules.create_module(manager, **data)
    assert field in err.value.fields


def test_drafts_are_seen_by_owner_and_managers_only(manager, make_user):
    owner, other = make_user(), make_user()
    draft = make_module(actor=manager, owner=owner, published=False)
    assert modules.get_module(owner, draft.id).id == draft.id
    assert modules.get_module(manager, draft.id).id == draft.id
    with pytest.raises(NotFound):
        modules.get_module(other, draft.id)
    assert draft.id not in [m.id for m in modules.list_modules(other).items]
    assert modules.list_modules(other).total == 0
    with pytest.raises(NotFound):
        modules.list_revisions(other, draft.id)


def test_text_edits_make_revisions_and_settings_do_not(manager, make_user):
    owner = make_user()
    m = make_module(actor=manager, owner=owner, title="V1", body="one")
    modules.update_module(owner, m.id, body="two")
    modules.update_module(owner, m.id, position=50, video_url="https://video.example.com/x")
    modules.update_module(owner, m.id, body="two")  # unchanged text: no new revision
    m = modules.update_module(owner, m.id, title="V2")
    assert m.revision == 3
    revs = modules.list_revisions(owner, m.id).items
    assert [(r.revision, r.title, r.body) for r in revs] == [
        (3, "V2", "two"),
        (2, "V1", "two"),
        (1, "V1", "one"),
    ]
    assert revs[0].author_id == owner.id


def test_only_owner_and_managers_edit(manager, make_user):
    owner, other = make_user(), make_user()
    m = make_module(actor=manager, owner=owner)
    with pytest.raises(Forbidden):
        modules.update_module(other, m.id, title="Mine now")
    with pytest.raises(Forbidden):
        modules.update_module(owner, m.id, owner_id=other.id)  # handing over is for managers


def test_diff_shows_what_a_revision_changed(manager):
    m = make_module(actor=manager, title="T", body="keep\nold line")
    modules.update_module(manager, m.id, body="keep\nnew line")
    diff = modules.diff_revision(manager, m.id, 2)
    assert ("-", "old line") in diff.lines and ("+", "new line") in diff.lines
    assert diff.old.revision == 1
    with pytest.raises(NotFound):
        modules.diff_revision(manager, m.id, 7)


def test_move_swaps_neighbours(manager):
    a, b, c = (make_module(actor=manager) for _ in range(3))
    modules.move_module(manager, c.id, -1)
    assert [m.id for m in modules.all_visible_modules(manager)] == [a.id, c.id, b.id]
    modules.move_module(manager, a.id, -1)  # already first: nothing moves
    assert [m.id for m in modules.all_visible_modules(manager)] == [a.id, c.id, b.id]
