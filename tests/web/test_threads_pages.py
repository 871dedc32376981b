"""Discussion pages: the module's threads and new-thread form, the thread page and its forms,
posts' pages, what's new, notifications, profiles and the moderators' pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from forum.models import (
    Flag,
    ModuleFollow,
    Notification,
    Post,
    ReadMark,
    Thread,
    ThreadFollow,
    User,
)
from forum.services import limits, notifications, posts, threads
from tests import factories
from tests.web.conftest import page_token, settled, text_of
from tests.web.test_layout_and_queries import counted


@dataclass
class World:
    owner: User
    fac: User  # facilitator of cohort A
    a: User  # learner in cohort A
    b: User  # learner in cohort B
    out: User  # member in no cohort
    manager: User
    module_id: int
    cohort_a: int
    cohort_b: int


@pytest.fixture
def w(app, manager) -> World:
    owner = factories.make_user(name="Olga Owner")
    fac = factories.make_user(name="Fay Facilitator")
    a = factories.make_user(name="Ann Asker")
    b = factories.make_user(name="Ben Other")
    out = factories.make_user(name="Nora Nobody")
    module = factories.make_module(title="Security basics", owner=owner, actor=manager)
    cohort_a = factories.make_cohort({a: "learner", fac: "facilitator"}, actor=manager, name="Ants")
    cohort_b = factories.make_cohort({b: "learner"}, actor=manager, name="Bees")
    return World(owner, fac, a, b, out, manager, module.id, cohort_a.id, cohort_b.id)


def thread_of(w: World, title: str = "How do I rotate my key?", **kw) -> Thread:
    kw.setdefault("body", "I tried **twice**.")
    return threads.create_thread(kw.pop("by", w.a), w.module_id, title=title, **kw)


def send(client, path: str, data: dict | None = None, **kwargs):
    """POST a form with this client's CSRF token, as a browser does."""
    return client.post(path, data={**(data or {}), "csrf_token": page_token(client)}, **kwargs)


def html_of(response) -> str:
    return response.get_data(as_text=True)


def post_ids_in_order(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="post[^"]*" id="post-(\d+)"', html)]


# The module page's threads ------------------------------------------------------------------------


def test_the_module_page_lists_its_threads_below_the_lesson(w, login):
    asked = thread_of(w, "Which key length?")
    answer = posts.reply(w.fac, asked.id, body="4096")
    threads.accept(w.a, asked.id, answer.id)
    thread_of(w, "Shy question", anonymous=True)
    prompt = threads.start_prompt(w.owner, w.module_id, title="Introduce yourself", body="Hi!")
    r = login(w.b).get(f"/modules/{w.module_id}")
    html, page = html_of(r), text_of(r)
    assert r.status_code == 200
    assert page.index("Lesson text") < page.index("Discussion")
    titles = re.findall(r'class="thread-title">\s*<a href="/threads/(\d+)">', html)
    assert int(titles[0]) == prompt.id  # pinned first
    row = html.split(f'href="/threads/{asked.id}"')[0].rsplit('<li class="thread-row', 1)[1]
    assert "badge-answered" in row and "question" in row
    assert "Asked by Ann Asker" in page and "Started by Olga Owner" in page
    assert "Asked by Anonymous" in page and "Ann Asker)" not in page
    assert "1 reply" in page and "last activity" in page
    assert 'class="unread-dot"' in html  # Ben has read none of them
    assert "Pinned" in page
    # The owner moderates the module: the anonymous author is shown to them.
    assert "Anonymous (Ann Asker)" in text_of(login(w.owner).get(f"/modules/{w.module_id}"))


def test_filters_and_sorts_are_plain_links(w, login, make_user):
    open_q = thread_of(w, "Still open")
    done = thread_of(w, "Answered one")
    threads.accept(w.a, done.id, posts.reply(w.b, done.id, body="yes").id)
    mine = thread_of(w, "In my cohort", cohort_id=w.cohort_a)
    talk = thread_of(w, "Talk", kind="discussion")
    client = login(w.a)
    base = f"/modules/{w.module_id}"

    def listed(query: str) -> list[int]:
        r = client.get(f"{base}?{query}")
        assert r.status_code == 200, query
        return [
            int(i) for i in re.findall(r'thread-title">\s*<a href="/threads/(\d+)"', html_of(r))
        ]

    assert set(listed("show=unanswered")) == {open_q.id, mine.id}
    assert listed("show=cohort") == [mine.id]
    assert listed("sort=recent") == [talk.id, mine.id, done.id, open_q.id]
    assert listed("sort=active")[0] == talk.id
    posts.vote(w.b, threads.get_thread(w.b, open_q.id).opening.id, 1)
    assert listed("sort=top")[0] == open_q.id
    html = html_of(client.get(base))
    assert f'href="{base}?show=unanswered#discussion"' in html
    assert f'href="{base}?sort=top#discussion"' in html
    # No cohort, no "my cohort" filter.
    assert "show=cohort" not in html_of(login(w.out).get(base))


@pytest.mark.parametrize("query", ["show=everything", "sort=oldest", "page=0", "page=abc"])
def test_a_bad_filter_sort_or_page_is_a_clear_400(w, login, query):
    r = login(w.a).get(f"/modules/{w.module_id}?{query}")
    assert r.status_code == 400
    assert query.split("=")[0] in text_of(r)


