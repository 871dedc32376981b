"""XSS in a real browser (issue 11): every payload of ``xss_payloads.PAYLOADS`` is stored
through the API in each kind of field people write (Markdown bodies, titles, names, cohort
names and descriptions, flag reasons, FAQ entries, module texts, office-hour titles, chat
messages and raised hands, search queries), then every
page that shows them is opened in Chromium, signed in as an admin (who sees everything).

A payload that ran would open a dialog (every one calls alert, confirm, prompt or print) or,
once blocked by the Content-Security-Policy, fire a ``securitypolicyviolation`` event; both
are recorded on every page. Beyond what runs now, each page's DOM is audited for what would
run on a click or in an older browser: elements with ``on*`` attributes, script-scheme links
and sources, and markup no text should ever become (script, iframe, object, embed, base,
meta refresh, style). The pass is bounded: the data is written once, and about twenty pages
plus one search per payload are loaded, without waiting for anything but the DOM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from forum.background import run_pending
from forum.errors import Invalid
from forum.services import accounts, office_hours
from tests import factories
from tests.conftest import ApiClient
from tests.e2e.conftest import LiveServer
from tests.e2e.test_browser import sign_in
from tests.e2e.xss_payloads import PAYLOADS

pytestmark = pytest.mark.browser

# Run in every page before its own scripts: CSP violations are kept where the test reads them.
WATCH_CSP = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ''}`);
});
"""

# What a page must never hold, whatever text was written: each a selector and why.
AUDIT = """
() => {
  const found = [];
  const schemes = /^\\s*(javascript|vbscript|data):/i;
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push(`${el.tagName} ${name}=${attr.value}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'].includes(name)
          && (schemes.test(attr.value) || name === 'srcdoc'))
        found.push(`${el.tagName} ${name}=${attr.value}`);
    }
  }
  for (const el of document.querySelectorAll(
      'iframe, object, embed, base, frame, frameset, meta[http-equiv], main style, main link')) {
    found.push(`<${el.tagName.toLowerCase()}> in the page`);
  }
  for (const el of document.scripts) {
    const own = el.src && new URL(el.src).origin === location.origin
      && new URL(el.src).pathname.startsWith('/static/');
    if (!own) found.push(`script ${el.src || el.textContent.slice(0, 80)}`);
  }
  return found;
}
"""


@dataclass
class Corpus:
    """What was stored, and where to look for it."""

    pages: list[str] = field(default_factory=list)
    tried: dict[str, int] = field(default_factory=dict)  # field kind -> payloads sent
    stored: dict[str, int] = field(default_factory=dict)  # field kind -> payloads accepted


def _ok(response, what: str) -> dict:
    assert response.status_code in (200, 201, 204), (what, response.get_data(as_text=True))
    return response.get_json() if response.status_code != 204 else {}


def _count(corpus: Corpus, kind: str, response) -> bool:
    """Counts a payload the API took; one it refused (a name with a control character) is
    the API's right, and shown nowhere."""
    corpus.tried[kind] = corpus.tried.get(kind, 0) + 1
    if response.status_code in (200, 201, 204):
        corpus.stored[kind] = corpus.stored.get(kind, 0) + 1
        return True
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    return False


def _said(corpus: Corpus, kind: str, say: Callable[[], object]) -> None:
    """Counts a payload a service took, as _count does for the API."""
    corpus.tried[kind] = corpus.tried.get(kind, 0) + 1
    try:
        say()
    except Invalid:
        return
    corpus.stored[kind] = corpus.stored.get(kind, 0) + 1


def _store_office_hours(api: ApiClient, admin, corpus: Corpus) -> list[str]:
    """Every payload as an office-hour title through the API (half of the sessions held and
    ended, so the schedule lists them as past ones too), and as a chat message and a raised
    hand, through the services the /live socket handlers call, in a room left live and in
    one ended (its transcript); returns the pages that show them."""
    soon = datetime.now(UTC) + timedelta(days=1)
    held: list[int] = []
    for n, text in enumerate(PAYLOADS):
        starts = soon + timedelta(hours=n)
        made = api.post(
            "/office-hours",
            json={
                "title": text,
                "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=1)).isoformat(),
            },
        )
        if _count(corpus, "office-hour title", made) and n % 2:
            held.append(made.get_json()["id"])
            _ok(api.post(f"/office-hours/{held[-1]}/start"), "start")
    live, ended = held[0], held[1]
    for text in PAYLOADS:
        for room in (live, ended):
            _said(
                corpus,
                "chat message",
                lambda r=room, t=text: office_hours.post_message(admin, r, t),
            )
            _said(
                corpus, "raised hand", lambda r=room, t=text: office_hours.raise_hand(admin, r, t)
            )
    first = office_hours.queue(admin, live)[0]
    office_hours.take_question(admin, live, first.id)  # one shown as being answered
    for room in held[1:]:
        _ok(api.post(f"/office-hours/{room}/end"), "end")
    return [
        "/office-hours",
        "/office-hours?page=2",
        f"/office-hours/{live}",
        f"/office-hours/{live}/details",
        f"/office-hours/{ended}",
        f"/office-hours/{ended}/details",
        f"/office-hours/{ended}/transcript",
    ]


