"""Markdown bodies are stored as written (API.md): leading spaces and line ends included, so
a post may open with an indented code block. Only-whitespace is invalid, and the length limit
counts the text as written. Titles and names are still trimmed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from forum.models import Post, Thread
from forum.services import threads
from forum.services.validation import BODY_MAX
from tests import factories
from tests.api.helpers import count, expect_invalid, fresh
from tests.web.conftest import post_form

AS_WRITTEN = [
    "    code line\n    second line\n\nThen prose.",
    "\n\n    code after blank lines",
    "Prose with trailing lines\n\n\n",
    "  two leading spaces, a paragraph  \n",
    "\tTabbed code",
    "Windows line ends\r\nkept\r\n",
]
BLANK = [" ", "   ", "\n\n", "\t \r\n", "\u3000"]


@pytest.fixture
def w(app, admin):
    module = factories.make_module(title="Stored as written", actor=admin)
    thread = threads.create_thread(admin, module.id, title="Q", body="Opening.")
    return SimpleNamespace(admin=admin, module=module, thread=thread)


def _write(api, w, where: str, body):
    """Send ``body`` to one of the five writes that take Markdown; the written text back."""
    client = api(w.admin)
    if where == "thread":
        r = client.post(f"/modules/{w.module.id}/threads", json={"title": "T", "body": body})
        return r, (lambda j: j["posts"][0])
    if where == "reply":
        r = client.post(f"/threads/{w.thread.id}/posts", json={"body": body})
        return r, (lambda j: j)
    if where == "edit":
        opening = threads.get_thread(w.admin, w.thread.id).opening
        r = client.patch(f"/posts/{opening.id}", json={"body": body})
        return r, (lambda j: j)
    if where == "module":
        r = client.post("/modules", json={"title": "M", "body": body})
        return r, (lambda j: j)
    r = client.patch(f"/modules/{w.module.id}", json={"body": body})
    return r, (lambda j: j)


WRITES = ["thread", "reply", "edit", "module", "module-patch"]


@pytest.mark.parametrize("where", WRITES)
@pytest.mark.parametrize("body", AS_WRITTEN, ids=range(len(AS_WRITTEN)))
def test_a_body_comes_back_exactly_as_written(api, w, where, body):
    r, part = _write(api, w, where, body)
    assert r.status_code in (200, 201), r.get_data(as_text=True)[:300]
    assert part(r.get_json())["body"] == body


@pytest.mark.parametrize("where", WRITES)
def test_an_indented_first_line_is_a_code_block(api, w, where):
    r, part = _write(api, w, where, "    code line\n\nprose")
    html = part(r.get_json())["body_html"]
    assert html.startswith("<pre><code>code line"), html


@pytest.mark.parametrize("where", WRITES)
def test_a_body_of_only_whitespace_is_invalid(api, w, where):
    for body in BLANK:
        r, _ = _write(api, w, where, body)
        expect_invalid(r, "body")


@pytest.mark.parametrize("where", WRITES)
def test_the_length_limit_counts_the_text_as_written(api, w, where):
    r, _ = _write(api, w, where, "    " + "x" * (BODY_MAX - 4))
    assert r.status_code in (200, 201)
    r, _ = _write(api, w, where, "    " + "x" * (BODY_MAX - 3))
    expect_invalid(r, "body")


def test_titles_are_still_trimmed(api, w):
    r = api(w.admin).post(
        f"/modules/{w.module.id}/threads", json={"title": "  Spaced  ", "body": "  b"}
    )
    assert r.get_json()["title"] == "Spaced"
    r = api(w.admin).post("/modules", json={"title": "  Module  ", "body": "  b"})
    assert r.get_json()["title"] == "Module"


def test_the_new_thread_and_reply_forms_keep_the_body_as_written(w, login):
    client = login(w.admin)
    body = "    code line\n    more code\n\nprose\n"
    before = count(Thread)
    r = post_form(
        client,
        f"/modules/{w.module.id}/threads",
        {"title": "From the page", "body": body.replace("\n", "\r\n"), "kind": "question"},
    )
    assert r.status_code == 302 and count(Thread) == before + 1
    thread = fresh().scalar(select(Thread).order_by(Thread.id.desc()))
    post = fresh().scalar(select(Post).where(Post.thread_id == thread.id))
    assert post.body == body  # the browser's CRLF become LF; nothing else changes
    page = client.get(f"/threads/{thread.id}", follow_redirects=True).get_data(as_text=True)
    assert "<pre><code>code line\nmore code\n</code></pre>" in page
    r = post_form(client, f"/threads/{thread.id}/posts", {"body": "\tTabbed\n"})
    assert r.status_code == 302
    reply = fresh().scalar(select(Post).order_by(Post.id.desc()))
    assert reply.body == "\tTabbed\n"


def test_the_module_form_keeps_the_lesson_as_written(w, login):
    body = "    setup.sh\n\nRun it first."
    r = post_form(
        login(w.admin),
        f"/modules/{w.module.id}/edit",
        {"title": "Stored as written", "body": body, "summary": "", "published": "y",
         "owner_id": str(w.admin.id)},
    )  # fmt: skip
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    fresh().refresh(w.module)
    assert w.module.body == body and w.module.body_html.startswith("<pre><code>setup.sh")
