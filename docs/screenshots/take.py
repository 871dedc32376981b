"""Retake the README's screenshots from a fresh demo: ``.venv/bin/python docs/screenshots/take.py``.

A new demo instance is built in a temporary folder (its own SQLite file and search index,
through the real ``flask db upgrade`` and ``flask seed-demo``), served by ``flask run`` on a
free loopback port, and visited in headless Chromium through Playwright, signing in at
/login like a person would. Nothing is read from or written to ``instance/``; any
``FORUM_*`` settings of the calling shell are dropped, so that a developer's own database
can never end up in (or be changed by) a screenshot.

Pages are found by following the links a reader would follow, by the demo's titles, never
by ids, so the script keeps working when the demo grows. Chromium is the system's
(``FORUM_TEST_CHROMIUM``, default ``/usr/bin/chromium``) and is never downloaded.

Options: ``--out DIR`` writes the PNGs elsewhere (to compare before replacing);
``--keep`` leaves the temporary instance in place and prints where it is.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))  # run as a plain script: ``forum`` is importable from the repo

from forum import demo  # noqa: E402  (needs the path above)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

OUT = REPO / "docs" / "screenshots"
CHROMIUM = os.environ.get("FORUM_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Long pages (a lesson, a long thread) are cut here: the top tells the story, and the
# README stays light.
MAX_HEIGHT = 2600
TIMEOUT_MS = 15_000
SERVER_START_S = 30.0

# Who is shown where, by the demo's own keys and titles.
LEARNER = "sofia"  # a learner of the engineering cohort
MANAGER = "priya"
ADMIN = demo.ADMIN_KEY
FACILITATOR = "ben"  # answers questions, so has notifications of several kinds
LESSON = "security"  # module.png: a lesson with its discussion list below
DISCUSSED = "welcome"  # threads.png: pinned prompt, anonymous and cohort-only threads
COHORT = "engineering"
# thread.png: a question with an accepted answer and replies two levels deep.
THREAD = "Authenticator app on my personal phone, or wait for a hardware key?"


def person(key: str) -> demo.Person:
    return next(p for p in demo.PEOPLE if p.key == key)


def lesson_title(key: str) -> str:
    return next(lesson.title for lesson in demo.LESSONS if lesson.key == key)


def asker(title: str) -> str:
    """The key of the person who opened the demo thread with this title."""
    return next(c.posts[0].who for c in demo.CONVERSATIONS if c.title == title)


def cohort_name(key: str) -> str:
    return next(plan.name for plan in demo.COHORTS if plan.key == key)


# The instance ---------------------------------------------------------------------------


def flask_command() -> list[str]:
    venv_flask = REPO / ".venv" / "bin" / "flask"
    if venv_flask.exists():
        return [str(venv_flask), "--app", "forum"]
    return [sys.executable, "-m", "flask", "--app", "forum"]


def instance_env(folder: Path, base_url: str) -> dict[str, str]:
    # Drop the shell's FORUM_* and FLASK_* settings: a FORUM_DATABASE_URL left pointing at
    # a real database must not be seeded, and FLASK_DEBUG would start the reloader.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORUM_", "FLASK_"))}
    env.update(
        FORUM_DATABASE_URL=f"sqlite:///{folder / 'forum.db'}",
        FORUM_SEARCH_INDEX_DIR=str(folder / "search-index"),
        # Given here, so that no secret_key file is written into the repository's instance/.
        FORUM_SECRET_KEY=secrets.token_hex(32),
        FORUM_BASE_URL=base_url,
        # Invitations and notification mails would only be logged; nothing to carry out.
        FORUM_BACKGROUND_WORKER="off",
    )
    return env


def free_port() -> int:
    # The port is free now; flask binds it a moment later. Another process taking it in
    # between is possible but harmless: the server then fails to start and we say so.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[-2:])} failed:\n{done.stdout}{done.stderr}")


def wait_until_serving(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the server stopped (exit {server.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    sys.exit(
        f"the server did not answer {url}/login within {SERVER_START_S:.0f} s:\n{log.read_text()}"
    )


@contextmanager
def demo_server(folder: Path) -> Iterator[str]:
    """A freshly seeded demo, served on a loopback port; yields its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = instance_env(folder, url)
    flask = flask_command()
    run([*flask, "db", "upgrade"], env)
    run([*flask, "seed-demo"], env)
    log = folder / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                *flask,
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-reload",
                "--no-debugger",
            ],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# The browser ----------------------------------------------------------------------------


