"""How fast does a live office-hour room deliver a chat message to everyone in it?

Through the real path: each client is a Socket.IO client over a websocket, signed in with
an API token of its own user, in one live session; every chat goes through the /live
namespace (sign-in check, flood allowance, the office-hour service writing and committing
the message to PostgreSQL) before it is broadcast. Servers are started with the production
command (gunicorn, one process, threads). Set-ups, in one run:

- ``one``: one process, in-memory Socket.IO;
- ``redis``: two processes sharing PostgreSQL and Redis (clients split between them);
- ``bare``: the baseline, a bare python-socketio server (bench/bare_live.py) served the
  same way, which only broadcasts.

For each number of clients, chat is sent at rising rates (messages a second, in total,
from the clients in turn, so no person exceeds the per-person limits) for ``--seconds``
each; every client records when each message reaches it. Reported per step: deliveries
received of those expected, p50/p95/p99 delivery latency (send to receipt, the database
write included), refused sends, and the machine's load. The highest rate whose p95 stays
under 200 ms with every message delivered is the room's sustained rate.

    .venv/bin/python bench/live.py                                  # 50, 200, 500 clients
    .venv/bin/python bench/live.py --clients 200 --rates 20 --setups one,bare
    .venv/bin/python bench/live.py --clients 1000 --rates 5 --setups one

Clients (``--client``): ``lean`` (the default) speaks Engine.IO 4 / Socket.IO 5 frames
itself over an aiohttp websocket and stamps each frame as it arrives, decoding afterwards,
so 200 clients in two processes measure the server rather than the clients' own event
loops; ``socketio`` uses python-socketio's AsyncClient, which costs about 10 ms of p95 on
its own at 200 clients on this machine (both set-ups alike).

Needs PostgreSQL (``FORUM_BENCH_POSTGRES_URL``, default the local test server) and Redis
(``FORUM_BENCH_REDIS_URL``) for the ``redis`` set-up. Clients run in ``--workers``
processes beside the servers, on the same machine: their cost is in every set-up alike.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import re
import resource
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.databases import postgres_database  # noqa: E402

try:
    import aiohttp  # the lean clients' websockets (installed with python-socketio's client)
except ImportError:  # pragma: no cover
    aiohttp = None

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
TARGET_P95_S = 0.200
PAGE_THREADS = 40  # beside one thread per socket: see docs/DEPLOY.md
CONNECT_BATCH = 20  # clients a worker connects at once
CONNECT_ATTEMPTS = 5


# The room and its people ---------------------------------------------------------------------


def seed(database_url: str, clients: int) -> tuple[int, list[str]]:
    """Tables, a manager hosting a live session and ``clients - 1`` members, one API token
    each (the host's first)."""
    from forum import create_app
    from forum.extensions import db
    from forum.models import utcnow
    from forum.services import accounts
    from forum.services import office_hours as oh

    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BACKGROUND_WORKER": "off",
        "SEARCH_BACKEND": "postgres",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # seeding only; nobody signs in by it
    }
    app = create_app(config)
    with app.app_context():
        db.create_all()
        people = []
        for n in range(clients):
            made = accounts.create_user(
                None,
                email=f"live{n}@bench.example",
                name=f"Person {n:04d}",
                role="manager" if n == 0 else "member",
                password="bench password",
            )
            people.append(made.user)
        now = utcnow()
        room = oh.create(people[0], title="Bench", starts_at=now, ends_at=now + timedelta(hours=3))
        oh.start(people[0], room.id)
        room_id = room.id
        tokens = [accounts.issue_token(p).token for p in people]
        db.session.remove()
        db.engine.dispose()
    return room_id, tokens


