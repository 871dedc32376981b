"""Drill (a): the server process is killed (SIGKILL) while 20 people post 500 replies.
After a restart every acknowledged reply is in the database and, once the outbox has
drained, found by search."""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path

from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from forum.services import accounts, threads
from tests import factories
from tests.drills.conftest import make_instance
from tests.drills.server import ServerProcess, call

CLIENTS = 20
POSTS = 500
KILL_AFTER = 150  # acknowledged replies
SEARCHABLE_WITHIN = 60.0  # seconds after the last reply


class Client(threading.Thread):
    """One person posting their share, each reply retried until acknowledged."""

    def __init__(self, server: ServerProcess, token: str, thread_id: int, index: int):
        super().__init__(daemon=True)
        self.server, self.token, self.thread_id, self.index = server, token, thread_id, index
        self.acked: list[int] = []
        self.failures = 0

    def run(self) -> None:
        for n in range(POSTS // CLIENTS):
            body = {"body": f"Drill reply {self.index}-{n} about the outage"}
            while True:
                url = f"{self.server.url}/api/v1/threads/{self.thread_id}/posts"
                try:
                    status, data = call(url, "POST", body, self.token)
                except (OSError, http.client.HTTPException):
                    self.failures += 1  # the server is down: not acknowledged, try again
                    time.sleep(0.2)
                    continue
                if status == 201:
                    self.acked.append(data["id"])
                    break
                assert status in (429, 503), (status, data)
                time.sleep(1.0)


def _found(server: ServerProcess, token: str) -> set[int]:
    ids: set[int] = set()
    page = 1
    while True:
        query = f"q=outage&type=post&per_page=100&page={page}"
        status, data = call(f"{server.url}/api/v1/search?{query}", token=token)
        assert status == 200, data
        ids.update(hit["id"] for hit in data["items"])
        if page * 100 >= data["total"]:
            return ids
        page += 1


def test_a_killed_server_loses_no_acknowledged_reply_in_the_database_or_in_search(tmp_path):
    folder: Path = tmp_path / "instance"
    app = make_instance(folder)
    with app.app_context():
        people = [factories.make_user(name=f"Poster {i}") for i in range(CLIENTS)]
        module = factories.make_module(title="Incidents")
        thread_id = threads.create_thread(
            people[0], module.id, title="Outage drill", body="Post your replies here."
        ).id
        tokens = [accounts.issue_token(p).token for p in people]
        db.engine.dispose()
    server = ServerProcess(
        {
            "FORUM_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "FORUM_SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
            "FORUM_SECRET_KEY": "drill-secret",
            # 25 replies a person within seconds: this drill is about the crash, not limits.
            "FORUM_LIMIT_REPLIES": "1000 per minute",
        }
    )
    server.start()
    try:
        clients = [Client(server, t, thread_id, i) for i, t in enumerate(tokens)]
        for c in clients:
            c.start()
        while sum(len(c.acked) for c in clients) < KILL_AFTER:
            time.sleep(0.05)
        server.kill()
        server.start()
        for c in clients:
            c.join(300)
        acked = {post_id for c in clients for post_id in c.acked}
        assert len(acked) == POSTS and sum(c.failures for c in clients) > 0

        with app.app_context():
            stored = set(db.session.scalars(select(Post.id)))
            db.engine.dispose()
        assert acked <= stored

        deadline = time.monotonic() + SEARCHABLE_WITHIN
        while not acked <= (found := _found(server, tokens[0])):
            assert time.monotonic() < deadline, f"{len(acked - found)} replies never found"
            time.sleep(1.0)
    finally:
        server.stop()
