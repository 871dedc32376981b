"""The embedded search backend: a Whoosh index in one folder on local disk.

Several threads and several processes share the folder. Whoosh allows one writer at a
time (a file lock); ``apply`` never waits for it for long and says ``IndexBusy`` instead.
A rebuild writes a complete index in a sibling folder and renames it into place; every
folder carries a random id (``ID_FILE``), and a searcher whose folder's id changed is
reopened, in this process or any other. Changes applied while a rebuild runs go to the
live index and into a journal in the rebuild's folder, replayed before the swap, so none
is lost.

A process keeps one searcher, used by one search at a time (see ``_searcher``), kept while
the index is unchanged (one directory listing tells), else made again keeping the readers
of unchanged segments.

Ranking: BM25 per term over one field, ``text``, where the title is written
``TITLE_COPIES`` times so that its words weigh more; each query word, phrase and prefix is
one clause, and a document's score is multiplied by the share of clauses it
matches (Lucene's classic "coord"), then by ``ANSWERED_BOOST`` when it is answered.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import multiprocessing
import multiprocessing.connection
import operator
import os
import pickle
import re
import secrets
import shutil
import signal
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC
from functools import cached_property, partial, reduce
from itertools import islice
from typing import Any, TypeVar

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import STOP_WORDS, Analyzer, StandardAnalyzer, StemmingAnalyzer, Token
from whoosh.codec.base import Segment
from whoosh.collectors import TopCollector
from whoosh.fields import BOOLEAN, DATETIME, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.highlight import Formatter, Fragment
from whoosh.matching import ListMatcher, Matcher, NullMatcher
from whoosh.reading import EmptyReader, IndexReader, MultiReader, SegmentReader
from whoosh.scoring import BM25F
from whoosh.searching import Searcher
from whoosh.util.filelock import try_for
from whoosh.writing import IndexWriter

from forum.search.base import (
    ANSWERED_BOOST,
    MARK_END,
    MARK_START,
    TURN_WAIT,
    WRITERS,
    Document,
    Filters,
    Hit,
    IndexBusy,
    Parsed,
    Results,
    Scope,
    marked,
    plain_text,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

ID_FILE = "forum-index-id"  # a random id per index folder: a changed id means a swap
JOURNAL_FILE = "forum-journal"  # changes made while this folder was being built
WRITELOCK = "MAIN_WRITELOCK"  # Whoosh's own lock file name for the index "MAIN"
LOCK_WAIT = 0.1  # seconds apply waits for another writer before IndexBusy
SWAP_WAIT = 30.0  # seconds a rebuild waits for a running apply before its swap
# Searched: one field, "text", holding the title, body and answer, so that a word is one
# posting list to walk (a two-word query cost 24 ms at p95 over three fields at 100,000
# documents, 19.5 over "text" plus a boosted "title", 11.7 over "text" alone). The title
# is written again after the answer, which ranks a title's words higher (their frequency
# counts twice) without a second field to walk.
TITLE_COPIES = 2
PREFIX_TERMS = 200  # words one query's prefixes may expand to, in all
PREFIX_SCAN = 2000  # words looked at per segment to pick a prefix's most frequent
SNIPPET_CHARS = 200
SNIPPET_WINDOW = 2000  # characters after the first possible match that are analyzed
SNIPPET_MATCHES = 50  # matches looked at for the best run
PROGRESS_EVERY = 100
READ_RETRIES = 10  # reads that found a file a commit had just deleted
WRITER_MB = 256  # a rebuild's in-memory posting pool
_WORD = r"\w+"  # as parse_query splits words, so "example.com" is two words in both
_SPACES = re.compile(r"\s+")
PREFIX_SCORE = 1.0  # what a prefix's match adds, below most words' BM25F score
MERGE_FANIN = 10  # segments of one size tier merged into one
MERGE_MAX_DOCS = 10_000  # segments bigger than this are left to a reindex
MERGE_BUSY_DOCS = 200  # the most documents a commit of changes merges ...
MERGE_CEILING = 3 * MERGE_FANIN  # ... until a tier has this many segments


def _schema() -> Schema:
    return Schema(
        key=ID(unique=True, stored=True),
        type=ID(stored=True),
        visibility=ID(stored=True),
        kind=ID(stored=True),
        id=NUMERIC(stored=True),
        thread_id=NUMERIC(stored=True),  # 0: none
        module_id=NUMERIC(stored=True),
        cohort_id=NUMERIC(stored=True),  # 0: none
        author_id=NUMERIC(stored=True),  # 0: none
        answered=BOOLEAN(stored=True),
        created_at=DATETIME(stored=True),
        text=TEXT(analyzer=StemmingAnalyzer(expression=_WORD)),
        title=STORED(),  # shown (snippets), searched through "text"
        body=STORED(),
        answer=STORED(),
        label=STORED(),
        # Words as written (unstemmed): prefixes ("deploym*" finds "deployment", whose
        # stem is "deploy") and spelling suggestions come from here.
        spell=TEXT(analyzer=StandardAnalyzer(expression=_WORD), phrase=False),
    )


def _shape(schema: Schema) -> list[tuple[str, str]]:
    return sorted((name, type(field).__name__) for name, field in schema.items())


def _fields(doc: Document) -> dict[str, Any]:
    title, body, answer = plain_text(doc.title), plain_text(doc.body), plain_text(doc.answer)
    written = f"{title}\n{body}\n{answer}"
    created = doc.created_at
    if created.tzinfo is not None:  # Whoosh's DATETIME takes naive times: UTC
        created = created.astimezone(UTC).replace(tzinfo=None)
    return {
        "key": doc.key,
        "type": doc.type,
        "visibility": doc.visibility,
        "kind": doc.kind or "",
        "id": doc.id,
        "thread_id": doc.thread_id or 0,
        "module_id": doc.module_id,
        "cohort_id": doc.cohort_id or 0,
        "author_id": doc.author_id or 0,
        "answered": bool(doc.answered),
        "created_at": created,
        "title": title,
        "body": body,
        "answer": answer,
        "text": "\n".join([written] + [title] * (TITLE_COPIES - 1)),
        "label": plain_text(doc.label),
        "spell": written,
    }


class _NoIndex(Exception):
    """The folder is missing or holds no index."""


# Ranking. One matcher walks every clause's postings at once (a union of few leaves, each
# tagged with its clause), counts the clauses matching a document ("coord"), boosts the
# answered, and skips what the scope and filters exclude. Whoosh's own Or/And trees did the
# same three to five times slower in pure Python.


class _Ranking(Matcher):  # type: ignore[misc]  # whoosh ships no types
    def __init__(
        self,
        leaves: list[tuple[int, Matcher]],
        clauses: int,
        allowed: bytes | None,
        answered: bytes,
    ):
        self._leaves = [(clause, m) for clause, m in leaves if m.is_active()]
        self._clauses = clauses
        self._allowed = allowed  # a bitmap of this segment's visible documents; None: all
        self._answered = answered
        self._id: int | None = None
        self._settle()

    def _settle(self) -> None:
        """Stop at the first document some leaf is on, that the bitmap allows."""
        while self._leaves:
            docid = min(m.id() for _, m in self._leaves)
            if self._allowed is None or _has(self._allowed, docid):
                self._id = docid
                return
            self._step(docid)
        self._id = None

    def _step(self, docid: int) -> None:
        for _, m in self._leaves:
            if m.id() == docid:
                m.next()
        self._leaves = [(clause, m) for clause, m in self._leaves if m.is_active()]

    def is_active(self) -> bool:
        return self._id is not None

    def id(self) -> int | None:
        return self._id

    def next(self) -> None:
        if self._id is not None:
            self._step(self._id)
        self._settle()

    def skip_to(self, docid: int) -> None:
        for _, m in self._leaves:
            if m.id() < docid:
                m.skip_to(docid)
        self._leaves = [(clause, m) for clause, m in self._leaves if m.is_active()]
        self._settle()

    def replace(self, minquality: float = 0) -> Matcher:
        return self if self.is_active() else NullMatcher

    def supports_block_quality(self) -> bool:
        return False  # every match is scored: the total is exact

    def children(self) -> list[Matcher]:
        return [m for _, m in self._leaves]

    def score(self) -> float:
        docid = self._id
        assert docid is not None, "the score of an inactive matcher"
        total = 0.0
        matched = set()
        for clause, m in self._leaves:
            if m.id() == docid:
                total += m.score()
                matched.add(clause)
        total *= len(matched) / self._clauses
        return total * ANSWERED_BOOST if _has(self._answered, docid) else total


def _has(bitmap: bytes, docid: int) -> bool:
    byte = docid >> 3
    return byte < len(bitmap) and bool(bitmap[byte] >> (docid & 7) & 1)


class _DocSets:
    """Which documents of a segment a filter query matches, as a bitmap. A segment's
    documents never change (a deleted one only disappears from its postings), so each
    term's bitmap is computed once per segment and kept, and a scope or filter (an
    And/Or tree of terms) is combined from them with integer bit operations: a filter
    met for the first time costs only its new terms, not a walk over every visible
    document through Whoosh's matchers (about a second at 100,000 documents)."""

    def __init__(self, size: int = 1024):
        self._size = size
        self._maps: OrderedDict[tuple[str, str], int] = OrderedDict()

    def get(self, searcher: Searcher, q: wq.Query) -> bytes:
        length = searcher.reader().doc_count_all() // 8 + 1
        return self._bits(searcher, q).to_bytes(length, "little")

    def _bits(self, searcher: Searcher, q: wq.Query) -> int:
        if isinstance(q, wq.And) and q.subqueries:
            return reduce(operator.and_, (self._bits(searcher, sub) for sub in q.subqueries))
        if isinstance(q, wq.Or):
            return reduce(operator.or_, (self._bits(searcher, sub) for sub in q.subqueries), 0)
        segment = getattr(searcher.reader(), "segment", lambda: None)()
        if segment is None:
            return self._bitmap(searcher, q)
        key = (segment.segment_id(), repr(q))
        if key in self._maps:
            self._maps.move_to_end(key)
        else:
            self._maps[key] = self._bitmap(searcher, q)
            while len(self._maps) > self._size:
                self._maps.popitem(last=False)
        return self._maps[key]

    @staticmethod
    def _bitmap(searcher: Searcher, q: wq.Query) -> int:
        bits = bytearray(searcher.reader().doc_count_all() // 8 + 1)
        for docid in q.docs(searcher):
            bits[docid >> 3] |= 1 << (docid & 7)
        return int.from_bytes(bits, "little")


_ANSWERED = wq.Term("answered", True)


class _Ranked(wq.Query):  # type: ignore[misc]  # whoosh ships no types
    """Documents matching any clause (a list of queries, or a prefix's words) and the
    ``required`` query, scored by ``_Ranking``."""

    def __init__(self, plan: _Plan, required: wq.Query | None, docsets: _DocSets):
        self.plan = plan
        self.required = required
        self.docsets = docsets
        self.boost = 1.0

    def __repr__(self) -> str:
        return f"_Ranked({self.plan!r}, required={self.required!r})"

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def matcher(self, searcher: Searcher, context: Any = None) -> _Ranking:
        leaves: list[tuple[int, Matcher]] = []
        for clause, q in enumerate(self.plan.clauses):
            leaves.append((clause, q.matcher(searcher, context)))
        for clause, words in enumerate(self.plan.prefix_words, len(self.plan.clauses)):
            leaves.append((clause, _prefix_matcher(searcher, words)))
        allowed = self.docsets.get(searcher, self.required) if self.required else None
        answered = self.docsets.get(searcher, _ANSWERED)
        return _Ranking(leaves, self.plan.size, allowed, answered)


def _prefix_matcher(searcher: Searcher, words: list[str]) -> Matcher:
    """The documents holding any of a prefix's words, each scoring ``PREFIX_SCORE``
    (like Whoosh's Prefix query: a completion says little about relevance)."""
    reader = searcher.reader()
    docs: set[int] = set()
    for word in words:
        if reader.doc_frequency("spell", word):
            docs.update(reader.postings("spell", word).all_ids())
    return ListMatcher(sorted(docs), all_weights=PREFIX_SCORE) if docs else NullMatcher


# Queries from Parsed: never Whoosh's query parser on what a person typed.


def _analyzed(analyzer: Analyzer, word: str) -> list[str]:
    return [token.text for token in analyzer(word, mode="query")]


@dataclass
class _Plan:
    """What a query looks for (each item one clause) and what its snippets mark."""

    clauses: list[wq.Query]  # a word's or a phrase's query
    prefix_words: list[list[str]]  # the indexed words each prefix stands for
    stems: set[str]  # words and phrases' words, stemmed
    prefixes: tuple[str, ...]
    phrases: list[list[str]]

    @property
    def size(self) -> int:
        return len(self.clauses) + len(self.prefix_words)

    @cached_property
    def candidates(self) -> re.Pattern[str] | None:
        """Where a match may start: a word beginning like a stem (a stem may end unlike
        its words: "possibility" is "possibl") or a prefix."""
        starts = {s[: max(2, len(s) - 2)] for s in self.stems} | set(self.prefixes)
        if not starts:
            return None
        alternatives = "|".join(re.escape(s) for s in sorted(starts, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})", re.IGNORECASE)


def _plan(searcher: Searcher, parsed: Parsed) -> _Plan:
    analyzer = searcher.schema["text"].analyzer
    stems: list[str] = []
    phrases: list[list[str]] = []
    for word in parsed.words:
        stems.extend(s for s in _analyzed(analyzer, word) if s not in stems)
    for phrase in parsed.phrases:
        words = [s for w in phrase for s in _analyzed(analyzer, w)]
        if len(words) > 1:
            phrases.append(words)
        elif words and words[0] not in stems:
            stems.append(words[0])
    clauses: list[wq.Query] = [wq.Term("text", s) for s in stems]
    clauses += [wq.Phrase("text", p) for p in phrases]
    prefixes = tuple(parsed.prefixes)
    budget = max(20, PREFIX_TERMS // max(1, len(prefixes)))
    expanded = [_expand(searcher, prefix, budget) for prefix in prefixes]
    highlighted = set(stems) | {w for p in phrases for w in p}
    expanded = [words for words in expanded if words]
    return _Plan(clauses, expanded, highlighted, prefixes, phrases)


def _expand(searcher: Searcher, prefix: str, limit: int) -> list[str]:
    """The ``limit`` most frequent indexed words starting with ``prefix``: a bounded
    look at each segment's word list, however many words the prefix would match."""
    frequency: dict[bytes, int] = {}
    for reader, _ in searcher.reader().leaf_readers():
        for text, info in islice(reader.iter_prefix("spell", prefix), PREFIX_SCAN):
            frequency[text] = frequency.get(text, 0) + info.doc_frequency()
    best = sorted(frequency, key=lambda t: (-frequency[t], t))[:limit]
    return [t.decode("utf-8") for t in best]


def _visible(scope: Scope) -> wq.Query | None:
    """``Scope.allows`` as a query; None when everything is visible."""
    if scope.everything:
        return None
    modules = wq.Or([wq.Term("module_id", m) for m in sorted(scope.modules)])
    seen = [wq.Term("visibility", "everyone")]
    seen += [wq.Term("cohort_id", c) for c in sorted(scope.cohorts)]
    seen += [wq.Term("module_id", m) for m in sorted(scope.owned_modules)]
    return wq.And([modules, wq.Or(seen)])


def _narrowed(filters: Filters) -> list[wq.Query]:
    terms = []
    for field in ("module_id", "cohort_id", "kind", "type"):
        value = getattr(filters, field)
        if value is not None:
            terms.append(wq.Term(field, value))
    if filters.answered:
        terms.append(wq.Term("answered", True))
    return terms


def _required(filters: Filters, scope: Scope) -> wq.Query | None:
    parts = _narrowed(filters)
    visible = _visible(scope)
    if visible is not None:
        parts.append(visible)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


# Snippets: text around the matches, MARK_START/MARK_END around each, escaped by marked().


class _MarkFormatter(Formatter):  # type: ignore[misc]  # whoosh ships no types
    def format_token(self, text: str, token: Token, replace: bool = False) -> str:
        return MARK_START + text[token.startchar : token.endchar] + MARK_END


def _snippet(text: str, analyzer: Analyzer, plan: _Plan) -> str | None:
    """About SNIPPET_CHARS of ``text`` around its best run of matches, or None.

    Stemming a long lesson whole costs ~10 ms, so a regular expression finds the first
    word that could match (a stem's first letters, a prefix) and only the text after it
    is analyzed; all of it only when that word was no match after all."""
    first = plan.candidates.search(text) if plan.candidates else None
    if first is None:
        return None
    start = _word_start(text, max(0, first.start() - SNIPPET_CHARS))
    end = _word_end(text, first.start() + SNIPPET_WINDOW)
    return _fragment(text, start, end, analyzer, plan) or _fragment(
        text, 0, len(text), analyzer, plan
    )


def _fragment(text: str, start: int, end: int, analyzer: Analyzer, plan: _Plan) -> str | None:
    """The snippet from ``text[start:end]``: the span of SNIPPET_CHARS holding the most
    distinct matched words (then the most matches), each match marked."""
    window = text[start:end]
    matches = _matches(window, analyzer, plan)
    if not matches:
        return None
    first, last = _best_run(matches)
    a, b = _padded(window, first, last)
    marks = [Token(startchar=s, endchar=e) for s, e, _ in matches if a <= s and e <= b]
    before = "… " if start + a > 0 else ""
    after = " …" if start + b < len(text) else ""
    fragment: str = _MarkFormatter().format_fragment(Fragment(window, marks, a, b))
    return before + fragment + after


def _matches(window: str, analyzer: Analyzer, plan: _Plan) -> list[tuple[int, int, str]]:
    """Where words, prefixes and phrases match: (startchar, endchar, what), in order. A
    phrase's run of words is one match of its own, so a run holding it ranks first."""
    tokens = [
        (t.startchar, t.endchar, t.text)
        for t in analyzer(window, chars=True, mode="query", removestops=False)
        if not t.stopped
    ]
    matches = []
    for start, end, stem in tokens:
        original = window[start:end].lower()
        if stem in plan.stems:
            matches.append((start, end, stem))
        elif original.startswith(plan.prefixes):
            matches.append((start, end, next(p for p in plan.prefixes if original.startswith(p))))
    for n, phrase in enumerate(plan.phrases):
        for i in range(len(tokens) - len(phrase) + 1):
            if all(tokens[i + k][2] == word for k, word in enumerate(phrase)):
                matches.append((tokens[i][0], tokens[i + len(phrase) - 1][1], f"\0{n}"))
    return sorted(matches)


def _best_run(matches: list[tuple[int, int, str]]) -> tuple[int, int]:
    best: tuple[tuple[int, int], int, int] | None = None
    for i, (first, _, _) in enumerate(matches[:SNIPPET_MATCHES]):
        run = [m for m in matches[i : i + SNIPPET_MATCHES] if m[1] - first <= SNIPPET_CHARS]
        rank = (len({m[2] for m in run}), len(run))
        if best is None or rank > best[0]:
            best = (rank, first, run[-1][1])
    assert best is not None, "no matches"
    return best[1], best[2]


def _padded(text: str, first: int, last: int) -> tuple[int, int]:
    """``first:last`` widened to about SNIPPET_CHARS, as much on each side, at words."""
    spare = max(0, SNIPPET_CHARS - (last - first))
    a = max(0, first - spare // 2)
    b = min(len(text), last + spare - (first - a))
    a = max(0, min(a, b - SNIPPET_CHARS))
    return _word_start(text, a), _word_end(text, b)


def _word_start(text: str, i: int) -> int:
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_"):
        i -= 1
    return i


def _word_end(text: str, i: int) -> int:
    while i < len(text) and (text[i].isalnum() or text[i] == "_"):
        i += 1
    return i


def _opening(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return text
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return text[: cut if cut > 0 else SNIPPET_CHARS] + " …"


def _hit(searcher: Searcher, docnum: int, score: float, plan: _Plan) -> Hit:
    stored = searcher.stored_fields(docnum)
    analyzer = searcher.schema["text"].analyzer
    snippet = None
    for field in ("body", "answer", "title"):
        snippet = _snippet(stored.get(field, ""), analyzer, plan)
        if snippet:
            break
    snippet = _SPACES.sub(" ", snippet or _opening(stored.get("body", ""))).strip()
    return Hit(
        type=stored["type"],
        id=stored["id"],
        thread_id=stored.get("thread_id") or None,
        module_id=stored["module_id"],
        title=stored.get("label") or stored.get("title", ""),
        snippet=marked(snippet),
        score=float(score),
        answered=bool(stored.get("answered")),
    )


# Spelling.


def _known(searcher: Searcher, word: str) -> bool:
    reader = searcher.reader()
    if reader.doc_frequency("spell", word):
        return True
    stems = _analyzed(searcher.schema["text"].analyzer, word)
    return any(reader.doc_frequency("text", s) for s in stems)


def _spelled(searcher: Searcher, word: str) -> str:
    """The closest indexed word (the most frequent of those as close), or ``word``."""
    if len(word) < 3 or word in STOP_WORDS or not word.isalpha() or _known(searcher, word):
        return word
    reader = searcher.reader()
    for distance in (1, 2) if len(word) >= 5 else (1,):
        found: set[str] = set()
        for leaf, _ in reader.leaf_readers():  # a segment's own lookup is an automaton
            found.update(leaf.terms_within("spell", word, distance))
        found.discard(word)
        if found:
            return min(found, key=lambda w: (-reader.doc_frequency("spell", w), w))
    return word


def _query_text(words: list[str], parsed: Parsed) -> str:
    phrases = ['"' + " ".join(p) + '"' for p in parsed.phrases]
    prefixes = [p + "*" for p in parsed.prefixes]
    return " ".join([*words, *phrases, *prefixes])


# Folders, locks and the journal.


@dataclass
class _Handle:
    token: str  # the id of the folder the searcher reads
    ix: whoosh_index.FileIndex
    generation: int  # the commit it shows
    searcher: Searcher


def _same_deletions(a: Segment, b: Segment) -> bool:
    return a.deleted_count() == b.deleted_count() and set(a.deleted_docs()) == set(b.deleted_docs())


def _searcher_of(ix: whoosh_index.FileIndex, previous: Searcher | None) -> tuple[int, Searcher]:
    """A searcher of the index's last commit that keeps ``previous``'s reader of every
    segment whose documents and deletions are unchanged (opening a big segment costs
    tens of milliseconds), and closes its other readers; ``previous`` is not to be used
    afterwards. On failure ``previous`` is left as it was.

    Not ``Searcher.refresh()``: whoosh-reloaded 2.7.5 reuses a reader by its segment's
    name alone, so it misses deletions in that segment, and after a merge it adds the
    merged segments back (hits twice, and deleted ones)."""
    toc = ix._read_toc()  # one snapshot: generation, schema and segments agree
    old: dict[Segment, IndexReader] = {}
    if previous is not None:
        old = {r.segment(): r for r, _ in previous.reader().leaf_readers() if r.segment()}
    readers: list[IndexReader] = []
    opened: list[IndexReader] = []
    try:
        for segment in toc.segments:
            reader = old.get(segment)
            if reader is None or not _same_deletions(reader.segment(), segment):
                reader = SegmentReader(ix.storage, toc.schema, segment, toc.generation)
                opened.append(reader)
            readers.append(reader)
    except Exception:
        for reader in opened:  # ``previous`` stays whole, to try again or to close
            reader.close()
        raise
    kept = {id(reader) for reader in readers}
    for reader in old.values():
        if id(reader) not in kept:
            reader.close()
    if not readers:
        reader = EmptyReader(toc.schema)
    elif len(readers) == 1:
        reader = readers[0]
    else:
        reader = MultiReader(readers, generation=toc.generation)
    return toc.generation, Searcher(reader, fromindex=ix, weighting=BM25F())


def _create(folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    whoosh_index.create_in(folder, _schema())
    with open(os.path.join(folder, ID_FILE), "w") as f:
        f.write(secrets.token_hex(16))


def _has_index(folder: str) -> bool:
    try:
        exists: bool = whoosh_index.exists_in(folder)
        return exists
    except Exception:  # something is there, unreadable: not ours to replace silently
        return True


def _read_journal(folder: str) -> Iterator[tuple[list[Document], list[str]]]:
    path = os.path.join(folder, JOURNAL_FILE)
    if not os.path.exists(path):
        return
    with open(path, "rb") as f:
        while True:
            try:
                yield pickle.load(f)  # our own file, written by apply in this folder
            except EOFError:
                return


def _write(writer: IndexWriter, upserts: list[Document], deletes: list[str]) -> None:
    """One change, with one writer: the last upsert of a key wins, and a key also among
    the deletes is deleted (a writer's update_document and delete_by_term only see what
    was committed before it, so it must be given each key once)."""
    gone = set(deletes)
    latest = {doc.key: doc for doc in upserts if doc.key not in gone}
    for doc in latest.values():
        writer.update_document(**_fields(doc))
    for key in gone:
        writer.delete_by_term("key", key)


def _folded(
    changes: Iterable[tuple[list[Document], list[str]]],
) -> tuple[list[Document], list[str]]:
    """Several changes in order as one: each key's last state."""
    state: dict[str, Document | None] = {}
    for upserts, deletes in changes:
        gone = set(deletes)
        state.update({doc.key: doc for doc in upserts if doc.key not in gone})
        state.update(dict.fromkeys(gone))
    upserts = [doc for doc in state.values() if doc is not None]
    return upserts, [key for key, doc in state.items() if doc is None]


def _open_writer(ix: whoosh_index.FileIndex) -> IndexWriter:
    """Whoosh's writer, its lock taken here: a writer that fails while setting up (a disk
    error making its files) would keep the lock for the life of the process, and every
    later change would find the index busy."""
    lock = ix.lock("WRITELOCK")
    if not try_for(lock.acquire, timeout=LOCK_WAIT, delay=0.01):
        raise IndexBusy("another writer holds the search index")
    try:
        writer = ix.writer(_lk=False)
    except BaseException:
        lock.release()
        raise
    writer.writelock = lock
    return writer


def _lock_now(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _abandon(writer: IndexWriter) -> None:
    """Cancel a writer whatever state a failure left it in, so that its lock is released
    (a commit that failed on the disk leaves the writer open and the lock held)."""
    if writer.is_closed:
        return
    try:
        writer.cancel()
    except Exception:
        if writer.writelock:
            with contextlib.suppress(Exception):
                writer.writelock.release()


def _merges_due(segments: list[Segment], busy: bool) -> list[list[Segment]]:
    """Which segments to merge, in groups, each group into one segment: Whoosh's merge
    policy for each commit is ``_merge_tiers``, this choice. Segments whose document
    counts have the same number of digits form a tier, and ``MERGE_FANIN`` of one tier
    are merged into one, a tier up; segments over ``MERGE_MAX_DOCS`` are never touched.
    Whoosh's default (``MERGE_SMALL``) also folds the rebuild's big segment in once about
    twenty small ones have gathered: at 100,000 documents that one commit took 17 s,
    holding the write lock, and every post waited.

    ``busy``: for a commit of changes, while posts may be waiting behind it. Merging ten
    segments of a hundred documents took 3 s under a flood of posting, and each post
    written meanwhile waited for it; so a busy commit merges a tier only when it holds
    at most ``MERGE_BUSY_DOCS`` documents, or when ``MERGE_CEILING`` segments have piled
    up (then its ``MERGE_FANIN`` smallest: searching slows with every segment). The rest
    is merged by ``settle()``, when the outbox is empty. Smallest tier first."""
    tiers: dict[int, list[Segment]] = {}
    for segment in segments:
        count = segment.doc_count_all()
        if 0 < count <= MERGE_MAX_DOCS:
            tiers.setdefault(len(str(count)), []).append(segment)
    due = []
    for _tier, group in sorted(tiers.items()):
        if len(group) < MERGE_FANIN:
            continue
        if not busy or sum(s.doc_count_all() for s in group) <= MERGE_BUSY_DOCS:
            due.append(group)
        elif len(group) >= MERGE_CEILING:
            due.append(sorted(group, key=lambda s: s.doc_count_all())[:MERGE_FANIN])
    return due


def _merge_tiers(writer: IndexWriter, segments: list[Segment], busy: bool) -> list[Segment]:
    """A commit of changes (``busy``) merges every group due; ``settle()``'s commit one."""
    due = _merges_due(segments, busy)
    merged = {id(segment) for group in (due if busy else due[:1]) for segment in group}
    for segment in segments:
        if id(segment) in merged:
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()
    return [segment for segment in segments if id(segment) not in merged]


# Where changes are written: ``thread``, by the thread that applies them (the background
# worker's); ``process``, by a helper process that each app process starts, so that the
# pure-Python work of a commit and of its merges does not share a GIL with the requests:
# with 8 threads posting flat out beside it, the worker thread got about one ninth of
# the interpreter, and a post took up to 18 s to become searchable.
HELPER_RETRY_S = 60.0  # after a helper died, changes are written in the app process
_HELPER_BACKENDS: dict[str, WhooshBackend] = {}  # in a helper process: one per folder
_HELPER_WRITING = threading.Lock()  # in a helper process: held through each change


def _helper_started() -> None:
    # Ctrl+C in a terminal reaches the whole process group: the app process stops its
    # helper itself (at exit, after the change being written), not halfway through one.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent,), daemon=True).start()


def _end_with(parent: Any) -> None:
    """End this helper when its app process ends, however it ended (a SIGTERM or a kill
    runs none of its exit handlers), once the change being written is committed."""
    multiprocessing.connection.wait([parent.sentinel])
    with _HELPER_WRITING:
        os._exit(0)


def _apply_in_helper(
    index_dir: str, upserts: list[Document], deletes: list[str], busy: bool
) -> None:
    with _HELPER_WRITING:
        backend = _HELPER_BACKENDS.get(index_dir)
        if backend is None:
            backend = _HELPER_BACKENDS[index_dir] = WhooshBackend(index_dir)
        backend._apply_here(upserts, deletes, busy)


class WhooshBackend:
    name = "whoosh"

    def __init__(self, index_dir: str, writer: str = "thread"):
        if writer not in WRITERS:
            raise ValueError(f"FORUM_SEARCH_WRITER must be one of {', '.join(WRITERS)}")
        self.index_dir = os.path.abspath(index_dir)
        self._lock = threading.Lock()  # held through each search
        self._handle: _Handle | None = None
        self._docsets = _DocSets()  # used holding _lock
        self.searchers_opened = 0  # how many searchers this backend opened (diagnostics)
        self._write_error: OSError | None = None  # the last apply's, until one succeeds
        self._writer = writer
        self._helper: ProcessPoolExecutor | None = None  # writer "process": where it writes
        self._helper_pid: int | None = None  # the process that started it (not a fork)
        self._helper_lock = threading.Lock()
        self._helper_retry_at = 0.0  # after a helper died: write here until then

    # Searchers

    def _token(self) -> str:
        try:
            with open(os.path.join(self.index_dir, ID_FILE)) as f:
                return f.read()
        except FileNotFoundError:
            if not os.path.isdir(self.index_dir):
                raise _NoIndex from None
            return ""  # an index made without an id: its folder is never swapped

    def _open(self, token: str, previous: _Handle | None) -> _Handle:
        """Called holding ``_lock``."""

        def attempt() -> tuple[whoosh_index.FileIndex, int, Searcher]:
            ix = whoosh_index.open_dir(self.index_dir)
            return (ix, *_searcher_of(ix, previous.searcher if previous else None))

        try:
            ix, generation, searcher = self._retrying(attempt)
        except whoosh_index.EmptyIndexError:
            raise _NoIndex from None
        self.searchers_opened += 1
        return _Handle(token, ix, generation, searcher)

    def _retrying(self, read: Callable[[], T]) -> T:
        """``read()``, again while it finds a file gone: a commit (in any process) deletes
        the table of contents and the segments it replaces, maybe just as Whoosh, having
        listed the folder, opens them. Whoosh's own ``reader()`` retries so; ``open_dir``
        does not."""
        for attempt in range(READ_RETRIES):
            try:
                return read()
            except FileNotFoundError:
                if not os.path.isdir(self.index_dir):
                    raise _NoIndex from None
                if attempt == READ_RETRIES - 1:
                    raise
                time.sleep(0.005 * (attempt + 1))
        raise AssertionError("unreachable")

    def _current(self) -> _Handle:
        """The searcher, opened again when the folder was swapped or a commit made since
        (a listing of the folder tells). Called holding ``_lock``."""
        token = self._token()  # before opening: a swap in between is seen next time
        handle = self._handle
        if handle is not None and handle.token != token:
            self._drop()  # another folder's: nothing of it is of use
            handle = None
        if handle is not None and handle.ix.latest_generation() == handle.generation:
            return handle
        try:
            self._handle = self._open(token, handle)
        except BaseException:
            self._drop()
            raise
        return self._handle

    def _drop(self) -> None:
        if self._handle is not None:
            self._handle.searcher.close()
            self._handle = None

    @contextlib.contextmanager
    def _searcher(self) -> Iterator[Searcher]:
        """The process's one searcher, for one search at a time. Whoosh's readers read
        files through cursors (its docs: "use one Reader/Searcher per thread"), and each
        holds a copy of most of its segments in memory (whoosh-reloaded's BufferFile
        copies what it maps): a searcher per thread would cost the index's size per
        thread. Searching is pure Python, so threads would not run them side by side
        anyway (the GIL)."""
        with self._lock:
            handle = self._current()
            try:
                yield handle.searcher
            except BaseException:
                self._drop()  # maybe broken: opened again next time
                raise

    # Searching

    def search(
        self, query: Parsed, filters: Filters, scope: Scope, page: int, per_page: int
    ) -> Results:
        page, per_page = max(1, page), max(1, per_page)
        empty = Results(hits=[], total=0, page=page, per_page=per_page)
        if not query or not (scope.everything or scope.modules):
            return empty
        try:
            with self._searcher() as searcher:
                return self._search(searcher, query, filters, scope, page, per_page) or empty
        except _NoIndex:
            return empty
        except Exception:  # a broken index gives no hits; posting and pages go on
            logger.exception("search failed in %s", self.index_dir)
            return empty

    def _search(
        self,
        searcher: Searcher,
        query: Parsed,
        filters: Filters,
        scope: Scope,
        page: int,
        per_page: int,
    ) -> Results | None:
        plan = _plan(searcher, query)
        if not plan.size:
            return None
        ranked = _Ranked(plan, _required(filters, scope), self._docsets)
        collector = TopCollector(limit=page * per_page, usequality=False)  # exact count
        searcher.search_with_collector(ranked, collector)
        top = collector.results().top_n[(page - 1) * per_page :]
        return Results(
            hits=[_hit(searcher, docnum, score, plan) for score, docnum in top],
            total=collector.count(),
            page=page,
            per_page=per_page,
        )

    def corrected(self, query: Parsed) -> str | None:
        if not query.words:
            return None
        try:
            with self._searcher() as searcher:
                words = [_spelled(searcher, word) for word in query.words]
        except _NoIndex:
            return None
        except Exception:
            logger.exception("spelling failed in %s", self.index_dir)
            return None
        return _query_text(words, query) if words != query.words else None

    def status(self) -> str:
        try:
            ix = self._retrying(lambda: whoosh_index.open_dir(self.index_dir))  # the TOC
            if _shape(ix.schema) != _shape(_schema()):
                return "down"  # made by an older release: rebuilt like a broken one
            with self._searcher() as searcher:  # opens every segment
                list(islice(wq.Term("type", "thread").docs(searcher), 1))
                if searcher.doc_count_all():
                    searcher.stored_fields(0)
        except Exception:
            return "down"
        return "ok"

    # Writing

    def _live(self) -> whoosh_index.FileIndex:
        if not _has_index(self.index_dir):
            self._create_in_place()
        try:
            return self._retrying(lambda: whoosh_index.open_dir(self.index_dir))
        except (whoosh_index.EmptyIndexError, _NoIndex):
            raise RuntimeError(f"{self.index_dir} holds no search index: reindex") from None

    def _create_in_place(self) -> None:
        """An empty index put in place by a rename, so that two processes finding no
        index both at once do not wipe each other's first writes."""
        folder = self._sibling("create")
        _create(folder)
        try:
            os.rename(folder, self.index_dir)  # over a missing or an empty folder only
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)  # someone else made it first

    @contextlib.contextmanager
    def writing_turn(self) -> Iterator[None]:
        """A file lock beside the index folder, which every process of the host shares (as
        they share the folder); each turn opens the file anew, so the threads of one process
        take turns too. Whoosh's own write lock cannot serve: the helper process takes it,
        and only for the write."""
        os.makedirs(os.path.dirname(self.index_dir), exist_ok=True)
        fd = os.open(self.index_dir + ".turn", os.O_RDONLY | os.O_CREAT, 0o600)
        try:
            if not try_for(partial(_lock_now, fd), timeout=TURN_WAIT, delay=0.01):
                raise IndexBusy("another worker holds the writing turn")
            yield
        finally:
            os.close(fd)  # releases the lock

    def apply(self, upserts: list[Document], deletes: list[str]) -> None:
        """One writer, one commit. A key both upserted and deleted in one call is
        deleted; the index is created when the folder is missing or empty. With the
        writer ``process``, the commit is made by this process's helper process. Merges
        that would hold the next changes up for long are left to ``settle()``."""
        if upserts or deletes:
            self._write_change(upserts, deletes, busy=True)

    def _toc(self) -> Any:
        """The last commit's table of contents: its generation, schema and segments."""
        return self._retrying(lambda: whoosh_index.open_dir(self.index_dir)._read_toc())

    def segment_sizes(self) -> list[int]:
        """The documents in each segment of the last commit (tests and benchmarks)."""
        return [segment.doc_count_all() for segment in self._toc().segments]

    def settle(self) -> bool:
        """Merge one group of the segments that commits of changes left alone
        (``_merges_due``), smallest first, so that a change queued meanwhile waits for one
        bounded merge at most; True when more are due. Only reads the table of contents
        when there is nothing to merge; when another process is writing, the next quiet
        moment will do."""
        due = self._merges_due_now()
        if not due:
            return False
        try:
            self._write_change([], [], busy=False)
        except IndexBusy:
            return False
        return len(due) > 1

    def _merges_due_now(self) -> list[list[Segment]]:
        try:
            segments = self._toc().segments
        except Exception:  # no index yet, or one being replaced: nothing to merge now
            return []
        return _merges_due(segments, busy=False)

    def _write_change(self, upserts: list[Document], deletes: list[str], busy: bool) -> None:
        if self._writer == "thread" or time.monotonic() < self._helper_retry_at:
            self._apply_here(upserts, deletes, busy)
            return
        try:
            self._helper_pool().submit(
                _apply_in_helper, self.index_dir, upserts, deletes, busy
            ).result()
        except BrokenProcessPool:
            # Killed, or unable to start: this change, and those of the next minute, are
            # written here (its lock died with it); then a new helper is tried.
            logger.warning("The search writer process stopped; writing in this process")
            self._drop_helper()
            self._helper_retry_at = time.monotonic() + HELPER_RETRY_S
            self._apply_here(upserts, deletes, busy)
            return
        except OSError as exc:
            self._write_error = exc
            raise
        self._write_error = None

    def _helper_pool(self) -> ProcessPoolExecutor:
        """This process's helper, started at its first change (and again in a fork, which
        cannot use its parent's)."""
        with self._helper_lock:
            if self._helper is None or self._helper_pid != os.getpid():
                context = multiprocessing.get_context("spawn")  # forking threads is unsafe
                self._helper = ProcessPoolExecutor(
                    max_workers=1, mp_context=context, initializer=_helper_started
                )
                self._helper_pid = os.getpid()
            return self._helper

    def _drop_helper(self) -> None:
        with self._helper_lock:
            helper, self._helper = self._helper, None
        if helper is not None:
            helper.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the helper process, if one was started (it also stops at exit)."""
        self._drop_helper()

    def _apply_here(self, upserts: list[Document], deletes: list[str], busy: bool = True) -> None:
        ix = self._live()
        try:
            writer = _open_writer(ix)
        except OSError as exc:
            self._write_error = exc
            raise
        try:
            if upserts or deletes:
                self._journal(upserts, deletes)
            _write(writer, upserts, deletes)
            writer.commit(mergetype=partial(_merge_tiers, busy=busy))
        except BaseException as exc:
            if isinstance(exc, OSError):
                self._write_error = exc
            _abandon(writer)
            raise
        self._write_error = None

    def writable(self) -> bool:
        """The folder takes a new file (a read-only mount or a full disk refuses it, for
        root too), and the last change written by this process did not fail on the disk."""
        if self._write_error is not None:
            return False
        try:
            with tempfile.TemporaryFile(dir=self.index_dir):
                return True
        except OSError:
            return False

    def _journal(self, upserts: list[Document], deletes: list[str]) -> None:
        """While a rebuild runs, also note the change for its new index (we hold the
        live index's write lock, which the rebuild takes before it replays)."""
        target = self._rebuilding()
        if not target:
            return
        try:
            with open(os.path.join(target, JOURNAL_FILE), "ab") as f:
                pickle.dump((list(upserts), list(deletes)), f)
        except FileNotFoundError:
            pass  # already swapped in: the live index we write is the rebuilt one

    # Rebuilding

    @property
    def _rebuild_lock_path(self) -> str:
        return self.index_dir + ".lock"

    def _sibling(self, what: str) -> str:
        return f"{self.index_dir}.{what}-{os.getpid()}-{secrets.token_hex(4)}"

    def _rebuilding(self) -> str | None:
        """The folder a running rebuild builds, or None when none runs."""
        try:
            fd = os.open(self._rebuild_lock_path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return os.pread(fd, 4096, 0).decode() or None
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    @contextlib.contextmanager
    def _rebuild_lock(self) -> Iterator[int]:
        os.makedirs(os.path.dirname(self.index_dir), exist_ok=True)
        fd = os.open(self._rebuild_lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # one rebuild at a time; a second one waits
            try:
                yield fd
            finally:
                os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # releases the lock

    def rebuild(self, documents: Iterable[Document], progress: Callable[[int], None]) -> None:
        with self._rebuild_lock() as lock:
            self._remove_leftovers()
            if not os.path.isdir(self.index_dir):
                self._create_in_place()  # a live folder, whose write lock the swap takes
            folder = self._sibling("new")
            try:
                _create(folder)
                os.ftruncate(lock, 0)
                os.pwrite(lock, folder.encode(), 0)
                self._fill(folder, documents, progress)
                self._swap_in(folder)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise

    def reset(self) -> None:
        self.rebuild((), lambda count: None)

    def _remove_leftovers(self) -> None:
        """Folders of rebuilds that died (we hold the rebuild lock: none runs)."""
        parent, base = os.path.split(self.index_dir)
        for name in os.listdir(parent):
            if name.startswith((base + ".new-", base + ".old-")):
                shutil.rmtree(os.path.join(parent, name), ignore_errors=True)

    @staticmethod
    def _fill(folder: str, documents: Iterable[Document], progress: Callable[[int], None]) -> None:
        writer = whoosh_index.open_dir(folder).writer(procs=1, limitmb=WRITER_MB)
        count = 0
        try:
            for doc in documents:
                writer.add_document(**_fields(doc))
                count += 1
                if count % PROGRESS_EVERY == 0:
                    progress(count)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        if count % PROGRESS_EVERY or not count:
            progress(count)

    def _swap_in(self, folder: str) -> None:
        """Replay the journal and rename ``folder`` into place, holding the live index's
        write lock so that no apply writes into either folder meanwhile."""
        lock = FileStorage(self.index_dir).lock(WRITELOCK)
        if not try_for(lock.acquire, timeout=SWAP_WAIT, delay=0.05):
            raise IndexBusy("a writer kept the search index locked")
        old = self._sibling("old")
        try:
            self._replay(folder)
            os.rename(self.index_dir, old)
            os.rename(folder, self.index_dir)
        finally:
            lock.release()
        shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def _replay(folder: str) -> None:
        changes = list(_read_journal(folder))
        if not changes:
            return
        writer = whoosh_index.open_dir(folder).writer()
        try:
            _write(writer, *_folded(changes))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        os.remove(os.path.join(folder, JOURNAL_FILE))
