"""Does SQLite hold under 16 concurrent writers and 4 readers?

Runs the real service path (forum.services, real User actors and their permission checks,
the configured busy timeout and connection pool) against a real SQLite file for a bounded
time, and reports throughput, latency, "database is locked" errors, other errors and lost
writes.

Variants, in one run so the figures compare on the same (noisy) machine:

- ``shipped x16``: forum/database.py as it is, 16 writers and 4 readers;
- ``shipped x1``: the same with one writer, the serial baseline;
- ``busy handler only x16`` (``--controls``): BEGIN IMMEDIATE but without the in-process
  writer turn, so that writer threads queue in SQLite's busy handler instead;
- ``deferred x16`` (``--controls``): plain BEGIN and no writer turn, the failure that
  forum/database.py exists to prevent.

Each writer operation is one "request": a fresh app context loads the actor (a read), then
one read-then-write service call: ``modules.update_module`` on one of four shared modules
(reads, bumps the revision, inserts a revision row), ``cohorts.create_cohort`` or
``cohorts.add_member``. Each reader operation is one learner page: ``list_modules``, the
revision history of one module, and ``get_cohort``.

    .venv/bin/python bench/sqlite_writers.py [--seconds 20] [--controls] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run from a checkout, installed or not

from flask import Flask  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.engine import Connection  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from forum import create_app  # noqa: E402
from forum.database import WRITER_LOCK  # noqa: E402
from forum.extensions import db  # noqa: E402
from forum.models import Cohort, Membership, Module, ModuleRevision, User  # noqa: E402
from forum.services import accounts, cohorts, modules  # noqa: E402

MODULES = 4  # few, so that writers really contend for the same rows
POOL = 8  # people each writer adds to its cohort before it starts a new one


# Set-up --------------------------------------------------------------------------------


@dataclass
class Ids:
    writers: list[int]
    readers: list[int]
    modules: list[int]
    pool: list[int]
    shared_cohort: int


def make_app(directory: Path) -> Flask:
    return create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'forum.db'}",
            "SEARCH_INDEX_DIR": str(directory / "search-index"),
            # No outbox jobs are queued by this workload; keep the process quiet anyway.
            "BACKGROUND_WORKER": "off",
        }
    )


def seed(app: Flask, writers: int, readers: int) -> Ids:
    def person(role: str, name: str) -> int:
        new = accounts.create_user(
            None, email=f"{name}@example.com", name=name, role=role, send_invite=False
        )
        return new.user.id

    with app.app_context():
        db.create_all()
        admin = db.session.get(User, person("admin", "admin"))
        writer_ids = [person("manager", f"writer{i}") for i in range(writers)]
        reader_ids = [person("member", f"reader{i}") for i in range(readers)]
        pool = [person("member", f"pool{i}") for i in range(POOL)]
        module_ids = [
            modules.create_module(
                admin, title=f"Lesson {i}", body=f"# Lesson {i}\n\nSome *text*.\n"
            ).id
            for i in range(MODULES)
        ]
        shared = cohorts.create_cohort(admin, "Readers").cohort.id
        for reader in reader_ids:
            cohorts.add_member(admin, shared, reader)
    return Ids(writer_ids, reader_ids, module_ids, pool, shared)


# The workload --------------------------------------------------------------------------


@dataclass
class Tally:
    """What each thread saw acknowledged, how long each operation took, and every failure."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    updates: Counter[int] = field(default_factory=Counter)
    cohorts: dict[int, str] = field(default_factory=dict)
    members: set[tuple[int, int]] = field(default_factory=set)
    write_ms: list[float] = field(default_factory=list)
    read_ms: list[float] = field(default_factory=list)
    locked: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def failed(self, exc: Exception) -> None:
        with self.lock:
            if isinstance(exc, OperationalError) and "database is locked" in str(exc):
                self.locked += 1
            else:
                self.errors[f"{type(exc).__name__}: {str(exc).splitlines()[0][:80]}"] += 1


