"""Posts: reply, edit with revisions, delete, flag, vote; then bad input on every discussion
endpoint, generated from one description of each (as tests/api/test_bad_input_api.py does for
the others)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from forum.models import Flag, ModerationEntry, Notification, Post, PostRevision, Thread, Vote
from forum.services import posts, threads
from tests.api.discussion import (
    POST_KEYS,
    World,
    answer,
    ask,
    build_world,
    opening_id,
    ref,
    rows,
)
from tests.api.helpers import (
    expect_envelope,
    expect_error,
    expect_invalid,
    fresh,
    is_utc_iso,
    snapshot,
)
from tests.conftest import csrf_token


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def thread(world):
    return ask(world.asker, world.module.id)


@pytest.fixture
def ours(world):
    """A cohort-only thread of cohort A."""
    return ask(world.asker, world.module.id, title="Cohort A only", cohort_id=world.cohort_a)


def _counts() -> tuple[int, ...]:
    return rows(Post), rows(Notification), rows(PostRevision), rows(ModerationEntry)


# Replying ----------------------------------------------------------------------------------


def test_replying_returns_the_post_and_moves_the_thread(api, world, thread):
    before = fresh().get(Thread, thread.id).last_activity_at
    r = api(world.learner).post(f"/threads/{thread.id}/posts", json={"body": "Try `--force`."})
    assert r.status_code == 201, r.get_json()
    post = r.get_json()
    assert set(post) >= POST_KEYS
    assert post["thread_id"] == thread.id and post["parent_id"] is None
    assert post["author"] == ref(world.learner) and post["anonymous"] is False
    assert post["body"] == "Try `--force`." and "<code>--force</code>" in post["body_html"]
    assert post["deleted"] is False and post["score"] == 0 and post["edited_at"] is None
    assert is_utc_iso(post["created_at"])
    row = fresh().get(Thread, thread.id)
    assert row.reply_count == 1 and row.last_activity_at > before
    assert rows(Notification, user_id=world.asker.id, kind="reply") == 1


def test_a_reply_can_answer_a_reply(api, world, thread):
    first = answer(world.learner, thread.id)
    r = api(world.member).post(
        f"/threads/{thread.id}/posts", json={"body": "And then?", "parent_id": first.id}
    )
    assert r.status_code == 201 and r.get_json()["parent_id"] == first.id


def test_an_anonymous_reply_hides_its_author_from_peers(api, world, thread):
    r = api(world.learner).post(
        f"/threads/{thread.id}/posts", json={"body": "Shy answer", "anonymous": True}
    )
    assert r.get_json()["author"] == ref(world.learner)
    peer_view = api(world.member).get(f"/threads/{thread.id}").get_json()["posts"][1]
    assert peer_view["anonymous"] is True and peer_view["author"] is None
    note = expect_envelope(api(world.asker).get("/notifications"))[0]
    assert note["kind"] == "reply" and note["actor"] is None
    owner_view = api(world.owner).get(f"/threads/{thread.id}").get_json()["posts"][1]
    assert owner_view["author"] == ref(world.learner)


def test_replying_to_a_locked_thread_is_403_and_writes_nothing(api, world, thread):
    threads.moderate(world.manager, thread.id, locked=True)
    before = _counts()
    for who in (world.asker, world.learner, world.manager):
        r = api(who).post(f"/threads/{thread.id}/posts", json={"body": "Let me in"})
        expect_error(r, 403)
    assert _counts() == before
    assert fresh().get(Thread, thread.id).reply_count == 0


def test_a_parent_from_another_thread_is_invalid_and_writes_nothing(api, world, thread):
    elsewhere = ask(world.asker, world.module.id, title="Elsewhere")
    foreign = answer(world.learner, elsewhere.id)
    gone = answer(world.learner, thread.id, body="gone")
    posts.remove(world.learner, gone.id)
    before = _counts(), fresh().get(Thread, thread.id).reply_count
    for parent_id in (foreign.id, opening_id(elsewhere.id), gone.id, 99_999):
        r = api(world.member).post(
            f"/threads/{thread.id}/posts", json={"body": "Hi", "parent_id": parent_id}
        )
        expect_invalid(r, "parent_id")
    assert (_counts(), fresh().get(Thread, thread.id).reply_count) == before


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"body": ""},
        {"body": "   "},
        {"body": "b" * 20_001},
        {"body": "a\x00b"},
        {"body": 5},
        {"body": None},
        {"body": "ok", "parent_id": "1"},
        {"body": "ok", "parent_id": 2**63},
        {"body": "ok", "anonymous": "true"},
    ],
    ids=[
        "empty-object",
        "empty",
        "blank",
        "too-long",
        "nul",
        "number",
        "null",
        "parent-as-text",
        "huge-parent",
        "anonymous-as-text",
    ],
)
def test_invalid_replies_are_refused(api, world, thread, data):
    before = _counts()
    expect_invalid(api(world.learner).post(f"/threads/{thread.id}/posts", json=data))
    assert _counts() == before


def test_replying_where_one_cannot_see_is_404(api, world, ours):
    before = _counts()
    for who in (world.other, world.member):
        r = api(who).post(f"/threads/{ours.id}/posts", json={"body": "Me too"})
        assert expect_error(r, 404)["code"] == "not_found"
    expect_error(api(world.learner).post("/threads/99999/posts", json={"body": "x"}), 404)
    expect_error(api().post(f"/threads/{ours.id}/posts", json={"body": "x"}), 401)
    assert _counts() == before


def test_a_cookie_session_needs_the_csrf_token_to_reply(login, world, thread):
    client = login(world.learner)
    url = f"/api/v1/threads/{thread.id}/posts"
    error = expect_error(client.post(url, json={"body": "Via the page"}), 400, 403)
    assert "csrf" in error["message"].lower()
    assert rows(Post, thread_id=thread.id) == 1
    token = csrf_token(client, "/")
    r = client.post(url, json={"body": "Via the page"}, headers={"X-CSRFToken": token})
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["author"] == ref(world.learner)


# Editing ------------------------------------------------------------------------------------


def test_the_author_edits_and_the_old_text_becomes_a_revision(api, world, thread):
    reply = answer(world.learner, thread.id, body="Frist")
    r = api(world.learner).patch(f"/posts/{reply.id}", json={"body": "First, **really**"})
    assert r.status_code == 200, r.get_json()
    post = r.get_json()
    assert post["body"] == "First, **really**" and "<strong>really</strong>" in post["body_html"]
    assert is_utc_iso(post["edited_at"]) and post["author"] == ref(world.learner)
    items = expect_envelope(api(world.member).get(f"/posts/{reply.id}/revisions"), total=1)
    assert items == [
        {"body": "Frist", "edited_by": ref(world.learner), "created_at": items[0]["created_at"]}
    ]
    assert rows(ModerationEntry) == 0  # editing one's own post is not moderation


def test_editing_to_the_same_text_keeps_no_revision(api, world, thread):
    reply = answer(world.learner, thread.id, body="Same")
    assert api(world.learner).patch(f"/posts/{reply.id}", json={"body": "Same"}).status_code == 200
    assert rows(PostRevision) == 0


@pytest.mark.parametrize("who", ["facilitator", "owner", "manager", "admin"])
def test_moderators_edit_others_posts_and_it_is_logged(api, world, ours, who):
    reply = answer(world.learner, ours.id, body="Rude words")
    r = api(getattr(world, who)).patch(f"/posts/{reply.id}", json={"body": "[edited]"})
    assert r.status_code == 200 and r.get_json()["body"] == "[edited]"
    [entry] = fresh().scalars(select(ModerationEntry)).all()
    assert entry.action == "edit_post" and entry.post_id == reply.id
    revs = expect_envelope(api(world.asker).get(f"/posts/{reply.id}/revisions"))
    assert [x["body"] for x in revs] == ["Rude words"]


@pytest.mark.parametrize("who", ["asker", "member", "other"])
def test_others_may_not_edit_and_nothing_changes(api, world, thread, who):
    reply = answer(world.learner, thread.id, body="Mine")
    before = _counts()
    expect_error(api(getattr(world, who)).patch(f"/posts/{reply.id}", json={"body": "Theirs"}), 403)
    assert fresh().get(Post, reply.id).body == "Mine" and _counts() == before


def test_editing_a_deleted_post_is_refused(api, world, thread):
    reply = answer(world.learner, thread.id)
    posts.remove(world.learner, reply.id)
    expect_error(api(world.learner).patch(f"/posts/{reply.id}", json={"body": "Back"}), 400, 409)
    assert fresh().get(Post, reply.id).body == ""


def test_editing_where_one_cannot_see_is_404(api, world, ours):
    reply = answer(world.learner, ours.id)
    expect_error(api(world.other).patch(f"/posts/{reply.id}", json={"body": "x"}), 404)
    expect_error(api(world.learner).patch("/posts/99999", json={"body": "x"}), 404)
    expect_error(api().patch(f"/posts/{reply.id}", json={"body": "x"}), 401)


@pytest.mark.parametrize(
    "data", [{}, {"body": ""}, {"body": "b" * 20_001}, {"body": ["x"]}, {"body": "a\x00"}]
)
def test_invalid_edits_are_refused(api, world, thread, data):
    reply = answer(world.learner, thread.id, body="Kept")
    expect_invalid(api(world.learner).patch(f"/posts/{reply.id}", json=data), "body")
    assert fresh().get(Post, reply.id).body == "Kept" and rows(PostRevision) == 0


# Deleting -----------------------------------------------------------------------------------


def test_the_author_deletes_and_the_text_is_gone_everywhere(api, world, thread):
    reply = answer(world.learner, thread.id, body="Secret recipe")
    posts.edit(world.learner, reply.id, body="Secret recipe, v2")
    r = api(world.learner).delete(f"/posts/{reply.id}")
    assert r.status_code == 204 and r.get_data() == b""
    page = api(world.asker).get(f"/threads/{thread.id}")
    removed = page.get_json()["posts"][1]
    assert removed["id"] == reply.id and removed["deleted"] is True
    assert removed["body"] == "" and removed["body_html"] == "" and removed["author"] is None
    assert "Secret" not in page.get_data(as_text=True)
    expect_envelope(api(world.asker).get(f"/posts/{reply.id}/revisions"), total=0)
    assert fresh().get(Thread, thread.id).reply_count == 0
    assert rows(PostRevision) == 0
    assert api(world.learner).delete(f"/posts/{reply.id}").status_code == 204  # already gone
    # Gone or not, it is still not anyone's to delete.
    expect_error(api(world.member).delete(f"/posts/{reply.id}"), 403)


def test_deleting_the_accepted_answer_withdraws_it(api, world, thread):
    reply = answer(world.learner, thread.id)
    threads.accept(world.asker, thread.id, reply.id)
    assert api(world.learner).delete(f"/posts/{reply.id}").status_code == 204
    assert api(world.asker).get(f"/threads/{thread.id}").get_json()["accepted_post_id"] is None


def test_a_moderator_deleting_a_post_is_logged(api, world, ours):
    reply = answer(world.learner, ours.id)
    assert api(world.facilitator).delete(f"/posts/{reply.id}").status_code == 204
    log = expect_envelope(api(world.facilitator).get("/moderation-log"), total=1)
    assert log[0]["action"] == "delete_post" and log[0]["post_id"] == reply.id
    assert log[0]["actor"] == ref(world.facilitator)


def test_others_may_not_delete_and_the_post_stays(api, world, thread, ours):
    reply = answer(world.learner, thread.id, body="Stays")
    hidden = answer(world.learner, ours.id, body="Stays too")
    expect_error(api(world.member).delete(f"/posts/{reply.id}"), 403)
    expect_error(api(world.other).delete(f"/posts/{hidden.id}"), 404)
    expect_error(api(world.member).delete("/posts/99999"), 404)
    expect_error(api().delete(f"/posts/{reply.id}"), 401)
    assert fresh().get(Post, reply.id).deleted is False
    assert fresh().get(Post, hidden.id).deleted is False


# Revisions ----------------------------------------------------------------------------------


def test_revisions_are_newest_first_and_paged(api, world, thread):
    reply = answer(world.learner, thread.id, body="v1")
    for n in range(2, 5):
        posts.edit(world.learner, reply.id, body=f"v{n}")
    items = expect_envelope(api(world.member).get(f"/posts/{reply.id}/revisions"), total=3)
    assert [x["body"] for x in items] == ["v3", "v2", "v1"]
    assert all(set(x) == {"body", "edited_by", "created_at"} for x in items)
    assert all(is_utc_iso(x["created_at"]) for x in items)
    paged = api(world.member).get(f"/posts/{reply.id}/revisions?per_page=1&page=2")
    assert [x["body"] for x in expect_envelope(paged, total=3)] == ["v2"]


def test_an_anonymous_authors_edits_stay_anonymous_to_peers(api, world, thread):
    reply = answer(world.learner, thread.id, body="v1", anonymous=True)
    posts.edit(world.learner, reply.id, body="v2")
    posts.edit(world.learner, reply.id, body="v3")
    peer = expect_envelope(api(world.member).get(f"/posts/{reply.id}/revisions"))
    assert [x["edited_by"] for x in peer] == [None, None]
    mod = expect_envelope(api(world.owner).get(f"/posts/{reply.id}/revisions"))
    assert [x["edited_by"] for x in mod] == [ref(world.learner), ref(world.learner)]


def test_revisions_of_a_post_one_cannot_see_are_404(api, world, ours):
    reply = answer(world.learner, ours.id, body="v1")
    posts.edit(world.learner, reply.id, body="v2")
    r = api(world.other).get(f"/posts/{reply.id}/revisions")
    expect_error(r, 404)
    assert "v1" not in r.get_data(as_text=True)
    expect_error(api(world.other).get("/posts/99999/revisions"), 404)
    expect_error(api().get(f"/posts/{reply.id}/revisions"), 401)


# Flagging -------------------------------------------------------------------------------------


def test_a_flag_reaches_the_threads_moderators_once(api, world, ours):
    reply = answer(world.learner, ours.id, body="Rude")
    r = api(world.asker).post(f"/posts/{reply.id}/flag", json={"reason": "Rude to me"})
    assert r.status_code == 204 and r.get_data() == b""
    told = {
        n.user_id for n in fresh().scalars(select(Notification).where(Notification.kind == "flag"))
    }
    assert told == {world.facilitator.id, world.owner.id, world.manager.id, world.admin.id}
    again = api(world.asker).post(f"/posts/{reply.id}/flag", json={"reason": "Still rude"})
    assert expect_error(again, 409)["code"] == "conflict"
    assert rows(Flag) == 1 and rows(Notification, kind="flag") == 4
    # Someone else may flag it too.
    assert (
        api(world.facilitator).post(f"/posts/{reply.id}/flag", json={"reason": "x"}).status_code
        == 204
    )


@pytest.mark.parametrize(
    "data",
    [{}, {"reason": ""}, {"reason": "r" * 501}, {"reason": 5}, {"reason": "a\x00"}],
    ids=["missing", "empty", "too-long", "number", "nul"],
)
def test_a_flag_needs_a_reason(api, world, thread, data):
    reply = answer(world.learner, thread.id)
    expect_invalid(api(world.asker).post(f"/posts/{reply.id}/flag", json=data), "reason")
    assert rows(Flag) == 0 and rows(Notification, kind="flag") == 0


def test_flagging_a_deleted_or_invisible_post_is_refused(api, world, thread, ours):
    gone = answer(world.learner, thread.id)
    posts.remove(world.learner, gone.id)
    expect_error(api(world.asker).post(f"/posts/{gone.id}/flag", json={"reason": "x"}), 400, 409)
    hidden = answer(world.learner, ours.id)
    expect_error(api(world.other).post(f"/posts/{hidden.id}/flag", json={"reason": "x"}), 404)
    expect_error(api(world.other).post("/posts/99999/flag", json={"reason": "x"}), 404)
    expect_error(api().post(f"/posts/{hidden.id}/flag", json={"reason": "x"}), 401)
    assert rows(Flag) == 0


# Voting -------------------------------------------------------------------------------------


def test_votes_count_once_and_can_be_withdrawn(api, world, thread):
    reply = answer(world.learner, thread.id)
    url = f"/posts/{reply.id}/vote"
    r = api(world.asker).post(url, json={"value": 1})
    assert r.status_code == 200 and r.get_json() == {"score": 1}
    assert api(world.asker).post(url, json={"value": 1}).get_json() == {"score": 1}
    assert api(world.member).post(url, json={"value": 1}).get_json() == {"score": 2}
    mine = api(world.asker).get(f"/threads/{thread.id}").get_json()["posts"][1]
    assert mine["score"] == 2 and mine["my_vote"] == 1
    assert api(world.asker).post(url, json={"value": 0}).get_json() == {"score": 1}
    assert api(world.asker).get(f"/threads/{thread.id}").get_json()["posts"][1]["my_vote"] == 0
    assert rows(Vote, post_id=reply.id, value=1) == 1


def test_votes_on_the_opening_post_rank_the_thread(api, world, thread):
    api(world.member).post(f"/posts/{opening_id(thread.id)}/vote", json={"value": 1})
    listed = expect_envelope(api(world.member).get(f"/modules/{world.module.id}/threads"))
    assert listed[0]["score"] == 1


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"value": 2},
        {"value": -1},
        {"value": True},
        {"value": "1"},
        {"value": 1.5},
        {"value": None},
    ],
    ids=["missing", "two", "minus-one", "true", "text", "float", "null"],
)
def test_a_vote_is_1_or_0(api, world, thread, data):
    reply = answer(world.learner, thread.id)
    expect_invalid(api(world.asker).post(f"/posts/{reply.id}/vote", json=data), "value")
    assert rows(Vote) == 0 and fresh().get(Post, reply.id).score == 0


def test_nobody_votes_on_their_own_post(api, world, thread):
    reply = answer(world.learner, thread.id)
    for post_id in (reply.id, opening_id(thread.id)):
        author = world.learner if post_id == reply.id else world.asker
        error = expect_error(api(author).post(f"/posts/{post_id}/vote", json={"value": 1}), 403)
        assert error["code"] == "forbidden"
    assert rows(Vote) == 0 and fresh().get(Post, reply.id).score == 0


def test_voting_on_a_deleted_or_invisible_post_is_refused(api, world, thread, ours):
    gone = answer(world.learner, thread.id)
    posts.remove(world.learner, gone.id)
    expect_error(api(world.asker).post(f"/posts/{gone.id}/vote", json={"value": 1}), 400, 409)
    hidden = answer(world.learner, ours.id)
    expect_error(api(world.other).post(f"/posts/{hidden.id}/vote", json={"value": 1}), 404)
    expect_error(api().post(f"/posts/{hidden.id}/vote", json={"value": 1}), 401)
    assert rows(Vote) == 0


# Bad input on every discussion endpoint -------------------------------------------------------

HUGE = [2**63, 10**30, -(2**63)]
NOT_TEXT = [5, 1.5, True, [], {}, ["a"], {"a": "b"}]
BAD_VALUES: dict[str, list] = {
    "required_text": [*NOT_TEXT, None, "", "   ", "a\x00b"],
    "kind": [5, True, None, [], "", "Question", "poll"],
    "visibility": [5, True, [], "", "friends"],  # null: the default applies
    "bool": ["yes", "true", 1, 0, "1", None, [], {}],
    "id": ["1", 1.5, True, None, 0, -1, [], {}, *HUGE],
    "optional_id": ["1", 1.5, True, 0, -1, [], {}, *HUGE],
    "vote": [2, -1, True, False, "1", 1.5, None, [], {}, *HUGE],
    "ids": ["1", 5, True, None, {}, [], ["1"], [0], [-1], [True], [None], [[1]], [2**63]],
}


@dataclass
class Endpoint:
    name: str
    method: str
    path: str  # placeholders: {module}, {thread}, {post}
    body: Callable[[World, dict], dict] | None = None
    fields: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    lists: bool = False


ENDPOINTS = [
    Endpoint(
        "create-thread",
        "POST",
        "/modules/{module}/threads",
        lambda w, ids: {"title": "Fresh", "body": "Text", "kind": "question"},
        {
            "title": ("required_text", 200),
            "body": ("required_text", 20_000),
            "kind": ("kind", None),
            "cohort_id": ("optional_id", None),
            "visibility": ("visibility", None),
            "anonymous": ("bool", None),
        },
        required=("title", "body"),
    ),
    Endpoint("list-threads", "GET", "/modules/{module}/threads", lists=True),
    Endpoint("whats-new", "GET", "/whats-new", lists=True),
    Endpoint("get-thread", "GET", "/threads/{thread}"),
    Endpoint(
        "moderate-thread",
        "PATCH",
        "/threads/{thread}",
        lambda w, ids: {"pinned": True},
        {"pinned": ("bool", None), "locked": ("bool", None), "title": ("required_text", 200)},
    ),
    Endpoint(
        "reply",
        "POST",
        "/threads/{thread}/posts",
        lambda w, ids: {"body": "Reply"},
        {
            "body": ("required_text", 20_000),
            "parent_id": ("optional_id", None),
            "anonymous": ("bool", None),
        },
        required=("body",),
    ),
    Endpoint(
        "accept",
        "POST",
        "/threads/{thread}/accept",
        lambda w, ids: {"post_id": ids["post"]},
        {"post_id": ("id", None)},
        required=("post_id",),
    ),
    Endpoint("unaccept", "DELETE", "/threads/{thread}/accept"),
    Endpoint("follow-thread", "PUT", "/threads/{thread}/subscription"),
    Endpoint("unfollow-thread", "DELETE", "/threads/{thread}/subscription"),
    Endpoint("follow-module", "PUT", "/modules/{module}/subscription"),
    Endpoint("unfollow-module", "DELETE", "/modules/{module}/subscription"),
    Endpoint(
        "edit-post",
        "PATCH",
        "/posts/{post}",
        lambda w, ids: {"body": "Edited"},
        {"body": ("required_text", 20_000)},
        required=("body",),
    ),
    Endpoint("delete-post", "DELETE", "/posts/{post}"),
    Endpoint("revisions", "GET", "/posts/{post}/revisions", lists=True),
    Endpoint(
        "flag",
        "POST",
        "/posts/{post}/flag",
        lambda w, ids: {"reason": "Spam"},
        {"reason": ("required_text", 500)},
        required=("reason",),
    ),
    Endpoint(
        "vote",
        "POST",
        "/posts/{post}/vote",
        lambda w, ids: {"value": 1},
        {"value": ("vote", None)},
        required=("value",),
    ),
    Endpoint("notifications", "GET", "/notifications", lists=True),
    Endpoint(
        "read-notifications",
        "POST",
        "/notifications/read",
        lambda w, ids: {"ids": [1]},
        {"ids": ("ids", None), "all": ("bool", None)},
    ),
    Endpoint("moderation-log", "GET", "/moderation-log", lists=True),
    Endpoint("flag-queue", "GET", "/flags", lists=True),
    Endpoint("clear-flag", "POST", "/flags/{flag}/clear"),
]
WITH_BODY = [e for e in ENDPOINTS if e.body is not None]


@pytest.fixture
def ids(world) -> dict[str, int]:
    """A thread with a reply and a flag on it: something real behind every path."""
    t = ask(world.asker, world.module.id)
    reply = answer(world.learner, t.id)
    flag = posts.flag(world.asker, reply.id, "Spam")
    return {"module": world.module.id, "thread": t.id, "post": reply.id, "flag": flag.id}


def _send(client, endpoint: Endpoint, path: str, **kwargs):
    return client._call(endpoint.method, path, **kwargs)


def _refused(response, label: str, *statuses: int) -> dict:
    assert response.status_code != 500, f"{label}: 500"
    try:
        return expect_error(response, *statuses)
    except AssertionError as exc:
        raise AssertionError(f"{label}: {exc}") from None


RAW_BODIES = {
    "malformed": b'{"body": ',
    "trailing-garbage": b'{"a": 1} x',
    "array": b"[1, 2]",
    "string": b'"text"',
    "number": b"5",
    "null": b"null",
    "not-utf8": b'{"body": "\xff\xfe"}',
    "nan": b'{"value": NaN}',
    "lone-surrogate": b'{"title": "\\ud800", "body": "\\udfff", "reason": "\\ud800"}',
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    "5000-digit-number": b'{"post_id": ' + b"9" * 5000 + b"}",
}


@pytest.mark.parametrize("endpoint", WITH_BODY, ids=lambda e: e.name)
def test_bodies_that_are_not_a_json_object_are_refused(api, world, ids, endpoint):
    client = api(world.admin)
    path = endpoint.path.format(**ids)
    before = snapshot()
    for label, raw in RAW_BODIES.items():
        r = _send(client, endpoint, path, data=raw, content_type="application/json")
        _refused(r, label, 400, 422)
    assert snapshot() == before


# Every field of PATCH /threads/{id} is optional: an empty patch is a no-op, not an error.
NEEDS_A_FIELD = [e for e in WITH_BODY if e.name != "moderate-thread"]


@pytest.mark.parametrize("endpoint", NEEDS_A_FIELD, ids=lambda e: e.name)
def test_missing_fields_are_refused(api, world, ids, endpoint):
    client = api(world.admin)
    path = endpoint.path.format(**ids)
    before = snapshot()
    valid = endpoint.body(world, ids)
    for name in endpoint.required:
        body = {k: v for k, v in valid.items() if k != name}
        error = _refused(_send(client, endpoint, path, json=body), name, 400, 422)
        assert name in error.get("fields", {}), (name, error)
    _refused(_send(client, endpoint, path, json={}), "{}", 400, 422)
    _refused(_send(client, endpoint, path), "no body", 400, 415, 422)
    r = _send(client, endpoint, path, data="body=x", content_type="text/plain")
    _refused(r, "text/plain", 400, 415, 422)
    assert snapshot() == before


FIELD_CASES = [
    (e, name, kind, limit) for e in WITH_BODY for name, (kind, limit) in e.fields.items()
]


@pytest.mark.parametrize(
    ("endpoint", "name", "kind", "limit"),
    FIELD_CASES,
    ids=[f"{e.name}-{n}" for e, n, _, _ in FIELD_CASES],
)
def test_wrong_field_values_are_refused(api, world, ids, endpoint, name, kind, limit):
    client = api(world.admin)
    path = endpoint.path.format(**ids)
    values = list(BAD_VALUES[kind])
    if limit is not None:
        values += ["x" * (limit + 1), "x" * (limit * 50)]
    before = snapshot()
    for value in values:
        body = {**endpoint.body(world, ids), name: value}
        label = f"{name}={json.dumps(value)[:40]}"
        error = _refused(_send(client, endpoint, path, json=body), label, 400, 422)
        if "fields" in error:  # a list item is named by its place: ids.0
            assert any(f == name or f.startswith(f"{name}.") for f in error["fields"]), (
                label,
                error,
            )
    assert snapshot() == before


BAD_IDS = [99_999, 2**31, 2**63, 10**30, "9" * 5000, 0, -1, "abc", "1.5", "%00"]
PATH_CASES = [
    (e, param)
    for e in ENDPOINTS
    for param in ("module", "thread", "post", "flag")
    if "{" + param + "}" in e.path
]


@pytest.mark.parametrize(
    ("endpoint", "param"), PATH_CASES, ids=[f"{e.name}-{p}" for e, p in PATH_CASES]
)
def test_unknown_and_huge_ids_in_the_path_are_404(api, world, ids, endpoint, param):
    client = api(world.admin)
    before = snapshot()
    for bad in BAD_IDS:
        path = endpoint.path.format(**{**ids, param: bad})
        body = endpoint.body(world, ids) if endpoint.body else None
        r = _send(client, endpoint, path, json=body) if body else _send(client, endpoint, path)
        assert _refused(r, f"{param}={bad}", 404)["code"] == "not_found"
    assert snapshot() == before


BAD_PAGING = ["page=0", "per_page=0", "page=-1", "page=abc", "per_page=1.5", "page=", "page=%00"]


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.lists], ids=lambda e: e.name)
def test_bad_paging_is_invalid_and_huge_paging_is_served(api, world, ids, endpoint):
    client = api(world.admin)
    path = endpoint.path.format(**ids)
    for query in BAD_PAGING:
        error = _refused(_send(client, endpoint, f"{path}?{query}"), query, 400, 422)
        assert set(error["fields"]) <= {"page", "per_page"}, query
    r = _send(client, endpoint, f"{path}?per_page={10**30}")
    assert r.status_code == 200 and r.get_json()["per_page"] == 100
    r = _send(client, endpoint, f"{path}?page={2**63}")
    assert r.status_code == 200 and r.get_json()["items"] == []


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_bodies_over_one_mebibyte_are_413(api, world, ids, endpoint):
    client = api(world.admin)
    before = snapshot()
    big = {"body": "x" * (1024 * 1024), "title": "t", "reason": "r"}
    r = _send(client, endpoint, endpoint.path.format(**ids), json=big)
    assert _refused(r, "1 MiB", 413)["code"] == "too_large"
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_anonymous_callers_get_401_before_their_body_is_read(api, world, ids, endpoint):
    before = snapshot()
    r = _send(
        api(),
        endpoint,
        endpoint.path.format(**ids),
        data=b'{"x": ',
        content_type="application/json",
    )
    assert _refused(r, "anonymous", 401)["code"] == "unauthorized"
    assert snapshot() == before
