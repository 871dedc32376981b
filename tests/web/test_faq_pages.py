"""FAQ pages: the promote button, the editable draft, the module's FAQ, folding, removing."""

from __future__ import annotations

import pytest

from forum.models import FaqEntry, Module
from forum.services import faq, threads
from tests.api.discussion import answer, ask, build_world
from tests.api.helpers import fresh
from tests.web.conftest import post_form, text_of


@pytest.fixture
def w(app):
    world = build_world()
    thread = ask(world.asker, world.module.id, title="Where do API keys live?",
                 cohort_id=world.cohort_a)  # fmt: skip
    reply = answer(world.learner, thread.id, body="In the **vault**.")
    threads.accept(world.asker, thread.id, reply.id)
    world.thread = thread
    return world


def test_the_owner_sees_the_button_and_publishes_an_edited_draft(login, w):
    client = login(w.owner)
    assert f"/threads/{w.thread.id}/promote" in client.get(f"/threads/{w.thread.id}").text
    draft = client.get(f"/threads/{w.thread.id}/promote")
    assert draft.status_code == 200 and "In the **vault**." in draft.text
    assert "open to its cohort only" in text_of(draft)
    data = {"question": "Where are keys kept?", "answer": "In the vault, always."}
    r = post_form(client, f"/threads/{w.thread.id}/promote", data)
    assert r.status_code == 302 and "#faq-" in r.headers["Location"]
    page = login(w.other).get(f"/modules/{w.module.id}")
    assert "Where are keys kept?" in page.text and "In the vault, always." in page.text
    assert f'href="/threads/{w.thread.id}"' not in page.text  # the thread stays private
    assert "From a discussion" in text_of(page)


def test_learners_see_no_button_and_cannot_promote(login, w):
    client = login(w.asker)
    assert "/promote" not in client.get(f"/threads/{w.thread.id}").text
    assert client.get(f"/threads/{w.thread.id}/promote").status_code == 403
    assert post_form(client, f"/threads/{w.thread.id}/promote",
                     {"question": "q", "answer": "a"}).status_code == 403  # fmt: skip
    assert fresh().query(FaqEntry).count() == 0


def test_folding_an_entry_into_the_lesson_makes_a_revision(login, w):
    entry_id = faq.promote(w.owner, w.thread.id).id
    revision = w.module.revision
    r = post_form(login(w.owner), f"/faq/{entry_id}/fold")
    assert r.status_code == 302
    module = fresh().get(Module, w.module.id)
    assert module.revision == revision + 1
    assert "### Where do API keys live?" in module.body and "In the **vault**." in module.body
    assert fresh().get(FaqEntry, entry_id) is None


def test_editing_and_removing_an_entry(login, w):
    entry = faq.promote(w.owner, w.thread.id)
    entry_id = entry.id
    client = login(w.manager)
    assert client.get(f"/faq/{entry_id}/edit").status_code == 200
    r = post_form(client, f"/faq/{entry.id}/edit",
                  {"question": "Keys?", "answer": "Vault.", "position": "3"})  # fmt: skip
    assert r.status_code == 302
    assert fresh().get(FaqEntry, entry.id).question == "Keys?"
    r = post_form(client, f"/faq/{entry.id}/edit", {"question": "", "answer": "x",
                                                     "position": "1"})  # fmt: skip
    assert r.status_code == 400
    assert post_form(client, f"/faq/{entry_id}/remove").status_code == 302
    assert fresh().get(FaqEntry, entry_id) is None


def test_a_lesson_change_marks_an_entry_for_review(w):
    from forum.services import modules

    entry = faq.promote(w.owner, w.thread.id)
    assert not faq.needs_review(entry)
    modules.update_module(w.owner, w.module.id, body="A new lesson text.")
    assert faq.needs_review(fresh().get(FaqEntry, entry.id))
    faq.mark_reviewed(w.owner, entry.id)
    assert not faq.needs_review(fresh().get(FaqEntry, entry.id))
