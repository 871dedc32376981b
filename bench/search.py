"""How fast is search at 100,000 posts, on Whoosh and on PostgreSQL, beside bare queries?

Generates a forum of ``--posts`` posts (100,000 by default) across 20 modules: English
words from a real word list (Debian's ``wamerican``, ``/usr/share/dict/words``) with a
Zipf-like frequency (a general vocabulary of 30,000 words, 250 topic words per module, the
usual function words), written as Markdown posts of sentences and paragraphs, some with a
list or inline code, in threads that keep coming back to a few words of their own. The same
seeded text goes into both backends.

Per backend (``--backend whoosh|postgres|both``): the rows are bulk-inserted (Core
``insert`` executemany; each body rendered once by the real Markdown renderer), then

- **indexing**: ``rebuild_index()`` from scratch (documents/s, split into reading the
  database and writing the index), then ``--incremental`` more replies applied through the
  outbox (``search`` jobs drained by ``run_pending``, in ``apply_changes`` batches);
- **queries**: one-word, two-word, phrase and filtered queries, each query timed three ways
  back to back: bare (a plain Whoosh ``searcher.search(q, limit=20)`` with one reused
  searcher on the same index folder, or a plain ``ts_rank`` top-20 SQL query on the same
  table), the backend (``backend.search`` as a learner of two cohorts, exact total and
  snippets), and the whole API (``GET /api/v1/search`` through the test client with a real
  bearer token: auth, permissions, filters, exact total, snippets, spelling, JSON);
- **freshness**: 8 writer threads posting replies through ``posts.reply`` (each reply by
  the next of 50 members in turn, so every person stays within the reply limit) for
  ``--fresh-seconds`` with the background worker thread running, each reply carrying a
  unique word; a checker polls search and records the time from the service call's return
  to the reply being found. On Whoosh, once for each ``--index-writers`` value (the index
  written by a helper process, ``FORUM_SEARCH_WRITER=process``, the default; or by the
  worker thread itself), and the floor beside them: one document written with a bare
  Whoosh writer, then found through a refreshed searcher.

Targets (issue 8): bare Whoosh p95 <= 15 ms for one- and two-word queries; API p95 <= 50 ms
on both backends; a new post searchable within 1 s (p95) while 8 writers post.

    .venv/bin/python bench/search.py                      # 100,000 posts, both backends
    .venv/bin/python bench/search.py --posts 5000 --backend whoosh
    .venv/bin/python bench/search.py --json bench/results/search.json
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import gc
import itertools
import json
import math
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run from a checkout, installed or not

from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from bench.databases import postgres_database  # noqa: E402

WORDS_FILE = Path("/usr/share/dict/words")
SEED = 2026
SEARCHERS = 16  # people taking turns at the API, each within the search limit
MODULES = 20
COHORTS = 8
MEMBERS = 400
GENERAL_WORDS = 30_000
TOPIC_WORDS = 250  # per module, none shared
POSTS_PER_THREAD = 10  # on average, the opening post included
COHORT_ONLY = 0.25  # share of threads visible to one cohort only
QUESTIONS = 0.7
ANSWERED = 0.55  # share of questions with replies that have an accepted answer
WRITERS = 8
TERMS_PER_CHECK = 24  # parse_query's TERMS_MAX: tokens looked for in one query
POLL_SECONDS = 0.02
FOUND_WAIT = 30.0  # after the writers stop, how long the checker still looks

TARGET_BARE_MS = 15.0
TARGET_API_MS = 50.0
TARGET_FRESH_S = 1.0
KINDS = ("one word", "two words", "phrase", "filtered")
BARE_TARGET_KINDS = ("one word", "two words")

# The most frequent English words, most frequent first (their ranks give their weights).
_FUNCTION_TEXT = """
the of and to a in is that it for you was with on as have be at not this but by from or i
they we an are his all there can if so my one do what which their will would about when up
out more no has been them then just also how some into other could only than its our these
your any like did should had after over because me first where most get use may now before
still even through here those both each why same too very much many does while again off
under between since every without around though another until yet might must something
nothing always never often per instead
"""
FUNCTION_WORDS = _FUNCTION_TEXT.split()


# The text ------------------------------------------------------------------------------------


def zipf_cumulative(n: int, s: float = 1.0, q: float = 2.7) -> list[float]:
    """Cumulative Zipf-Mandelbrot weights of ranks 1..n: weight ~ 1 / (rank + q)^s."""
    total = 0.0
    cumulative = []
    for rank in range(1, n + 1):
        total += 1.0 / (rank + q) ** s
        cumulative.append(total)
    return cumulative


@dataclass
class Ranked:
    """Words, most frequent first, and their cumulative weights: ``draw`` samples them."""

    words: list[str]
    cumulative: list[float]

    def draw(self, rng: random.Random, k: int) -> list[str]:
        if k <= 0:
            return []
        top = self.cumulative[-1]
        hi = len(self.words) - 1
        words, cumulative = self.words, self.cumulative
        return [words[bisect.bisect(cumulative, rng.random() * top, 0, hi)] for _ in range(k)]


def load_words(path: Path) -> list[str]:
    """Plain lower-case English words of 3 to 12 letters, sorted (so the draw is seeded
    by our RNG alone, whatever order the file has)."""
    if not path.exists():
        raise SystemExit(
            f"{path} is missing: install an English word list (Debian: apt-get install wamerican)"
        )
    words = set()
    for line in path.read_text(encoding="utf-8", errors="ignore").split():
        if line.isascii() and line.isalpha() and line.islower() and 3 <= len(line) <= 12:
            words.add(line)
    return sorted(words - set(FUNCTION_WORDS))


@dataclass
class Vocabulary:
    function: Ranked
    general: Ranked
    topics: list[Ranked]  # one per module


def build_vocabulary(rng: random.Random, words: list[str]) -> Vocabulary:
    """Disjoint general and per-module topic vocabularies. Ranked by length with noise:
    in real text, frequent words tend to be short."""
    needed = GENERAL_WORDS + MODULES * TOPIC_WORDS
    if len(words) < needed:
        raise SystemExit(f"the word list has {len(words)} usable words, {needed} are needed")
    pool = rng.sample(words, needed)

    def ranked(chosen: list[str], s: float) -> Ranked:
        keys = {w: len(w) + rng.gauss(0, 2.5) for w in chosen}
        ordered = sorted(chosen, key=lambda w: (keys[w], w))
        return Ranked(ordered, zipf_cumulative(len(ordered), s))

    general = ranked(pool[:GENERAL_WORDS], 1.0)
    topics = [
        ranked(pool[GENERAL_WORDS + i * TOPIC_WORDS : GENERAL_WORDS + (i + 1) * TOPIC_WORDS], 0.9)
        for i in range(MODULES)
    ]
    function = Ranked(FUNCTION_WORDS, zipf_cumulative(len(FUNCTION_WORDS), 1.0, 1.0))
    return Vocabulary(function, general, topics)


# Shares of a post's words: function words, the thread's focus words, the module's topic
# words; the rest are general words.
P_FUNCTION = 0.45
P_FOCUS = 0.05
P_TOPIC = 0.10


class TextMaker:
    """Posts and titles: sentences of words drawn by frequency, some sentences about the
    thread's few focus words, in paragraphs, sometimes a list or inline code."""

    def __init__(self, rng: random.Random, vocabulary: Vocabulary):
        self.rng = rng
        self.v = vocabulary

    def focus(self, module: int) -> list[str]:
        """What a thread is about: two topic words of its module and two general words."""
        return self.v.topics[module].draw(self.rng, 2) + self.v.general.draw(self.rng, 2)

    def words(self, n: int, module: int, focus: list[str], topical: float = 1.0) -> list[str]:
        rng = self.rng
        kinds = []
        for _ in range(n):
            r = rng.random()
            if r < P_FUNCTION:
                kinds.append(0)
            elif r < P_FUNCTION + P_FOCUS * topical:
                kinds.append(1)
            elif r < P_FUNCTION + (P_FOCUS + P_TOPIC) * topical:
                kinds.append(2)
            else:
                kinds.append(3)
        drawn = [
            iter(self.v.function.draw(rng, kinds.count(0))),
            iter([rng.choice(focus) for _ in range(kinds.count(1))]),
            iter(self.v.topics[module].draw(rng, kinds.count(2))),
            iter(self.v.general.draw(rng, kinds.count(3))),
        ]
        return [next(drawn[k]) for k in kinds]

    def sentence(self, words: list[str]) -> str:
        if len(words) > 8 and self.rng.random() < 0.3:
            cut = self.rng.randint(3, len(words) - 3)
            words = [*words[: cut - 1], words[cut - 1] + ",", *words[cut:]]
        text = " ".join(words)
        return text[0].upper() + text[1:] + ("?" if self.rng.random() < 0.08 else ".")

    def post(self, module: int, focus: list[str]) -> tuple[str, list[str]]:
        """Markdown of about 55 words (log-normal: a few long ones), and its words."""
        rng = self.rng
        target = max(8, min(400, int(rng.lognormvariate(math.log(45), 0.6))))
        words = self.words(target, module, focus)
        sentences: list[str] = []
        i = 0
        while i < len(words):
            size = rng.randint(5, 17)
            sentences.append(self.sentence(words[i : i + size]))
            i += size
        if rng.random() < 0.1:
            code = "_".join(self.v.topics[module].draw(rng, 2))
            pick = rng.randrange(len(sentences))
            sentences[pick] = sentences[pick][:-1] + f" with `{code}()`."
        paragraphs: list[str] = []
        while sentences:
            take = rng.randint(1, 4)
            paragraphs.append(" ".join(sentences[:take]))
            sentences = sentences[take:]
        if rng.random() < 0.12:
            items = [
                " ".join(self.words(rng.randint(3, 7), module, focus))
                for _ in range(rng.randint(2, 4))
            ]
            listed = "\n".join(f"- {item}" for item in items)
            paragraphs.insert(min(1, len(paragraphs)), listed)
        return "\n\n".join(paragraphs), words

    def title(self, module: int, focus: list[str], question: bool) -> str:
        words = self.words(self.rng.randint(5, 10), module, focus, topical=3.0)
        text = " ".join(words)
        return text[0].upper() + text[1:] + ("?" if question else "")


