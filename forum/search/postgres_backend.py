"""PostgreSQL full-text search, for deployments where several app servers share a database.

The index lives in the database, in a schema of its own (``search``): Alembic's autogenerate
and the app's own table list look at the default schema only, so these derived tables are
never taken for models, and ``pg_dump --exclude-schema=search`` leaves them out of a backup.

- ``search.documents``: one row per ``Document``, with a generated ``tsv`` (English stems,
  the title weighted A, body and answer B) under a GIN index.
- ``search.words``: the unstemmed words of every indexed text, for "did you mean" (trigram
  similarity, ``pg_trgm``) and for prefixes whose stem is shorter than the prefix
  (``deploym*`` must find "deployment", stemmed to ``deploy``).

This module is the one definition of that schema: the backend creates what is missing on
first use, and migration 0005 runs the same statements.

User text only ever reaches SQL as bound parameters; the SQL strings are put together from
constants and parameter names alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Row, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from forum.extensions import db
from forum.search.base import (
    ANSWERED_BOOST,
    MARK_END,
    MARK_START,
    PREFIX_MIN,
    TURN_WAIT,
    WORD_MAX,
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

# Bound parameters of a statement, and rows as written: column names to values.
Params = dict[str, Any]

SCHEMA = "search"
DOCUMENTS = "documents"
WORDS = "words"
NEW = "_new"  # the suffix of the tables a rebuild fills beside the live ones
BATCH = 500
PER_PAGE_MAX = 1_000
OFFSET_MAX = 2**31  # far past any index's size; keeps huge page numbers from overflowing
PREFIX_EXPANSIONS = 50  # indexed words tried for one prefix, shortest first
# Advisory lock keys: writers hold SWAP shared, the swap holds it exclusive; one rebuild at a time.
SWAP_LOCK = 0x5EA2C401
REBUILD_LOCK = 0x5EA2C402
TURN_LOCK = 0x5EA2C403  # writing_turn: held by one worker of any process at a time
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout ran out

COLUMNS = (
    "key", "type", "obj_id", "thread_id", "module_id", "cohort_id", "visibility", "kind",
    "answered", "author_id", "created_at", "title", "body", "answer", "label",
)  # fmt: skip

_DOCUMENT_COLUMNS = """
    key text NOT NULL,
    type text NOT NULL,
    obj_id bigint NOT NULL,
    thread_id bigint,
    module_id bigint NOT NULL,
    cohort_id bigint,
    visibility text NOT NULL,
    kind text NOT NULL,
    answered boolean NOT NULL,
    author_id bigint,
    created_at timestamptz NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    answer text NOT NULL,
    label text NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', body), 'B')
        || setweight(to_tsvector('english', answer), 'B')
    ) STORED"""


def create_statements(suffix: str = "") -> list[str]:
    """The DDL of the index (``suffix=NEW``: the tables a rebuild fills), idempotent."""
    docs, words = f"{DOCUMENTS}{suffix}", f"{WORDS}{suffix}"
    return [
        # A trusted extension since PostgreSQL 13: the database's owner may create it.
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
        f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{docs} ({_DOCUMENT_COLUMNS},"
        f" CONSTRAINT {docs}_pkey PRIMARY KEY (key))",
        f"CREATE INDEX IF NOT EXISTS {docs}_tsv ON {SCHEMA}.{docs} USING gin (tsv)",
        f"CREATE INDEX IF NOT EXISTS {docs}_module_id ON {SCHEMA}.{docs} (module_id)",
        f"CREATE INDEX IF NOT EXISTS {docs}_cohort_id ON {SCHEMA}.{docs} (cohort_id)",
        # "C" collation: the primary key's btree then also serves ``LIKE 'prefix%'``.
        f'CREATE TABLE IF NOT EXISTS {SCHEMA}.{words} (word text COLLATE "C" NOT NULL,'
        f" CONSTRAINT {words}_pkey PRIMARY KEY (word))",
        f"CREATE INDEX IF NOT EXISTS {words}_trgm ON {SCHEMA}.{words} USING gin"
        " (word gin_trgm_ops)",
    ]


def drop_statements() -> list[str]:
    """Undo ``create_statements``; pg_trgm stays, as other things may use it."""
    return [f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"]


def _insert_sql(suffix: str, action: str) -> str:
    columns = ", ".join(COLUMNS)
    values = ", ".join(f":{c}" for c in COLUMNS)
    return (
        f"INSERT INTO {SCHEMA}.{DOCUMENTS}{suffix} ({columns}) VALUES ({values})"
        f" ON CONFLICT (key) DO {action}"
    )


_UPDATE = "UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])


_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=2, MaxWords=30, MinWords=10,"
    ' FragmentDelimiter=" … "'
)
_PREFIX = re.compile(r"[^\W_]+")  # letters and digits: nothing tsquery would read as syntax
_WORD = re.compile(r"\w+")
_TAG_OPEN = "\x01"  # ts_headline drops whatever looks like an HTML tag; hide "<" from it


class PostgresBackend:
    name = "postgres"

    def __init__(self) -> None:
        self._ready = False

    # Schema ---------------------------------------------------------------------------

    def _ensure(self) -> None:
        """Create what is missing, once per process; a role that may not create anything
        still works on tables made by the migration."""
        if self._ready:
            return
        with db.engine.begin() as conn:
            if not _schema_complete(conn):
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SWAP_LOCK})
                for statement in create_statements():
                    conn.execute(text(statement))
        self._ready = True

    # Writes -----------------------------------------------------------------------------

    def apply(self, upserts: list[Document], deletes: list[str]) -> None:
        if not upserts and not deletes:
            return
        self._ensure()
        rows = [_row(d) for d in upserts]
        with db.engine.begin() as conn:
            # Shared against a rebuild's swap; during a rebuild, the change goes to both the
            # live tables and the ones being filled, so the rebuilt index misses nothing.
            conn.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": SWAP_LOCK})
            suffixes = ["", NEW] if _exists(conn, f"{DOCUMENTS}{NEW}") else [""]
            for suffix in suffixes:
                _write(conn, suffix, rows, deletes)

    @contextmanager
    def writing_turn(self) -> Iterator[None]:
        """An advisory lock in a transaction of its own connection, shared by every process
        of every host; it ends with that transaction, so a worker that dies releases it."""
        with db.engine.connect() as conn:
            conn.execute(text(f"SET LOCAL lock_timeout = {int(TURN_WAIT * 1000)}"))
            try:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": TURN_LOCK})
            except OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
                    raise
                raise IndexBusy("another worker holds the writing turn") from exc
            try:
                yield
            finally:
                conn.rollback()

    def settle(self) -> bool:
        """Nothing put off: a GIN index takes each change in its commit (its pending
        list is folded in by autovacuum)."""
        return False

    def reset(self) -> None:
        self._ensure()
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {SCHEMA}.{DOCUMENTS}, {SCHEMA}.{WORDS}"))

    def rebuild(self, documents: Iterable[Document], progress: Callable[[int], None]) -> None:
        self._ensure()
        with db.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": REBUILD_LOCK})
            conn.commit()
            try:
                _create_new_tables(conn)
                _fill(conn, documents, progress)
                _swap(conn)
            except BaseException:
                conn.rollback()
                _drop_new_tables(conn)
                raise
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": REBUILD_LOCK})
                conn.commit()

    # Reads ------------------------------------------------------------------------------

    def search(
        self, query: Parsed, filters: Filters, scope: Scope, page: int, per_page: int
    ) -> Results:
        per_page_sql = max(1, min(per_page, PER_PAGE_MAX))
        offset = min((max(page, 1) - 1) * per_page_sql, OFFSET_MAX)
        terms, params = _terms(query)
        where, where_params = _where(filters, scope)
        if not terms or where is None:
            return Results(hits=[], total=0, page=page, per_page=per_page)
        self._ensure()
        params |= where_params | {"limit": per_page_sql, "offset": offset}
        params |= {"boost": ANSWERED_BOOST, "options": _HEADLINE_OPTIONS, "tag": _TAG_OPEN}
        with db.engine.connect() as conn:
            rows = conn.execute(text(_search_sql(terms, where)), params).all()
        hits = [_hit(row) for row in rows if row.key is not None]
        return Results(hits=hits, total=rows[0].total, page=page, per_page=per_page)

    def corrected(self, query: Parsed) -> str | None:
        unknown = [w for w in query.words if w.isalpha() and len(w) >= PREFIX_MIN]
        if not unknown:
            return None
        self._ensure()
        with db.engine.connect() as conn:
            rows = conn.execute(text(_CANDIDATES), {"words": unknown}).all()
        candidates: dict[str, list[str]] = {}
        for row in rows:
            candidates.setdefault(row.word, []).extend([row.candidate] if row.candidate else [])
        words = [_closest(w, candidates[w]) if w in candidates else w for w in query.words]
        if words == query.words:
            return None
        phrases = [f'"{" ".join(p)}"' for p in query.phrases]
        return " ".join([*words, *phrases, *(f"{p}*" for p in query.prefixes)])

    def status(self) -> str:
        try:
            self._ensure()
            with db.engine.connect() as conn:
                conn.execute(text(f"SELECT 1 FROM {SCHEMA}.{DOCUMENTS} LIMIT 1")).all()
                conn.execute(text(f"SELECT 1 FROM {SCHEMA}.{WORDS} LIMIT 1")).all()
        except SQLAlchemyError:
            self._ready = False  # look for (and make) what is missing again next time
            return "down"
        return "ok"

    def writable(self) -> bool:
        return True  # the index is tables of the database, whose health is its own


# Schema helpers -----------------------------------------------------------------------


def _exists(conn: Connection, table: str) -> bool:
    found = conn.execute(text("SELECT to_regclass(:name)"), {"name": f"{SCHEMA}.{table}"})
    return found.scalar() is not None


def _schema_complete(conn: Connection) -> bool:
    has_trgm = conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    return bool(has_trgm.first()) and _exists(conn, DOCUMENTS) and _exists(conn, WORDS)


def _drop_new_tables(conn: Connection) -> None:
    """Drop a rebuild's tables, once no ``apply`` is writing to them (and commit)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SWAP_LOCK})
    conn.execute(text(f"DROP TABLE IF EXISTS {SCHEMA}.{DOCUMENTS}{NEW}, {SCHEMA}.{WORDS}{NEW}"))
    conn.commit()


