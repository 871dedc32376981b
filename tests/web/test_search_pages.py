"""The search page and the header's search box."""

from __future__ import annotations

import pytest

from forum.background import run_pending
from tests.api.discussion import answer, ask, build_world
from tests.web.conftest import text_of


@pytest.fixture
def w(app, backend):
    world = build_world()
    thread = ask(world.asker, world.module.id, title="Badge access after hours",
                 body="My badge stops working at 8pm.")  # fmt: skip
    answer(world.learner, thread.id, body="Facilities extend badge hours on request.")
    while sum(run_pending()):
        pass
    return world


def test_results_show_marked_matches_and_link_to_them(login, w):
    page = login(w.member).get("/search?q=badge")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<mark>badge</mark>" in html.lower()
    assert "/threads/" in html and "2 results" in text_of(page)


def test_every_page_has_the_search_box(login, w):
    html = login(w.member).get("/").get_data(as_text=True)
    assert 'role="search"' in html and 'name="q"' in html


def test_a_misspelling_offers_the_correction(login, w):
    assert "Did you mean badge" in text_of(login(w.member).get("/search?q=bdge"))


@pytest.mark.parametrize("q", ['"', "AND", "*", "a*", "x" * 5000, "%00"])
def test_odd_queries_are_pages_not_errors(login, w, q):
    assert login(w.member).get(f"/search?q={q}").status_code == 200


@pytest.mark.parametrize("query", ["type=bogus", "module_id=abc", "page=0"])
def test_bad_filters_are_a_clear_400(login, w, query):
    assert login(w.member).get(f"/search?q=badge&{query}").status_code == 400


def test_an_answered_question_says_so_in_the_results(login, w):
    from forum.models import Post, Thread
    from forum.services import threads
    from tests.api.helpers import fresh

    thread = fresh().query(Thread).one()
    reply = fresh().query(Post).filter(Post.thread_id == thread.id).order_by(Post.id.desc()).first()
    threads.accept(w.asker, thread.id, reply.id)
    while sum(run_pending()):
        pass
    assert "Answered" in text_of(login(w.member).get("/search?q=badge&type=thread"))