class Writer:
    def __init__(self, t: int, ids: Ids, tally: Tally):
        self.t, self.ids, self.tally = t, ids, tally
        self.cohort: int | None = None
        self.added = 0

    def once(self, i: int) -> None:
        actor = db.session.get(User, self.ids.writers[self.t])
        if i % 2 == 0:
            module_id = self.ids.modules[(self.t + i) % len(self.ids.modules)]
            modules.update_module(actor, module_id, body=f"# Edit {i}\n\nBy writer {self.t}.\n")
            with self.tally.lock:
                self.tally.updates[module_id] += 1
        elif self.cohort is None or self.added == len(self.ids.pool):
            name = f"Writer {self.t} cohort {i}"
            cohort_id = cohorts.create_cohort(actor, name).cohort.id
            self.cohort, self.added = cohort_id, 0
            with self.tally.lock:
                self.tally.cohorts[cohort_id] = name
        else:
            user_id = self.ids.pool[self.added]
            cohorts.add_member(actor, self.cohort, user_id)
            self.added += 1
            with self.tally.lock:
                self.tally.members.add((self.cohort, user_id))


def read_once(r: int, i: int, ids: Ids) -> None:
    actor = db.session.get(User, ids.readers[r])
    page = modules.list_modules(actor)
    if page.total != len(ids.modules):
        raise AssertionError(f"saw {page.total} modules")
    module = page.items[i % len(page.items)]
    history = modules.list_revisions(actor, module.id, per_page=1)
    if history.total != module.revision:  # one snapshot: history and module must agree
        raise AssertionError(f"module at {module.revision}, history has {history.total}")
    cohorts.get_cohort(actor, ids.shared_cohort)


def loop(app: Flask, op: Callable[[int], None], samples: list[float], tally: Tally, end: float):
    i = 0
    while time.monotonic() < end:
        started = time.perf_counter()
        try:
            with app.app_context():  # one request: a session of its own, removed at the end
                op(i)
        except Exception as exc:  # any failure counts, "database is locked" above all
            tally.failed(exc)
        else:
            elapsed = (time.perf_counter() - started) * 1000
            with tally.lock:
                samples.append(elapsed)
        i += 1


def drive(app: Flask, ids: Ids, writers: int, readers: int, seconds: float) -> tuple[Tally, float]:
    tally = Tally()
    end = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=loop, args=(app, Writer(t, ids, tally).once, tally.write_ms, tally, end)
        )
        for t in range(writers)
    ]
    for r in range(readers):

        def reader(i: int, r: int = r) -> None:
            read_once(r, i, ids)

        threads.append(threading.Thread(target=loop, args=(app, reader, tally.read_ms, tally, end)))
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started


def lost_writes(app: Flask, ids: Ids, tally: Tally) -> int:
    """Acknowledged writes that are not in the database (or that left no revision row)."""
    lost = 0
    with app.app_context():
        for module_id in ids.modules:
            module = db.session.get(Module, module_id)
            revisions = db.session.scalars(
                select(ModuleRevision.revision).where(ModuleRevision.module_id == module_id)
            ).all()
            expected = 1 + tally.updates[module_id]
            lost += abs(expected - module.revision)
            lost += len(set(range(1, expected + 1)) ^ set(revisions))
        names = dict(db.session.execute(select(Cohort.id, Cohort.name)).all())
        lost += sum(1 for cid, name in tally.cohorts.items() if names.get(cid) != name)
        rows = db.session.execute(select(Membership.cohort_id, Membership.user_id)).all()
        lost += len(tally.members - {(cid, uid) for cid, uid in rows})
    return lost


# Variants ------------------------------------------------------------------------------


@contextlib.contextmanager
def deferred_writes() -> Iterator[None]:
    """Send plain BEGIN where forum/database.py sends BEGIN IMMEDIATE (the control)."""
    original = Connection.exec_driver_sql

    def exec_driver_sql(self, statement, *args, **kwargs):
        if statement == "BEGIN IMMEDIATE":
            statement = "BEGIN"
        return original(self, statement, *args, **kwargs)

    Connection.exec_driver_sql = exec_driver_sql
    try:
        yield
    finally:
        Connection.exec_driver_sql = original


@dataclass
class Result:
    variant: str
    writers: int
    readers: int
    seconds: float
    writes: int
    reads: int
    write_ms: dict[str, float]
    read_ms: dict[str, float]
    locked: int
    other_errors: dict[str, int]
    lost_writes: int

    @property
    def writes_per_s(self) -> float:
        return self.writes / self.seconds

    @property
    def reads_per_s(self) -> float:
        return self.reads / self.seconds


