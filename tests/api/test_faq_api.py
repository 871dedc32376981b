"""Promoting accepted answers into a module's FAQ, and keeping the FAQ (API.md)."""

from __future__ import annotations

import pytest

from forum.models import FaqEntry
from forum.services import threads
from tests.api.discussion import answer, ask, build_world, rows
from tests.api.helpers import expect_error, expect_invalid, fresh, is_utc_iso, user_ref

FAQ_KEYS = {"id", "module_id", "question", "answer", "answer_html", "source_thread_id",
            "promoted_by", "position", "created_at"}  # fmt: skip


@pytest.fixture
def w(app):
    return build_world()


def _answered(w, **kw):
    thread = ask(w.asker, w.module.id, title="Where do API keys live?", **kw)
    reply = answer(w.learner, thread.id, body="    vault read secret/api\n\nIn the vault.")
    threads.accept(w.asker, thread.id, reply.id)
    return thread, reply


def test_the_owner_promotes_the_accepted_answer_and_the_module_shows_it(api, w):
    thread, reply = _answered(w)
    r = api(w.owner).post(f"/threads/{thread.id}/promote", json={})
    assert r.status_code == 201, r.get_data(as_text=True)
    entry = r.get_json()
    assert set(entry) == FAQ_KEYS
    assert entry["question"] == "Where do API keys live?"
    assert entry["answer"] == reply.body  # as written, the indented code line included
    assert "<pre><code>" in entry["answer_html"]
    assert entry["source_thread_id"] == thread.id and is_utc_iso(entry["created_at"])
    assert entry["promoted_by"] == user_ref(w.owner)
    module = api(w.member).get(f"/modules/{w.module.id}").get_json()
    assert module["faq"] == [entry]


def test_the_promoter_may_edit_the_text_before_it_is_published(api, w):
    thread, _ = _answered(w)
    body = {"question": "  Where are API keys kept?  ", "answer": "In the vault."}
    entry = api(w.manager).post(f"/threads/{thread.id}/promote", json=body).get_json()
    assert (entry["question"], entry["answer"]) == ("Where are API keys kept?", "In the vault.")


def test_a_cohort_answer_is_published_but_its_thread_stays_private(api, w):
    thread, _ = _answered(w, cohort_id=w.cohort_a)
    entry = api(w.owner).post(f"/threads/{thread.id}/promote", json={}).get_json()
    faq = api(w.other).get(f"/modules/{w.module.id}").get_json()["faq"]
    assert [e["id"] for e in faq] == [entry["id"]]
    expect_error(api(w.other).get(f"/threads/{entry['source_thread_id']}"), 404)


def test_no_accepted_answer_is_a_conflict(api, w):
    thread = ask(w.asker, w.module.id)
    expect_error(api(w.owner).post(f"/threads/{thread.id}/promote", json={}), 409)
    assert rows(FaqEntry) == 0


@pytest.mark.parametrize("who, status", [("asker", 403), ("facilitator", 403), ("other", 403)])
def test_only_the_owner_and_managers_promote(api, w, who, status):
    thread, _ = _answered(w)
    expect_error(api(getattr(w, who)).post(f"/threads/{thread.id}/promote", json={}), status)
    assert rows(FaqEntry) == 0


def test_a_thread_the_caller_cannot_see_is_404(api, w):
    thread, _ = _answered(w, cohort_id=w.cohort_a)
    expect_error(api(w.other).post(f"/threads/{thread.id}/promote", json={}), 404)


def test_entries_are_edited_reordered_and_removed(api, w):
    first, _ = _answered(w)
    second = ask(w.asker, w.module.id, title="Who approves access?")
    threads.accept(w.asker, second.id, answer(w.learner, second.id, body="Your lead.").id)
    a = api(w.owner).post(f"/threads/{first.id}/promote", json={}).get_json()
    b = api(w.owner).post(f"/threads/{second.id}/promote", json={}).get_json()
    r = api(w.owner).patch(f"/faq/{b['id']}", json={"position": 0, "answer": "Your team lead."})
    assert r.status_code == 200 and r.get_json()["answer"] == "Your team lead."
    order = [e["id"] for e in api(w.member).get(f"/modules/{w.module.id}").get_json()["faq"]]
    assert order == [b["id"], a["id"]]
    assert api(w.manager).delete(f"/faq/{a['id']}").status_code == 204
    assert [e["id"] for e in api(w.member).get(f"/modules/{w.module.id}").get_json()["faq"]] == [
        b["id"]
    ]
    expect_error(api(w.asker).patch(f"/faq/{b['id']}", json={"answer": "x"}), 403)
    expect_error(api(w.asker).delete(f"/faq/{b['id']}"), 403)
    expect_error(api(w.owner).delete("/faq/99999"), 404)


@pytest.mark.parametrize(
    "body, field",
    [({"question": ""}, "question"), ({"answer": "   "}, "answer"), ({"position": -1}, "position"),
     ({"position": "1"}, "position"), ({"question": "x" * 201}, "question")],
)  # fmt: skip
def test_bad_changes_are_invalid(api, w, body, field):
    thread, _ = _answered(w)
    entry = api(w.owner).post(f"/threads/{thread.id}/promote", json={}).get_json()
    expect_invalid(api(w.owner).patch(f"/faq/{entry['id']}", json=body), field)
    assert fresh().get(FaqEntry, entry["id"]).question == "Where do API keys live?"