# Servers -------------------------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(target: str, env: dict[str, str], threads: int):
    cmd = [GUNICORN, "-w", "1", "--threads", str(threads), "-b", "127.0.0.1:0", target]
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        url, lines = None, []
        while url is None:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("gunicorn did not start:\n" + "".join(lines))
            lines.append(line)
            found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line)
            url = found.group(1) if found else None
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        _wait_until_serving(url)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_serving(url: str) -> None:
    import requests

    deadline = time.monotonic() + 180
    while True:
        try:
            requests.get(f"{url}/socket.io/?EIO=4&transport=polling", timeout=60)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def server_env(database_url: str, redis_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    env.update(
        PYTHONPATH=str(REPO),
        FORUM_DATABASE_URL=database_url,
        FORUM_SECRET_KEY="bench-secret",
        FORUM_SEARCH_BACKEND="postgres",
    )
    if redis_url:
        env.update(FORUM_REDIS_URL=redis_url, FORUM_LIVE_REDIS_PREFIX=f"bench-{uuid.uuid4().hex}")
    return env


def rss_mb(pid: int) -> float:
    """Resident memory of the gunicorn master's worker (its child), in MB."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        status = Path(f"/proc/{children[0]}/status").read_text()
        kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        threads = int(re.search(r"Threads:\s+(\d+)", status).group(1))
        return kb / 1024, threads
    except (OSError, IndexError, AttributeError):
        return float("nan"), 0


# Clients (each worker process holds a share of them) -----------------------------------------


def client_worker(kind: str, urls: list[str], tokens: list[str], room: int, pipe) -> None:
    """A share of the room's clients, all in one asyncio loop (no thread per connection)."""
    clients = _lean_clients if kind == "lean" else _socketio_clients
    asyncio.run(clients(urls, tokens, room, pipe))


def _bench_latency(body: str, received: float, latencies: dict[str, list[float]]) -> None:
    parts = body.split()
    if len(parts) == 4 and parts[0] == "bench":
        latencies.setdefault(parts[1], []).append(received - float(parts[3]))


async def _connect_all(connect, count: int) -> list:
    async def with_retries(i: int):
        # A handshake that a busy server drops is tried again, not fatal: the bench
        # measures the room once everyone is in it, not a connection storm.
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                return await connect(i)
            except Exception:
                if attempt == CONNECT_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))

    clients = []
    for first in range(0, count, CONNECT_BATCH):
        batch = range(first, min(first + CONNECT_BATCH, count))
        clients += await asyncio.gather(*(with_retries(i) for i in batch))
    return clients


async def _steps(pipe, room: int, clients: list, emit, received, connected) -> None:
    """Run the steps the parent asks for: send a share of the rate, in turn from each
    client, without waiting for acknowledgements; then report what arrived."""
    loop = asyncio.get_running_loop()
    dropped: set[int] = set()
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command[0] == "stop":
            return
        _, tag, rate, seconds, start_at, drain = command
        acks: list[dict] = []
        interval = 1 / rate if rate else None
        n = 0
        while interval and time.time() < start_at + seconds:
            due = start_at + n * interval
            if due > time.time():
                await asyncio.sleep(due - time.time())
            body = f"bench {tag} {n} {time.time():.6f}"
            client = clients[n % len(clients)]
            try:
                await emit(client, {"office_hour_id": room, "body": body}, acks.append)
            except Exception:
                dropped.add(id(client))  # the server let it go (missed pings, overloaded)
            n += 1
        await asyncio.sleep(max(0.0, start_at + seconds + drain - time.time()))
        got = received(tag)
        sent = sum(1 for a in acks if a.get("ok"))
        refused: dict[str, int] = {"no answer": n - len(acks)} if n > len(acks) else {}
        dropped.update(id(c) for c in clients if not connected(c))
        if dropped:
            refused["clients dropped"] = len(dropped)
        for a in acks:
            if not a.get("ok"):
                refused[a.get("error")] = refused.get(a.get("error"), 0) + 1
        pipe.send(("done", sent, refused, got))


async def _socketio_clients(urls: list[str], tokens: list[str], room: int, pipe) -> None:
    """python-socketio's AsyncClient: a latency is read once the client has decoded the
    message and called its handler, so its own per-message cost is part of the figure."""
    import socketio

    latencies: dict[str, list[float]] = {}

    async def on_chat(data):
        _bench_latency(data.get("body", ""), time.time(), latencies)

    async def connect(i: int):
        client = socketio.AsyncClient(reconnection=False)
        client.on("chat", on_chat, namespace="/live")
        try:
            await client.connect(
                urls[i % len(urls)],
                namespaces=["/live"],
                auth={"token": tokens[i]},
                transports=["websocket"],
                wait_timeout=120,
            )
            ack = await client.call(
                "join", {"office_hour_id": room}, namespace="/live", timeout=120
            )
        except Exception:
            with contextlib.suppress(Exception):
                await client.disconnect()
            raise
        if not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack}")
        return client

    async def emit(client, data, answered):
        await client.emit(
            "chat", data, namespace="/live", callback=lambda *a: answered(a[0] if a else {})
        )

    clients = await _connect_all(connect, len(tokens))
    pipe.send(("ready", len(clients)))
    await _steps(
        pipe, room, clients, emit, lambda tag: latencies.pop(tag, []), lambda c: c.connected
    )
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