def _create_new_tables(conn: Connection) -> None:
    """Fresh, empty tables beside the live ones (a crashed rebuild may have left some)."""
    _drop_new_tables(conn)
    for statement in create_statements(NEW):
        conn.execute(text(statement))
    conn.commit()


# Writing ------------------------------------------------------------------------------


def _row(doc: Document) -> Params:
    return {
        "key": doc.key, "type": doc.type, "obj_id": doc.id, "thread_id": doc.thread_id,
        "module_id": doc.module_id, "cohort_id": doc.cohort_id, "visibility": doc.visibility,
        "kind": doc.kind, "answered": doc.answered, "author_id": doc.author_id,
        "created_at": doc.created_at, "title": plain_text(doc.title),
        "body": plain_text(doc.body), "answer": plain_text(doc.answer), "label": doc.label,
    }  # fmt: skip


def _write(conn: Connection, suffix: str, rows: list[Params], deletes: list[str]) -> None:
    """Upserts, then deletes: a key in both is gone, as text that must go goes."""
    if rows:
        conn.execute(text(_insert_sql(suffix, _UPDATE)), rows)
        _add_words(conn, suffix, _words(rows))
    if deletes:
        delete = f"DELETE FROM {SCHEMA}.{DOCUMENTS}{suffix} WHERE key = ANY(CAST(:k AS text[]))"
        conn.execute(text(delete), {"k": deletes})
    # The words of deleted or edited documents stay in search.words until the next rebuild:
    # a suggestion may then name a word no document holds any more, and the service offers
    # a suggestion only when the corrected query has hits the caller may see.


