"""Helpers for page tests: posting forms the way a browser does, with the page's CSRF token."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask.testing import FlaskClient

from forum.extensions import db
from tests.conftest import CSRF_META


def page_token(client: FlaskClient) -> str:
    """The CSRF token of this client's session, from the meta tag of the page it lands on."""
    page = client.get("/", follow_redirects=True)  # home, or the sign-in page
    match = CSRF_META.search(page.get_data(as_text=True))
    assert match, "no csrf-token meta tag"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict | None = None, **kwargs):
    """POST a form as a browser does, with the session's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": page_token(client)}, **kwargs)


@pytest.fixture
def post():
    return post_form


def text_of(response) -> str:
    """The page's visible text, roughly: tags dropped, entities decoded, spaces collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def settled():
    """The test's own session, moved past the requests' commits.

    Requests commit on connections of their own; the test's session may still hold an
    older read snapshot (SQLite WAL, PostgreSQL), so end it before looking again.
    """
    db.session.rollback()
    db.session.expire_all()
    return db.session
