"""Drill (b): Redis stops while the service uses it (``FORUM_REDIS_URL``: the Socket.IO
message queue and the rate-limit counters). Pages, the API, signing in and posting go on;
health says the message queue is down; all is as before once Redis is back. A private
redis-server on a spare port stands in, so the shared one is never stopped."""

from __future__ import annotations

import http.cookiejar
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from forum.extensions import db
from forum.services import threads
from tests import factories
from tests.conftest import need
from tests.drills.conftest import make_instance
from tests.drills.server import ServerProcess, call


class PrivateRedis:
    def __init__(self, folder: Path):
        with socket.create_server(("127.0.0.1", 0)) as probe:
            self.port = probe.getsockname()[1]
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the private redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    need(shutil.which("redis-server") is not None, "the Redis drill needs redis-server")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


class Browser:
    """A person signed in through the sign-in page, with a cookie jar."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def sign_in(self, email: str, password: str) -> int:
        _, page = self.get("/login")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        form = {"email": email, "password": password, "csrf_token": token}
        data = urllib.parse.urlencode(form).encode()
        try:
            with self.opener.open(self.base + "/login", data=data, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


def _everything_works(server: ServerProcess, email: str, thread_id: int, text: str) -> dict:
    """Sign in on the page and through the API, read a page and the API, post a reply."""
    browser = Browser(server.url)
    signed_in = browser.sign_in(email, factories.PASSWORD)
    page, html = browser.get(f"/threads/{thread_id}")
    login = {"email": email, "password": factories.PASSWORD}
    token_status, token = call(f"{server.url}/api/v1/auth/token", "POST", login)
    api = f"{server.url}/api/v1/threads/{thread_id}"
    read, _ = call(api, token=token.get("token"))
    posted, _ = call(f"{api}/posts", "POST", {"body": text}, token.get("token"))
    _, health = call(f"{server.url}/api/v1/health")
    page_after, html_after = browser.get(f"/threads/{thread_id}")
    return {
        "page sign-in": signed_in,
        "page": page if "Redis drill" in html else f"{page}, thread missing",
        "api sign-in": token_status,
        "api read": read,
        "api post": posted,
        "reply shown": text in html_after and page_after,
        "message_queue": health.get("message_queue"),
    }


def test_pages_api_and_posting_go_on_while_redis_is_down_and_all_recovers(tmp_path, redis):
    app = make_instance(tmp_path / "instance")
    with app.app_context():
        person = factories.make_user(name="Rita Redis")
        module = factories.make_module(title="Caching")
        thread_id = threads.create_thread(
            person, module.id, title="Redis drill", body="Is the queue there?"
        ).id
        email = person.email
        db.engine.dispose()
    server = ServerProcess(
        {
            "FORUM_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "FORUM_SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
            "FORUM_SECRET_KEY": "drill-secret",
            "FORUM_REDIS_URL": redis.url,
        }
    )
    server.start()
    ok = {
        "page sign-in": 200, "page": 200, "api sign-in": 200, "api read": 200,
        "api post": 201, "reply shown": 200, "message_queue": "ok",
    }  # fmt: skip
    try:
        assert _everything_works(server, email, thread_id, "Before the outage") == ok
        redis.stop()
        assert _everything_works(server, email, thread_id, "During the outage") == {
            **ok,
            "message_queue": "down",
        }
        _, health = call(f"{server.url}/api/v1/health")
        assert health["status"] == "degraded" and health["database"] == "ok"
        redis.start()
        assert _everything_works(server, email, thread_id, "After the outage") == ok
    finally:
        server.stop()
