"""Similar questions while asking (with and without JavaScript), what opening one records,
and the module's doc-gaps page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from forum.background import run_pending
from forum.extensions import db
from forum.models import SimilarOpen, Thread, utcnow
from forum.services import archive, faq, modules, threads
from tests.api.discussion import answer, ask, build_world
from tests.api.helpers import expect_envelope, expect_error, fresh
from tests.web.conftest import post_form, text_of


def index_now() -> None:
    while sum(run_pending()):
        pass


@pytest.fixture
def w(app, backend):
    world = build_world()
    t = ask(world.asker, world.module.id, title="How do I reset my VPN password?",
            body="The VPN client says my password expired.")  # fmt: skip
    threads.accept(world.asker, t.id, answer(world.learner, t.id, body="Use the self-service "
                                             "portal, then reconnect.").id)  # fmt: skip
    world.answered = t
    world.open = ask(world.asker, world.module.id, title="Which VPN server is closest?")
    index_now()
    return world


def test_the_api_lists_answered_questions_alike(api, w):
    r = api(w.member).get(f"/modules/{w.module.id}/similar?q=vpn passphrase expired")
    items = expect_envelope(r)
    assert [i["id"] for i in items] == [w.answered.id]  # the open question is not offered
    assert expect_envelope(api(w.member).get(f"/modules/{w.module.id}/similar?q=")) == []
    expect_error(api(w.member).get("/modules/99999/similar?q=vpn"), 404)


def test_a_cohort_answer_is_never_offered_to_outsiders(api, w):
    private = ask(w.asker, w.module.id, title="Cohort VPN password rotation", cohort_id=w.cohort_a)
    threads.accept(w.asker, private.id, answer(w.learner, private.id, body="Rotate it.").id)
    index_now()
    outsider = [i["id"] for i in api(w.other).get(
        f"/modules/{w.module.id}/similar?q=vpn password rotation").get_json()["items"]]  # fmt: skip
    insider = [i["id"] for i in api(w.asker).get(
        f"/modules/{w.module.id}/similar?q=vpn password rotation").get_json()["items"]]  # fmt: skip
    assert private.id in insider and private.id not in outsider


def test_without_javascript_a_check_step_shows_them_and_keeps_the_draft(login, w):
    client = login(w.member)
    page = client.get(f"/modules/{w.module.id}")
    assert "/static/js/similar.js" in page.text and 'value="check"' in page.text
    r = post_form(client, f"/modules/{w.module.id}/threads",
                  {"title": "VPN password expired", "body": "Help?", "kind": "question",
                   "action": "check"})  # fmt: skip
    assert r.status_code == 200
    assert "How do I reset my VPN password?" in r.text
    assert 'value="VPN password expired"' in r.text  # the draft is kept
    assert fresh().query(Thread).count() == 2  # nothing posted


def test_opening_one_is_recorded_by_a_post_and_leads_to_it(login, w):
    client = login(w.member)
    r = post_form(client, f"/modules/{w.module.id}/similar/opened",
                  {"thread_id": str(w.answered.id)})  # fmt: skip
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/threads/{w.answered.id}")
    post_form(client, f"/modules/{w.module.id}/similar/opened", {"thread_id": str(w.answered.id)})
    assert fresh().query(SimilarOpen).count() == 1  # twice in a row counts once
    assert post_form(client, f"/modules/{w.module.id}/similar/opened",
                     {"thread_id": "abc"}).status_code == 400  # fmt: skip


def test_doc_gaps_show_what_the_docs_miss(login, w):
    again = ask(w.other, w.module.id, title="Reset the VPN password how?")
    modules.update_module(w.owner, w.module.id, body="The lesson, rewritten.")
    gaps = archive.doc_gaps(w.owner, w.module.id)
    assert [t.id for t in gaps.open_questions] == [w.open.id, again.id]
    assert [{t.id for t in g} for g in gaps.repeated] == [{w.answered.id, again.id}]
    assert [t.id for t in gaps.not_in_faq] == [w.answered.id]
    entry = faq.promote(w.owner, w.answered.id)
    modules.update_module(w.owner, w.module.id, body="The lesson, rewritten again.")
    gaps = archive.doc_gaps(w.owner, w.module.id)
    assert gaps.not_in_faq == [] and [e.id for e in gaps.to_review] == [entry.id]
    page = login(w.owner).get(f"/modules/{w.module.id}/gaps")
    assert page.status_code == 200 and "Reset the VPN password how?" in text_of(page)
    assert login(w.asker).get(f"/modules/{w.module.id}/gaps").status_code == 403


def test_an_open_counts_as_answered_before_asking_only_if_no_question_followed(w):
    archive.record_similar_open(w.member, w.module.id, w.answered.id)
    archive.record_similar_open(w.other, w.module.id, w.answered.id)
    ask(w.other, w.module.id, title="My own VPN question after all")
    past = utcnow() - timedelta(hours=1)
    db.session.execute(update(SimilarOpen).values(created_at=past))
    db.session.execute(update(Thread).where(Thread.author_id == w.other.id)
                       .values(created_at=past + timedelta(minutes=5)))  # fmt: skip
    db.session.commit()
    gaps = archive.doc_gaps(w.owner, w.module.id)
    assert (gaps.opens, gaps.answered_before_asking) == (2, 1)