@contextmanager
def chromium() -> Iterator[Browser]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("Playwright for Python is missing: .venv/bin/pip install -e '.[dev]'")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        sys.exit(f"no Chromium at {CHROMIUM}: apt install chromium, or set FORUM_TEST_CHROMIUM")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Shooter:
    """Saves screenshots and remembers what looked wrong, to print at the end."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.problems: list[str] = []

    def page(
        self, page: Page, name: str, until: str | None = None, max_height: int = MAX_HEIGHT
    ) -> None:
        """The page from its top, at the current viewport's width.

        Down to the bottom of the ``until`` element if given, else the whole page; either
        way no taller than ``max_height``.
        """
        self._check_width(page, name)
        width = page.viewport_size["width"]
        if until is None:
            bottom = page.evaluate("document.documentElement.scrollHeight")
        else:
            bottom = self._box(page, until, name)["bottom"] + 24
        height = min(bottom, max_height)
        page.screenshot(
            path=str(self.out / name),
            full_page=True,
            clip={"x": 0, "y": 0, "width": width, "height": height},
        )
        print(f"  {name}  {width}x{round(height)}")

    def part(self, page: Page, name: str, top: str, bottom: str, margin: int = 24) -> None:
        """From the top of one element to the bottom of another, across the full width."""
        self._check_width(page, name)
        y = max(self._box(page, top, name)["top"] - margin, 0)
        height = min(self._box(page, bottom, name)["bottom"] + margin - y, MAX_HEIGHT)
        width = page.viewport_size["width"]
        page.screenshot(
            path=str(self.out / name),
            full_page=True,
            clip={"x": 0, "y": y, "width": width, "height": height},
        )
        print(f"  {name}  {width}x{round(height)}")

    @staticmethod
    def _box(page: Page, selector: str, name: str) -> dict[str, float]:
        """Top and bottom of the element, in page coordinates (not the viewport's)."""
        box = page.evaluate(
            """s => { const e = document.querySelector(s); if (!e) return null;
                      const b = e.getBoundingClientRect();
                      return {top: b.top + scrollY, bottom: b.bottom + scrollY}; }""",
            selector,
        )
        if box is None:
            raise RuntimeError(f"{name}: no {selector} on {page.url}")
        return box

    def _check_width(self, page: Page, name: str) -> None:
        # A page wider than the viewport scrolls sideways: on a phone, that is a bug.
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            wide = page.evaluate(
                """() => {
                    const limit = document.documentElement.clientWidth;
                    return [...document.querySelectorAll('body *')]
                        .filter(e => e.getBoundingClientRect().right > limit + 1)
                        .slice(0, 5)
                        .map(e => e.tagName.toLowerCase() + (e.className ? '.' +
                             String(e.className).trim().split(/\\s+/).join('.') : ''));
                }"""
            )
            self.problems.append(
                f"{name}: the page is {overflow}px wider than the viewport ({', '.join(wide)})"
            )


def signed_in(browser: Browser, url: str, key: str) -> Page:
    """A tab in a fresh browser context, signed in as this demo person through /login."""
    # The app writes its times in UTC; a browser in UTC shows the same days everywhere.
    context = browser.new_context(
        viewport=DESKTOP, device_scale_factor=1, base_url=url, timezone_id="UTC"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/login")
    form = page.locator("form", has=page.locator("input[name=password]"))
    form.locator("input[name=email]").fill(person(key).email)
    form.locator("input[name=password]").fill(demo.PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/")
    return page


def follow(page: Page, name: str, exact: bool = True) -> None:
    """Click the first link with this text, as a reader would."""
    page.get_by_role("link", name=name, exact=exact).first.click()
    page.wait_for_load_state("load")


def take(browser: Browser, url: str, shoot: Shooter) -> None:
    # A learner: home right after signing in, on a desk and on a phone; a lesson with the
    # start of its discussion; a module's discussion.
    page = signed_in(browser, url, LEARNER)
    shoot.page(page, "login-home.png")
    page.set_viewport_size(PHONE)
    shoot.page(page, "phone.png")
    page.set_viewport_size(DESKTOP)

    follow(page, lesson_title(LESSON))
    # The lesson is long: down to the end of its thread list, a little over MAX_HEIGHT.
    shoot.page(page, "module.png", until="#discussion .thread-list", max_height=3000)

    page.goto("/")
    follow(page, lesson_title(DISCUSSED))
    shoot.part(page, "threads.png", "#discussion", "#discussion .thread-list")

    # The archive: the header's search box, and similar answers while asking.
    search = page.get_by_role("search").get_by_label("Search the archive")
    search.fill("authenticator phone")
    search.press("Enter")
    page.wait_for_load_state("load")
    shoot.page(page, "search.png")
    page.goto("/")
    follow(page, lesson_title(DISCUSSED))
    page.get_by_label("Title").press_sequentially("can I ask my buddy, not my manager?")
    page.locator(".similar-list").wait_for()
    shoot.part(page, "similar.png", "#new-thread", "#new-thread")
    page.context.close()

    # The thread as its asker sees it: replies new since their last visit, and the buttons
    # to accept or withdraw an answer.
    page = signed_in(browser, url, asker(THREAD))
    follow(page, lesson_title(LESSON))
    follow(page, THREAD)
    shoot.page(page, "thread.png")
    page.set_viewport_size(PHONE)  # the same rendering, laid out for a phone
    shoot.page(page, "thread-phone.png")
    page.context.close()

    page = signed_in(browser, url, FACILITATOR)
    follow(page, "Notifications", exact=False)  # the link's name ends with the unread count
    shoot.page(page, "notifications.png")
    page.context.close()

    page = signed_in(browser, url, MANAGER)
    follow(page, lesson_title(DISCUSSED))
    shoot.part(page, "faq.png", "#faq", "#faq")
    follow(page, "Doc gaps")
    shoot.page(page, "gaps.png")
    page.goto("/")
    shoot.page(page, "home.png")
    follow(page, "Cohorts")
    follow(page, cohort_name(COHORT))
    shoot.page(page, "cohort.png")
    page.context.close()

    page = signed_in(browser, url, ADMIN)
    follow(page, "People")
    shoot.page(page, "people.png")
    page.context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to save (default {OUT})")
    parser.add_argument("--keep", action="store_true", help="keep the temporary instance")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    folder = Path(tempfile.mkdtemp(prefix="forum-screenshots-"))
    shoot = Shooter(args.out)
    try:
        with demo_server(folder) as url, chromium() as browser:
            print(f"demo served at {url}, saving to {args.out}")
            take(browser, url, shoot)
    finally:
        if args.keep:
            print(f"instance kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    if shoot.problems:
        sys.exit("Look again at:\n  " + "\n  ".join(shoot.problems))


if __name__ == "__main__":
    main()