def _store(live_server: LiveServer, admin) -> Corpus:
    """Every payload in every kind of field, through the API, as people would write them."""
    client = live_server.app.test_client()
    api = ApiClient(client, accounts.issue_token(admin).token)
    corpus = Corpus()
    module = _ok(api.post("/modules", json={"title": "XSS corpus", "body": "Lesson."}), "module")
    mid = module["id"]
    cohort = _ok(api.post("/cohorts", json={"name": "Corpus cohort"}), "cohort")
    target = _ok(
        api.post(f"/modules/{mid}/threads", json={"title": "Flag me", "body": "Posts."}), "t"
    )
    answered = _ok(
        api.post(f"/modules/{mid}/threads", json={"title": "Answered", "body": "Q?"}), "q"
    )
    answer = _ok(api.post(f"/threads/{answered['id']}/posts", json={"body": "A."}), "a")
    _ok(api.post(f"/threads/{answered['id']}/accept", json={"post_id": answer["id"]}), "accept")
    replies = _ok(
        api.post(f"/modules/{mid}/threads", json={"title": "Replies", "body": "All here."}), "r"
    )
    hostile_modules: list[int] = []
    for n, text in enumerate(PAYLOADS):
        thread = api.post(
            f"/modules/{mid}/threads",
            json={"title": text, "body": text, "kind": "question" if n % 2 else "discussion"},
        )
        _count(corpus, "thread title and body", thread)
        _count(corpus, "reply", api.post(f"/threads/{replies['id']}/posts", json={"body": text}))
        promoted = api.post(
            f"/threads/{answered['id']}/promote", json={"question": text, "answer": text}
        )
        _count(corpus, "FAQ entry", promoted)
        _count(
            corpus,
            "cohort name and description",
            api.post("/cohorts", json={"name": text, "description": text}),
        )
        if n % 8 == 0:  # a few modules: each shows on every page's module list
            made = api.post(
                "/modules", json={"title": text, "summary": text, "body": text, "published": True}
            )
            if _count(corpus, "module title, summary and lesson", made):
                hostile_modules.append(made.get_json()["id"])
        person = api.post(
            "/users",
            json={"email": f"x{n}@example.com", "name": text, "password": factories.PASSWORD},
        )
        if not _count(corpus, "name", person):
            continue
        pid = person.get_json()["id"]
        api.post(f"/cohorts/{cohort['id']}/members", json={"user_id": pid, "role": "learner"})
        them = ApiClient(client, accounts.issue_token(accounts.get_user(pid)).token)
        said = them.post(f"/threads/{target['id']}/posts", json={"body": f"Hi @{admin.handle}"})
        _ok(said, "a reply by a hostile name")
        flag = them.post(f"/posts/{said.get_json()['id']}/flag", json={"reason": text[:500]})
        _count(corpus, "flag reason", flag)
    last_reply = _ok(api.get(f"/threads/{replies['id']}"), "thread")["posts"][-1]["id"]
    _ok(api.patch(f"/posts/{last_reply}", json={"body": PAYLOADS[0]}), "an edit, for a history")
    _ok(api.patch(f"/threads/{target['id']}", json={"title": PAYLOADS[2]}), "a retitle, logged")
    rooms = _store_office_hours(api, admin, corpus)
    while sum(run_pending()):  # the search index, and mail
        pass
    first_person = accounts.find_user_by_email("x0@example.com")
    corpus.pages = [
        "/",
        "/whats-new",
        "/notifications",
        "/cohorts",
        f"/cohorts/{cohort['id']}",
        "/people",
        f"/users/{first_person.id}" if first_person else "/people",
        f"/modules/{mid}",
        f"/modules/{mid}/gaps",
        f"/modules/{mid}/history",
        f"/threads/{replies['id']}",
        f"/threads/{target['id']}",
        f"/threads/{answered['id']}",
        f"/posts/{last_reply}/history",
        "/moderation/flags",
        "/moderation/log",
        "/modules/order",
        "/admin/jobs",
        *rooms,
        *[f"/modules/{m}" for m in hostile_modules],
        *[f"/search?q={quote(text)}" for text in PAYLOADS],
    ]
    return corpus


@pytest.fixture
def corpus(live_server: LiveServer) -> Iterator[tuple[Corpus, object]]:
    admin = factories.make_user(role="admin", name="Ada Admin")
    yield _store(live_server, admin), admin


def test_no_stored_or_reflected_payload_runs_on_any_page(live_server, corpus, new_page):
    stored, admin = corpus
    assert len(PAYLOADS) >= 60
    # Every kind of field took nearly every payload (a name may refuse a control character).
    for kind, tried in stored.tried.items():
        assert stored.stored.get(kind, 0) >= tried - 3, (kind, stored.stored)
    page = new_page()
    page.context.add_init_script(WATCH_CSP)
    ran: list[str] = []
    page.on("dialog", lambda d: (ran.append(f"{page.url}: {d.type} {d.message}"), d.dismiss()))
    page.on(
        "console",
        lambda m: (
            ran.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None
        ),
    )
    sign_in(page, live_server, admin.email, factories.PASSWORD)
    problems: dict[str, list[str]] = {}
    for path in stored.pages:
        response = page.goto(path, wait_until="domcontentloaded")
        assert response is not None and response.status == 200, path
        found = page.evaluate(AUDIT) + page.evaluate("window.__violations || []")
        if found:
            problems[path] = found
    assert ran == [], ran
    assert problems == {}, problems