def _words(rows: list[Params]) -> set[str]:
    """The words of the rows' texts, lower case, as a query's words are. Letters only:
    numbers, addresses and file names are never misspelled words."""
    found: set[str] = set()
    for row in rows:
        for text_ in (row["title"], row["body"], row["answer"]):
            found.update(_WORD.findall(text_.lower()))
    return {w for w in found if w.isalpha() and PREFIX_MIN <= len(w) <= WORD_MAX}


def _add_words(conn: Connection, suffix: str, words: set[str]) -> None:
    if words:
        insert = f"INSERT INTO {SCHEMA}.{WORDS}{suffix} (word)"
        conn.execute(
            text(f"{insert} SELECT unnest(CAST(:w AS text[])) ON CONFLICT DO NOTHING"),
            {"w": sorted(words)},
        )


def _fill(conn: Connection, documents: Iterable[Document], progress: Callable[[int], None]) -> None:
    # DO NOTHING: a row already there was written by ``apply`` during the rebuild, and is
    # at least as new as what the rebuild read.
    insert = text(_insert_sql(NEW, "NOTHING"))
    count = 0
    seen: set[str] = set()
    for batch in _batches(documents, BATCH):
        rows = [_row(d) for d in batch]
        conn.execute(insert, rows)
        words = _words(rows) - seen
        _add_words(conn, NEW, words)
        seen |= words
        conn.commit()
        count += len(rows)
        progress(count)
    if count == 0:
        progress(0)
    # Fresh statistics, so the planner reaches for the indexes from the first search on.
    conn.execute(text(f"ANALYZE {SCHEMA}.{DOCUMENTS}{NEW}, {SCHEMA}.{WORDS}{NEW}"))
    conn.commit()


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        yield batch


