"""The search interface: documents in, hits out. Two backends implement it (Whoosh, the
embedded default, and PostgreSQL full-text search); nothing outside ``forum/search/``
knows which one runs.

The database is the source of truth. A backend only holds ``Document``s derived from it
(``documents.py``), kept current through the outbox (``indexing.py``), and can always be
rebuilt from scratch.

Who may see a hit is decided inside the query, never after it, so that totals and pages
are right: the service passes a ``Scope`` (made by ``permissions.search_scope``), and each
backend turns it into its own filter. A document is visible to a scope when

    scope.everything
    or (doc.module_id in scope.modules
        and (doc.visibility == "everyone"
             or doc.cohort_id in scope.cohorts
             or doc.module_id in scope.owned_modules))
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

TYPES = ("thread", "post", "module", "faq", "transcript")

# Snippets are made with these two characters around each match, then escaped as a whole
# and turned into <mark> tags (``marked``): no backend ever builds HTML from text itself.
MARK_START = "\x02"
MARK_END = "\x03"

# Queries are cut here: longer text is no better a question, and only costs time.
QUERY_MAX = 500


@dataclass(frozen=True)
class Document:
    """What one searchable object contributes to the index.

    ``key`` is unique across types ("thread:12", "post:40", "module:3", "faq:7",
    "transcript:5"); the key of the object itself is ``f"{type}:{id}"``.
    """

    type: str  # one of TYPES
    id: int  # the object's own id (for "transcript", the office hour's)
    module_id: int
    thread_id: int | None  # the thread a thread or post belongs to; else None
    cohort_id: int | None
    visibility: str  # "everyone" or "cohort"
    kind: str  # a thread's kind ("question", "discussion"); "" for other types
    answered: bool  # a question thread (or a post of one) with an accepted answer
    author_id: int | None  # None when anonymous or not a person's text (module, faq)
    created_at: datetime
    title: str  # searched, weighted above the body: thread title, module title, FAQ question
    body: str  # searched: plain text of the opening post, reply, lesson, FAQ answer, transcript
    answer: str = ""  # searched, weighted like the body: a question's accepted answer text
    label: str = ""  # shown, never searched: what a hit is titled (a reply: its thread)

    @property
    def key(self) -> str:
        return f"{self.type}:{self.id}"


@dataclass(frozen=True)
class Scope:
    """What the searcher may see; see the module's docstring for the rule."""

    everything: bool = False
    modules: frozenset[int] = frozenset()
    owned_modules: frozenset[int] = frozenset()
    cohorts: frozenset[int] = frozenset()

    def allows(self, doc: Document) -> bool:
        """The rule in Python: the reference the backends' filters are tested against."""
        if self.everything:
            return True
        return doc.module_id in self.modules and (
            doc.visibility == "everyone"
            or doc.cohort_id in self.cohorts
            or doc.module_id in self.owned_modules
        )


@dataclass(frozen=True)
class Filters:
    """The caller's narrowing of a search (API.md's ``GET /search`` filters)."""

    module_id: int | None = None
    cohort_id: int | None = None
    kind: str | None = None
    answered: bool = False  # only answered questions (and their posts)
    type: str | None = None  # one of TYPES


@dataclass(frozen=True)
class Hit:
    type: str
    id: int
    thread_id: int | None
    module_id: int
    title: str  # the document's label, or its title
    snippet: str  # escaped text in which only <mark> tags are live
    score: float
    answered: bool = False  # a question with an accepted answer (or a post of one)


@dataclass
class Results:
    hits: list[Hit]
    total: int  # every visible match, not only this page's
    page: int
    per_page: int
    suggestion: str | None = None  # set by the service, never by a backend


# How long a worker waits for the writing turn (``writing_turn``) before it puts its batch
# off: a turn lasts one batch's read and write, well under a second even under a flood.
TURN_WAIT = 1.0

WRITERS = ("process", "thread")  # FORUM_SEARCH_WRITER: where Whoosh's changes are written


class IndexBusy(Exception):
    """Another process is writing the index: try again shortly; nothing is lost."""


