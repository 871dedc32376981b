"""In headless Chromium: the main pages, as a learner and as a manager, with a post that
holds an aligned table, code and a link, raise no Content-Security-Policy violation (the
console's reports and the securitypolicyviolation event both count)."""

from __future__ import annotations

import pytest

from forum.services import posts, threads
from tests import factories
from tests.e2e.conftest import LiveServer
from tests.e2e.test_browser import sign_in

pytestmark = pytest.mark.browser

BODY = "| left | right |\n|:--|--:|\n| a | 1 |\n\n```python\nprint('hi')\n```\n\n[docs](https://example.com)"
WATCH = """() => { window.__csp = [];
  document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI)); }"""


def _pages(module_id: int, thread_id: int) -> list[str]:
    return [
        "/",
        f"/modules/{module_id}",
        f"/threads/{thread_id}",
        "/search?q=left",
        "/whats-new",
        "/notifications",
        "/settings",
        "/office-hours",
        "/login-does-not-exist",
    ]


@pytest.mark.parametrize("role", ["member", "manager"])
def test_the_main_pages_raise_no_csp_violation(live_server: LiveServer, new_page, role):
    person = factories.make_user(role=role, name="Ada Reader")
    module = factories.make_module(title="Tables and code")
    thread = threads.create_thread(person, module.id, title="A table", body=BODY)
    posts.reply(factories.make_user(), thread.id, body=BODY)

    page = new_page()
    reports: list[str] = []
    page.on("console", lambda m: reports.append(m.text) if m.type == "error" else None)
    page.add_init_script(f"({WATCH})()")
    sign_in(page, live_server, person.email, factories.PASSWORD)
    for path in _pages(module.id, thread.id):
        page.goto(path)
        page.wait_for_load_state("load")
        events = page.evaluate("window.__csp")
        assert events == [], (path, events)
    csp = [r for r in reports if "Content Security Policy" in r or "Refused to" in r]
    assert csp == []