class LeanSocket:
    """One client speaking Engine.IO 4 / Socket.IO 5 over a websocket itself, as the
    JavaScript client does on the room page, with nothing done per received frame but
    noting the time it arrived (and answering pings): the messages are decoded after the
    step, so the figure is the server's delivery, not the client's decoding."""

    PREFIX = "42/live,"
    ACK = "43/live,"

    def __init__(self, ws, frames: list) -> None:
        self.ws = ws
        self.frames = frames  # (arrival time, raw text), shared by a worker's clients
        self.waiting: dict[int, asyncio.Future] = {}
        self.next_id = 0
        self.reader = asyncio.ensure_future(self._read())

    @classmethod
    async def connect(cls, session, url: str, token: str, frames: list) -> LeanSocket:
        ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        ws = await session.ws_connect(ws_url, timeout=120, autoping=True, max_msg_size=0)
        opened = await ws.receive_str(timeout=120)
        if not opened.startswith("0"):
            raise RuntimeError(f"engine.io open expected: {opened[:80]}")
        await ws.send_str("40/live," + json.dumps({"token": token}))
        answer = await ws.receive_str(timeout=120)
        if not answer.startswith("40/live,"):
            await ws.close()
            raise RuntimeError(f"refused at connect: {answer[:120]}")
        return cls(ws, frames)

    @property
    def connected(self) -> bool:
        return not self.ws.closed and not self.reader.done()

    async def _read(self) -> None:
        frames, ws = self.frames, self.ws
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            data = msg.data
            if data.startswith(self.PREFIX):
                frames.append((time.time(), data))
            elif data == "2":
                await ws.send_str("3")
            elif data.startswith(self.ACK):
                ack_id, _, rest = data[len(self.ACK) :].partition("[")
                future = self.waiting.pop(int(ack_id), None)
                if future is not None and not future.done():
                    answer = json.loads("[" + rest)
                    future.set_result(answer[0] if answer else {})

    async def call(self, event: str, data: dict, answered=None, timeout: float = 120):
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.waiting[self.next_id] = future
        await self.ws.send_str(f"{self.PREFIX}{self.next_id}" + json.dumps([event, data]))
        if answered is not None:
            future.add_done_callback(lambda f: answered(f.result()))
            return None
        return await asyncio.wait_for(future, timeout)

    async def close(self) -> None:
        self.reader.cancel()
        await self.ws.close()


async def _lean_clients(urls: list[str], tokens: list[str], room: int, pipe) -> None:
    frames: list[tuple[float, str]] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def connect(i: int):
            client = await LeanSocket.connect(session, urls[i % len(urls)], tokens[i], frames)
            ack = await client.call("join", {"office_hour_id": room})
            if not ack.get("ok"):
                await client.close()
                raise RuntimeError(f"join refused: {ack}")
            return client

        def received(tag: str) -> list[float]:
            latencies: dict[str, list[float]] = {}
            for arrived, raw in frames:
                event, data = json.loads(raw[len(LeanSocket.PREFIX) :])
                if event == "chat":
                    _bench_latency(data.get("body", ""), arrived, latencies)
            frames.clear()
            return latencies.get(tag, [])

        async def emit(client, data, answered):
            await client.call("chat", data, answered=answered)

        clients = await _connect_all(connect, len(tokens))
        pipe.send(("ready", len(clients)))
        await _steps(pipe, room, clients, emit, received, lambda c: c.connected)
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


# One set-up -------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def settle(limit: float = 1.0, longest: float = 90.0) -> None:
    """Wait until the machine is quiet again (1-minute load under ``limit``, or ``longest``
    seconds), so that one set-up's aftermath does not weigh on the next one's figures."""
    deadline = time.monotonic() + longest
    while os.getloadavg()[0] > limit and time.monotonic() < deadline:
        time.sleep(2)