def test_the_thread_list_is_paginated(w, login):
    with limits.suspended():  # test data in bulk, not a person posting
        for n in range(23):
            thread_of(w, f"Question {n}")
    client = login(w.b)
    first = html_of(client.get(f"/modules/{w.module_id}"))
    assert first.count('class="thread-row') == 20
    assert "Page 1 of 2" in first
    second = html_of(client.get(f"/modules/{w.module_id}?page=2"))
    assert second.count('class="thread-row') == 3


def test_asking_on_the_module_page_creates_the_thread_and_opens_it(w, login):
    client = login(w.a)
    r = send(
        client,
        f"/modules/{w.module_id}/threads",
        {
            "title": "Can I reuse my old key?",
            "body": "Line one\r\nLine two",
            "kind": "question",
            "cohort_id": str(w.cohort_a),
            "visibility": "",
            "anonymous": "y",
        },
    )
    assert r.status_code == 302
    found = re.fullmatch(r"/threads/(\d+)#post-(\d+)", r.headers["Location"])
    thread_id = int(found.group(1))
    made = settled().get(Thread, thread_id)
    assert made.last_post_id == int(found.group(2))  # at the opening post
    assert made.title == "Can I reuse my old key?" and made.kind == "question"
    assert made.cohort_id == w.cohort_a and made.visibility == "cohort" and made.anonymous
    opening = settled().scalar(select(Post).where(Post.thread_id == thread_id))
    assert opening.body == "Line one\nLine two"
    page = client.get(f"/threads/{thread_id}")
    assert page.status_code == 200 and "Can I reuse my old key?" in text_of(page)
    # The owner is told about the new question, without the anonymous asker's name for peers.
    assert any(n.kind == "new_question" for n in notifications.list_notifications(w.owner).items)


def test_the_new_thread_form_offers_a_cohort_only_to_cohort_members(w, login):
    html = html_of(login(w.a).get(f"/modules/{w.module_id}"))
    form = html.split('id="new-thread"', 1)[1].split("</form>", 1)[0]
    for name in ("title", "body", "kind", "cohort_id", "visibility", "anonymous", "csrf_token"):
        assert f'name="{name}"' in form, name
    assert ">Ants</option>" in form and "Bees" not in form
    outsider = html_of(login(w.out).get(f"/modules/{w.module_id}"))
    form = outsider.split('id="new-thread"', 1)[1].split("</form>", 1)[0]
    assert 'name="title"' in form and 'name="cohort_id"' not in form


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "", "body": "x"}, "title", "This field is required."),
        ({"title": "   ", "body": "x"}, "title", "This field is required."),
        ({"title": "t" * 201, "body": "x"}, "title", "200"),
        ({"title": "ok", "body": "b" * 20_001}, "body", "20000"),
        ({"title": "ok", "body": "x", "kind": "poll"}, "kind", "Not a valid choice"),
        ({"title": "ok", "body": "x", "visibility": "cohort"}, "visibility", "cohort"),
        ({"title": "ok", "body": "x", "cohort_id": "abc"}, "cohort_id", "one of your cohorts"),
    ],
)
def test_a_bad_new_thread_is_a_400_with_the_field_error(w, login, data, field, message):
    client = login(w.a)
    before = settled().scalar(select(Thread.id))
    r = send(client, f"/modules/{w.module_id}/threads", {"kind": "question", **data})
    assert r.status_code == 400
    html = html_of(r)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error, html.split('id="new-thread"', 1)[1][:3000]
    assert message in error.group(1)
    assert settled().scalar(select(Thread.id)) == before


def test_posting_in_another_cohort_is_refused(w, login):
    r = send(login(w.a), f"/modules/{w.module_id}/threads", {
        "title": "Sneaky", "body": "x", "kind": "question", "cohort_id": str(w.cohort_b),
    })  # fmt: skip
    assert r.status_code == 400
    assert "not a cohort of yours" in text_of(r)
    assert settled().scalar(select(Thread.id)) is None


def test_owners_and_managers_start_pinned_prompts_learners_cannot(w, login):
    path = f"/modules/{w.module_id}/prompts"
    assert 'id="new-prompt"' in html_of(login(w.owner).get(f"/modules/{w.module_id}"))
    assert 'id="new-prompt"' not in html_of(login(w.a).get(f"/modules/{w.module_id}"))
    data = {"prompt-title": "What surprised you?", "prompt-body": "Tell us."}
    assert send(login(w.a), path, data).status_code == 403
    r = send(login(w.owner), path, data)
    assert r.status_code == 302
    made = settled().scalar(select(Thread))
    assert made.pinned and made.prompt and made.kind == "discussion"
    bad = send(login(w.manager), path, {"prompt-title": "", "prompt-body": "x"})
    assert bad.status_code == 400 and 'id="prompt-title-error"' in html_of(bad)