def _swap(conn: Connection) -> None:
    """Put the new tables in place of the live ones, in one transaction, keeping names."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SWAP_LOCK})
    for table in (DOCUMENTS, WORDS):
        indexes = conn.execute(
            text("SELECT indexname FROM pg_indexes WHERE schemaname = :s AND tablename = :t"),
            {"s": SCHEMA, "t": f"{table}{NEW}"},
        ).scalars()
        renames = [(name, name.replace(f"{table}{NEW}", table, 1)) for name in indexes]
        conn.execute(text(f"DROP TABLE IF EXISTS {SCHEMA}.{table}"))
        conn.execute(text(f"ALTER TABLE {SCHEMA}.{table}{NEW} RENAME TO {table}"))
        for old, new in renames:
            conn.execute(text(f"ALTER INDEX {SCHEMA}.{old} RENAME TO {new}"))
    conn.commit()


# Searching ----------------------------------------------------------------------------


def _terms(query: Parsed) -> tuple[list[str], Params]:
    """One tsquery expression per word, phrase and prefix, each over bound parameters."""
    exprs: list[str] = []
    params: Params = {}
    for i, word in enumerate(query.words):
        exprs.append(f"plainto_tsquery('english', :w{i})")
        params[f"w{i}"] = word
    for i, phrase in enumerate(query.phrases):
        exprs.append(f"phraseto_tsquery('english', :p{i})")
        params[f"p{i}"] = " ".join(phrase)
    for i, prefix in enumerate(query.prefixes):
        params[f"x{i}"] = prefix
        exprs.append(_prefix_term(f"x{i}") if _PREFIX.fullmatch(prefix) else
                     f"plainto_tsquery('english', :x{i})")  # fmt: skip
    return exprs, params


def _prefix_term(param: str) -> str:
    """Stems that start with the prefix, or the stems of the shortest indexed words that
    do: a stem can be shorter than the prefix ("deploym*" must find "deployment", stemmed
    "deploy"). The prefix itself is not stemmed: the stem of a part of a word means little
    ("quokkabament" stems to "quokkaba", which would find "quokkababble")."""
    return f"""(to_tsquery('simple', :{param} || ':*') || coalesce((
        SELECT to_tsquery('english', string_agg(e.word, ' | ')) FROM (
            SELECT word FROM {SCHEMA}.{WORDS} WHERE word LIKE :{param} || '%'
            ORDER BY length(word), word LIMIT {PREFIX_EXPANSIONS}) AS e), ''::tsquery))"""


def _where(filters: Filters, scope: Scope) -> tuple[str | None, Params]:
    """Scope.allows() and the filters as SQL; None when nothing can be visible."""
    clauses: list[str] = []
    params: Params = {}
    if not scope.everything:
        if not scope.modules:
            return None, {}
        clauses.append(
            "d.module_id = ANY(CAST(:modules AS bigint[])) AND (d.visibility = 'everyone'"
            " OR d.cohort_id = ANY(CAST(:cohorts AS bigint[]))"
            " OR d.module_id = ANY(CAST(:owned AS bigint[])))"
        )
        params |= {"modules": sorted(scope.modules), "cohorts": sorted(scope.cohorts),
                   "owned": sorted(scope.owned_modules)}  # fmt: skip
    for column, value in (
        ("module_id", filters.module_id), ("cohort_id", filters.cohort_id),
        ("kind", filters.kind), ("type", filters.type),
    ):  # fmt: skip
        if value is not None:
            clauses.append(f"d.{column} = :f_{column}")
            params[f"f_{column}"] = value
    if filters.answered:
        clauses.append("d.answered")
    return " AND ".join(clauses) or "true", params


def _search_sql(terms: list[str], where: str) -> str:
    """Rank every visible match (more distinct terms first, then ts_rank with the title
    above the body, times the answered boost), count them, and only then make snippets
    for the one page: ts_headline is the slow part."""
    columns = ", ".join(f"{expr} AS t{i}" for i, expr in enumerate(terms))
    any_term = " || ".join(f"t{i}" for i in range(len(terms)))
    matched = " + ".join(f"(d.tsv @@ q.t{i})::int" for i in range(len(terms)))
    return f"""
    WITH terms AS MATERIALIZED (SELECT {columns}),
    q AS MATERIALIZED (SELECT terms.*, {any_term} AS query FROM terms),
    matches AS (
        SELECT d.key, d.created_at,
            ({matched} + ts_rank(d.tsv, q.query, 1 | 32))
            * CASE WHEN d.answered THEN :boost ELSE 1 END AS score
        FROM {SCHEMA}.{DOCUMENTS} AS d, q
        WHERE d.tsv @@ q.query AND {where}
    ),
    top AS (
        SELECT key, score FROM matches ORDER BY score DESC, created_at DESC, key
        LIMIT :limit OFFSET :offset
    ),
    page AS (
        SELECT top.key, top.score, d.created_at, d.type, d.obj_id, d.thread_id, d.module_id,
            d.answered, coalesce(nullif(d.label, ''), d.title) AS title,
            replace(ts_headline('english', replace(CASE
                WHEN to_tsvector('english', d.body) @@ q.query THEN d.body
                WHEN to_tsvector('english', d.answer) @@ q.query THEN d.answer
                WHEN d.title <> '' THEN d.title
                ELSE d.body END, '<', :tag), q.query, :options), :tag, '<') AS snippet
        FROM top JOIN {SCHEMA}.{DOCUMENTS} AS d USING (key), q
    )
    SELECT n.total, page.* FROM (SELECT count(*) AS total FROM matches) AS n
    LEFT JOIN page ON true
    ORDER BY page.score DESC, page.created_at DESC, page.key"""


def _hit(row: Row[*tuple[Any, ...]]) -> Hit:
    return Hit(
        type=row.type, id=row.obj_id, thread_id=row.thread_id, module_id=row.module_id,
        title=row.title, snippet=marked(row.snippet), score=float(row.score),
        answered=bool(row.answered),
    )  # fmt: skip


# Suggestions --------------------------------------------------------------------------

# For each query word that no document holds (unstemmed in search.words, or by its stem in
# search.documents) and that is no stop word: indexed words alike by trigrams. Both lookups
# go through an index, so this stays fast however large the index grows.
_CANDIDATES = f"""
    SELECT w.word, c.word AS candidate
    FROM unnest(CAST(:words AS text[])) AS w(word)
    LEFT JOIN LATERAL (
        SELECT v.word FROM {SCHEMA}.{WORDS} AS v WHERE v.word % w.word
        ORDER BY similarity(v.word, w.word) DESC, v.word LIMIT 10
    ) AS c ON true
    WHERE NOT EXISTS (SELECT 1 FROM {SCHEMA}.{WORDS} AS v WHERE v.word = w.word)
        AND numnode(plainto_tsquery('english', w.word)) > 0
        AND NOT EXISTS (SELECT 1 FROM {SCHEMA}.{DOCUMENTS} AS d
                        WHERE d.tsv @@ plainto_tsquery('english', w.word))"""


def _closest(word: str, candidates: list[str]) -> str:
    """The candidate fewest edits away (ties: the more similar by trigrams, listed first),
    if it is near enough to be a misspelling; else the word itself."""
    limit = 1 if len(word) < 6 else 2
    best = min(candidates, key=lambda c: _edits(word, c), default=None)
    return best if best is not None and _edits(word, best) <= limit else word


def _edits(a: str, b: str) -> int:
    """Edit distance, a swap of neighbours counting as one edit ("recieve")."""
    previous: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous, row = previous, row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[-1]
