"""How fast is the thread page, beside a bare Flask + SQLAlchemy page of the same posts?

Serves a question thread of 50 posts (about 80 words each: paragraphs, a list, inline
code, a few mentions, nested replies, an accepted answer, votes; eight authors) with
gunicorn, 2 sync workers, exactly as deployed (``gunicorn -w 2 -b 127.0.0.1:PORT
wsgi:app``, settings from ``FORUM_*`` as in production, background worker as default),
and loads ``GET /threads/<id>`` with wrk on loopback, signed in as a learner of the
thread's cohort through the real /login form: every request runs the session and user
load, the permission checks, the queries and the templates, and the rate limiter as
configured. Beside it, ``bench/bare_app.py`` (two queries, one template of about the same
HTML size, the same stored ``body_html``, the same database file) runs the same way.

The runs are interleaved in one invocation (bare 8, ours 8, bare 32, ours 32; repeated
``--rounds`` times after a warm-up) so that both pages meet the same machine at the same
moment; the report gives requests/s, latency p50/p99, errors, the CPU time the servers
spent per request, and ours/bare per round and as a median, against the targets (ours at
least 0.5 of bare, stretch 0.7; p99 under 100 ms at 8 connections).

Everything is made from nothing in a temporary folder: the schema by the migrations, the
people, module, cohort, thread and replies through the services. With ``--postgres`` the
same runs follow on a PostgreSQL database created for the run and dropped after it.

    .venv/bin/python bench/thread_page.py [--seconds 10] [--rounds 3] [--json out.json]
    .venv/bin/python bench/thread_page.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import io
import json
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run from a checkout, installed or not

from flask import Flask  # noqa: E402

from bench.databases import postgres_database  # noqa: E402

POSTS = 50
CONNECTIONS = (8, 32)
TARGET_RATIO = 0.5
STRETCH_RATIO = 0.7
TARGET_P99_MS = 100.0
PASSWORD = "bench-password-1"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


# The thread's text ----------------------------------------------------------------------------

PEOPLE = [
    # (name, role in the cohort or None, site role)
    ("Ada Okafor", "learner", "member"),  # asks
    ("Bruno Keller", "facilitator", "member"),
    ("Chen Wei", None, "manager"),  # owns the module
    ("Dana Silva", "learner", "member"),
    ("Emil Novak", "learner", "member"),
    ("Farah Haddad", "learner", "member"),
    ("Goran Petrov", "learner", "member"),
    ("Hana Sato", "learner", "member"),
]
READER = ("Iris Moreau", "learner", "member")  # reads the page; wrote nothing

SENTENCES = [
    "I hit the same thing last week: the container exited right after `docker run` printed its id.",
    "The entrypoint runs in the foreground, so when the script ends the container ends with it.",
    "Check what `docker logs <id>` says before changing anything, it usually names the problem.",
    "Our health check failed because the app listened on `127.0.0.1` instead of `0.0.0.0`.",
    "That explains why it worked on my laptop and not in the cohort's shared environment.",
    "Module three covers this in the section on process supervision, near the end.",
    'If you use `CMD ["gunicorn", "app:app"]` the exec form keeps signals working properly.',
    "The shell form wraps your command in `/bin/sh -c`, which swallows `SIGTERM` on shutdown.",
    "I would also pin the base image, because `python:3` moved under us twice this quarter.",
    "Our team keeps a small `Makefile` target that builds, tags and runs the image in one go.",
    "Restart policies hide the real error, so turn them off while you are still debugging.",
    "Environment variables are read once at start, so a changed `.env` needs a fresh container.",
    "Mounting the source as a volume is handy locally but I would not ship it that way.",
    "The exercise expects an image under two hundred megabytes, which rules out the full base.",
    "Multi-stage builds keep compilers out of the final image and made ours much smaller.",
    "Someone in the previous cohort wrote a good summary of this in the module's FAQ.",
    "I am not sure the volume is the cause; the permissions on `/data` looked wrong too.",
    "Running `docker inspect --format '{{.State.ExitCode}}'` tells you if it crashed or finished.",
    "An exit code of zero means your process simply had nothing more to do.",
    "Exit code 137 is the kernel killing it for memory, which is a different problem entirely.",
    "For the assignment it is enough to show the container staying up for a minute.",
    "I asked about this in office hours and the answer was to read the logs first, every time.",
    "Thanks, that fixed it for me, and I learned why the exec form matters.",
    "One more thing: `docker compose up` shows the logs of every service interleaved, which helps.",
]
LIST_ITEMS = [
    "run it with `-it` and a shell to look around",
    "print the environment with `env` at start",
    "check the port mapping with `docker port`",
    "rebuild without cache using `--no-cache`",
    "read the exit code from `docker inspect`",
    "compare the image digest with a teammate's",
    "look for a stray `exit` in the entrypoint script",
    "try the same command outside the container first",
]
OPENING_TITLE = "Why does my container exit straight after docker run?"


def post_text(rng: random.Random, mention: str | None = None, words: int = 80) -> str:
    """About ``words`` words of Markdown: paragraphs of one to three sentences with inline
    code, and in every other post a list of three items after the first paragraph."""
    sentences = iter(rng.sample(SENTENCES, len(SENTENCES)))
    with_list = rng.random() < 0.5
    paragraphs: list[list[str]] = [[]]
    count = 1 if mention else 0
    size = rng.randint(1, 3)
    # Stop half a sentence short of the target, so that posts average about ``words``.
    while count < words - 7:
        if len(paragraphs[-1]) >= size:
            paragraphs.append([])
            size = rng.randint(1, 3)
        if with_list and len(paragraphs) == 2 and not paragraphs[1]:
            items = rng.sample(LIST_ITEMS, 3)
            paragraphs[1] = ["\n".join(f"- {item}" for item in items)]
            count += sum(len(item.split()) + 1 for item in items)
            paragraphs.append([])
            continue
        sentence = next(sentences)
        paragraphs[-1].append(sentence)
        count += len(sentence.split())
    if mention:
        paragraphs[0][0] = f"@{mention} {paragraphs[0][0]}"
    return "\n\n".join(" ".join(p) for p in paragraphs if p)


# Set-up -----------------------------------------------------------------------------------------


@dataclass
class Seeded:
    thread_id: int
    reader_id: int
    reader_email: str
    bodies: list[str]  # the stored body_html of every post, oldest first
    words: int  # words of Markdown source, all posts


def forum_config(url: str, directory: Path) -> dict:
    """What the servers get through FORUM_* too: the database, a key, the search folder."""
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "seeding-only",
        "SEARCH_INDEX_DIR": str(directory / "search-index"),
    }


def seed(url: str, directory: Path) -> Seeded:
    """Schema by the migrations, then everything through the services, as people would."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from forum import create_app
    from forum.extensions import db
    from forum.models import Post, User
    from forum.services import accounts, cohorts, modules, posts, threads

    app: Flask = create_app(forum_config(url, directory))
    rng = random.Random(2026)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))

        def person(name: str, role: str) -> User:
            email = name.lower().replace(" ", ".") + "@example.com"
            new = accounts.create_user(
                None, email=email, name=name, role=role, password=PASSWORD, send_invite=False
            )
            return new.user

        admin = person("Bench Admin", "admin")
        people = [person(name, site_role) for name, _, site_role in PEOPLE]
        reader = person(READER[0], READER[2])
        owner = people[2]
        module = modules.create_module(
            admin,
            title="Containers in production",
            body="# Containers in production\n\nBuild, run and ship a service in a container.\n",
            owner_id=owner.id,
        )
        cohort = cohorts.create_cohort(admin, "Autumn cohort").cohort
        for user, (_, cohort_role, _) in zip([*people, reader], [*PEOPLE, READER], strict=True):
            if cohort_role:
                cohorts.add_member(admin, cohort.id, user.id, cohort_role)

        sources = [post_text(rng)]
        asker = people[0]
        thread = threads.create_thread(
            asker, module.id, title=OPENING_TITLE, body=sources[0], cohort_id=cohort.id
        )
        reply_ids: list[int] = []
        for i in range(1, POSTS):
            author = rng.choice(people)
            mention = rng.choice(people).handle if i % 9 == 0 else None
            body = post_text(rng, mention)
            # About one reply in four answers an earlier reply, so the page nests and quotes.
            parent = rng.choice(reply_ids) if reply_ids and rng.random() < 0.25 else None
            anonymous = i == 7  # one learner asks a follow-up without their name
            post = posts.reply(author, thread.id, body=body, parent_id=parent, anonymous=anonymous)
            reply_ids.append(post.id)
            sources.append(body)
        threads.accept(asker, thread.id, reply_ids[2])
        authors = dict(db.session.execute(select(Post.id, Post.author_id)).all())
        for post_id in rng.sample(reply_ids, 12):
            for voter in rng.sample(people, rng.randint(1, 4)):
                if voter.id != authors[post_id]:  # nobody votes on their own post
                    posts.vote(voter, post_id, 1)
        for post_id in rng.sample(reply_ids, 4):
            if reader.id != authors[post_id]:
                posts.vote(reader, post_id, 1)

        bodies = list(
            db.session.scalars(
                select(Post.body_html).where(Post.thread_id == thread.id).order_by(Post.id)
            )
        )
        words = sum(len(s.split()) for s in sources)
        result = Seeded(thread.id, reader.id, reader.email, bodies, words)
        db.session.remove()
        db.engine.dispose()
    return result


