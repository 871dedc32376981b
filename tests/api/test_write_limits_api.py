"""Write limits (issue 11): each person may start threads, reply, vote, flag and search so
often; over the limit the API answers 429 with Retry-After and the contract's error shape,
pages keep what was typed, and managers and the thread's moderators are exempt."""

from __future__ import annotations

import math
import time

import pytest

from forum.models import Flag, Notification, Post, Thread
from forum.services import posts
from tests.api.discussion import answer, ask, build_world, rows
from tests.api.helpers import expect_error
from tests.conftest import csrf_token

LIMIT = 3


@pytest.fixture
def app_config():
    return {
        "LIMIT_THREADS": f"{LIMIT} per minute",
        "LIMIT_REPLIES": f"{LIMIT} per minute",
        "LIMIT_VOTES": f"{LIMIT} per minute",
        "LIMIT_FLAGS": f"{LIMIT} per minute",
        "LIMIT_SEARCHES": f"{LIMIT} per minute",
    }


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def thread(world):
    """An open thread with enough replies by the owner to vote on and flag."""
    t = ask(world.owner, world.module.id)
    for n in range(LIMIT + 2):
        answer(world.owner, t.id, body=f"Answer number {n}.")
    return t


def _reply_ids(thread_id: int) -> list[int]:
    from sqlalchemy import select

    from tests.api.helpers import fresh

    stmt = select(Post.id).where(Post.thread_id == thread_id).order_by(Post.id)
    return list(fresh().scalars(stmt))[1:]


def _request(action: str, world, thread, n: int):
    """One attempt at ``action`` as the API takes it: (method, path, json)."""
    replies = _reply_ids(thread.id)
    return {
        "threads": (
            "post",
            f"/modules/{world.module.id}/threads",
            {"title": f"Q {n}", "body": "?"},
        ),
        "replies": ("post", f"/threads/{thread.id}/posts", {"body": f"Reply {n}"}),
        "votes": ("post", f"/posts/{replies[n]}/vote", {"value": 1}),
        "flags": ("post", f"/posts/{replies[n]}/flag", {"reason": f"Spam {n}"}),
        "searches": ("get", f"/search?q=answer+{n}", None),
    }[action]


def _attempt(client, action: str, world, thread, n: int):
    method, path, body = _request(action, world, thread, n)
    return getattr(client, method)(path, json=body) if body else getattr(client, method)(path)


WRITES = {"threads": Thread, "replies": Post, "flags": Flag}


@pytest.mark.parametrize("action", ["threads", "replies", "votes", "flags", "searches"])
def test_one_person_over_the_limit_gets_429_with_retry_after_and_nothing_written(
    api, world, thread, action
):
    learner = api(world.learner)
    started = time.time()
    for n in range(LIMIT):
        assert _attempt(learner, action, world, thread, n).status_code in (200, 201, 204)
    before = rows(WRITES[action]) if action in WRITES else None
    refused = _attempt(learner, action, world, thread, LIMIT)
    elapsed = time.time() - started
    error = expect_error(refused, 429)
    assert error["code"] == "rate_limited"
    # The window (a minute) frees when the first of the LIMIT counted acts leaves it: no
    # sooner than a minute after ``started``, no later than a minute from now.
    assert 60 - math.ceil(elapsed) <= int(refused.headers["Retry-After"]) <= 60
    assert "Try again in" in error["message"]
    if before is not None:
        assert rows(WRITES[action]) == before
    # Someone else is not slowed by that person's flood.
    assert _attempt(api(world.asker), action, world, thread, LIMIT).status_code in (200, 201, 204)


@pytest.mark.parametrize("who", ["manager", "admin", "owner", "facilitator"])
def test_managers_and_the_threads_moderators_are_exempt(api, world, who):
    # A cohort thread: the facilitator moderates it as the owner and managers do.
    t = ask(world.asker, world.module.id, cohort_id=world.cohort_a)
    client = api(world.people()[who])
    for n in range(LIMIT + 3):
        r = client.post(f"/threads/{t.id}/posts", json={"body": f"Cleaning up {n}"})
        assert r.status_code == 201, r.get_json()


