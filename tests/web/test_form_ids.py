"""Ids sent by page forms (and the thread page's ``?reply_to=``) are bounded as ids in paths
and in the API are: ASCII digits up to 2**31 - 1. Anything else is a 400 that changes nothing,
never a 500 from a number the database cannot hold."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import User
from forum.services import posts, threads
from tests import factories
from tests.api.helpers import fresh
from tests.web.conftest import post_form

BAD_IDS = [str(2**70), str(2**31), "9" * 5000, "-1", "abc", "1.5", "\u0661", "²"]
# Tables a refused form could have written to; sessions and tokens move on every request.
WATCHED = ("memberships", "modules", "threads", "posts", "notifications", "module_revisions")


@dataclass
class World:
    manager: User
    learner: User
    ids: dict[str, int]


@pytest.fixture
def world(app, manager) -> World:
    learner = factories.make_user(name="Lena Learner")
    factories.make_user(name="Nico Newcomer")  # someone the add-member form can offer
    module = factories.make_module(title="Ids", actor=manager)
    cohort = factories.make_cohort({learner: "learner"}, actor=manager)
    thread = threads.create_thread(learner, module.id, title="A question", body="Why?")
    posts.reply(manager, thread.id, body="Because.")  # a notification for the learner
    ids = {"cohort": cohort.id, "module": module.id, "thread": thread.id}
    return World(manager, learner, ids)


# form: (who sends it, path, the other fields, the id field)
FORMS = {
    "add-member": ("manager", "/cohorts/{cohort}/members", {"role": "learner"}, "user_id"),
    "new-module": (
        "manager",
        "/modules/new",
        {"title": "New", "body": "Text", "published": "y"},
        "owner_id",
    ),
    "edit-module": ("manager", "/modules/{module}/edit", {"title": "T", "body": "B"}, "owner_id"),
    "new-thread": (
        "learner",
        "/modules/{module}/threads",
        {"title": "Q", "body": "B", "kind": "question"},
        "cohort_id",
    ),
    "reply": ("learner", "/threads/{thread}/posts", {"body": "Thanks"}, "parent_id"),
    "accept": ("learner", "/threads/{thread}/accept", {}, "post_id"),
    "read-notification": ("learner", "/notifications/read", {}, "id"),
}


def _rows() -> dict[str, list]:
    session = fresh()
    tables = [t for t in db.metadata.sorted_tables if t.name in WATCHED]
    return {t.name: sorted(map(repr, session.execute(select(t)))) for t in tables}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_bad_id_in_a_form_is_a_400_that_changes_nothing(form, world, login):
    who, path, fields, name = FORMS[form]
    client = login(getattr(world, who))
    before = _rows()
    for bad in BAD_IDS:
        r = post_form(client, path.format(**world.ids), {**fields, name: bad})
        assert r.status_code == 400, f"{name}={bad[:30]}: {r.status_code}"
    assert _rows() == before


@pytest.mark.parametrize("bad", BAD_IDS, ids=lambda v: ascii(v[:12]))
def test_a_bad_reply_to_on_the_thread_page_is_a_400(bad, world, login):
    r = login(world.learner).get(f"/threads/{world.ids['thread']}", query_string={"reply_to": bad})
    assert r.status_code == 400


def test_the_forms_still_take_good_ids(world, login):
    newcomer = fresh().scalar(select(User).filter_by(name="Nico Newcomer"))
    client = login(world.manager)
    r = post_form(
        client,
        f"/cohorts/{world.ids['cohort']}/members",
        {"user_id": str(newcomer.id), "role": "learner"},
    )
    assert r.status_code == 302
    learner = login(world.learner)
    r = post_form(
        learner,
        f"/modules/{world.ids['module']}/threads",
        {"title": "Mine", "body": "B", "kind": "question", "cohort_id": str(world.ids["cohort"])},
    )
    assert r.status_code == 302
