"""GET /api/v1/search: the contract's envelope, filters, snippets and permissions."""

from __future__ import annotations

import pytest

from forum.background import run_pending
from tests.api.discussion import answer, ask, build_world
from tests.api.helpers import expect_error, expect_invalid


@pytest.fixture
def w(app, backend):
    world = build_world()
    public = ask(world.asker, world.module.id, title="Rotating the signing key",
                 body="Which <b>command</b> rotates it?")  # fmt: skip
    answer(world.learner, public.id, body="Use the rotate command with --force.")
    ask(world.asker, world.module.id, title="Signing key for our cohort only",
        cohort_id=world.cohort_a)  # fmt: skip
    while sum(run_pending()):
        pass
    return world


def test_hits_come_in_the_list_envelope_with_a_suggestion_key(api, w):
    r = api(w.member).get("/search?q=rotate")
    body = r.get_json()
    assert set(body) == {"items", "page", "per_page", "total", "suggestion"}
    assert body["suggestion"] is None and body["total"] == len(body["items"])
    items = body["items"]
    assert {i["type"] for i in items} == {"thread", "post"}
    for item in items:
        assert set(item) == {"type", "id", "thread_id", "module_id", "title", "snippet", "url",
                             "score"}  # fmt: skip
        assert item["url"].startswith("/threads/")
        assert "<mark>" in item["snippet"]
    assert all("<b>" not in i["snippet"] for i in items)


def test_a_cohort_private_thread_never_reaches_outsiders(api, w):
    inside = api(w.asker).get("/search?q=signing").get_json()
    outside = api(w.other).get("/search?q=signing").get_json()
    assert inside["total"] == 2 and outside["total"] == 1
    assert "cohort only" not in str(outside).lower()
    filtered = api(w.other).get(f"/search?q=signing&cohort_id={w.cohort_a}").get_json()
    assert filtered["total"] == 0 and filtered["items"] == []


def test_did_you_mean(api, w):
    body = api(w.member).get("/search?q=rotatin+signng").get_json()
    assert body["suggestion"] == "rotating signing"


@pytest.mark.parametrize(
    "query, field",
    [("module_id=abc", "module_id"), ("type=bogus", "type"), ("kind=poll", "kind"),
     ("page=0", "page"), ("cohort_id=-1", "cohort_id"), ("per_page=0", "per_page")],
)  # fmt: skip
def test_bad_filters_are_invalid_input(api, w, query, field):
    expect_invalid(api(w.member).get(f"/search?q=key&{query}"), field)


@pytest.mark.parametrize(
    "q",
    ['"unbalanced', "AND", "-", "*", "~", "a*", "x" * 10_000, "%00%01", "the of and", "", "%22"],
)
def test_hostile_queries_answer_200(api, w, q):
    r = api(w.member).get(f"/search?q={q}")
    assert r.status_code == 200
    assert r.get_json()["total"] == len(r.get_json()["items"]) <= 20


def test_signing_in_is_needed(api, w):
    expect_error(api().get("/search?q=key"), 401)
