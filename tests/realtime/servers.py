"""Real servers for the end-to-end tests: the production command (gunicorn with threads,
simple-websocket carrying the websockets), started as processes on ephemeral ports."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import socketio

from forum import create_app
from forum.extensions import db
from forum.models import utcnow
from forum.services import accounts
from forum.services import office_hours as oh
from tests.conftest import _base_config

REPO = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PASSWORD = "a long test password"


def server_env(database_url: str, tmp: str, **settings: str) -> dict[str, str]:
    """The environment of a server process: the test's database, nothing of the caller's."""
    config = _base_config(database_url, tmp)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORUM_")}
    env.update(
        FORUM_DATABASE_URL=database_url,
        FORUM_SECRET_KEY=config["SECRET_KEY"],
        FORUM_BACKGROUND_WORKER="off",
        FORUM_SEARCH_BACKEND=config["SEARCH_BACKEND"],
        FORUM_SEARCH_INDEX_DIR=config["SEARCH_INDEX_DIR"],
        PYTHONPATH=str(REPO),
        **{f"FORUM_{k}": v for k, v in settings.items()},
    )
    return env


@contextmanager
def gunicorn(env: dict[str, str], threads: int = 16):
    """``gunicorn -w 1 --threads N wsgi:app`` on a free loopback port; yields its URL."""
    cmd = [GUNICORN, "-w", "1", "--threads", str(threads), "-b", "127.0.0.1:0", "wsgi:app"]
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        url = None
        deadline = time.monotonic() + 60
        lines = []
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            lines.append(line)
            found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", line)
            url = found.group(1) if found else None
        assert url, "gunicorn did not start:\n" + "".join(lines)
        # Keep reading its log, so that a full pipe never stops the server.
        threading.Thread(target=proc.stdout.read, daemon=True).start()
        # The worker imports the app after the master listens: wait until it answers.
        _wait_until_serving(url)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_serving(url: str) -> None:
    import requests

    # Generous: on a loaded machine importing the app alone takes seconds.
    deadline = time.monotonic() + 120
    while True:
        try:
            requests.get(f"{url}/login", timeout=60)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def seed(database_url: str, tmp: str, people: int = 2) -> tuple[int, list[str]]:
    """Tables, a manager hosting a live session and ``people - 1`` members; the session id
    and one API token for each person (the host first)."""
    app = create_app(_base_config(database_url, tmp))
    with app.app_context():
        db.create_all()
        users = [
            accounts.create_user(
                None,
                email=f"person{n}@example.com",
                name=f"Person {n}",
                role="manager" if n == 0 else "member",
                password=PASSWORD,
            ).user
            for n in range(people)
        ]
        now = utcnow()
        made = oh.create(users[0], title="Live", starts_at=now, ends_at=now + timedelta(hours=1))
        oh.start(users[0], made.id)
        tokens = [accounts.issue_token(u).token for u in users]
        room = made.id
        db.session.remove()
        db.engine.dispose()
    return room, tokens


class Listener:
    """A python-socketio client over a websocket, keeping what the room sends."""

    def __init__(self, url: str, token: str | None = None, **connect):
        self.sio = socketio.Client(reconnection=False)
        self.got: dict[str, list] = {}
        for event in ("chat", "presence", "queue", "ended", "removed", "message_deleted"):
            self.sio.on(event, self._keep(event), namespace="/live")
        auth = {"token": token} if token else None
        self.sio.connect(
            url,
            namespaces=["/live"],
            auth=auth,
            transports=["websocket"],
            wait_timeout=10,
            **connect,
        )

    def _keep(self, event: str):
        return lambda data: self.got.setdefault(event, []).append(data)

    def call(self, event: str, data: dict) -> dict:
        return self.sio.call(event, data, namespace="/live", timeout=10)

    def wait_for(self, event: str, count: int = 1, timeout: float = 10) -> list:
        deadline = time.monotonic() + timeout
        while len(self.got.get(event, [])) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.got.get(event, [])

    def close(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()
