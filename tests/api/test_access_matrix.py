"""Who may do what to a thread: roles x visibility x action, one table.

A thread one may not see answers 404 (never 403) to everything, and is absent from lists and
their totals. Each refused action leaves no trace; each allowed one has its effect. The last
test is issue 3's "done when", end to end through the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from forum.models import Flag, Post, ReadMark, Thread, ThreadFollow, User, Vote
from forum.services import posts
from tests.api.discussion import World, answer, ask, build_world, ref, rows
from tests.api.helpers import expect_envelope, expect_error, fresh
from tests.factories import make_module, make_user

LISTED = "listed"  # 200, and the thread is in the list and its total
HIDDEN = "hidden"  # 200, and the thread is in neither

ACTIONS = ("read", "list", "revisions", "vote", "flag", "subscribe", "reply", "accept", "moderate")

# fmt: off
TABLE: dict[str, dict[str, tuple]] = {
    # A thread for everyone on a published module, asked by a learner of cohort A.
    "everyone": {
        #               read  list    revs vote flag subs reply accept moderate
        "anonymous":   (401,  401,    401, 401, 401, 401, 401,  401,   401),
        "member":      (200,  LISTED, 200, 200, 204, 204, 201,  403,   403),
        "learner":     (200,  LISTED, 200, 200, 204, 204, 201,  403,   403),
        "other":       (200,  LISTED, 200, 200, 204, 204, 201,  403,   403),
        # Cohort A's facilitator moderates cohort A's threads; this one is in no cohort.
        "facilitator": (200,  LISTED, 200, 200, 204, 204, 201,  403,   403),
        "owner":       (200,  LISTED, 200, 200, 204, 204, 201,  200,   200),
        "manager":     (200,  LISTED, 200, 200, 204, 204, 201,  200,   200),
        "admin":       (200,  LISTED, 200, 200, 204, 204, 201,  200,   200),
    },
    # A cohort-only thread of cohort A.
    "cohort": {
        "anonymous":   (401,  401,    401, 401, 401, 401, 401,  401,   401),
        "member":      (404,  HIDDEN, 404, 404, 404, 404, 404,  404,   404),
        "learner":     (200,  LISTED, 200, 200, 204, 204, 201,  403,   403),
        "other":       (404,  HIDDEN, 404, 404, 404, 404, 404,  404,   404),
        "facilitator": (200,  LISTED, 200, 200, 204, 204, 201,  200,   200),
        "owner":       (200,  LISTED, 200, 200, 204, 204, 201,  200,   200),
        "manager":     (200,  LISTED, 200, 200, 204, 204, 201,  200,   200),
        "admin":       (200,  LISTED, 200, 200, 204, 204, 201,  200,   200),
    },
    # A thread for everyone on an unpublished module: only its owner and managers see it
    # (the module's list itself is 404 to the others).
    "unpublished": {
        "anonymous":   (401,  401,    401, 401, 401, 401, 401,  401,   401),
        "member":      (404,  404,    404, 404, 404, 404, 404,  404,   404),
        "learner":     (404,  404,    404, 404, 404, 404, 404,  404,   404),
        "other":       (404,  404,    404, 404, 404, 404, 404,  404,   404),
        "facilitator": (404,  404,    404, 404, 404, 404, 404,  404,   404),
        "owner":       (200,  LISTED, 200, 200, 204, 204, 201,  200,   200),
        "manager":     (200,  LISTED, 200, 200, 204, 204, 201,  200,   200),
        "admin":       (200,  LISTED, 200, 200, 204, 204, 201,  200,   200),
    },
}
# fmt: on
CELLS = [(vis, role) for vis, row in TABLE.items() for role in row]


@pytest.fixture
def world(app) -> World:
    return build_world()


@dataclass
class Target:
    module_id: int
    thread_id: int
    reply_id: int
    secrets: tuple[str, ...]  # texts that must never reach someone who may not see the thread


@dataclass
class Action:
    call: Callable  # (client, target) -> response
    # What success changes (and refusal must leave as it was).
    effect: Callable[[User | None, Target], object] | None = None


def _list(client, t: Target):
    return client.get(f"/modules/{t.module_id}/threads?per_page=100")


def _mine(model, user: User | None, **where) -> int:
    return rows(model, user_id=user.id, **where) if user is not None else 0


ACTION_TABLE: dict[str, Action] = {
    "read": Action(
        lambda c, t: c.get(f"/threads/{t.thread_id}"),
        lambda u, t: _mine(ReadMark, u, thread_id=t.thread_id),
    ),
    "list": Action(_list),
    "revisions": Action(lambda c, t: c.get(f"/posts/{t.reply_id}/revisions")),
    "vote": Action(
        lambda c, t: c.post(f"/posts/{t.reply_id}/vote", json={"value": 1}),
        lambda u, t: _mine(Vote, u, post_id=t.reply_id),
    ),
    "flag": Action(
        lambda c, t: c.post(f"/posts/{t.reply_id}/flag", json={"reason": "Off topic"}),
        lambda u, t: _mine(Flag, u, post_id=t.reply_id),
    ),
    "subscribe": Action(
        lambda c, t: c.put(f"/threads/{t.thread_id}/subscription"),
        lambda u, t: _mine(ThreadFollow, u, thread_id=t.thread_id, following=True),
    ),
    "reply": Action(
        lambda c, t: c.post(f"/threads/{t.thread_id}/posts", json={"body": "Me too"}),
        lambda u, t: rows(Post, thread_id=t.thread_id),
    ),
    "accept": Action(
        lambda c, t: c.post(f"/threads/{t.thread_id}/accept", json={"post_id": t.reply_id}),
        lambda u, t: fresh().get(Thread, t.thread_id).accepted_post_id,
    ),
    "moderate": Action(
        lambda c, t: c.patch(f"/threads/{t.thread_id}", json={"pinned": True}),
        lambda u, t: fresh().get(Thread, t.thread_id).pinned,
    ),
}


def _target(w: World, visibility: str) -> Target:
    """The thread of this visibility, with one edited reply (so revisions has an item)."""
    secrets = (f"Secret title {visibility}", f"secret question {visibility}")
    if visibility == "unpublished":
        draft = make_module(actor=w.manager, owner=w.owner, published=False)
        writer = make_user(role="manager", name="Mo Writer")
        t = ask(writer, draft.id, title=secrets[0], body=secrets[1])
    else:
        writer = w.asker
        cohort = {"cohort_id": w.cohort_a} if visibility == "cohort" else {}
        t = ask(writer, w.module.id, title=secrets[0], body=secrets[1], **cohort)
    reply = answer(writer, t.id, body="first answer text")
    posts.edit(writer, reply.id, body="better answer text")
    return Target(t.module_id, t.id, reply.id, (*secrets, "first answer text"))


def _check(action: str, response, expected, target: Target) -> str | None:
    """None when the response is what the table says; otherwise what went wrong."""
    status = response.status_code
    text = response.get_data(as_text=True)
    if expected in (LISTED, HIDDEN):
        if status != 200:
            return f"{status}, expected 200 ({expected})"
        body = response.get_json()
        ids = [item["id"] for item in body["items"]]
        if body["total"] != len(ids):
            return f"total {body['total']} but {len(ids)} items"
        if (target.thread_id in ids) != (expected == LISTED):
            return f"thread {'missing from' if expected == LISTED else 'shown in'} the list"
        if expected == HIDDEN and any(s in text for s in target.secrets):
            return "the list leaks the thread's text"
        return None
    if status != expected:
        return f"{status}, expected {expected}: {text[:200]}"
    if status >= 400:
        expect_error(response, expected)
        if any(s in text for s in target.secrets):
            return "the error leaks the thread's text"
    return None


@pytest.mark.parametrize(("visibility", "role"), CELLS, ids=[f"{v}-{r}" for v, r in CELLS])
def test_access_matrix(api, world, visibility, role):
    w = world
    target = _target(w, visibility)
    user = None if role == "anonymous" else w.people()[role]
    client = api(user)
    problems = []
    for action, expected in zip(ACTIONS, TABLE[visibility][role], strict=True):
        act = ACTION_TABLE[action]
        before = act.effect(user, target) if act.effect else None
        response = act.call(client, target)
        problem = _check(action, response, expected, target)
        if act.effect is not None and problem is None:
            after = act.effect(user, target)
            succeeded = response.status_code < 400
            if succeeded and after == before:
                problem = f"answered success but changed nothing ({after!r})"
            elif not succeeded and after != before:
                problem = f"refused but written: {before!r} -> {after!r}"
        if problem:
            problems.append(f"{action}: {problem}")
    assert not problems, f"{visibility} thread, {role}:\n  " + "\n  ".join(problems)


# Done when ----------------------------------------------------------------------------------

TITLE = "Where is the staging VPN profile?"
QUESTION = "The onboarding page links a profile that 404s."
ANSWER = "It moved to the IT portal, under Downloads."


def _no_trace(response, label: str) -> None:
    text = response.get_data(as_text=True)
    for secret in (TITLE, QUESTION, ANSWER):
        assert secret not in text, f"{label} shows {secret!r}"


def test_done_when_ask_answer_accept_notify_and_no_trace_for_outsiders(api, world):
    w = world
    asker, facilitator = api(w.asker), api(w.facilitator)
    r = asker.post(
        f"/modules/{w.module.id}/threads",
        json={"title": TITLE, "body": QUESTION, "kind": "question", "cohort_id": w.cohort_a},
    )
    assert r.status_code == 201, r.get_json()
    thread = r.get_json()
    assert thread["visibility"] == "cohort" and thread["cohort_id"] == w.cohort_a
    tid = thread["id"]
    r = facilitator.post(f"/threads/{tid}/posts", json={"body": ANSWER})
    assert r.status_code == 201
    answer_id = r.get_json()["id"]
    r = asker.post(f"/threads/{tid}/accept", json={"post_id": answer_id})
    assert r.status_code == 200 and r.get_json()["accepted_post_id"] == answer_id

    # The owner and the learner were notified (and the facilitator that their answer won).
    owner_notes = expect_envelope(api(w.owner).get("/notifications?unread=1"))
    assert [(n["kind"], n["thread_id"]) for n in owner_notes] == [("new_question", tid)]
    assert owner_notes[0]["actor"] == ref(w.asker)
    asker_notes = expect_envelope(asker.get("/notifications?unread=1"))
    assert [(n["kind"], n["post_id"]) for n in asker_notes] == [("reply", answer_id)]
    fac_notes = expect_envelope(facilitator.get("/notifications"))
    assert [(n["kind"], n["post_id"]) for n in fac_notes] == [("accepted", answer_id)]

    # Answered everywhere it is listed.
    listed = expect_envelope(asker.get(f"/modules/{w.module.id}/threads"), total=1)
    assert listed[0]["accepted_post_id"] == answer_id
    expect_envelope(asker.get(f"/modules/{w.module.id}/threads?unanswered=1"), total=0)
    page = asker.get(f"/threads/{tid}").get_json()
    assert [p["body"] for p in page["posts"]] == [QUESTION, ANSWER]

    # A learner of cohort B and a member of no cohort find no trace of it.
    threads_url = f"/modules/{w.module.id}/threads"
    lists = [
        threads_url,
        f"{threads_url}?cohort_id={w.cohort_a}",
        f"{threads_url}?unanswered=0&kind=question",
        f"{threads_url}?sort=recent",
        f"{threads_url}?sort=top",
        "/whats-new",
        "/notifications",
        "/notifications?unread=1",
        "/flags",
    ]
    for outsider in (w.other, w.member):
        c = api(outsider)
        for url in lists:
            r = c.get(url)
            expect_envelope(r, total=0)
            _no_trace(r, url)
        for url in ("/modules", f"/modules/{w.module.id}", "/cohorts", "/me"):
            r = c.get(url)
            assert r.status_code == 200, url
            _no_trace(r, url)
        r = c.get("/moderation-log")
        expect_error(r, 403)
        _no_trace(r, "/moderation-log")
        for method, url, body in (
            ("GET", f"/threads/{tid}", None),
            ("GET", f"/posts/{answer_id}/revisions", None),
            ("POST", f"/threads/{tid}/posts", {"body": "Hello?"}),
            ("POST", f"/posts/{answer_id}/vote", {"value": 1}),
            ("POST", f"/posts/{answer_id}/flag", {"reason": "curious"}),
            ("PUT", f"/threads/{tid}/subscription", None),
            ("POST", f"/threads/{tid}/accept", {"post_id": answer_id}),
            ("PATCH", f"/threads/{tid}", {"title": "Mine now"}),
            ("PATCH", f"/posts/{answer_id}", {"body": "Mine now"}),
            ("DELETE", f"/posts/{answer_id}", None),
        ):
            r = c._call(method, url, json=body) if body else c._call(method, url)
            assert expect_error(r, 404)["code"] == "not_found", (method, url)
            _no_trace(r, url)
        # Following the whole module brings nothing of it either.
        assert c.put(f"/modules/{w.module.id}/subscription").status_code == 204
    facilitator.post(f"/threads/{tid}/posts", json={"body": "Also: restart the client."})
    for outsider in (w.other, w.member):
        expect_envelope(api(outsider).get("/notifications"), total=0)
    # And nothing they tried was written.
    assert fresh().scalar(select(Thread.title).where(Thread.id == tid)) == TITLE
    assert rows(Post, thread_id=tid) == 3 and rows(Vote) == 0 and rows(Flag) == 0
