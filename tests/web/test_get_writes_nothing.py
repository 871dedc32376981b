"""A GET changes nothing: not a page, not a notification's address, not anything a post can
make a reader's browser fetch. The one write a GET may do is the reader's own read mark on
the thread they open."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, User
from forum.services import notifications, posts, threads
from tests import factories
from tests.web.conftest import post_form, settled

# Tables a GET may write: the reader's own read marks (opening a thread moves them).
MAY_CHANGE = {"read_marks"}


@dataclass
class World:
    owner: User  # owns the module: told of new questions, moderates its threads
    learner: User
    thread_id: int
    note_id: int  # the owner's notification of the learner's question
    ids: dict[str, object]


@pytest.fixture
def w(app, manager) -> World:
    owner = factories.make_user(name="Olga Owner")
    learner = factories.make_user(name="Lena Learner")
    module = factories.make_module(title="Images", owner=owner, actor=manager)
    cohort = factories.make_cohort({learner: "learner"}, actor=manager)
    thread = threads.create_thread(learner, module.id, title="A question", body="Why?")
    (note,) = notifications.list_notifications(owner).items
    reply = posts.reply(learner, thread.id, body="Look:")
    posts.edit(learner, reply.id, body=f"Look: ![](/notifications/{note.id})")  # has a history
    flag = posts.flag(learner, reply.id, "a test flag")
    ids = {
        "module_id": module.id,
        "cohort_id": cohort.id,
        "thread_id": thread.id,
        "post_id": reply.id,
        "user_id": learner.id,
        "notification_id": note.id,
        "flag_id": flag.id,
        "revision": 1,
        "token": "not-a-token",
    }
    return World(owner, learner, thread.id, note.id, ids)


def _tables() -> dict[str, list[str]]:
    session = settled()
    return {
        t.name: sorted(map(repr, session.execute(select(t))))
        for t in db.metadata.sorted_tables
        if t.name not in MAY_CHANGE
    }


def _unread(note_id: int) -> bool:
    return settled().get(Notification, note_id).read_at is None


def test_a_post_shows_an_image_as_a_link_and_viewing_it_marks_nothing_read(w, login):
    client = login(w.owner)
    page = client.get(f"/threads/{w.thread_id}", follow_redirects=True).get_data(as_text=True)
    assert "<img" not in page
    assert re.search(rf'<a href="/notifications/{w.note_id}" rel="[^"]*">/notifications/', page)
    # Whatever the page makes a browser fetch by itself (src=...), fetched: still unread.
    for src in re.findall(r'\ssrc="([^"]+)"', page):
        client.get(src)
    assert _unread(w.note_id)


def test_a_get_of_a_notification_changes_nothing_and_goes_where_it_points(w, login):
    client = login(w.owner)
    before = _tables()
    r = client.get(f"/notifications/{w.note_id}")
    assert r.status_code == 302 and r.headers["Location"].startswith(f"/threads/{w.thread_id}")
    assert _unread(w.note_id) and _tables() == before
    assert login(w.learner).get(f"/notifications/{w.note_id}").status_code == 404


def test_opening_a_notification_is_a_post_that_marks_it_read(w, login):
    client = login(w.owner)
    page = client.get("/notifications").get_data(as_text=True)
    action = f'action="/notifications/{w.note_id}/open"'
    assert re.search(
        rf'<form method="post" {action}[^>]*>\s*<input type="hidden" name="csrf_token"', page
    )
    assert f'href="/notifications/{w.note_id}"' not in page
    assert client.post(f"/notifications/{w.note_id}/open").status_code == 400  # no CSRF token
    assert _unread(w.note_id)
    r = post_form(client, f"/notifications/{w.note_id}/open")
    assert r.status_code == 302 and r.headers["Location"].startswith(f"/threads/{w.thread_id}")
    assert not _unread(w.note_id)
    # Read now: a plain link straight to the thread, no form.
    page = client.get("/notifications").get_data(as_text=True)
    assert action not in page and f'class="note-link" href="/threads/{w.thread_id}' in page
    assert post_form(login(w.learner), f"/notifications/{w.note_id}/open").status_code == 404


@pytest.mark.parametrize("who", ["admin", "owner", "learner"])
def test_no_page_writes_on_a_get_but_the_readers_own_read_marks(app, w, login, who, admin):
    client = login({"admin": admin, "owner": w.owner, "learner": w.learner}[who])
    before = _tables()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static/")):
            continue
        path = rule.rule
        for name, value in w.ids.items():
            path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        r = client.get(path)
        assert r.status_code != 500, path
        assert _tables() == before, f"GET {path} wrote"