# The forum -----------------------------------------------------------------------------------


@dataclass
class Corpus:
    users: list[dict]
    modules: list[dict]
    revisions: list[dict]
    cohorts: list[dict]
    memberships: list[dict]
    threads: list[dict]
    posts: list[dict]
    accepted: list[dict]  # {"tid", "aid"}: set once the posts are in
    learner_id: int
    writer_ids: list[int]
    member_ids: list[int]  # the freshness writers post as these, in turn
    open_threads: list[tuple[int, int]]  # (thread id, module index): everyone, for replies
    counts: Counter  # content words (no function words) over all posts and titles
    phrases: list[list[str]]  # runs of words as written, to make phrase queries from
    tokens: int = 0
    markdown_chars: int = 0


def render_all(bodies: list[str]) -> list[str]:
    from forum.markdown import render

    return [render(body) for body in bodies]


def generate(posts_wanted: int, rng: random.Random, maker: TextMaker) -> Corpus:
    """Users, modules, cohorts, threads and posts as rows, all from the seeded RNG."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    users = [
        {
            "id": 1,
            "email": "admin@example.com",
            "name": "Bench Admin",
            "handle": "admin",
            "role": "admin",
        }
    ]
    for i in range(2, MEMBERS + 2):
        users.append(
            {
                "id": i,
                "email": f"member{i}@example.com",
                "name": f"Member {i}",
                "handle": f"member{i}",
                "role": "member",
            }
        )
    for user in users:
        user |= {
            "password_hash": None,
            "active": True,
            "created_at": start,
            "notify_email": "off",
            "reminder_email": False,
        }
    learner_id = 2
    writer_ids = list(range(3, 3 + WRITERS))
    member_ids = [u["id"] for u in users if u["role"] == "member"]

    modules, revisions = [], []
    for m in range(MODULES):
        focus = maker.focus(m)
        title = "Module " + str(m + 1) + ": " + maker.title(m, focus, question=False)[:150]
        body = "\n\n".join(maker.post(m, focus)[0] for _ in range(6))
        summary = maker.title(m, focus, question=False)
        row = {
            "id": m + 1,
            "slug": f"module-{m + 1}",
            "title": title,
            "summary": summary,
            "body": body,
            "position": m,
            "published": True,
            "revision": 1,
            "owner_id": 1,
            "created_at": start,
            "updated_at": start,
        }
        modules.append(row)
        revisions.append(
            {
                "module_id": m + 1,
                "revision": 1,
                "title": title,
                "summary": summary,
                "body": body,
                "author_id": 1,
                "created_at": start,
            }
        )
    cohorts = [
        {"id": c + 1, "name": f"Cohort {c + 1}", "description": "", "created_at": start}
        for c in range(COHORTS)
    ]
    memberships = []
    for uid in member_ids:
        chosen = (
            [1, 2] if uid == learner_id else rng.sample(range(1, COHORTS + 1), rng.randint(1, 2))
        )
        for cid in chosen:
            memberships.append(
                {"cohort_id": cid, "user_id": uid, "role": "learner", "created_at": start}
            )

    counts: Counter = Counter()
    function = set(FUNCTION_WORDS)
    phrases: list[list[str]] = []
    threads: list[dict] = []
    posts: list[dict] = []
    accepted: list[dict] = []
    open_threads: list[tuple[int, int]] = []
    tokens = chars = 0
    bodies: list[str] = []
    span = timedelta(days=540).total_seconds()
    while len(posts) < posts_wanted:
        tid = len(threads) + 1
        module = rng.randrange(MODULES)
        size = min(posts_wanted - len(posts), 1 + int(rng.expovariate(1 / (POSTS_PER_THREAD - 1))))
        question = rng.random() < QUESTIONS
        focus = maker.focus(module)
        title = maker.title(module, focus, question)[:200]
        cohort = rng.randint(1, COHORTS) if rng.random() < COHORT_ONLY else None
        created = start + timedelta(seconds=rng.random() * span)
        first_id = len(posts) + 1
        for k in range(size):
            text, words = maker.post(module, focus)
            pid = len(posts) + 1
            parent = None
            if k > 1 and rng.random() < 0.2:
                parent = rng.randint(first_id + 1, pid - 1)
            posts.append(
                {
                    "id": pid,
                    "thread_id": tid,
                    "parent_id": parent,
                    "author_id": rng.choice(member_ids),
                    "anonymous": False,
                    "body": text,
                    "score": 0,
                    "created_at": created + timedelta(minutes=37 * k),
                    "deleted": False,
                }
            )
            bodies.append(text)
            counts.update(w for w in words if w not in function)
            tokens += len(words)
            chars += len(text)
            if pid % 37 == 0:
                phrases.append(words)
        counts.update(w.strip("?").lower() for w in title.split() if w.lower() not in function)
        last = posts[-1]
        threads.append(
            {
                "id": tid,
                "module_id": module + 1,
                "cohort_id": cohort,
                "visibility": "cohort" if cohort else "everyone",
                "kind": "question" if question else "discussion",
                "title": title,
                "author_id": posts[first_id - 1]["author_id"],
                "anonymous": False,
                "prompt": False,
                "pinned": False,
                "locked": False,
                "created_at": created,
                "last_activity_at": last["created_at"],
                "reply_count": size - 1,
                "score": 0,
                "last_post_id": last["id"],
            }
        )
        if question and size > 1 and rng.random() < ANSWERED:
            accepted.append({"tid": tid, "aid": rng.randint(first_id + 1, last["id"])})
        if cohort is None:
            open_threads.append((tid, module))
    for row, html in zip(posts, render_all(bodies), strict=True):
        row["body_html"] = html
    html_of = render_all([m["body"] for m in modules])
    for row, html in zip(modules, html_of, strict=True):
        row["body_html"] = html
    return Corpus(
        users=users,
        modules=modules,
        revisions=revisions,
        cohorts=cohorts,
        memberships=memberships,
        threads=threads,
        posts=posts,
        accepted=accepted,
        learner_id=learner_id,
        writer_ids=writer_ids,
        member_ids=member_ids,
        open_threads=open_threads,
        counts=counts,
        phrases=phrases,
        tokens=tokens,
        markdown_chars=chars,
    )


def extra_replies(
    corpus: Corpus, maker: TextMaker, rng: random.Random, n: int, first_id: int
) -> list[dict]:
    """``n`` more replies to threads open to everyone, as rows (for the incremental step)."""
    rows = []
    now = datetime.now(UTC)
    for i in range(n):
        tid, module = rng.choice(corpus.open_threads)
        text, _ = maker.post(module, maker.focus(module))
        rows.append(
            {
                "id": first_id + i,
                "thread_id": tid,
                "parent_id": None,
                "author_id": rng.choice(corpus.writer_ids),
                "anonymous": False,
                "body": text,
                "score": 0,
                "created_at": now,
                "deleted": False,
            }
        )
    for row, html in zip(rows, render_all([r["body"] for r in rows]), strict=True):
        row["body_html"] = html
    return rows


# Loading -------------------------------------------------------------------------------------


def app_config(url: str, directory: Path, backend: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "search-bench",
        "SEARCH_BACKEND": backend,
        "SEARCH_INDEX_DIR": str(directory / "search-index"),
        # The bench starts the worker thread itself, for the freshness runs only.
        "BACKGROUND_WORKER": "off",
        "LIMITS_STORAGE_URI": "memory://",
    }


class FreshContextClient(FlaskClient):
    """Each request in an app context of its own, as in production (as in the tests)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def insert_rows(corpus: Corpus) -> None:
    """Everything by Core executemany, in dependency order; then the thread's accepted
    answers, and PostgreSQL's sequences moved past the ids given."""
    from sqlalchemy import bindparam, insert, text, update

    from forum.extensions import db
    from forum.models import Cohort, Membership, Module, ModuleRevision, Post, Thread, User

    batches = [
        (User, corpus.users),
        (Module, corpus.modules),
        (ModuleRevision, corpus.revisions),
        (Cohort, corpus.cohorts),
        (Membership, corpus.memberships),
        (Thread, corpus.threads),
        (Post, corpus.posts),
    ]
    with db.engine.begin() as conn:
        for model, rows in batches:
            for i in range(0, len(rows), 5000):
                conn.execute(insert(model.__table__), rows[i : i + 5000])
        if corpus.accepted:
            conn.execute(
                update(Thread.__table__)
                .where(Thread.__table__.c.id == bindparam("tid"))
                .values(accepted_post_id=bindparam("aid")),
                corpus.accepted,
            )
    if db.engine.dialect.name == "postgresql":
        move_sequences([model for model, _ in batches])
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))