def run_setup(name, urls, pids, room, tokens, rates, seconds, workers, kind) -> list[dict]:
    settle()
    shares = [tokens[i::workers] for i in range(workers)]
    pipes, procs = [], []
    ctx = mp.get_context("spawn")
    started = time.monotonic()
    for share in shares:
        ours, theirs = ctx.Pipe()
        proc = ctx.Process(
            target=client_worker, args=(kind, urls, share, room, theirs), daemon=True
        )
        proc.start()
        pipes.append(ours)
        procs.append(proc)
    for pipe in pipes:
        status = pipe.recv()
        if status[0] != "ready":
            raise RuntimeError(status)
    connect_s = time.monotonic() - started
    memory = [rss_mb(pid) for pid in pids]
    rows = []
    for rate in rates:
        tag = uuid.uuid4().hex[:8]
        start_at = time.time() + 1.0
        load_before = os.getloadavg()[0]
        for pipe in pipes:
            # Each worker sends its share of the rate, all in step.
            pipe.send(("run", tag, rate / workers, seconds, start_at, 3.0))
        sent, refused, latencies = 0, {}, []
        for pipe in pipes:
            _, s, r, got = pipe.recv()
            sent += s
            latencies += got
            for k, v in r.items():
                refused[k] = refused.get(k, 0) + v
        expected = sent * len(tokens)
        row = {
            "setup": name,
            "clients": len(tokens),
            "rate": rate,
            "sent": sent,
            "delivered": len(latencies),
            "expected": expected,
            "p50_ms": percentile(latencies, 50) * 1000,
            "p95_ms": percentile(latencies, 95) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000,
            "refused": refused,
            "load": (load_before, os.getloadavg()[0]),
            "connect_s": connect_s,
            "memory": memory,
        }
        rows.append(row)
        print(format_row(row), flush=True)
        if row["delivered"] < expected or row["p95_ms"] > TARGET_P95_S * 1000 or refused:
            break  # past what this set-up sustains: higher rates only take longer to fail
    for pipe in pipes:
        pipe.send(("stop",))
    for proc in procs:
        proc.join(timeout=60)
    return rows


def format_row(row: dict) -> str:
    refused = ", ".join(f"{k} {v}" for k, v in row["refused"].items()) or "none"
    memory = "; ".join(f"{m:.0f} MB, {t} threads" for m, t in row["memory"])
    return (
        f"| {row['setup']} | {row['clients']} | {row['rate']} | {row['sent']} | "
        f"{row['delivered']}/{row['expected']} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
        f"{row['p99_ms']:.1f} | {refused} | {row['load'][0]:.1f} → {row['load'][1]:.1f} | "
        f"{memory} |"
    )


HEADER = (
    "| set-up | clients | msgs/s | sent | delivered | p50 ms | p95 ms | p99 ms | refused "
    "| load (1 min) | server RSS, threads |\n|---|---|---|---|---|---|---|---|---|---|---|"
)


@contextlib.contextmanager
def servers(setup: str, database_url: str, redis_url: str, clients: int):
    threads = clients + PAGE_THREADS
    if setup == "bare":
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        with gunicorn("bench.bare_live:app", env, threads) as (url, pid):
            yield [url], [pid]
    elif setup == "one":
        with gunicorn("wsgi:app", server_env(database_url, None), threads) as (url, pid):
            yield [url], [pid]
    else:
        env = server_env(database_url, redis_url)
        half = clients // 2 + 1 + PAGE_THREADS
        with (
            gunicorn("wsgi:app", env, half) as (one, p1),
            gunicorn("wsgi:app", env, half) as (
                two,
                p2,
            ),
        ):
            yield [one, two], [p1, p2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="50,200,500")
    parser.add_argument("--rates", default="5,10,20,40,80,160")
    parser.add_argument("--setups", default="one,redis,bare")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2, help="client processes")
    parser.add_argument(
        "--client",
        choices=("lean", "socketio"),
        default="lean",
        help="lean: raw websocket clients that note each frame's arrival (default); "
        "socketio: python-socketio's AsyncClient, its decoding inside every latency",
    )
    args = parser.parse_args()
    postgres = os.environ.get(
        "FORUM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    redis_url = os.environ.get("FORUM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # sockets, many of them
    rates = [float(r) for r in args.rates.split(",")]
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()}, open files {hard}, {args.seconds:g} s a step, "
        f"{args.client} clients\n"
    )
    print(HEADER, flush=True)
    for clients in (int(c) for c in args.clients.split(",")):
        with postgres_database(postgres, "live") as database_url:
            room, tokens = seed(database_url, clients)
            for setup in args.setups.split(","):
                with servers(setup, database_url, redis_url, clients) as (urls, pids):
                    run_setup(
                        setup,
                        urls,
                        pids,
                        room,
                        tokens,
                        rates,
                        args.seconds,
                        args.workers,
                        args.client,
                    )


if __name__ == "__main__":
    main()
