"""Cached post cards (forum/web/threads/cards.py): a cached page is the page rendered afresh,
for every kind of reader; any change shows at once; readers share cards; no card carries a
reader's secret."""

from __future__ import annotations

import re

import pytest

from forum.services import accounts, cohorts, posts, threads
from forum.web.threads.cards import card_cache
from tests import factories
from tests.web.test_threads_pages import fill_thread, send, w  # noqa: F401  (fixture)

READERS = ("a", "fac", "owner", "manager")


def page(client, thread_id: int) -> str:
    # The first view may send the reader to their first unread post: follow it.
    answer = client.get(f"/threads/{thread_id}", follow_redirects=True)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    # CSRF tokens carry the second they were signed in: the same session's page differs by it.
    tokens = re.findall(r'(?:name="csrf_token" value|name="csrf-token" content)="([^"]+)"', html)
    for token in set(tokens):
        html = html.replace(token, "TOKEN")
    return html


def fresh_cache(app, size: int):
    app.config["CARD_CACHE_SIZE"] = size
    app.extensions.pop("forum_cards", None)
    return card_cache(app)


@pytest.mark.parametrize("who", READERS)
def test_a_page_from_cached_cards_is_the_page_rendered_afresh(app, w, login, who):  # noqa: F811
    thread_id = fill_thread(w, 12)  # nested, deep, anonymous, voted, edited, deleted, accepted
    client = login(getattr(w, who))
    client.get(f"/threads/{thread_id}")  # moves the read mark: the views below only read

    fresh_cache(app, 0)
    uncached = page(client, thread_id)
    cache = fresh_cache(app, 4096)
    cold, warm = page(client, thread_id), page(client, thread_id)

    assert cold == uncached and warm == uncached
    info = cache.info()
    assert info.misses == 13  # the opening post and 12 replies, rendered once each
    assert info.hits >= 13  # the second view rendered nothing


def test_any_change_shows_at_once_with_the_cache_warm(app, w, login):  # noqa: F811
    thread = threads.create_thread(w.a, w.module_id, title="Which port?", body="5432 or 6432?")
    answer = posts.reply(w.fac, thread.id, body="It moved to 6432.")
    fresh_cache(app, 4096)
    client = login(w.a)
    before = page(client, thread.id)
    assert "Fay Facilitator" in before and "vote this up" in before

    send(client, f"/posts/{answer.id}/vote", {"value": "1"})
    assert "take back your vote" in page(client, thread.id)
    posts.edit(w.fac, answer.id, body="It moved to **6433**.")
    assert "<strong>6433</strong>" in page(client, thread.id)
    accounts.update_user(w.manager, w.fac.id, name="Fay Renamed")
    assert "Fay Renamed" in page(client, thread.id)
    threads.accept(w.a, thread.id, answer.id)
    shown = page(client, thread.id)
    assert "Accepted answer" in shown and "Withdraw acceptance" in shown
    posts.remove(w.fac, answer.id)
    shown = page(client, thread.id)
    assert "This post was removed." in shown and "6433" not in shown


def test_readers_who_would_see_the_same_card_share_it(app, w, login, manager):  # noqa: F811
    second = factories.make_user(name="Second Learner")
    cohorts.add_member(manager, w.cohort_a, second.id, "learner")
    thread = threads.create_thread(
        w.fac, w.module_id, title="Warm-up", body="Say hello.", cohort_id=w.cohort_a
    )
    for i in range(5):
        posts.reply(w.fac, thread.id, body=f"Hello {i}")
    cache = fresh_cache(app, 4096)
    page(login(w.a), thread.id)
    hits = cache.info().hits
    page(login(second), thread.id)  # another learner, with no vote or post of their own here
    assert cache.info().hits - hits == 6
    assert cache.info().misses == 6


def test_cards_carry_no_csrf_token_whatever_the_length_of_the_thread(app, w, login):  # noqa: F811
    client = login(w.a)
    fields = []
    for n in (3, 30):
        html = page(client, fill_thread(w, n))
        cards = re.findall(r'<article class="post.*?</article>', html, flags=re.S)
        assert len(cards) == n + 1  # the opening post and the replies (accepted one first)
        assert not any("csrf" in card for card in cards)
        # The posts' buttons name the one form that carries the token.
        assert html.count('form="post-actions"') >= n
        fields.append(html.count('name="csrf_token"'))
    assert fields[0] == fields[1]


def test_the_cache_is_bounded(app, w, login):  # noqa: F811
    cache = fresh_cache(app, 5)
    page(login(w.a), fill_thread(w, 12))
    assert cache.info().currsize == 5