def move_sequences(models: list) -> None:
    """PostgreSQL: each table's id sequence past the ids the bench gave (SQLite needs no
    such step)."""
    from sqlalchemy import text

    from forum.extensions import db

    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.begin() as conn:
        for model in models:
            table = model.__table__.name
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT coalesce(max(id), 1) FROM {table}))"
                )
            )


@contextlib.contextmanager
def timed_calls(owner: object, name: str, spent: list[float]) -> Iterator[None]:
    """Append to ``spent`` the seconds of each call of ``owner.name`` (for a generator, of
    each item it makes) while the block runs."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        result = original(*args, **kwargs)
        spent.append(time.perf_counter() - start)
        if hasattr(result, "__next__"):
            return _timed_items(result, spent)
        return result

    own = name in vars(owner)  # a module's function, or a method on an instance's class
    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        if own:
            setattr(owner, name, original)
        else:
            delattr(owner, name)


def _timed_items(items: Iterator, spent: list[float]) -> Iterator:
    while True:
        start = time.perf_counter()
        try:
            item = next(items)
        except StopIteration:
            spent.append(time.perf_counter() - start)
            return
        spent.append(time.perf_counter() - start)
        yield item


@dataclass
class Indexing:
    documents: int = 0
    seconds: float = 0.0
    reading_seconds: float = 0.0  # making documents from the database
    incremental_documents: int = 0
    incremental_seconds: float = 0.0
    incremental_batches: int = 0
    incremental_claim_seconds: float = 0.0  # the outbox's bookkeeping: claiming jobs
    incremental_resolve_seconds: float = 0.0  # making documents from the database
    incremental_apply_seconds: float = 0.0  # writing the index
    incremental_finish_seconds: float = 0.0  # the outbox's bookkeeping: marking jobs done
    settle_seconds: float = 0.0  # then, the outbox empty, the merges a worker makes
    settle_steps: int = 0
    whoosh_segments: int | None = None

    @property
    def rate(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0

    @property
    def incremental_rate(self) -> float:
        if not self.incremental_seconds:
            return 0.0
        return self.incremental_documents / self.incremental_seconds


def rebuild(app: Flask) -> Indexing:
    from forum.search import get_backend, indexing

    result = Indexing()
    reading: list[float] = []
    counted = [0]

    def progress(n: int) -> None:
        counted[0] = n
        if n % 20_000 < 100:
            print(f"    {n} documents ...", file=sys.stderr, flush=True)

    with app.app_context():
        get_backend()  # made before the clock starts, as in a running app
        with timed_calls(indexing, "every_document", reading):
            start = time.perf_counter()
            indexing.rebuild_index(progress)
            result.seconds = time.perf_counter() - start
    result.documents = counted[0]
    result.reading_seconds = sum(reading)
    return result


def incremental(app: Flask, rows: list[dict], result: Indexing) -> None:
    """Insert the replies with one ``search`` job each (what ``posts.reply`` records), then
    drain the outbox as the worker does: ``run_pending`` until nothing is left, then the
    idle upkeep (Whoosh's merges put off meanwhile), timed apart."""
    from sqlalchemy import func, insert, select

    from forum import background
    from forum.extensions import db
    from forum.models import Job, Post
    from forum.search import get_backend, indexing

    now = datetime.now(UTC)
    jobs = [
        {"kind": indexing.JOB, "payload": {"ref": ["post", r["id"]]}, "created_at": now,
         "run_after": now}
        for r in rows
    ]  # fmt: skip
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(insert(Post.__table__), rows)
            conn.execute(insert(Job.__table__), jobs)
        move_sequences([Post])
        resolve_time: list[float] = []
        apply_time: list[float] = []
        claim_time: list[float] = []
        finish_time: list[float] = []
        backend = get_backend()
        batches = 0
        with (
            timed_calls(indexing, "resolve", resolve_time),
            timed_calls(backend, "apply", apply_time),
            timed_calls(background, "_claim", claim_time),
            timed_calls(background, "_finish", finish_time),
        ):
            start = time.perf_counter()
            while True:
                done, failed = background.run_pending()
                if done + failed == 0:
                    break
                batches += 1
            result.incremental_seconds = time.perf_counter() - start
        start = time.perf_counter()
        while True:
            result.settle_steps += 1
            if not background.run_idle_tasks():
                break
        result.settle_seconds = time.perf_counter() - start
        left = db.session.scalar(select(func.count(Job.id)).where(Job.done_at.is_(None)))
        db.session.remove()
        if left:
            raise RuntimeError(f"{left} outbox jobs left undone after the incremental step")
    result.incremental_documents = len(rows)
    result.incremental_batches = batches
    result.incremental_resolve_seconds = sum(resolve_time)
    result.incremental_apply_seconds = sum(apply_time)
    result.incremental_claim_seconds = sum(claim_time)
    result.incremental_finish_seconds = sum(finish_time)


# Queries -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    kind: str
    text: str
    module_id: int | None = None
    answered: bool = False
    type: str | None = None

    def api_args(self) -> dict:
        args: dict = {"q": self.text}
        if self.module_id is not None:
            args["module_id"] = self.module_id
        if self.answered:
            args["answered"] = "1"
        if self.type is not None:
            args["type"] = self.type
        return args

    @property
    def filter_label(self) -> str:
        if self.module_id is not None:
            return "module_id"
        return "answered" if self.answered else ("type" if self.type else "")


def make_queries(corpus: Corpus, rng: random.Random, n: int) -> dict[str, list[Query]]:
    """``n`` queries of each kind, seeded. Words come from the middle of the frequency
    ranking (ranks 100 to 2,000 of the content words: each in a few hundred to a few
    thousand posts); phrases are runs of two or three words from the generated posts."""
    ranked = [w for w, _ in corpus.counts.most_common(2000)][100:]
    function = set(FUNCTION_WORDS)
    queries: dict[str, list[Query]] = {k: [] for k in KINDS}
    for _ in range(n):
        queries["one word"].append(Query("one word", rng.choice(ranked)))
        queries["two words"].append(Query("two words", " ".join(rng.sample(ranked, 2))))
        while True:
            words = rng.choice(corpus.phrases)
            size = rng.choice((2, 2, 3))
            at = rng.randrange(max(1, len(words) - size))
            run = words[at : at + size]
            if len(run) == size and run[0] not in function and run[-1] not in function:
                break
        queries["phrase"].append(Query("phrase", '"' + " ".join(run) + '"'))
        word = rng.choice(ranked)
        pick = rng.randrange(3)
        if pick == 0:
            queries["filtered"].append(Query("filtered", word, module_id=rng.randint(1, MODULES)))
        elif pick == 1:
            queries["filtered"].append(Query("filtered", word, answered=True))
        else:
            queries["filtered"].append(Query("filtered", word, type="thread"))
    return queries


class BareWhoosh:
    """Whoosh as a plain application would use it: the same index folder, one searcher
    kept for the process and refreshed before each query, the stock query parser over the
    field we search ("text": title, body, answer and the title again), words OR'd, top 20
    by BM25F, no exact total, no visibility, the hits' stored keys read."""

    def __init__(self, folder: str):
        from whoosh import index
        from whoosh.qparser import OrGroup, QueryParser

        self.ix = index.open_dir(folder)
        self.searcher = self.ix.searcher()
        self.parser = QueryParser("text", self.ix.schema, group=OrGroup)

    def filter_of(self, q: Query):
        from whoosh import query as wq

        if q.module_id is not None:
            return wq.Term("module_id", q.module_id)
        if q.answered:
            return wq.Term("answered", True)
        if q.type is not None:
            return wq.Term("type", q.type)
        return None

    def run(self, q: Query) -> int:
        self.searcher = self.searcher.refresh()
        query = self.parser.parse(q.text)
        results = self.searcher.search(query, limit=20, filter=self.filter_of(q))
        return len([hit["key"] for hit in results])

    def close(self) -> None:
        self.searcher.close()


class BarePostgres:
    """PostgreSQL full-text search as a plain application would write it, on the same
    table: the words OR'd (a phrase as a phrase), top 20 by ts_rank, the filter; no exact
    total, no visibility, no snippets."""

    def __init__(self, app: Flask):
        self.app = app

    def run(self, q: Query) -> int:
        from sqlalchemy import text

        from forum.extensions import db
        from forum.search.base import parse_query

        parsed = parse_query(q.text)
        parts, params = [], {}
        for i, word in enumerate(parsed.words):
            parts.append(f"plainto_tsquery('english', :w{i})")
            params[f"w{i}"] = word
        for i, phrase in enumerate(parsed.phrases):
            parts.append(f"phraseto_tsquery('english', :p{i})")
            params[f"p{i}"] = " ".join(phrase)
        where = ""
        if q.module_id is not None:
            where, params["m"] = " AND d.module_id = :m", q.module_id
        elif q.answered:
            where = " AND d.answered"
        elif q.type is not None:
            where, params["t"] = " AND d.type = :t", q.type
        sql = (
            f"SELECT d.key FROM search.documents AS d, (SELECT {' || '.join(parts)} AS q) AS x"
            f" WHERE d.tsv @@ x.q{where} ORDER BY ts_rank(d.tsv, x.q) DESC LIMIT 20"
        )
        with self.app.app_context(), db.engine.connect() as conn:
            return len(conn.execute(text(sql), params).all())

    def close(self) -> None:
        pass


@dataclass
class Timings:
    bare: list[float] = field(default_factory=list)  # ms, wall clock
    backend: list[float] = field(default_factory=list)
    api: list[float] = field(default_factory=list)
    # CPU time of this thread (ms): steadier than wall time on a loaded machine; on
    # PostgreSQL it leaves out the server's own work.
    bare_cpu: list[float] = field(default_factory=list)
    backend_cpu: list[float] = field(default_factory=list)
    api_cpu: list[float] = field(default_factory=list)
    spelling: list[float] = field(default_factory=list)  # ms, backend.corrected() alone
    api_first: list[bool] = field(default_factory=list)  # the API ran before the backend
    first_with_filter: list[bool] = field(default_factory=list)  # the run's first such filter
    totals: list[int] = field(default_factory=list)  # visible matches (the API's total)
    mismatched_totals: int = 0  # API total != backend total for the same query
    hits_without_mark: int = 0  # API hits whose snippet marks nothing


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    at = (len(ordered) - 1) * p / 100
    low, high = math.floor(at), math.ceil(at)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def measure_queries(
    app: Flask,
    bare,
    queries: dict[str, list[Query]],
    warm: dict[str, list[Query]],
    passes: int,
) -> dict[str, Timings]:
    """Each query timed bare, then by the backend and through the API (in turn one or the
    other first), back to back, so that they meet the same moment of a noisy machine;
    ``passes`` rounds over the list, after the ``warm`` queries."""
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Membership, User
    from forum.search import get_backend
    from forum.search.base import Filters, parse_query
    from forum.services import accounts, permissions

    with app.app_context():
        learner = db.session.get(User, 2)
        scope = permissions.search_scope(learner)
        # The API is searched as SEARCHERS people who see what this learner sees (the same
        # cohorts), taking turns: each stays within the per-person search limit as
        # configured, as a team of new hires would.
        people = [learner]
        for n in range(1, SEARCHERS):
            twin = accounts.create_user(
                None,
                email=f"searcher{n}@bench.example",
                name=f"Searcher {n}",
                password="bench password",
            ).user
            theirs = db.session.scalars(select(Membership).where(Membership.user_id == learner.id))
            for membership in theirs:
                db.session.add(
                    Membership(cohort_id=membership.cohort_id, user_id=twin.id, role="learner")
                )
            people.append(twin)
        db.session.commit()
        assert all(permissions.search_scope(p) == scope for p in people)
        tokens = [accounts.issue_token(p, "search bench").token for p in people]
        db.session.remove()
    searcher_turns = itertools.count()
    client = app.test_client()

    def clocks() -> tuple[float, float]:
        return time.perf_counter(), time.thread_time()

    def since(start: tuple[float, float]) -> tuple[float, float]:
        wall, cpu = clocks()
        return (wall - start[0]) * 1000, (cpu - start[1]) * 1000

    def backend_run(q: Query) -> tuple[float, float, int, float]:
        with app.app_context():
            backend = get_backend()
            filters = Filters(module_id=q.module_id, answered=q.answered, type=q.type)
            parsed = parse_query(q.text)
            start = clocks()
            results = backend.search(parsed, filters, scope, 1, 20)
            wall, cpu = since(start)
            start = clocks()
            backend.corrected(parsed)
            spelling, _ = since(start)
        return wall, cpu, results.total, spelling

    def api_run(q: Query) -> tuple[float, float, dict]:
        start = clocks()
        token = tokens[next(searcher_turns) % len(tokens)]
        headers = {"Authorization": f"Bearer {token}"}
        answer = client.get("/api/v1/search", query_string=q.api_args(), headers=headers)
        wall, cpu = since(start)
        if answer.status_code != 200:
            raise RuntimeError(f"GET /api/v1/search {q.api_args()} answered {answer.status_code}")
        return wall, cpu, answer.get_json()

    def bare_run(q: Query) -> tuple[float, float]:
        start = clocks()
        bare.run(q)
        return since(start)

    seen_filters = set()
    for q in (q for kind in KINDS for q in warm[kind]):
        seen_filters.add((q.module_id, q.answered, q.type))
        bare_run(q)
        backend_run(q)
        api_run(q)
    timings = {kind: Timings() for kind in KINDS}
    gc.collect()
    turn = 0
    for number in range(passes):
        for kind in KINDS:
            print(f"    pass {number + 1}/{passes}: {kind} ...", file=sys.stderr, flush=True)
            t = timings[kind]
            for q in queries[kind]:
                key = (q.module_id, q.answered, q.type)
                t.first_with_filter.append(key not in seen_filters)
                seen_filters.add(key)
                wall, cpu = bare_run(q)
                t.bare.append(wall)
                t.bare_cpu.append(cpu)
                turn += 1
                t.api_first.append(turn % 2 == 0)
                if t.api_first[-1]:
                    api = api_run(q)
                    back = backend_run(q)
                else:
                    back = backend_run(q)
                    api = api_run(q)
                t.backend.append(back[0])
                t.backend_cpu.append(back[1])
                t.spelling.append(back[3])
                t.api.append(api[0])
                t.api_cpu.append(api[1])
                body = api[2]
                t.totals.append(body["total"])
                t.mismatched_totals += body["total"] != back[2]
                t.hits_without_mark += sum("<mark>" not in h["snippet"] for h in body["items"])
    return timings


# Freshness -----------------------------------------------------------------------------------


@dataclass
class Freshness:
    pause: float = 0.0  # s each writer waits after each reply; 0: as fast as it can
    writer: str = ""  # Whoosh: FORUM_SEARCH_WRITER for this run ("" on PostgreSQL)
    writers: int = WRITERS
    seconds: float = 0.0
    posts: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    delays: list[float] = field(default_factory=list)  # s, from reply() returning to found
    not_found: int = 0
    # Where the time goes, per call, in seconds: the writers' reply(), and the worker's
    # steps for each batch (claiming and finishing jobs are write transactions).
    reply: list[float] = field(default_factory=list)
    claim: list[float] = field(default_factory=list)
    resolve: list[float] = field(default_factory=list)
    apply: list[float] = field(default_factory=list)
    finish: list[float] = field(default_factory=list)
    applied_documents: int = 0
    # Whoosh: the applies whose commit merged segments (fewer segments after than before
    # plus the one it wrote), seconds each; a merge may rewrite the large segment.
    merging_applies: list[float] = field(default_factory=list)
    largest_merged: int = 0  # documents in the largest segment an apply merged away
    # Whoosh: the merges left to the quiet moments (``settle()`` with the outbox empty).
    settles: int = 0
    merging_settles: list[float] = field(default_factory=list)
    segments_most: int = 0  # the most segments the index had after an apply

    @property
    def rate(self) -> float:
        return self.posts / self.seconds if self.seconds else 0.0


def freshness(
    app: Flask,
    corpus: Corpus,
    maker: TextMaker,
    rng: random.Random,
    seconds: float,
    pause: float,
    variant: int,
    index_writer: str = "",
) -> Freshness:
    """8 writers reply as fast as they can through ``posts.reply``; the background worker
    thread indexes; a checker looks the replies' unique words up through the backend."""
    from forum import background
    from forum.extensions import db
    from forum.models import User
    from forum.search import get_backend, indexing
    from forum.search.base import Filters, Parsed, Scope
    from forum.services import posts

    result = Freshness(pause=pause, writer=index_writer)
    if index_writer and app.config["SEARCH_WRITER"] != index_writer:
        app.config["SEARCH_WRITER"] = index_writer
        close_backend(app)  # made again, writing the new way
    # Texts made beforehand: the writers spend their time writing, not composing.
    texts = []
    for _ in range(400):
        tid, module = rng.choice(corpus.open_threads)
        texts.append((tid, maker.post(module, maker.focus(module))[0]))
    lock = threading.Lock()
    written: dict[str, tuple[int, float]] = {}  # token -> (post id, when reply() returned)
    found: dict[str, float] = {}
    stop = threading.Event()
    written_all = threading.Event()  # the writers have stopped and recorded every reply
    run = f"{os.getpid() % 1000:03d}"

    def writer(number: int, people: list[int]) -> None:
        # Each reply by the next person of this writer's share of the members: people
        # posting, each within the reply limit as configured, not one account flooding.
        i = number
        while not stop.is_set():
            tid, body = texts[i % len(texts)]
            token = f"fresh{run}v{variant}x{number}x{i:06d}"
            uid = people[(i // WRITERS) % len(people)]
            i += WRITERS
            try:
                with app.app_context():
                    user = db.session.get(User, uid)
                    called = time.perf_counter()
                    post = posts.reply(user, tid, body=f"{body} {token}")
                    returned = time.perf_counter()
                    result.reply.append(returned - called)
                    post_id = post.id
            except Exception as exc:  # counted and reported; the run goes on
                with lock:
                    name = type(exc).__name__
                    result.errors[name] = result.errors.get(name, 0) + 1
                continue
            with lock:
                written[token] = (post_id, returned)
            if pause:
                stop.wait(pause)

    def checker() -> None:
        scope = Scope(everything=True)
        deadline = None
        while True:
            with lock:
                pending = [t for t in written if t not in found]
            if written_all.is_set():
                deadline = deadline or time.perf_counter() + FOUND_WAIT
                if not pending or time.perf_counter() > deadline:
                    return
            for i in range(0, len(pending), TERMS_PER_CHECK):
                chunk = pending[i : i + TERMS_PER_CHECK]
                with app.app_context():
                    hits = (
                        get_backend()
                        .search(Parsed(words=chunk), Filters(type="post"), scope, 1, len(chunk))
                        .hits
                    )
                now = time.perf_counter()
                ids = {h.id for h in hits}
                with lock:
                    for token in chunk:
                        post_id, returned = written[token]
                        if post_id in ids:
                            found[token] = now
                            result.delays.append(now - returned)
            time.sleep(POLL_SECONDS)

    with app.app_context():
        backend = get_backend()
    original_apply = backend.apply

    def timed_apply(upserts, deletes):
        before = segment_sizes(app)
        start = time.perf_counter()
        try:
            return original_apply(upserts, deletes)
        finally:
            spent = time.perf_counter() - start
            result.apply.append(spent)
            result.applied_documents += len(upserts) + len(deletes)
            after = segment_sizes(app)
            if after is not None:
                result.segments_most = max(result.segments_most, len(after))
            if before is not None and after is not None and len(after) <= len(before):
                result.merging_applies.append(spent)
                gone = [size for size in before if size not in after]
                result.largest_merged = max([result.largest_merged, *gone])

    original_settle = backend.settle

    def timed_settle():
        before = segment_sizes(app)
        start = time.perf_counter()
        try:
            return original_settle()
        finally:
            spent = time.perf_counter() - start
            result.settles += 1
            after = segment_sizes(app)
            if before is not None and after is not None and len(after) < len(before):
                result.merging_settles.append(spent)

    worker = app.extensions["forum.worker"]
    worker.stop.clear()
    with (
        timed_calls(background, "_claim", result.claim),
        timed_calls(background, "_finish", result.finish),
        timed_calls(indexing, "resolve", result.resolve),
    ):
        backend.apply = timed_apply
        backend.settle = timed_settle
        worker.ensure_started()
        threads = [
            threading.Thread(
                target=writer, args=(n, corpus.member_ids[n::WRITERS]), name=f"writer-{n}"
            )
            for n in range(WRITERS)
        ]
        check = threading.Thread(target=checker, name="checker")
        start = time.perf_counter()
        for t in threads:
            t.start()
        check.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        result.seconds = time.perf_counter() - start
        written_all.set()
        check.join()
        worker.stop.set()
        worker.wake.set()
        running = getattr(worker, "_thread", None)
        if running is not None:
            running.join(timeout=60)
        del backend.apply, backend.settle  # the class's methods again
    result.posts = len(written)
    result.not_found = len(written) - len(found)
    return result


def close_backend(app: Flask) -> None:
    """Forget the app's search backend (stopping a Whoosh helper process); the next
    ``get_backend()`` makes it again from the configuration."""
    backend = app.extensions.pop("forum.search", None)
    if backend is not None and hasattr(backend, "close"):
        backend.close()


def segment_sizes(app: Flask) -> list[int] | None:
    """Whoosh: the documents in each segment of the index's last commit (from its table of
    contents, a small file); None on other backends."""
    if app.config["SEARCH_BACKEND"] != "whoosh":
        return None
    from forum.search import get_backend

    try:
        with app.app_context():
            return get_backend().segment_sizes()
    except Exception:  # a commit replaced the file just then: not worth a retry here
        return None


def bare_whoosh_freshness(folder: str, rounds: int = 40) -> dict[str, list[float]]:
    """The floor: one document written and committed with a bare Whoosh writer, then found
    through a searcher kept open and refreshed; one after another, nothing else running.
    Twice: ``add_document``, and ``update_document`` (an upsert by a unique key, as the
    backend's apply does: Whoosh then opens a reader of the whole index to delete the
    key's earlier version)."""
    from whoosh import index
    from whoosh import query as wq

    ix = index.open_dir(folder)
    searcher = ix.searcher()
    delays: dict[str, list[float]] = {"add": [], "update": []}
    try:
        for i in range(rounds):
            for how in ("add", "update"):
                token = f"barefresh{how}{i:05d}"
                fields = {"key": f"bare:{how}:{i}", "type": "post", "text": f"bare {token}"}
                start = time.perf_counter()
                writer = ix.writer()
                if how == "add":
                    writer.add_document(**fields)
                else:
                    writer.update_document(**fields)
                writer.commit()
                searcher = searcher.refresh()
                if len(searcher.search(wq.Term("text", token), limit=1)) != 1:
                    raise RuntimeError("a bare Whoosh write was not found")
                delays[how].append(time.perf_counter() - start)
    finally:
        searcher.close()
    return delays


# A run ---------------------------------------------------------------------------------------


@dataclass
class BackendReport:
    backend: str
    database: str
    indexing: Indexing
    timings: dict[str, Timings]
    fresh: list[Freshness]
    # s, the bare Whoosh floor (write, commit, refresh, found) by add and by update
    bare_fresh: dict[str, list[float]]
    load: dict[str, tuple[float, float, float]] = field(default_factory=dict)


def bench_backend(
    name: str, url: str, directory: Path, corpus: Corpus, args: argparse.Namespace
) -> BackendReport:
    from flask_migrate import upgrade

    from forum import create_app
    from forum.extensions import db

    app = create_app(app_config(url, directory, name))
    app.test_client_class = FreshContextClient
    load: dict[str, tuple[float, float, float]] = {}
    label = f"[{name}]"
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        print(f"{label} inserting {len(corpus.posts)} posts ...", file=sys.stderr, flush=True)
        insert_rows(corpus)
        db.session.remove()

    load["rebuild"] = os.getloadavg()
    print(f"{label} rebuild_index() ...", file=sys.stderr, flush=True)
    indexing = rebuild(app)
    rng = random.Random(SEED + 1)  # the same extra text on both backends
    maker = TextMaker(rng, args.vocabulary)
    rows = extra_replies(corpus, maker, rng, args.incremental, len(corpus.posts) + 1)
    load["incremental"] = os.getloadavg()
    print(f"{label} {len(rows)} replies through the outbox ...", file=sys.stderr, flush=True)
    incremental(app, rows, indexing)

    folder = str(directory / "search-index")
    if name == "whoosh":
        from whoosh import index

        with index.open_dir(folder).reader() as reader:
            indexing.whoosh_segments = len(reader.leaf_readers())
    bare = BareWhoosh(folder) if name == "whoosh" else BarePostgres(app)
    queries = make_queries(corpus, random.Random(SEED + 2), args.queries)
    warm = make_queries(corpus, random.Random(SEED + 4), args.warmup)
    load["queries"] = os.getloadavg()
    print(f"{label} queries ...", file=sys.stderr, flush=True)
    try:
        timings = measure_queries(app, bare, queries, warm, args.passes)
    finally:
        bare.close()

    load["freshness"] = os.getloadavg()
    fresh = []
    runs = [
        (w, p)
        for w in (args.index_writers if name == "whoosh" else [""])
        for p in args.writer_pauses
    ]
    for variant, (index_writer, pause) in enumerate(runs):
        print(
            f"{label} freshness, {WRITERS} writers, pause {pause:g} s "
            f"{index_writer and f'(index writer {index_writer})'} ...",
            file=sys.stderr,
        )
        fresh.append(
            freshness(
                app,
                corpus,
                maker,
                random.Random(SEED + 3),
                args.fresh_seconds,
                pause,
                variant,
                index_writer,
            )
        )
    bare_fresh = bare_whoosh_freshness(folder) if name == "whoosh" else {}
    load["end"] = os.getloadavg()
    close_backend(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    database = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    return BackendReport(name, database, indexing, timings, fresh, bare_fresh, load)


# Reporting -----------------------------------------------------------------------------------


def ms3(values: list[float]) -> str:
    return (
        f"{percentile(values, 50):.1f} / {percentile(values, 95):.1f} / {max(values):.1f}"
        if values
        else "-"
    )


def ms2(values: list[float]) -> str:
    return f"{percentile(values, 50):.1f} / {percentile(values, 95):.1f}" if values else "-"


def s3(values: list[float]) -> str:
    return (
        f"{percentile(values, 50):.2f} / {percentile(values, 95):.2f} / {max(values):.2f}"
        if values
        else "-"
    )


def yes(ok: bool) -> str:
    return "met" if ok else "**missed**"


def git_state() -> str:
    def run(*command: str) -> str:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout

    head = run("git", "rev-parse", "--short", "HEAD").strip()
    dirty = run("git", "status", "--porcelain", "--", "forum")  # " M path": keep the space
    changed = ", ".join(line[3:] for line in dirty.splitlines())
    return f"commit {head}" + (f", with uncommitted changes to {changed}" if changed else "")


def corpus_line(corpus: Corpus, incremental_n: int) -> str:
    distinct = len(corpus.counts) + len(FUNCTION_WORDS)
    top = corpus.counts.most_common(1)[0]
    return (
        f"{len(corpus.posts):,} posts ({corpus.tokens:,} words, "
        f"{corpus.tokens / len(corpus.posts):.0f} a post, "
        f"{corpus.markdown_chars / len(corpus.posts):.0f} characters of Markdown) in "
        f"{len(corpus.threads):,} threads across {MODULES} modules, {COHORTS} cohorts "
        f"({sum(t['visibility'] == 'cohort' for t in corpus.threads):,} threads cohort-only), "
        f"{len(corpus.accepted):,} answered questions; {distinct:,} distinct words used "
        f"(most frequent content word: {top[1]:,} times); then {incremental_n:,} more replies "
        f"through the outbox."
    )


def indexing_table(reports: list[BackendReport]) -> str:
    lines = [
        "| backend | rebuild: documents | seconds | docs/s | of which reading the database "
        "| incremental (outbox): documents | seconds | docs/s | batches "
        "| of which claim jobs / make documents / write index / finish jobs "
        "| then, the outbox empty: merges (steps) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in reports:
        i = r.indexing
        lines.append(
            f"| {r.backend} ({r.database}) | {i.documents:,} | {i.seconds:.1f} | {i.rate:.0f} "
            f"| {i.reading_seconds:.1f} s | {i.incremental_documents:,} "
            f"| {i.incremental_seconds:.1f} | {i.incremental_rate:.0f} | {i.incremental_batches} "
            f"| {i.incremental_claim_seconds:.1f} / {i.incremental_resolve_seconds:.1f} "
            f"/ {i.incremental_apply_seconds:.1f} / {i.incremental_finish_seconds:.1f} s "
            f"| {i.settle_seconds:.1f} s ({i.settle_steps}) |"
        )
    return "\n".join(lines)


def query_table(report: BackendReport) -> str:
    bare = "bare Whoosh" if report.backend == "whoosh" else "bare PostgreSQL"
    lines = [
        f"| query | runs | visible matches (median) | {bare} ms p50 / p95 / max "
        "| backend ms p50 / p95 / max | API ms p50 / p95 / max | backend/bare p95 "
        "| API/bare p95 |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for kind in KINDS:
        t = report.timings[kind]
        bare_p95 = percentile(t.bare, 95)
        lines.append(
            f"| {kind} | {len(t.api)} | {statistics.median(t.totals):,.0f} | {ms3(t.bare)} "
            f"| {ms3(t.backend)} | {ms3(t.api)} | {percentile(t.backend, 95) / bare_p95:.1f} "
            f"| {percentile(t.api, 95) / bare_p95:.1f} |"
        )
    where = "this process" if report.backend == "whoosh" else "this process (not the server)"
    lines += [
        "",
        f"CPU time of {where}, ms p50 / p95, and the spelling suggestion alone "
        "(`backend.corrected()`, which the API runs after the search, wall ms p50 / p95):",
        "",
        "| query | bare CPU | backend CPU | API CPU | spelling |",
        "|---|--:|--:|--:|--:|",
    ]
    for kind in KINDS:
        t = report.timings[kind]
        lines.append(
            f"| {kind} | {ms2(t.bare_cpu)} | {ms2(t.backend_cpu)} | {ms2(t.api_cpu)} "
            f"| {ms2(t.spelling)} |"
        )
    t = report.timings["filtered"]
    cold = [i for i, first in enumerate(t.first_with_filter) if first]
    warm = [i for i, first in enumerate(t.first_with_filter) if not first]
    if cold:
        paid = [t.api[i] if t.api_first[i] else t.backend[i] for i in cold]
        lines += [
            "",
            f"Filtered: {len(cold)} of {len(t.api)} runs were the first with their filter "
            f"(the backend or the API, whichever ran first, met it cold): {ms3(paid)} ms "
            f"(p50 / p95 / max). The other runs: backend {ms3([t.backend[i] for i in warm])}, "
            f"API {ms3([t.api[i] for i in warm])}.",
        ]
    checks = [
        f"{kind}: {t.mismatched_totals} API totals unlike the backend's, "
        f"{t.hits_without_mark} hits with no <mark>"
        for kind, t in report.timings.items()
    ]
    return "\n".join(lines) + "\n\nChecks: " + "; ".join(checks) + "."


WRITTEN_BY = {
    "process": "index written by a helper process",
    "thread": "index written by the worker thread",
}


def pace(f: Freshness) -> str:
    how = "as fast as they can" if not f.pause else f"{f.pause:g} s pause after each reply"
    return f"{how}, {WRITTEN_BY[f.writer]}" if f.writer else how


def bare_floor(r: BackendReport) -> str:
    if not r.bare_fresh:
        return "-"
    return f"{s3(r.bare_fresh['add'])}; {s3(r.bare_fresh['update'])}"


def fresh_table(reports: list[BackendReport]) -> str:
    lines = [
        "| backend | writers | posts | posts/s | found | not found in 30 s "
        "| reply() returned to found, s p50 / p95 / max | bare Whoosh add, then update, "
        "to found, s p50 / p95 / max | errors |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in reports:
        for f in r.fresh:
            errors = ", ".join(f"{k} {v}" for k, v in f.errors.items()) or "none"
            lines.append(
                f"| {r.backend} ({r.database}) | {f.writers}, {pace(f)} | {f.posts:,} "
                f"| {f.rate:.1f} | {len(f.delays):,} | {f.not_found} | {s3(f.delays)} "
                f"| {bare_floor(r)} | {errors} |"
            )
    lines += [
        "",
        "Where the time goes (ms per call, p50 / p95 / max; claiming and finishing jobs are "
        "write transactions, which wait for the writers' turn on SQLite):",
        "",
        "| backend | writers | reply() | worker batches | documents a batch | claim jobs "
        "| make documents | write index (apply) | finish jobs |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in reports:
        for f in r.fresh:
            batches = len(f.apply)
            ms = [
                [v * 1000 for v in values]
                for values in (f.reply, f.claim, f.resolve, f.apply, f.finish)
            ]
            lines.append(
                f"| {r.backend} | {pace(f)} | {ms3(ms[0])} | {batches} "
                f"| {f.applied_documents / batches if batches else 0:.1f} | {ms3(ms[1])} "
                f"| {ms3(ms[2])} | {ms3(ms[3])} | {ms3(ms[4])} |"
            )
    for r in reports:
        for f in r.fresh:
            if f.merging_applies:
                lines.append(
                    f"\nWhoosh, writers {pace(f)}: {len(f.merging_applies)} of {len(f.apply)} "
                    f"applies merged segments on commit, taking "
                    f"{ms3([v * 1000 for v in f.merging_applies])} ms (p50 / p95 / max); the "
                    f"largest segment merged away held {f.largest_merged:,} documents."
                )
            if f.settles:
                lines.append(
                    f"\nWhoosh, writers {pace(f)}: the outbox was found empty {f.settles} "
                    f"times; {len(f.merging_settles)} of those merged the segments that "
                    f"commits had left, taking {ms3([v * 1000 for v in f.merging_settles])} "
                    f"ms (p50 / p95 / max). At most {f.segments_most} segments after a commit."
                )
    return "\n".join(lines)


def targets_table(reports: list[BackendReport]) -> tuple[str, bool]:
    lines = [
        "| target | measured p95 | baseline p95 (same run) | |",
        "|---|--:|--:|---|",
    ]
    met = True
    for r in reports:
        if r.backend == "whoosh":
            for kind in BARE_TARGET_KINDS:
                p95 = percentile(r.timings[kind].bare, 95)
                ok = p95 <= TARGET_BARE_MS
                met = met and ok
                lines.append(
                    f"| bare Whoosh, {kind}, p95 ≤ {TARGET_BARE_MS:g} ms | {p95:.1f} ms "
                    f"| (is the baseline) | {yes(ok)} |"
                )
        for kind in KINDS:
            t = r.timings[kind]
            p95 = percentile(t.api, 95)
            ok = p95 <= TARGET_API_MS
            met = met and ok
            lines.append(
                f"| API on {r.backend}, {kind}, p95 ≤ {TARGET_API_MS:g} ms | {p95:.1f} ms "
                f"| bare {percentile(t.bare, 95):.1f} ms | {yes(ok)} |"
            )
        for f in r.fresh:
            if not f.delays:
                continue
            p95 = percentile(f.delays, 95)
            ok = p95 <= TARGET_FRESH_S and f.not_found == 0
            met = met and ok
            base = (
                f"bare add {percentile(r.bare_fresh['add'], 95):.3f} s, "
                f"update {percentile(r.bare_fresh['update'], 95):.3f} s"
                if r.bare_fresh
                else "-"
            )
            lines.append(
                f"| searchable on {r.backend} within {TARGET_FRESH_S:g} s p95, {WRITERS} "
                f"writers {pace(f)} ({f.rate:.0f} posts/s) | {p95:.2f} s | {base} | {yes(ok)} |"
            )
    return "\n".join(lines), met


def header(args: argparse.Namespace) -> str:
    uname = platform.uname()
    return (
        f"# Search benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"{os.cpu_count()} CPUs, {uname.system} {uname.release}, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; {git_state()}. "
        f"Load average at the start {os.getloadavg()[0]:.2f}. {args.queries} queries of each "
        f"kind, {args.passes} passes (after {args.warmup} warm-up queries of each kind); "
        f"freshness {args.fresh_seconds:g} s per run."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000, help="posts (default 100000)")
    parser.add_argument(
        "--backend", choices=("whoosh", "postgres", "both"), default="both", help="default both"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="a PostgreSQL server (a database is created for the run and dropped after it)",
    )
    parser.add_argument(
        "--incremental", type=int, default=2000, help="replies applied through the outbox"
    )
    parser.add_argument("--queries", type=int, default=100, help="distinct queries per kind")
    parser.add_argument("--passes", type=int, default=2, help="passes over the queries")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up queries per kind")
    parser.add_argument(
        "--fresh-seconds", type=float, default=20.0, help="how long the 8 writers post"
    )
    parser.add_argument(
        "--writer-pauses",
        default="0,1",
        help="freshness runs, one per value: seconds each writer waits after each reply "
        "(default 0,1: as fast as they can, then about one reply a second each)",
    )
    parser.add_argument(
        "--index-writers",
        default="process,thread",
        help="Whoosh freshness runs for each FORUM_SEARCH_WRITER given (default process,thread)",
    )
    parser.add_argument("--dir", type=Path, help="keep the files here (default: a temp folder)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    try:
        args.writer_pauses = [float(x) for x in args.writer_pauses.split(",") if x.strip()]
        args.index_writers = [w.strip() for w in args.index_writers.split(",") if w.strip()]
    except ValueError:
        parser.error("--writer-pauses takes seconds separated by commas, such as 0,1")
    if args.posts < 1000 or args.queries < 1 or args.passes < 1 or args.warmup < 0:
        parser.error("--posts at least 1000, --queries and --passes at least 1")

    print(header(args) + "\n", flush=True)
    started = time.perf_counter()
    rng = random.Random(SEED)
    args.vocabulary = build_vocabulary(rng, load_words(WORDS_FILE))
    print(f"generating {args.posts} posts ...", file=sys.stderr, flush=True)
    corpus = generate(args.posts, rng, TextMaker(rng, args.vocabulary))
    generated = time.perf_counter() - started
    print(corpus_line(corpus, args.incremental) + f" Generated in {generated:.0f} s.\n")

    base = Path(tempfile.mkdtemp(prefix="forum-search-bench-", dir=args.dir))
    reports: list[BackendReport] = []
    try:
        if args.backend in ("whoosh", "both"):
            directory = base / "whoosh"
            directory.mkdir()
            url = f"sqlite:///{directory / 'forum.db'}"
            reports.append(bench_backend("whoosh", url, directory, corpus, args))
            if args.dir is None:
                shutil.rmtree(directory, ignore_errors=True)
        if args.backend in ("postgres", "both"):
            directory = base / "postgres"
            directory.mkdir()
            with postgres_database(args.postgres, "search") as url:
                reports.append(bench_backend("postgres", url, directory, corpus, args))
    finally:
        if args.dir is None:
            shutil.rmtree(base, ignore_errors=True)

    print("## Indexing\n\n" + indexing_table(reports) + "\n")
    for r in reports:
        loads = ", ".join(f"{k} {v[0]:.1f}" for k, v in r.load.items())
        print(
            f"## Queries, {r.backend} ({r.database}), as a learner of 2 of {COHORTS} cohorts\n\n"
            f"Load average at the start of each step: {loads}."
            + (
                f" Whoosh segments at query time: {r.indexing.whoosh_segments}."
                if r.indexing.whoosh_segments is not None
                else ""
            )
            + "\n\n"
            + query_table(r)
            + "\n"
        )
    print("## Freshness\n\n" + fresh_table(reports) + "\n")
    text, met = targets_table(reports)
    print("## Targets\n\n" + text + "\n")
    print(f"Whole run: {time.perf_counter() - started:.0f} s.")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=2))
    print("Targets met." if met else "Targets NOT met.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
