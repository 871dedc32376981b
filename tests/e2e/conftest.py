"""A real server and a real browser: the app served on a loopback port, driven by Chromium.

The app runs on a fresh SQLite file in a background thread (werkzeug, threaded), once per
test, independently of the sqlite/postgres ``app`` fixture: what these tests check is the
browser side, which does not depend on the database. Chromium is never downloaded; it is
the system's (``FORUM_TEST_CHROMIUM``, default ``/usr/bin/chromium``), and without it or
without Playwright the tests skip on a laptop and fail on CI.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from forum import create_app
from forum.background import run_pending
from forum.extensions import db as _db
from forum.models import Job
from tests.conftest import _base_config, need

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = os.environ.get("FORUM_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
# Generous for a loaded CI machine, yet a broken page fails in seconds, not minutes.
TIMEOUT_MS = 5_000
REPO = Path(__file__).resolve().parents[2]


@dataclass
class LiveServer:
    app: Flask
    url: str

    def see_latest(self) -> None:
        """End the test's read snapshot, so that it sees what the server has written since."""
        _db.session.rollback()

    def mails_to(self, address: str) -> list[dict]:
        """Queued mails (outbox jobs) to this address, oldest first."""
        self.see_latest()
        run_pending(kinds=("password_reset",))  # the worker's part: it looks the person up
        jobs = _db.session.scalars(select(Job).where(Job.kind == "mail").order_by(Job.id))
        return [j.payload for j in jobs if j.payload.get("to") == address]

    def link_in_mail_to(self, address: str, path: str) -> str:
        bodies = "\n".join(m["body"] for m in self.mails_to(address))
        found = re.findall(rf"{re.escape(self.url)}{re.escape(path)}\S+", bodies)
        assert found, f"no {path} link in the mail to {address}: {bodies!r}"
        return found[-1]


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The app served for real; an app context stays pushed for factories and assertions."""
    config = _base_config(f"sqlite:///{tmp_path / 'forum.db'}", str(tmp_path))
    app = create_app(config)
    with app.app_context():
        _db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url  # links in mail must point at this server
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    ctx = app.app_context()
    ctx.push()
    try:
        yield LiveServer(app, url)
    finally:
        _db.session.remove()
        ctx.pop()
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            _db.engine.dispose()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        need(False, "browser tests need Playwright for Python (pip install -e '.[dev]')")
    need(
        os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK),
        f"browser tests need Chromium at {CHROMIUM} (apt install chromium, "
        "or set FORUM_TEST_CHROMIUM)",
    )
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except Error as exc:
            need(False, f"Chromium at {CHROMIUM} did not start: {exc.message.splitlines()[0]}")
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Browser, live_server: LiveServer):
    """``new_page()``: a tab in a fresh browser context (its own cookies) on the live server.
    Keywords go to the context: ``new_page(viewport=PHONE, color_scheme="dark")``."""
    contexts = []

    def open_page(**options) -> Page:
        options = {"viewport": VIEWPORT, **options}
        context = chromium.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    return new_page()


@pytest.fixture
def screenshot_path(tmp_path: Path):
    """Where to save a screenshot: docs/screenshots only when asked to update them."""

    def path_for(name: str) -> Path:
        if os.environ.get("FORUM_UPDATE_SCREENSHOTS") == "1":
            folder = REPO / "docs" / "screenshots"
        else:
            folder = tmp_path / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name

    return path_for