def percentiles(samples: list[float]) -> dict[str, float]:
    """Nearest-rank p50/p95/p99 and the worst case, in milliseconds."""
    if not samples:
        return {"p50": math.nan, "p95": math.nan, "p99": math.nan, "max": math.nan}
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    return {"p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "max": ordered[-1]}


@dataclass
class Variant:
    name: str
    writers: int
    writer_turn: bool = True  # the in-process writer lock of forum/database.py
    deferred: bool = False  # plain BEGIN instead of BEGIN IMMEDIATE


def run_variant(variant: Variant, readers: int, seconds: float, base: Path) -> Result:
    with tempfile.TemporaryDirectory(prefix="sqlite-writers-", dir=base) as directory:
        app = make_app(Path(directory))
        ids = seed(app, variant.writers, readers)
        if not variant.writer_turn:
            del app.extensions[WRITER_LOCK]
        with deferred_writes() if variant.deferred else contextlib.nullcontext():
            tally, elapsed = drive(app, ids, variant.writers, readers, seconds)
        lost = lost_writes(app, ids, tally)
        with app.app_context():
            db.engine.dispose()
    return Result(
        variant=variant.name,
        writers=variant.writers,
        readers=readers,
        seconds=elapsed,
        writes=len(tally.write_ms),
        reads=len(tally.read_ms),
        write_ms=percentiles(tally.write_ms),
        read_ms=percentiles(tally.read_ms),
        locked=tally.locked,
        other_errors=dict(tally.errors),
        lost_writes=lost,
    )


# Report --------------------------------------------------------------------------------


def ms(values: dict[str, float]) -> str:
    if math.isnan(values["p50"]):
        return "-"
    return " / ".join(f"{values[k]:.1f}" for k in ("p50", "p95", "p99", "max"))


def table(results: list[Result]) -> str:
    lines = [
        "| variant | writers | readers | writes/s | reads/s "
        "| write ms p50 / p95 / p99 / max | read ms p50 / p95 / p99 / max "
        "| locked errors | other errors | lost writes |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        lines.append(
            f"| {r.variant} | {r.writers} | {r.readers} | {r.writes_per_s:.0f} "
            f"| {r.reads_per_s:.0f} | {ms(r.write_ms)} | {ms(r.read_ms)} | {r.locked} "
            f"| {sum(r.other_errors.values())} | {r.lost_writes} |"
        )
    return "\n".join(lines)


def header(args: argparse.Namespace, base: Path) -> str:
    with tempfile.TemporaryDirectory(dir=base) as probe:
        app = make_app(Path(probe))
        timeout = app.config["SQLITE_BUSY_TIMEOUT_MS"]
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.platform()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, busy timeout {timeout} ms, "
        f"{args.seconds:g} s per variant, database file under {base}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per variant (default 20)")
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument(
        "--controls",
        action="store_true",
        help="also run without the writer turn, and with deferred BEGIN",
    )
    parser.add_argument(
        "--dir", type=Path, default=Path(tempfile.gettempdir()), help="where the DB file goes"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.writers < 1 or args.readers < 0:
        parser.error("--seconds must be positive, --writers at least 1, --readers 0 or more")

    print(header(args, args.dir) + "\n", flush=True)
    n = args.writers
    variants = [Variant(f"shipped x{n}", n), Variant("shipped x1 (serial baseline)", 1)]
    if args.controls:
        variants += [
            Variant(f"busy handler only x{n}", n, writer_turn=False),
            Variant(f"deferred x{n}", n, writer_turn=False, deferred=True),
        ]
    results = []
    for variant in variants:
        print(f"running {variant.name} for {args.seconds:g} s ...", file=sys.stderr)
        results.append(run_variant(variant, args.readers, args.seconds, args.dir))

    print(table(results))
    for r in results:
        for error, count in r.other_errors.items():
            print(f"\n{r.variant}: {count} x {error}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    # The shipped set-up must hold: exit non-zero if it did not.
    shipped = [r for r in results if r.variant.startswith("shipped")]
    return 1 if any(r.locked or r.other_errors or r.lost_writes for r in shipped) else 0


if __name__ == "__main__":
    sys.exit(main())