class SearchBackend(Protocol):
    name: str

    def apply(self, upserts: list[Document], deletes: list[str]) -> None:
        """Add or replace ``upserts`` (by key) and remove the ``deletes`` keys, as one change.

        Raises ``IndexBusy`` when it cannot write now (another writer holds the index);
        never waits long for it.
        """

    def writing_turn(self) -> AbstractContextManager[None]:
        """Held from reading a batch's documents in the database until they are written, so
        that no other worker of any process reads later and writes earlier: two quick edits
        of one post are written in the order they were read, and the newer text stays.
        Raises ``IndexBusy`` when another worker holds it for longer than a moment."""

    def settle(self) -> bool:
        """A step of the upkeep put off while changes kept coming (Whoosh merges its
        segments), taken when the outbox is empty; True when more steps are due. Cheap
        when there is none; never raises ``IndexBusy``."""

    def search(
        self, query: Parsed, filters: Filters, scope: Scope, page: int, per_page: int
    ) -> Results:
        """Visible matches, best first, with the exact total of visible matches.

        English stemming; ``query.words`` OR'd (documents with more of them, and with them
        in the title, rank first); each phrase matched as a phrase; each prefix as a
        prefix. Answered questions rank above unanswered ones of like relevance
        (``ANSWERED_BOOST``). Only stop words, or nothing: no hits. Never raises on any
        query and never runs long (the parser bounds the terms)."""

    def corrected(self, query: Parsed) -> str | None:
        """The query's words with misspelled ones replaced by the closest indexed word (as
        a query string: words, then "phrases", then prefix*), or None when no word changes.
        Knows nothing of scopes: the service offers it only when the corrected query has
        visible hits, so it never spells out a word the caller may not see."""

    def rebuild(self, documents: Iterable[Document], progress: Callable[[int], None]) -> None:
        """Build a fresh index from ``documents`` beside the current one, then put it in
        place in one step. Search keeps answering from the old index meanwhile."""

    def status(self) -> str:
        """ "ok", or "down" when the index is missing or unreadable."""

    def writable(self) -> bool:
        """Whether changes can be written to the index now (a readable index may not take
        them: a read-only or failing disk). Health reports search down while they cannot."""

    def reset(self) -> None:
        """Forget everything indexed (tests; a missing index before a rebuild)."""


def marked(snippet: str) -> str:
    """A snippet made with MARK_START/MARK_END around matches, as safe HTML."""
    return html.escape(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def plain_text(text: str) -> str:
    """Text fit for an index: no control characters (the snippet marks among them)."""
    return _CONTROL.sub(" ", text)


@dataclass
class Parsed:
    """Query text as both backends read it, so they agree on what a query means.

    Words are OR'd (a paraphrase rarely shares every word); hits with more of them rank
    first. Operators (AND, OR, NOT, -, ~, ^), unbalanced quotes and other punctuation are
    read as spaces: nothing a person types is an error.
    """

    words: list[str] = field(default_factory=list)  # lower case, in order, no repeats
    phrases: list[list[str]] = field(default_factory=list)  # "two or more words"
    prefixes: list[str] = field(default_factory=list)  # word* (PREFIX_MIN letters or more)

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases or self.prefixes)


PREFIX_MIN = 3  # "a*" would expand to thousands of terms
WORD_MAX = 60  # longer "words" are not words anyone searches for
ANSWERED_BOOST = 1.5
TERMS_MAX = 24  # more words than any question has; bounds the work of one query
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PHRASE = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w+\*?")
_OPERATORS = {"and", "or", "not"}


T = TypeVar("T")


def parse_query(text: str) -> Parsed:
    text = plain_text(text or "")[:QUERY_MAX]
    parsed = Parsed()
    seen: set[str] = set()

    def add(bucket: list[T], item: T) -> None:
        marker = repr(item)
        if marker not in seen and len(seen) < TERMS_MAX:
            seen.add(marker)
            bucket.append(item)

    for phrase in _PHRASE.findall(text):
        words = [w.lower() for w in re.findall(r"\w+", phrase) if len(w) <= WORD_MAX]
        if len(words) > 1:
            add(parsed.phrases, words)
        elif words:
            add(parsed.words, words[0])
    rest = _PHRASE.sub(" ", text)
    for token in _WORD.findall(rest):
        word = token.rstrip("*").lower()
        if word in _OPERATORS or len(word) > WORD_MAX:
            continue  # English stop words anyway; as operators they mean nothing here
        if token.endswith("*") and len(word) >= PREFIX_MIN:
            add(parsed.prefixes, word)
        else:
            add(parsed.words, word)
    return parsed