def test_following_a_module_is_a_toggle(w, login):
    client = login(w.b)
    path = f"/modules/{w.module_id}/follow"
    assert "Follow this module" in text_of(client.get(f"/modules/{w.module_id}"))
    assert send(client, path, {"on": "yes"}).status_code == 302
    assert settled().scalar(select(ModuleFollow.user_id)) == w.b.id
    assert "Unfollow" in text_of(client.get(f"/modules/{w.module_id}"))
    thread_of(w, "New one")  # a question on a followed module reaches Ben
    assert notifications.unread_count(w.b) == 1
    assert send(client, path, {"on": "no"}).status_code == 302
    assert settled().scalar(select(ModuleFollow.user_id)) is None
    assert send(client, path, {"on": "maybe"}).status_code == 400


# The thread page ----------------------------------------------------------------------------------


def nested_thread(w: World):
    """An opening post; replies two and three levels deep; an accepted answer."""
    t = thread_of(w, "Nested")
    first = posts.reply(w.b, t.id, body="First answer")
    second = posts.reply(w.fac, t.id, body="The right answer")
    child = posts.reply(w.a, t.id, body="Child of first", parent_id=first.id)
    deep = posts.reply(w.b, t.id, body="Deep reply", parent_id=child.id)
    threads.accept(w.a, t.id, second.id)
    return t, first, second, child, deep


def test_the_thread_page_shows_the_accepted_answer_first_then_replies_nested(w, login):
    t, first, second, child, deep = nested_thread(w)
    r = login(w.out).get(f"/threads/{t.id}")
    html = html_of(r)
    assert r.status_code == 200
    opening = threads.get_thread(w.a, t.id).opening.id
    assert post_ids_in_order(html) == [opening, second.id, first.id, child.id, deep.id]
    accepted = re.search(rf'<article class="post is-accepted" id="post-{second.id}"', html)
    assert accepted and "Accepted answer" in html
    assert "is shown first" in text_of(r)  # its place in the replies points up to it
    # Two levels: the child sits in a nested list under the first answer, the deep reply
    # beside it (not deeper), with a quote of what it answers.
    first_item = html.split(f'id="post-{first.id}"', 1)[1]
    nested = first_item.split('<ol class="reply-list nested">', 1)[1]
    assert f'id="post-{child.id}"' in nested and f'id="post-{deep.id}"' in nested
    assert nested.count('<ol class="reply-list nested">') == 0
    deep_card = html.split(f'id="post-{deep.id}"', 1)[1].split("</article>", 1)[0]
    assert "In reply to Ann Asker" in deep_card and "Child of first" in deep_card
    assert "<strong>twice</strong>" in html  # the stored HTML, not the markdown
    assert 'name="body"' in html and f'action="/threads/{t.id}/posts#reply"' in html


def test_anonymous_posts_show_anonymous_to_peers_and_the_name_to_moderators(w, login):
    t = thread_of(w, "Anon", anonymous=True)
    posts.reply(w.b, t.id, body="Anonymous reply", anonymous=True)
    peer = text_of(login(w.out).get(f"/threads/{t.id}"))
    assert "Ann Asker" not in peer and "Ben Other" not in peer and "Anonymous" in peer
    moderator = text_of(login(w.owner).get(f"/threads/{t.id}"))
    assert "Anonymous (Ann Asker)" in moderator and "Anonymous (Ben Other)" in moderator
    asker = login(w.a).get(f"/threads/{t.id}", follow_redirects=True)  # to Ben's new reply
    assert "Anonymous (Ann Asker)" in text_of(asker)


def test_replying_to_a_post_quotes_it_above_the_form_and_sets_the_parent(w, login):
    t = thread_of(w)
    target = posts.reply(w.b, t.id, body="Use the vault")
    client = login(w.out)
    r = client.get(f"/threads/{t.id}?reply_to={target.id}")
    form_part = html_of(r).split('id="reply"', 1)[1]
    assert "In reply to Ben Other" in form_part and "Use the vault" in form_part
    assert f'name="parent_id" value="{target.id}"' in form_part
    done = send(client, f"/threads/{t.id}/posts", {"body": "Which vault?", "parent_id": target.id})
    assert done.status_code == 302
    made = settled().scalar(select(Post).where(Post.body == "Which vault?"))
    assert made.parent_id == target.id
    assert done.headers["Location"] == f"/threads/{t.id}#post-{made.id}"
    assert client.get(f"/threads/{t.id}?reply_to=999999").status_code == 404
    assert client.get(f"/threads/{t.id}?reply_to=abc").status_code == 400


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": ""}, "This field is required."),
        ({"body": "x" * 20_001}, "20000"),
        ({"body": "ok", "parent_id": "nope"}, "parent_id"),
    ],
)
def test_a_bad_reply_is_a_400_with_the_error(w, login, data, message):
    t = thread_of(w)
    r = send(login(w.b), f"/threads/{t.id}/posts", data)
    assert r.status_code == 400
    assert message in html_of(r)
    assert settled().get(Thread, t.id).reply_count == 0