# Servers --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pids(self) -> list[int]:
        """The master and its workers (found through /proc: their parent is the master)."""
        found = [self.process.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    found.append(int(stat.parent.name))
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its live workers so far."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick


def start_server(name: str, app_spec: str, env: dict[str, str], directory: Path) -> Server:
    port = free_port()
    log = directory / f"{name}.log"
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}"]
    # Not a serving setting: two masters (and anyone else's) would share one default path.
    command += ["--no-control-socket", app_spec]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stopping it stops its workers
        )
    return Server(name, port, process, log)


def wait_ready(server: Server, path: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: see {server.log}\n{server.log.read_text()}")
        try:
            with urllib.request.urlopen(server.base + path, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not answer within {READY_TIMEOUT:g} s: {server.log}")


def stop_server(server: Server) -> None:
    """SIGTERM to the master (it stops its workers); SIGKILL to its group if it hangs."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(STOP_TIMEOUT)
    # Workers left behind by a master that died first share its process group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.process.pid, signal.SIGKILL)


def server_env(url: str, directory: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    env.update(
        {
            "FORUM_DATABASE_URL": url,
            "FORUM_SECRET_KEY": secrets.token_hex(32),
            "FORUM_SEARCH_INDEX_DIR": str(directory / "search-index"),
            "PYTHONPATH": str(ROOT),
            **extra,
        }
    )
    return env


# Signing in, and checking the pages --------------------------------------------------------------

CSRF_INPUT = re.compile(
    r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"'
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(server: Server, email: str) -> str:
    """The real /login form with its CSRF token; returns the Cookie header it leaves."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    with opener.open(server.base + "/login", timeout=10) as page:
        match = CSRF_INPUT.search(page.read().decode())
    if not match:
        raise RuntimeError("no csrf_token field on /login")
    form = {"email": email, "password": PASSWORD, "csrf_token": match.group(1) or match.group(2)}
    try:
        opener.open(server.base + "/login", urllib.parse.urlencode(form).encode(), timeout=10)
        raise RuntimeError("signing in did not redirect: wrong password or a changed form?")
    except urllib.error.HTTPError as exc:
        if exc.code != 302:
            raise RuntimeError(f"signing in answered {exc.code}") from exc
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookies:
        raise RuntimeError("signing in left no session cookie")
    return cookies


def fetch(url: str, cookie: str | None) -> tuple[int, str]:
    opener = urllib.request.build_opener(NoRedirect())
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def check_page(name: str, url: str, cookie: str | None, bodies: list[str]) -> int:
    """The page answers 200 and carries every post's stored HTML; returns its size in bytes."""
    status, html = fetch(url, cookie)
    if status != 200:
        raise RuntimeError(f"{name}: GET {url} answered {status}, not 200")
    missing = [i for i, body in enumerate(bodies) if body.strip() not in html]
    if missing:
        raise RuntimeError(f"{name}: {len(missing)} of {len(bodies)} posts missing from the page")
    return len(html.encode())


class WriteWatch:
    """Did anyone commit a change to the database between ``start`` and ``changed``?

    SQLite: ``PRAGMA data_version`` on one connection held open throughout (it moves when
    another connection commits). PostgreSQL: rows inserted, updated and deleted in the
    statistics; ``changed`` is asked after the servers stopped, since a backend reports
    its counts when it exits (or within seconds while busy).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite: sqlite3.Connection | None = None
        self.before = 0

    def _count(self) -> int:
        if self.sqlite is not None:
            return self.sqlite.execute("PRAGMA data_version").fetchone()[0]
        import psycopg

        parts = urllib.parse.urlsplit(self.url)
        plain = urllib.parse.urlunsplit(("postgresql", parts.netloc, parts.path, "", ""))
        with psycopg.connect(plain, autocommit=True) as conn:
            row = conn.execute(
                "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)"
                " FROM pg_stat_user_tables"
            ).fetchone()
        return int(row[0]) if row else 0

    def start(self) -> None:
        if self.url.startswith("sqlite"):
            self.sqlite = sqlite3.connect(self.url.removeprefix("sqlite:///"))
        self.before = self._count()

    def changed(self) -> bool:
        if self.sqlite is None:
            time.sleep(1.0)  # let the backends of the stopped servers report
        try:
            return self._count() != self.before
        finally:
            if self.sqlite is not None:
                self.sqlite.close()


# Load -----------------------------------------------------------------------------------------

# wrk's summary as one JSON line; responses that are not 200, or shorter than the checked
# page (a login form, an error page), are counted as errors too.
WRK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) min_bytes = tonumber(args[1]) or 0; not_ok = 0 end
function response(status, headers, body)
  if status ~= 200 or #body < min_bytes then not_ok = not_ok + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("not_ok") end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d,' ..
    ' "write": %d, "status": %d, "timeout": %d, "not_ok": %d, "p50_us": %d, "p90_us": %d,' ..
    ' "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, bad, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
"""


@dataclass
class Run:
    page: str  # "bare" or "ours"
    connections: int
    round: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    server_cpu_ms_per_request: float
    wrk_cpu_s: float


def wrk(
    url: str, connections: int, seconds: float, cookie: str | None, script: Path, min_bytes: int
) -> dict:
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "5s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command += ["-s", str(script), url, "--", str(min_bytes)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 30, check=False
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}\n{done.stderr}")
    return json.loads(line.removeprefix("BENCH_JSON "))


@dataclass
class Target:
    name: str
    server: Server
    url: str
    cookie: str | None
    min_bytes: int


def measure(target: Target, connections: int, seconds: float, number: int, script: Path) -> Run:
    cpu_before = target.server.cpu_seconds()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = wrk(target.url, connections, seconds, target.cookie, script, target.min_bytes)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = target.server.cpu_seconds() - cpu_before
    requests = max(summary["requests"], 1)
    errors = sum(summary[k] for k in ("connect", "read", "write", "timeout", "not_ok"))
    wrk_cpu = (children_after.ru_utime - children_before.ru_utime) + (
        children_after.ru_stime - children_before.ru_stime
    )
    return Run(
        page=target.name,
        connections=connections,
        round=number,
        rps=summary["requests"] / (summary["duration_us"] / 1e6),
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        max_ms=summary["max_us"] / 1000,
        errors=errors,
        server_cpu_ms_per_request=cpu * 1000 / requests,
        wrk_cpu_s=wrk_cpu,
    )


@dataclass
class Report:
    database: str
    thread_posts: int
    words: int
    page_bytes: dict[str, int]
    runs: list[Run] = field(default_factory=list)
    wrote_during_runs: bool | None = None
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)


