"""Post cards: each post of a thread page, rendered once per distinct content and reused.

A card (``templates/threads/_card.html``) is a pure function of a ``Card``: the post's
stored HTML and state, the author's name as this reader may know it, and the few things
this reader may do to it (vote state, reply, accept, edit). Nothing else goes in: no
request, no session, no CSRF token (the card's buttons belong to the page's one
``post-actions`` form, which carries it), no clock (the "3 h ago" text is a field). So a
card can be cached keyed by the card itself: two readers who would see the same card share
one rendering, and any change to anything a card shows (an edit, a vote, a rename, an
acceptance, a minute more on the clock) makes a different key, never a stale card. Nothing
needs invalidating, which is what lets every worker process keep its own cache.

The cache is a bounded LRU per app (``CARD_CACHE_SIZE`` cards, 0 to turn it off; it is off
while templates auto-reload, so that a template edit shows at once in development).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from flask import Flask, current_app
from markupsafe import Markup

from forum.models import Thread
from forum.services.threads import PostView
from forum.web import ago
from forum.web.names import handle_beside
from forum.web.threads.display import Entry

TEMPLATE = "threads/_card.html"


class Quote(NamedTuple):
    """The post a deep reply answers, quoted above it."""

    post_id: int
    who: str  # its author's name, or "Anonymous"
    body_html: str | None  # None: the post was removed


class Card(NamedTuple):
    """Everything one post card shows; the cache key (a tuple, so hashing is cheap)."""

    post_id: int
    question: bool  # the thread is a question (the opening post is labelled so)
    opening: bool
    accepted: bool  # shown first, as the accepted answer
    deleted: bool
    anonymous: bool
    author_id: int | None
    author_name: str | None  # None: hidden from this reader, or a deleted account
    author_handle: str | None  # beside the name when another person's reads the same
    created_at: datetime
    ago: str
    edited: bool
    body_html: str | None  # None when deleted: a removed post's text is never sent
    quote: Quote | None
    score: int
    voted: bool
    may_vote: bool  # not on one's own post
    may_reply: bool
    accept: str  # "accept", "withdraw" or "" (no button)
    editable: bool  # the reader may edit and delete it
    thread_url: str
    posts_url: str  # {posts_url}/{id}/edit
    users_url: str  # {users_url}/{id}


class CardCache:
    """Renders cards through the template's macro, remembering the last ``size`` of them."""

    def __init__(self, app: Flask) -> None:
        self._env = app.jinja_env
        size = app.config["CARD_CACHE_SIZE"]
        if size and not app.jinja_env.auto_reload:
            self.render = lru_cache(maxsize=size)(self._render)
        else:
            self.render = self._render

    def _render(self, card: Card) -> Markup:
        module = self._env.get_template(TEMPLATE).module
        return Markup(module.post_card(card))  # type: ignore[attr-defined]  # a Jinja macro

    def info(self):
        """Hits, misses and size (``functools`` cache info), or None when not caching."""
        return self.render.cache_info() if hasattr(self.render, "cache_info") else None


def card_cache(app: Flask | None = None) -> CardCache:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # Flask types the proxy as the app
    cache = app.extensions.get("forum_cards")
    if cache is None:
        cache = app.extensions["forum_cards"] = CardCache(app)
    return cache


class ThreadCards:
    """What every card of one thread page shares for this reader, worked out once per page;
    ``card(...)`` makes each post's ``Card`` and returns its (usually cached) HTML."""

    def __init__(
        self,
        thread: Thread,
        *,
        may_reply: bool,
        may_accept: bool,
        editable: set[int],
        votable: set[int],
        urls: tuple[str, str, str],  # the thread page, the posts' root, the profiles' root
        now: datetime,
        cache: CardCache,
    ) -> None:
        self.question = thread.kind == "question"
        self.accepted_id = thread.accepted_post_id
        self.may_reply = may_reply
        self.may_accept = may_accept
        self.editable = editable
        self.votable = votable
        self.thread_url, self.posts_url, self.users_url = urls
        self.now = now
        self._render = cache.render

    def card(
        self,
        pv: PostView,
        *,
        opening: bool = False,
        accepted: bool = False,
        quoted: PostView | None = None,
    ) -> Markup:
        p, author = pv.post, pv.author
        deleted = p.deleted
        if self.may_accept and not opening:
            accept = "withdraw" if p.id == self.accepted_id else "accept"
        else:
            accept = ""
        return self._render(
            Card(
                p.id,
                self.question,
                opening,
                accepted,
                deleted,
                p.anonymous,
                author.id if author is not None else None,
                author.name if author is not None else None,
                handle_beside(author),
                p.created_at,
                ago(p.created_at, self.now),
                p.edited_at is not None,
                None if deleted else p.body_html,
                quote_of(quoted) if quoted is not None else None,
                p.score,
                bool(pv.my_vote),
                p.id in self.votable,
                self.may_reply,
                accept,
                p.id in self.editable,
                self.thread_url,
                self.posts_url,
                self.users_url,
            )
        )

    def fill(self, entries: list[Entry]) -> list[Entry]:
        """Each entry's card, made here in one pass (cheaper than a template call per post)."""
        card = self.card
        for e in entries:
            e.html = None if e.moved_up else card(e.post)
            for c in e.children:
                c.html = None if c.moved_up else card(c.post, quoted=c.quoted)
        return entries


def quote_of(pv: PostView) -> Quote:
    p = pv.post
    if p.anonymous or pv.author is None:
        who = "Anonymous"
    else:
        handle = handle_beside(pv.author)
        who = f"{pv.author.name} (@{handle})" if handle else pv.author.name
    return Quote(p.id, who, None if p.deleted else p.body_html)