def test_a_refused_reply_comes_back_with_its_text_and_the_error_on_its_field(w, login):
    t = thread_of(w)
    text = "<b>my</b> reply " + "x" * 20_000
    r = send(login(w.b), f"/threads/{t.id}/posts", {"body": text, "anonymous": "y"})
    assert r.status_code == 400
    html = html_of(r)
    assert "&lt;b&gt;my&lt;/b&gt; reply" in html  # kept, escaped, nothing lost
    assert 'aria-describedby="body-hint body-error" aria-invalid="true"' in html
    assert 'id="body-error"' in html and 'id="anonymous" name="anonymous" value="y"' in html
    assert re.search(r'name="anonymous" value="y" aria-describedby="anonymous-hint" checked', html)


def test_a_parent_from_another_thread_is_a_400_on_the_form(w, login):
    t, other = thread_of(w), thread_of(w, "Other")
    elsewhere = posts.reply(w.b, other.id, body="elsewhere")
    r = send(login(w.b), f"/threads/{t.id}/posts", {"body": "hi", "parent_id": elsewhere.id})
    assert r.status_code == 400
    assert "must be a post of this thread" in html_of(r).lower()


def test_a_locked_thread_shows_a_notice_and_refuses_replies_with_403(w, login):
    t = thread_of(w)
    threads.moderate(w.owner, t.id, locked=True)
    client = login(w.b)
    html = html_of(client.get(f"/threads/{t.id}"))
    assert "This thread is locked" in html and 'name="body"' not in html
    assert send(client, f"/threads/{t.id}/posts", {"body": "late"}).status_code == 403
    assert settled().get(Thread, t.id).reply_count == 0


def test_the_page_opens_at_the_first_unread_post_without_javascript(w, login):
    t = thread_of(w)
    client = login(w.b)
    assert client.get(f"/threads/{t.id}").status_code == 200  # first visit: the top
    new = posts.reply(w.fac, t.id, body="news")
    posts.reply(w.owner, t.id, body="more news")
    r = client.get(f"/threads/{t.id}")
    assert r.status_code == 302
    assert r.headers["Location"] == f"/threads/{t.id}#post-{new.id}"
    assert client.get(f"/threads/{t.id}").status_code == 200  # nothing unread any more
    mark = settled().scalar(select(ReadMark).where(ReadMark.user_id == w.b.id))
    assert mark.last_read_post_id == settled().get(Thread, t.id).last_post_id


def test_a_page_view_writes_only_when_it_moves_the_read_mark(w, login):
    t = thread_of(w)
    client = login(w.b)
    client.get(f"/threads/{t.id}")
    writes = re.compile(r"^\s*(INSERT|UPDATE|DELETE)", re.I)
    with counted() as statements:
        assert client.get(f"/threads/{t.id}").status_code == 200
        assert client.get(f"/modules/{w.module_id}").status_code == 200
    assert [s for s in statements if writes.match(s)] == []