def bench_database(
    label: str, url: str, directory: Path, args: argparse.Namespace, script: Path
) -> Report:
    print(f"[{label}] seeding {POSTS} posts through the services ...", file=sys.stderr)
    seeded = seed(url, directory)
    servers: list[Server] = []
    watch = WriteWatch(url)
    try:
        settings = {}
        if args.card_cache_size is not None:
            settings["FORUM_CARD_CACHE_SIZE"] = str(args.card_cache_size)
        ours = start_server("ours", "wsgi:app", server_env(url, directory, settings), directory)
        servers.append(ours)
        bare = start_server(
            "bare",
            "bench.bare_app:app",
            server_env(url, directory, {"BARE_DATABASE_URL": url}),
            directory,
        )
        servers.append(bare)
        wait_ready(ours, "/login")
        wait_ready(bare, f"/threads/{seeded.thread_id}")

        cookie = sign_in(ours, seeded.reader_email)
        path = f"/threads/{seeded.thread_id}"
        # The first view moves the reader's read mark (a write); later views write nothing.
        sizes = {
            "ours": check_page("ours", ours.base + path, cookie, seeded.bodies),
            "bare": check_page("bare", bare.base + path, None, seeded.bodies),
        }
        targets = {
            "bare": Target("bare", bare, bare.base + path, None, sizes["bare"] // 2),
            "ours": Target("ours", ours, ours.base + path, cookie, sizes["ours"] // 2),
        }
        report = Report(label, len(seeded.bodies), seeded.words, sizes)
        report.load_before = os.getloadavg()

        print(f"[{label}] warm-up {args.warmup:g} s per page and load ...", file=sys.stderr)
        for c in CONNECTIONS:
            for name in ("bare", "ours"):
                measure(targets[name], c, args.warmup, 0, script)

        watch.start()
        for number in range(1, args.rounds + 1):
            for c in CONNECTIONS:
                for name in ("bare", "ours"):
                    print(
                        f"[{label}] round {number}/{args.rounds}: {name} at {c} connections",
                        file=sys.stderr,
                    )
                    report.runs.append(measure(targets[name], c, args.seconds, number, script))
        report.load_after = os.getloadavg()
        # Still the same pages after the load: signed in, every post there.
        check_page("ours", ours.base + path, cookie, seeded.bodies)
    finally:
        for server in servers:
            stop_server(server)
    report.wrote_during_runs = watch.changed()
    return report


# Profile ------------------------------------------------------------------------------------


# Where the time of a view goes, as cProfile's cumulative time of these functions.
PROFILE_PARTS = [
    ("whole request (WSGI)", "flask/app.py", "wsgi_app"),
    ("sign-in: user from the session", "forum/services/accounts.py", "session_user"),
    ("threads.get_thread (queries + objects)", "forum/services/threads.py", "get_thread"),
    ("threads.mark_read (reads the mark)", "forum/services/threads.py", "mark_read"),
    ("post cards: made, looked up, rendered on a miss", "forum/web/threads/cards.py", "fill"),
    ("render_template (all templates)", "flask/templating.py", "render_template"),
    ("  of which url_for", "flask/app.py", "url_for"),
    ("  of which csrf_token", "flask_wtf/csrf.py", "generate_csrf"),
    ("  of which permission predicates", "forum/services/permissions.py", "*"),
    ("  of which current_user lookups", "flask_login/utils.py", "_get_user"),
    ("SQL execution (all statements)", "sqlalchemy/engine/base.py", "_execute_context"),
]


def profile(url: str, directory: Path, requests: int) -> str:
    """Both pages in this process through Flask's test client: plain timing, SQL statements
    per view, and cProfile's view of ours. No network and no gunicorn: the app code alone."""
    import cProfile
    import importlib
    import pstats

    from flask import render_template
    from flask_login import login_required
    from jinja2 import ChoiceLoader, DictLoader
    from sqlalchemy import event

    from forum import create_app
    from forum.extensions import db
    from forum.models import User
    from forum.services import threads

    seeded = seed(url, directory)
    path = f"/threads/{seeded.thread_id}"
    ours = create_app(forum_config(url, directory))
    # An empty signed-in page (the layout alone), added to this app only: what any page
    # costs before it shows anything (the floor under the thread page's own work).
    ours.jinja_loader = ChoiceLoader(
        [DictLoader({"bench_empty.html": '{% extends "base.html" %}'}), ours.jinja_loader]
    )
    ours.add_url_rule(
        "/_bench/empty", "bench_empty", login_required(lambda: render_template("bench_empty.html"))
    )
    client = ours.test_client()
    match = CSRF_INPUT.search(client.get("/login").get_data(as_text=True))
    if not match:
        raise RuntimeError("no csrf_token field on /login")
    form = {"email": seeded.reader_email, "password": PASSWORD}
    answer = client.post("/login", data={**form, "csrf_token": match.group(1) or match.group(2)})
    if answer.status_code != 302:
        raise RuntimeError(f"signing in answered {answer.status_code}")
    os.environ["BARE_DATABASE_URL"] = url
    bare = importlib.import_module("bench.bare_app").app.test_client()

    def view_ms(get, where: str = path) -> float:
        # CPU time of this process, not wall time: other work on a busy machine does not
        # count, and the process's only other thread (the idle background worker) costs ~0.
        start = time.process_time()
        for _ in range(requests):
            get(where)
        return (time.process_time() - start) * 1000 / requests

    def get_thread_ms() -> float:
        """``threads.get_thread`` alone, each time in a fresh session as in a request."""
        spent = 0.0
        with ours.test_request_context(path):
            for _ in range(requests):
                db.session.remove()
                reader = db.session.get(User, seeded.reader_id)
                start = time.process_time()
                threads.get_thread(reader, seeded.thread_id)
                spent += time.process_time() - start
            db.session.remove()
        return spent * 1000 / requests

    for get, where in ((bare.get, path), (client.get, path), (client.get, "/_bench/empty")):
        for _ in range(20):  # warm: templates compiled, statement caches filled
            answer = get(where)
            if answer.status_code != 200:
                raise RuntimeError(f"{where} answered {answer.status_code}")

    def uncached_ms() -> float:
        """Ours with the post-card cache off: every card rendered, as on a thread no one
        has read since it changed (the worst case, the cache's whole effect)."""
        size = ours.config["CARD_CACHE_SIZE"]
        ours.config["CARD_CACHE_SIZE"] = 0
        ours.extensions.pop("forum_cards", None)
        try:
            return view_ms(client.get)
        finally:
            ours.config["CARD_CACHE_SIZE"] = size
            ours.extensions.pop("forum_cards", None)
            for _ in range(2):  # fill it again before the next timed batch
                client.get(path)

    # Five alternating batches each, medians: the pages meet the same moment.
    batches = [
        (
            view_ms(bare.get),
            view_ms(client.get),
            view_ms(client.get, "/_bench/empty"),
            get_thread_ms(),
            uncached_ms(),
        )
        for _ in range(5)
    ]
    bare_ms, ours_ms, floor_ms, query_ms, cold_ms = (
        statistics.median(b[i] for b in batches) for i in range(5)
    )
    ratios = sorted(b[0] / b[1] for b in batches)

    def statements_per_view(app: Flask, get) -> int:
        """Statements of one warm view (the read mark is up to date: nothing to write)."""
        seen: list[str] = []
        with app.app_context():
            engine = app.extensions["sqlalchemy"].engine

        def record(_conn, _cursor, statement, *_args) -> None:
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            get(path)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    counts = [
        statements_per_view(bare.application, bare.get),
        statements_per_view(ours, client.get),
    ]

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw = stats.stats  # type: ignore[attr-defined]

    def cumulative(file_part: str, name: str) -> float:
        # Recursive entries would count twice; these functions are not recursive except
        # the permission predicates, which are summed by own time instead.
        if name == "*":
            return sum(tt for (f, _, _), (_, _, tt, _, _) in raw.items() if file_part in f)
        return sum(
            ct for (f, _, n), (_, _, _, ct, _) in raw.items() if file_part in f and n == name
        )

    whole = cumulative("flask/app.py", "wsgi_app") or 1.0
    lines = [
        f"In-process, Flask test client (no gunicorn, no network), 5 alternating batches of "
        f"{requests} views of each page; medians:",
        "",
        "| page | CPU ms per view | SQL statements per view |",
        "|---|--:|--:|",
        f"| bare | {bare_ms:.2f} | {counts[0]} |",
        f"| ours | {ours_ms:.2f} | {counts[1]} |",
        f"| ours, card cache off (every post card rendered) | {cold_ms:.2f} | {counts[1]} |",
        "",
        "Ours, split (medians of the same batches):",
        "",
        "| part | CPU ms per view |",
        "|---|--:|",
        f"| an empty signed-in page: request, session and user, layout, header count "
        f"| {floor_ms:.2f} |",
        f"| threads.get_thread: the thread, its posts and authors, the reader's state "
        f"| {query_ms:.2f} |",
        f"| the rest: thread template, post arrangement, read-mark check "
        f"| {ours_ms - floor_ms - query_ms:.2f} |",
        "",
        f"bare/ours CPU per view (the ceiling for ours/bare requests/s), batch by batch: "
        f"{', '.join(f'{r:.2f}' for r in ratios)}",
        "",
        f"cProfile of {requests} views of ours (profiling inflates every figure; compare shares):",
        "",
        "| part | ms per view (profiled) | share |",
        "|---|--:|--:|",
    ]
    for label, file_part, name in PROFILE_PARTS:
        value = cumulative(file_part, name)
        lines.append(f"| {label} | {value * 1000 / requests:.2f} | {value / whole:.0%} |")
    top = io.StringIO()
    pstats.Stats(profiler, stream=top).sort_stats("tottime").print_stats(25)
    return "\n".join(lines) + "\n\nTop 25 functions by own time:\n\n" + top.getvalue()


# Reporting ------------------------------------------------------------------------------------


def by(report: Report, page: str, c: int, number: int) -> Run:
    return next(r for r in report.runs if (r.page, r.connections, r.round) == (page, c, number))


def rounds(report: Report) -> list[int]:
    return sorted({r.round for r in report.runs})


def ratio(ours: Run, bare: Run) -> float:
    return ours.rps / bare.rps if bare.rps else 0.0


def table(report: Report) -> str:
    lines = [
        "| round | conns | bare req/s | ours req/s | ours/bare | bare p50 / p99 ms "
        "| ours p50 / p99 ms | ours max ms | errors bare / ours "
        "| server CPU ms/req bare / ours |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for c in CONNECTIONS:
        for number in rounds(report):
            b, o = by(report, "bare", c, number), by(report, "ours", c, number)
            lines.append(
                f"| {number} | {c} | {b.rps:.0f} | {o.rps:.0f} | {ratio(o, b):.2f} "
                f"| {b.p50_ms:.1f} / {b.p99_ms:.1f} | {o.p50_ms:.1f} / {o.p99_ms:.1f} "
                f"| {o.max_ms:.0f} | {b.errors} / {o.errors} "
                f"| {b.server_cpu_ms_per_request:.2f} / {o.server_cpu_ms_per_request:.2f} |"
            )
    return "\n".join(lines)


def summary(report: Report) -> tuple[str, bool]:
    """Medians over the rounds, and whether the targets hold."""
    lines = [
        "| conns | median bare req/s | median ours req/s | median ours/bare "
        "| median bare/ours CPU per request "
        "| ours p99 ms median (worst) | target ≥ 0.5 | stretch ≥ 0.7 | p99 < 100 ms |",
        "|--:|--:|--:|--:|--:|--:|:-:|:-:|:-:|",
    ]
    met = True
    for c in CONNECTIONS:
        pairs = [(by(report, "bare", c, n), by(report, "ours", c, n)) for n in rounds(report)]
        ratios = [ratio(o, b) for b, o in pairs]
        # What the requests/s ratio would be if both were only limited by their own CPU:
        # steadier than requests/s when other work shares the machine.
        cpu_ratios = [
            b.server_cpu_ms_per_request / o.server_cpu_ms_per_request
            for b, o in pairs
            if o.server_cpu_ms_per_request
        ]
        p99s = [o.p99_ms for _, o in pairs]
        median_ratio = statistics.median(ratios)
        ok_ratio = median_ratio >= TARGET_RATIO
        ok_p99 = statistics.median(p99s) < TARGET_P99_MS if c == 8 else None
        met = met and ok_ratio and ok_p99 is not False
        lines.append(
            f"| {c} | {statistics.median(b.rps for b, _ in pairs):.0f} "
            f"| {statistics.median(o.rps for _, o in pairs):.0f} | {median_ratio:.2f} "
            f"| {statistics.median(cpu_ratios) if cpu_ratios else 0:.2f} "
            f"| {statistics.median(p99s):.1f} ({max(p99s):.1f}) "
            f"| {'yes' if ok_ratio else 'no'} | {'yes' if median_ratio >= STRETCH_RATIO else 'no'} "
            f"| {'-' if ok_p99 is None else 'yes' if ok_p99 else 'no'} |"
        )
    return "\n".join(lines), met


def header(args: argparse.Namespace) -> str:
    uname = platform.uname()
    return (
        f"# Thread page benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"{os.cpu_count()} CPUs, {uname.system} {uname.release}, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; gunicorn -w 2 (sync "
        f"workers) for both pages, wrk -t 1 on loopback; {args.rounds} rounds of "
        f"{args.seconds:g} s per run after a {args.warmup:g} s warm-up; ours with "
        + (
            "the default card cache."
            if args.card_cache_size is None
            else f"FORUM_CARD_CACHE_SIZE={args.card_cache_size}."
        )
    )


def describe(report: Report) -> str:
    wrote = {None: "not checked", True: "YES", False: "no"}[report.wrote_during_runs]
    return (
        f"## {report.database}\n\n"
        f"Thread of {report.thread_posts} posts, {report.words} words of Markdown "
        f"({report.words / report.thread_posts:.0f} a post). Page bytes: ours "
        f"{report.page_bytes['ours']}, bare {report.page_bytes['bare']}. Load average "
        f"before {report.load_before[0]:.2f}, after {report.load_after[0]:.2f}. Database "
        f"written during the measured runs: {wrote}. Server CPU: the gunicorn master and "
        f"workers (a PostgreSQL server's own processes not included)."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per run (default 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="per page and load (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also run on PostgreSQL: a server URL such as "
        "postgresql+psycopg://postgres@127.0.0.1:5432 (a database is created and dropped)",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="only the PostgreSQL run")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="instead of the load runs: 5 batches of N views of each page in-process, timed; "
        "then N views of ours profiled",
    )
    parser.add_argument(
        "--card-cache-size",
        type=int,
        metavar="N",
        help="FORUM_CARD_CACHE_SIZE for ours (default: the app's default); 0 renders every "
        "post card on every view, the worst case of a thread no one has read yet",
    )
    parser.add_argument("--dir", type=Path, help="keep the files here (default: a temp folder)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup <= 0 or args.rounds < 1:
        parser.error("--seconds and --warmup must be positive, --rounds at least 1")
    if args.no_sqlite and not args.postgres:
        parser.error("--no-sqlite needs --postgres")
    if args.profile is not None:
        if args.profile < 1:
            parser.error("--profile needs at least 1 view")
        base = Path(tempfile.mkdtemp(prefix="forum-thread-profile-", dir=args.dir))
        try:
            url = f"sqlite:///{base / 'forum.db'}"
            if args.postgres:
                with postgres_database(args.postgres, "thread") as pg_url:
                    print(profile(pg_url, base, args.profile))
            else:
                print(profile(url, base, args.profile))
        finally:
            if args.dir is None:
                shutil.rmtree(base, ignore_errors=True)
        return 0
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (Debian: apt-get install wrk)")

    print(header(args) + "\n", flush=True)
    base = Path(tempfile.mkdtemp(prefix="forum-thread-bench-", dir=args.dir))
    script = base / "report.lua"
    script.write_text(WRK_SCRIPT)
    reports: list[Report] = []
    try:
        if not args.no_sqlite:
            directory = base / "sqlite"
            directory.mkdir()
            url = f"sqlite:///{directory / 'forum.db'}"
            reports.append(bench_database("SQLite", url, directory, args, script))
        if args.postgres:
            directory = base / "postgres"
            directory.mkdir()
            with postgres_database(args.postgres, "thread") as url:
                reports.append(bench_database("PostgreSQL", url, directory, args, script))
    finally:
        if args.dir is None:
            shutil.rmtree(base, ignore_errors=True)

    all_met = True
    for report in reports:
        text, met = summary(report)
        all_met = all_met and met
        print(f"{describe(report)}\n\n{table(report)}\n\n{text}\n", flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in reports], indent=2))
    errors = sum(r.errors for report in reports for r in report.runs)
    if errors:
        print(f"{errors} failed requests: the figures are not valid.", file=sys.stderr)
    print("Targets met." if all_met else "Targets NOT met.", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