def test_a_facilitator_is_limited_where_they_do_not_moderate(api, world):
    open_thread = ask(world.owner, world.module.id)  # no cohort: not the facilitator's to tend
    client = api(world.facilitator)
    statuses = [
        client.post(f"/threads/{open_thread.id}/posts", json={"body": f"r{n}"}).status_code
        for n in range(LIMIT + 1)
    ]
    assert statuses == [201] * LIMIT + [429]


def _page_form(action: str, world, thread, n: int, draft: str) -> tuple[str, dict]:
    """One attempt at ``action`` through its page's form: (path, form fields)."""
    return {
        "replies": (f"/threads/{thread.id}/posts", {"body": draft}),
        "threads": (
            f"/modules/{world.module.id}/threads",
            {"title": f"Question {n}: {draft[:40]}", "body": draft, "kind": "question"},
        ),
        "flags": (f"/posts/{_reply_ids(thread.id)[n]}/flag", {"reason": draft}),
    }[action]


@pytest.mark.parametrize("action", ["replies", "threads", "flags"])
def test_a_form_refused_on_its_page_keeps_its_text_and_says_when_to_retry(
    app, world, thread, login, action
):
    page = login(world.learner)
    token = csrf_token(page, f"/threads/{thread.id}")
    started = time.time()
    for n in range(LIMIT):
        path, data = _page_form(action, world, thread, n, f"Attempt number {n}, fine.")
        assert page.post(path, data={**data, "csrf_token": token}).status_code == 302
    draft = "A long careful text I do not want to type again."
    path, data = _page_form(action, world, thread, LIMIT, draft)
    r = page.post(path, data={**data, "csrf_token": token})
    elapsed = time.time() - started
    html = r.get_data(as_text=True)
    assert r.status_code == 429
    assert draft in html
    assert "Try again in" in html
    # The page says when as the API does: the header a browser or a script can act on.
    assert 60 - math.ceil(elapsed) <= int(r.headers["Retry-After"]) <= 60


def test_a_vote_refused_on_the_page_shows_a_friendly_page(app, world, thread, login):
    page = login(world.learner)
    token = csrf_token(page, f"/threads/{thread.id}")
    replies = _reply_ids(thread.id)
    for post_id in replies[:LIMIT]:
        data = {"value": "1", "csrf_token": token}
        assert page.post(f"/posts/{post_id}/vote", data=data).status_code == 302
    r = page.post(f"/posts/{replies[LIMIT]}/vote", data={"value": "1", "csrf_token": token})
    assert r.status_code == 429
    assert "Slow down" in r.get_data(as_text=True)
    assert int(r.headers["Retry-After"]) >= 1


def test_moderators_are_told_of_the_first_flag_on_a_post_only(api, world, thread):
    post_id = _reply_ids(thread.id)[0]
    for person in (world.asker, world.learner, world.member, world.other):
        r = api(person).post(f"/posts/{post_id}/flag", json={"reason": "Rude"})
        assert r.status_code == 204
    assert rows(Flag, post_id=post_id) == 4
    for moderator in (world.manager, world.admin, world.owner):
        assert rows(Notification, user_id=moderator.id, kind="flag", post_id=post_id) == 1


def test_the_demo_loads_whatever_the_limits(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def test_a_typo_in_a_limit_setting_fails_at_start(database_url, tmp_path):
    from forum import create_app
    from tests.conftest import _base_config

    with pytest.raises(ValueError, match="LIMIT_REPLIES"):
        create_app({**_base_config(database_url, str(tmp_path)), "LIMIT_REPLIES": "often"})


def test_an_async_rate_limit_storage_fails_at_start_saying_so(database_url, tmp_path):
    from forum import create_app
    from tests.conftest import _base_config

    config = {
        **_base_config(database_url, str(tmp_path)),
        "LIMITS_STORAGE_URI": "async+memory://",
    }
    with pytest.raises(ValueError, match="LIMITS_STORAGE_URI"):
        create_app(config)


def test_services_count_too(app, world, thread):
    """The rule lives in the service: any door (sockets, commands) meets the same limit."""
    from forum.errors import RateLimited

    for n in range(LIMIT):
        posts.reply(world.learner, thread.id, body=f"s{n}")
    with pytest.raises(RateLimited) as caught:
        posts.reply(world.learner, thread.id, body="one more")
    assert caught.value.retry_after >= 1
