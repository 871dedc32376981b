"""Write limits across processes: with Redis every app process counts against one limit;
a Redis that cannot be reached never stops anyone posting."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from forum.services import accounts
from tests.api.discussion import ask, build_world

LIMIT = 4
ROOT = Path(__file__).resolve().parents[2]

# One app process: its own app on the shared database and Redis, replying through the API.
CHILD = textwrap.dedent(
    """
    import json, sys
    from forum import create_app
    config, token, thread_id, count = json.loads(sys.argv[1])
    app = create_app(config)
    client = app.test_client()
    statuses = []
    for n in range(count):
        with app.app_context():
            r = client.post(
                f"/api/v1/threads/{thread_id}/posts",
                json={"body": f"from pid {n}"},
                headers={"Authorization": f"Bearer {token}"},
            )
        statuses.append(r.status_code)
    print(json.dumps(statuses))
    """
)


@pytest.fixture
def app_config(request):
    if "redis_url" not in request.fixturenames:
        return {"LIMIT_REPLIES": f"{LIMIT} per minute"}
    url = request.getfixturevalue("redis_url")
    return {
        "LIMIT_REPLIES": f"{LIMIT} per minute",
        "LIMITS_STORAGE_URI": url,
        # Tests of several processes and workers share the Redis database: keys of our own.
        "LIMITS_KEY_PREFIX": f"-test-{uuid.uuid4().hex}",
    }


def _run_process(app, token: str, thread_id: int, count: int) -> list[int]:
    config = {
        k: app.config[k]
        for k in (
            "TESTING",
            "SECRET_KEY",
            "SQLALCHEMY_DATABASE_URI",
            "BACKGROUND_WORKER",
            "SEARCH_BACKEND",
            "SEARCH_INDEX_DIR",
            "LIMIT_REPLIES",
            "LIMITS_STORAGE_URI",
            "LIMITS_KEY_PREFIX",
            "BASE_URL",
        )
    }
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps([config, token, thread_id, count])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.redis
def test_two_processes_sharing_redis_share_one_limit(app, redis_url):
    world = build_world()
    thread = ask(world.owner, world.module.id)
    token = accounts.issue_token(world.learner).token
    first = _run_process(app, token, thread.id, LIMIT - 1)
    second = _run_process(app, token, thread.id, 3)
    assert first == [201] * (LIMIT - 1)
    # The second process has posted nothing yet, but the person has used up the limit.
    assert second == [201, 429, 429]


@pytest.mark.redis
def test_without_shared_storage_each_process_would_count_alone(app, redis_url):
    """The control: the same two runs in memory each allow the full limit, which is why
    several workers need FORUM_REDIS_URL."""
    world = build_world()
    thread = ask(world.owner, world.module.id)
    token = accounts.issue_token(world.learner).token
    app.config["LIMITS_STORAGE_URI"] = "memory://"
    assert _run_process(app, token, thread.id, LIMIT) == [201] * LIMIT
    assert _run_process(app, token, thread.id, LIMIT) == [201] * LIMIT


class TestRedisDown:
    @pytest.fixture
    def app_config(self):
        # Nothing listens on port 1: every Redis call fails at once.
        return {
            "LIMIT_REPLIES": f"{LIMIT} per minute",
            "LIMITS_STORAGE_URI": "redis://127.0.0.1:1/0",
        }

    def test_posting_goes_on_counted_in_memory_and_says_so_once_in_the_log(self, app, api, caplog):
        world = build_world()
        thread = ask(world.owner, world.module.id)
        client = api(world.learner)
        with caplog.at_level(logging.WARNING, logger="forum.services.limits"):
            statuses = [
                client.post(f"/threads/{thread.id}/posts", json={"body": f"r{n}"}).status_code
                for n in range(LIMIT + 1)
            ]
        assert statuses == [201] * LIMIT + [429]
        warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(warnings) == 1