def test_votes_go_up_and_back(w, login):
    t = thread_of(w)
    opening = threads.get_thread(w.a, t.id).opening
    client = login(w.b)
    r = send(client, f"/posts/{opening.id}/vote", {"value": "1"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"#post-{opening.id}")
    assert send(client, f"/posts/{opening.id}/vote", {"value": "1"}).status_code == 302
    assert settled().get(Post, opening.id).score == 1
    html = html_of(client.get(f"/threads/{t.id}"))
    assert 'aria-pressed="true"' in html and 'name="value" value="0"' in html
    send(client, f"/posts/{opening.id}/vote", {"value": "0"})
    assert settled().get(Post, opening.id).score == 0
    assert send(client, f"/posts/{opening.id}/vote", {"value": "5"}).status_code == 400


def test_authors_see_their_score_but_cannot_vote_on_their_own_post(w, login):
    t = thread_of(w)
    opening = threads.get_thread(w.a, t.id).opening
    client = login(w.a)
    html = html_of(client.get(f"/threads/{t.id}"))
    assert f"/posts/{opening.id}/vote" not in html and 'class="vote-count"' in html
    assert send(client, f"/posts/{opening.id}/vote", {"value": "1"}).status_code == 403
    assert settled().get(Post, opening.id).score == 0


def test_the_asker_accepts_and_withdraws_peers_cannot(w, login):
    t = thread_of(w)
    answer = posts.reply(w.b, t.id, body="Do this")
    peer = login(w.out)
    assert "Accept" not in text_of(peer.get(f"/threads/{t.id}"))
    assert send(peer, f"/threads/{t.id}/accept", {"post_id": answer.id}).status_code == 403
    asker = login(w.a)
    r = send(asker, f"/threads/{t.id}/accept", {"post_id": answer.id})
    assert r.status_code == 302
    assert settled().get(Thread, t.id).accepted_post_id == answer.id
    assert "Withdraw acceptance" in text_of(asker.get(f"/threads/{t.id}", follow_redirects=True))
    opening = threads.get_thread(w.a, t.id).opening.id
    assert send(asker, f"/threads/{t.id}/accept", {"post_id": opening}).status_code == 400
    assert send(asker, f"/threads/{t.id}/accept", {"post_id": "x"}).status_code == 400
    assert send(asker, f"/threads/{t.id}/unaccept", {"on": "yes"}).status_code == 302
    assert settled().get(Thread, t.id).accepted_post_id is None


def test_discussions_have_no_accept_buttons(w, login):
    t = thread_of(w, "Talk", kind="discussion")
    posts.reply(w.b, t.id, body="hello")
    html = html_of(login(w.a).get(f"/threads/{t.id}"))
    assert f"/threads/{t.id}/accept" not in html


def test_following_a_thread_is_a_toggle(w, login):
    t = thread_of(w)
    client = login(w.b)
    assert "Follow" in text_of(client.get(f"/threads/{t.id}"))
    send(client, f"/threads/{t.id}/follow", {"on": "yes"})
    assert "Unfollow" in text_of(client.get(f"/threads/{t.id}"))
    posts.reply(w.a, t.id, body="news for Ben")
    assert notifications.unread_count(w.b) == 1
    send(client, f"/threads/{t.id}/follow", {"on": "no"})
    row = settled().scalar(select(ThreadFollow).where(ThreadFollow.user_id == w.b.id))
    assert row.following is False


def test_moderators_pin_lock_and_retitle_learners_cannot(w, login):
    t = thread_of(w, cohort_id=w.cohort_a)
    learner = login(w.a)
    assert "Moderation" not in text_of(learner.get(f"/threads/{t.id}"))
    for path, data in [("pin", {"on": "yes"}), ("lock", {"on": "yes"}), ("title", {"title": "x"})]:
        assert send(learner, f"/threads/{t.id}/{path}", data).status_code == 403, path
    fac = login(w.fac)
    assert "Moderation" in text_of(fac.get(f"/threads/{t.id}"))
    assert send(fac, f"/threads/{t.id}/pin", {"on": "yes"}).status_code == 302
    assert send(fac, f"/threads/{t.id}/lock", {"on": "yes"}).status_code == 302
    assert send(fac, f"/threads/{t.id}/title", {"title": "Better title"}).status_code == 302
    row = settled().get(Thread, t.id)
    assert row.pinned and row.locked and row.title == "Better title"
    bad = send(fac, f"/threads/{t.id}/title", {"title": ""})
    assert bad.status_code == 400 and 'id="title-error"' in html_of(bad)
    assert send(fac, f"/threads/{t.id}/pin", {"on": "sideways"}).status_code == 400
    log = text_of(fac.get("/moderation/log"))
    assert "pinned" in log and "locked" in log and "changed the title of" in log
    assert "Better title" in log


# Posts' own pages ---------------------------------------------------------------------------------


def test_authors_edit_with_history_others_cannot(w, login):
    t = thread_of(w)
    reply = posts.reply(w.b, t.id, body="first text")
    author = login(w.b)
    form = author.get(f"/posts/{reply.id}/edit")
    assert form.status_code == 200 and "first text" in html_of(form)
    assert login(w.out).get(f"/posts/{reply.id}/edit").status_code == 403
    assert send(login(w.out), f"/posts/{reply.id}/edit", {"body": "hijack"}).status_code == 403
    assert send(author, f"/posts/{reply.id}/edit", {"body": ""}).status_code == 400
    r = send(author, f"/posts/{reply.id}/edit", {"body": "second text"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"#post-{reply.id}")
    page = html_of(author.get(f"/threads/{t.id}"))
    assert f'href="/posts/{reply.id}/history">edited</a>' in page
    history = login(w.out).get(f"/posts/{reply.id}/history")
    assert history.status_code == 200
    assert "second text" in text_of(history) and "first text" in text_of(history)
    # A moderator's edit is allowed and logged.
    assert send(login(w.owner), f"/posts/{reply.id}/edit", {"body": "tidied"}).status_code == 302


def test_deleting_asks_first_then_leaves_a_removed_post(w, login):
    t = thread_of(w)
    reply = posts.reply(w.b, t.id, body="regrettable words")
    client = login(w.b)
    confirm = client.get(f"/posts/{reply.id}/delete")
    assert confirm.status_code == 200 and "Delete this post?" in text_of(confirm)
    assert login(w.out).get(f"/posts/{reply.id}/delete").status_code == 403
    r = send(client, f"/posts/{reply.id}/delete", {"on": "yes"})
    assert r.status_code == 302
    page = text_of(client.get(f"/threads/{t.id}"))
    assert "This post was removed." in page and "regrettable words" not in page
    assert settled().get(Post, reply.id).deleted


def test_flagging_reaches_the_moderators_queue_once(w, login):
    t = thread_of(w, cohort_id=w.cohort_a)
    reply = posts.reply(w.a, t.id, body="rude words")
    reporter = login(w.fac)
    assert reporter.get(f"/posts/{reply.id}/flag").status_code == 200
    assert send(reporter, f"/posts/{reply.id}/flag", {"reason": ""}).status_code == 400
    long = send(reporter, f"/posts/{reply.id}/flag", {"reason": "r" * 501})
    assert long.status_code == 400
    assert send(reporter, f"/posts/{reply.id}/flag", {"reason": "Rude"}).status_code == 302
    again = send(reporter, f"/posts/{reply.id}/flag", {"reason": "Still rude"})
    assert again.status_code == 409 and "already flagged" in text_of(again)
    owner = login(w.owner)
    queue = owner.get("/moderation/flags")
    assert queue.status_code == 200 and "Rude" in text_of(queue) and "rude words" in text_of(queue)
    flag_id = settled().scalar(select(Flag.id))
    assert send(login(w.a), f"/moderation/flags/{flag_id}/clear", {"on": "yes"}).status_code == 403
    assert send(owner, f"/moderation/flags/{flag_id}/clear", {"on": "yes"}).status_code == 302
    assert settled().get(Flag, flag_id).cleared_at is not None
    assert "No open flags" in text_of(owner.get("/moderation/flags"))


@pytest.mark.parametrize("who", ["a", "b", "out"])
def test_the_moderators_pages_are_for_moderators(w, login, who):
    client = login(getattr(w, who))
    assert client.get("/moderation/flags").status_code == 403
    assert client.get("/moderation/log").status_code == 403


@pytest.mark.parametrize("who", ["fac", "owner", "manager"])
def test_moderators_reach_their_pages(w, login, who):
    client = login(getattr(w, who))
    assert client.get("/moderation/flags").status_code == 200
    assert client.get("/moderation/log").status_code == 200


# What's new, notifications, profiles --------------------------------------------------------------


def test_whats_new_gathers_unread_threads_across_modules(w, login, manager):
    other = factories.make_module(title="Second module", actor=manager)
    t1 = thread_of(w, "Here")
    t2 = threads.create_thread(w.a, other.id, title="There", body="x")
    client = login(w.b)
    page = text_of(client.get("/whats-new"))
    assert "Here" in page and "There" in page and "Second module" in page
    client.get(f"/threads/{t1.id}")
    page = text_of(client.get("/whats-new"))
    assert "Here" not in page and "There" in page
    client.get(f"/threads/{t2.id}")
    assert "You are all caught up" in text_of(client.get("/whats-new"))


def test_notifications_list_newest_first_and_mark_read(w, login):
    t = thread_of(w)
    posts.reply(w.b, t.id, body="first reply")
    posts.reply(w.fac, t.id, body=f"hello @{w.a.handle}")
    client = login(w.a)
    home = html_of(client.get("/"))
    assert re.search(r'class="count">2<span class="visually-hidden"> unread', home)
    page = client.get("/notifications")
    items = re.findall(r'<li class="note( is-unread)?">', html_of(page))
    assert items == [" is-unread", " is-unread"]
    text = text_of(page)
    assert text.index("Fay Facilitator mentioned you") < text.index("Ben Other replied")
    first, second = (n.id for n in notifications.list_notifications(w.a).items)
    r = client.get(f"/notifications/{first}")  # a GET goes there and changes nothing
    assert r.status_code == 302 and r.headers["Location"].startswith(f"/threads/{t.id}#post-")
    assert settled().get(Notification, first).read_at is None
    r = send(client, f"/notifications/{first}/open")  # opening it from the list marks it read
    assert r.status_code == 302 and r.headers["Location"].startswith(f"/threads/{t.id}#post-")
    assert settled().get(Notification, first).read_at is not None
    assert send(client, "/notifications/read", {"id": second}).status_code == 302
    settled()
    assert notifications.unread_count(w.a) == 0
    assert 'class="count"' not in html_of(client.get("/"))
    posts.reply(w.b, t.id, body="another")
    assert send(client, "/notifications/read", {"all": "yes"}).status_code == 302
    settled()
    assert notifications.unread_count(w.a) == 0
    assert send(client, "/notifications/read", {}).status_code == 400
    assert send(client, "/notifications/read", {"id": "x"}).status_code == 400
    # Someone else's notification does not exist for you.
    assert login(w.b).get(f"/notifications/{first}").status_code == 404
    assert send(login(w.b), f"/notifications/{first}/open").status_code == 404


def test_a_profile_shows_name_handle_and_posts_the_viewer_may_see(w, login):
    public = thread_of(w, "Public question", body="public words")
    thread_of(w, "Cohort question", body="cohort words", cohort_id=w.cohort_a)
    thread_of(w, "Shy", body="shy words", anonymous=True)
    r = login(w.b).get(f"/users/{w.a.id}")
    page = text_of(r)
    assert r.status_code == 200
    assert "Ann Asker" in page and f"@{w.a.handle}" in page
    assert "public words" in page and "cohort words" not in page and "shy words" not in page
    assert f'href="/threads/{public.id}#post-' in html_of(r)
    assert "cohort words" in text_of(login(w.fac).get(f"/users/{w.a.id}"))
    assert login(w.b).get("/users/999999").status_code == 404


def test_a_mention_links_to_the_profile_page(w, login):
    t = thread_of(w)
    posts.reply(w.b, t.id, body=f"ask @{w.fac.handle}")
    html = html_of(login(w.out).get(f"/threads/{t.id}"))
    assert f'href="/users/{w.fac.id}"' in html
    assert login(w.out).get(f"/users/{w.fac.id}").status_code == 200


# Cohort privacy on every page ---------------------------------------------------------------------


def test_a_cohort_thread_leaves_no_trace_for_other_cohorts_and_no_cohort(w, login):
    t = thread_of(w, "Secret cohort question", body=f"Hi @{w.b.handle} and @{w.out.handle}",
                  cohort_id=w.cohort_a)  # fmt: skip
    reply = posts.reply(w.fac, t.id, body="Secret answer")
    threads.accept(w.a, t.id, reply.id)
    posts.flag(w.a, reply.id, "test flag")
    for stranger in (w.b, w.out):
        client = login(stranger)
        for path in (
            f"/threads/{t.id}",
            f"/threads/{t.id}?reply_to={reply.id}",
            f"/posts/{reply.id}/history",
            f"/posts/{reply.id}/edit",
            f"/posts/{reply.id}/delete",
            f"/posts/{reply.id}/flag",
        ):
            assert client.get(path).status_code == 404, (stranger.name, path)
        for path, data in (
            (f"/threads/{t.id}/posts", {"body": "me too"}),
            (f"/posts/{reply.id}/vote", {"value": "1"}),
            (f"/posts/{reply.id}/flag", {"reason": "x"}),
            (f"/threads/{t.id}/follow", {"on": "yes"}),
            (f"/threads/{t.id}/accept", {"post_id": reply.id}),
        ):
            assert send(client, path, data).status_code == 404, (stranger.name, path)
        for path in (
            f"/modules/{w.module_id}",
            "/whats-new",
            "/notifications",
            "/",
            f"/users/{w.a.id}",
        ):
            html = html_of(client.get(path))
            assert "Secret" not in html, (stranger.name, path)
            assert 'class="count"' not in html, (stranger.name, path)
        assert client.get("/moderation/flags").status_code == 403
    for insider in (w.a, w.fac, w.owner, w.manager):
        assert "Secret cohort question" in text_of(login(insider).get(f"/modules/{w.module_id}"))


# CSRF ---------------------------------------------------------------------------------------------


def test_every_discussion_form_without_a_csrf_token_gets_400_and_changes_nothing(w, login):
    t = thread_of(w, cohort_id=w.cohort_a)
    reply = posts.reply(w.fac, t.id, body="text")
    posts.flag(w.a, reply.id, "why")
    flag_id = settled().scalar(select(Flag.id))
    note_id = settled().scalar(select(Notification.id).where(Notification.user_id == w.owner.id))
    targets = [
        (f"/modules/{w.module_id}/threads", {"title": "t", "body": "b", "kind": "question"}),
        (f"/modules/{w.module_id}/prompts", {"prompt-title": "t", "prompt-body": "b"}),
        (f"/modules/{w.module_id}/follow", {"on": "yes"}),
        (f"/threads/{t.id}/posts", {"body": "b"}),
        (f"/threads/{t.id}/accept", {"post_id": reply.id}),
        (f"/threads/{t.id}/unaccept", {"on": "yes"}),
        (f"/threads/{t.id}/follow", {"on": "no"}),
        (f"/threads/{t.id}/pin", {"on": "yes"}),
        (f"/threads/{t.id}/lock", {"on": "yes"}),
        (f"/threads/{t.id}/title", {"title": "Changed"}),
        (f"/posts/{reply.id}/edit", {"body": "changed"}),
        (f"/posts/{reply.id}/delete", {"on": "yes"}),
        (f"/posts/{reply.id}/vote", {"value": "1"}),
        (f"/posts/{reply.id}/flag", {"reason": "x"}),
        ("/notifications/read", {"all": "yes"}),
        (f"/notifications/{note_id}/open", {}),
        (f"/moderation/flags/{flag_id}/clear", {"on": "yes"}),
    ]
    client = login(w.owner)
    for path, data in targets:
        for form in (data, {**data, "csrf_token": "forged"}):
            r = client.post(path, data=form)
            assert r.status_code == 400, (path, r.status_code)
            assert "CSRF" in html_of(r), path
    session = settled()
    row = session.get(Thread, t.id)
    assert (row.title, row.pinned, row.locked, row.reply_count) == (t.title, False, False, 1)
    assert session.get(Post, reply.id).body == "text" and not session.get(Post, reply.id).deleted
    assert session.get(Post, reply.id).score == 0
    assert session.get(Flag, flag_id).cleared_at is None
    assert session.get(Notification, note_id).read_at is None
    assert session.scalar(select(ModuleFollow.id)) is None
    assert session.scalar(select(Thread.id).where(Thread.id != t.id)) is None


# Speed: a fixed number of queries, whatever the number of threads and posts -----------------------


@limits.suspended()  # test data in bulk, not people posting
def fill_module(w: World, n: int) -> int:
    """n threads of every kind on a fresh module, some in a cohort, anonymous, answered."""
    module = factories.make_module(title=f"Module with {n}", owner=w.owner, actor=w.manager)
    for i in range(n):
        t = threads.create_thread(
            [w.a, w.fac][i % 2] if i % 4 == 0 else [w.a, w.b, w.fac][i % 3],
            module.id,
            title=f"Thread {i}",
            body="Body",
            kind="question" if i % 2 else "discussion",
            cohort_id=w.cohort_a if i % 4 == 0 else None,
            anonymous=i % 5 == 0,
        )
        r = posts.reply(w.owner, t.id, body="An answer")
        if i % 2:
            threads.accept(w.owner, t.id, r.id)
    return module.id


@limits.suspended()
def fill_thread(w: World, n: int) -> int:
    """One thread with n replies: nested, deep, anonymous, voted, edited, deleted, accepted."""
    t = thread_of(w, f"Thread with {n}", cohort_id=w.cohort_a)
    parent = None
    made = []
    for i in range(n):
        author = [w.a, w.fac, w.owner, w.manager][i % 4]
        parent = made[-1] if (i % 3 and made) else None
        r = posts.reply(author, t.id, body=f"Reply {i} @{w.b.handle}", parent_id=parent,
                        anonymous=i % 5 == 0)  # fmt: skip
        made.append(r.id)
        posts.vote(w.fac if author is w.a else w.a, r.id, 1)  # never one's own
        if i % 7 == 3:
            posts.edit(author, r.id, body=f"Edited {i}")
    posts.remove(w.fac, made[-1])
    threads.accept(w.a, t.id, made[1])
    return t.id


@pytest.mark.parametrize("who", ["a", "owner", "manager"])
def test_the_module_page_runs_a_fixed_number_of_queries(w, login, who):
    client = login(getattr(w, who))

    def queries(n: int) -> int:
        module_id = fill_module(w, n)
        client.get(f"/modules/{module_id}")  # the same page, as warm as the next one
        with counted() as statements:
            assert client.get(f"/modules/{module_id}").status_code == 200
        return len(statements)

    few, many = queries(2), queries(20)
    assert few == many, f"{few} queries with 2 threads, {many} with 20"


@pytest.mark.parametrize("who", ["a", "owner"])
def test_the_thread_page_runs_a_fixed_number_of_queries(w, login, who):
    client = login(getattr(w, who))

    def queries(n: int) -> int:
        thread_id = fill_thread(w, n)
        client.get(f"/threads/{thread_id}")  # moves the read mark; the next view only reads
        with counted() as statements:
            assert client.get(f"/threads/{thread_id}").status_code == 200
        return len(statements)

    few, many = queries(5), queries(50)
    assert few == many, f"{few} queries with 5 posts, {many} with 50"


# Who sees which page: a table over roles ----------------------------------------------------------

ROLES = ("a", "fac", "b", "out", "owner", "manager", "admin")
ALL = dict.fromkeys(ROLES, 200)
# A cohort thread exists only for its cohort, the module's owner, managers and admins.
IN_COHORT = {**ALL, "b": 404, "out": 404}
# Editing and deleting: the author (Ann) and the thread's moderators; others who see it 403.
# A facilitator moderates their cohort's threads only, not the module's public ones.
EDIT_PUBLIC = {**ALL, "fac": 403, "b": 403, "out": 403}
EDIT_COHORT = {**IN_COHORT}
MODERATORS = {
    "a": 403,
    "fac": 200,
    "b": 403,
    "out": 403,
    "owner": 200,
    "manager": 200,
    "admin": 200,
}

PAGES = {
    "/threads/{public}": ALL,
    "/threads/{cohort}": IN_COHORT,
    "/threads/{cohort}?reply_to={cohort_post}": IN_COHORT,
    "/posts/{public_post}/history": ALL,
    "/posts/{cohort_post}/history": IN_COHORT,
    "/posts/{public_post}/flag": ALL,
    "/posts/{cohort_post}/flag": IN_COHORT,
    "/posts/{public_post}/edit": EDIT_PUBLIC,
    "/posts/{cohort_post}/edit": EDIT_COHORT,
    "/posts/{public_post}/delete": EDIT_PUBLIC,
    "/posts/{cohort_post}/delete": EDIT_COHORT,
    "/threads/2147483647": dict.fromkeys(ROLES, 404),
    "/posts/99999999999/history": dict.fromkeys(ROLES, 404),
    "/users/{asker}": ALL,
    "/users/2147483647": dict.fromkeys(ROLES, 404),
    "/whats-new": ALL,
    "/notifications": ALL,
    "/moderation/flags": MODERATORS,
    "/moderation/log": MODERATORS,
}


@pytest.fixture
def ids(w) -> dict:
    public = thread_of(w, "Public")
    cohort = thread_of(w, "Cohort only", cohort_id=w.cohort_a)
    return {
        "public": public.id,
        "cohort": cohort.id,
        "public_post": threads.get_thread(w.a, public.id).opening.id,
        "cohort_post": threads.get_thread(w.a, cohort.id).opening.id,
        "asker": w.a.id,
    }


@pytest.mark.parametrize("path", PAGES)
def test_each_discussion_page_answers_each_role_as_the_rules_say(w, ids, login, path):
    people = {r: getattr(w, r) for r in ROLES if r != "admin"}
    people["admin"] = factories.make_user(role="admin", name="Ada Admin")
    url = path.format(**ids)
    answers = {role: login(people[role]).get(url, follow_redirects=True) for role in ROLES}
    answers = {role: r.status_code for role, r in answers.items()}
    assert answers == PAGES[path]


SIGNED_IN_ONLY = [
    "/threads/{public}",
    "/whats-new",
    "/notifications",
    "/users/{asker}",
    "/moderation/flags",
    "/posts/{public_post}/history",
]


@pytest.mark.parametrize("path", SIGNED_IN_ONLY)
def test_signed_out_visitors_are_sent_to_sign_in(w, ids, client, path):
    r = client.get(path.format(**ids))
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
