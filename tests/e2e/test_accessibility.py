"""Accessibility in headless Chromium, in both colour schemes and on a phone as well as a
desktop: axe-core on the main pages; the contrast axe does not measure (field borders, the
focus ring); and the keyboard in the phone's header.

axe-core is a development dependency from npm (package.json; ``make install-dev`` runs
``npm ci``). Without it the axe tests skip on a laptop and fail on CI, as without a browser.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

try:
    from playwright.sync_api import Page
except ImportError:  # the chromium fixture then skips (fails on CI) with the reason
    Page = None

from forum import demo
from forum.extensions import db
from forum.models import Cohort, Module, Thread, User
from forum.services import unsubscribe
from tests.conftest import need
from tests.e2e.conftest import REPO, VIEWPORT, LiveServer
from tests.e2e.test_browser import sign_in

pytestmark = pytest.mark.browser

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

PHONE = {"width": 390, "height": 844}
SIZES = {"desktop": VIEWPORT, "phone": PHONE}
SCHEMES = ("light", "dark")
# WCAG 1.4.11: what identifies a control, and the focus indicator, against what is beside it.
NON_TEXT_CONTRAST = 3.0
# A focus target smaller than this is, to a sighted keyboard user, no focus at all.
MIN_FOCUS_BOX = 8

# The contrast ratio of two computed CSS colours (rgb()/rgba()), as WCAG defines it; the
# background behind an element is the first opaque one up its ancestors.
CONTRAST_JS = """
const parse = c => c.match(/[\\d.]+/g).map(Number);
const luminance = rgb => {
  const [r, g, b] = rgb.slice(0, 3).map(v => {
    v /= 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const ratio = (one, other) => {
  const [hi, lo] = [luminance(parse(one)), luminance(parse(other))].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
const behind = el => {
  for (let e = el; e; e = e.parentElement) {
    const bg = getComputedStyle(e).backgroundColor, rgba = parse(bg);
    if (rgba.length < 4 || rgba[3] === 1) return bg;
  }
  return 'rgb(255, 255, 255)';
};
"""
FIELD_BORDERS_JS = (
    "() => {"
    + CONTRAST_JS
    + """
  const fields = 'main input:not([type=hidden]):not([type=checkbox]), main select, main textarea';
  return [...document.querySelectorAll(fields)].map(el => {
    const border = getComputedStyle(el).borderTopColor;
    return {name: el.name, inside: ratio(border, behind(el)),
            outside: ratio(border, behind(el.parentElement))};
  });
}"""
)
FOCUS_RING_JS = (
    "() => {"
    + CONTRAST_JS
    + """
  const el = document.activeElement, style = getComputedStyle(el);
  return {text: el.innerText.trim(), width: parseFloat(style.outlineWidth),
          ratio: ratio(style.outlineColor, behind(el.parentElement))};
}"""
)


def person(key: str) -> demo.Person:
    return next(p for p in demo.PEOPLE if p.key == key)


def open_signed_in(new_page, live_server: LiveServer, key: str, scheme: str, size: str) -> Page:
    page = new_page(viewport=SIZES[size], color_scheme=scheme)
    sign_in(page, live_server, person(key).email, demo.PASSWORD)
    return page


@pytest.mark.parametrize("scheme", SCHEMES)
def test_field_borders_stand_out_from_the_field_and_from_around_it(
    live_server: LiveServer, new_page, scheme: str
):
    demo.seed()
    module = db.session.scalars(select(Module).order_by(Module.position)).first()
    page = open_signed_in(new_page, live_server, "sofia", scheme, "desktop")
    page.goto(f"/modules/{module.id}")  # the new-thread form: text, textarea, select

    fields = page.evaluate(FIELD_BORDERS_JS)
    assert {f["name"] for f in fields} >= {"title", "body", "kind"}, fields
    faint = [f for f in fields if min(f["inside"], f["outside"]) < NON_TEXT_CONTRAST]
    assert not faint, f"field borders under {NON_TEXT_CONTRAST}:1 ({scheme}): {faint}"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_focus_ring_stands_out_on_the_page_and_in_the_header(
    live_server: LiveServer, new_page, scheme: str
):
    demo.seed()
    page = open_signed_in(new_page, live_server, "sofia", scheme, "desktop")
    page.goto("/")
    rings = []
    for _ in range(2):  # the skip link, on the page's background; the brand, in the header
        page.keyboard.press("Tab")
        rings.append(page.evaluate(FOCUS_RING_JS))
    assert all(r["width"] >= 2 for r in rings), rings
    faint = [r for r in rings if r["ratio"] < NON_TEXT_CONTRAST]
    assert not faint, f"focus ring under {NON_TEXT_CONTRAST}:1 ({scheme}): {faint}"


FOCUSED_JS = """() => {
  const el = document.activeElement, box = el.getBoundingClientRect();
  return {text: (el.innerText || el.value || '').trim(), width: box.width, height: box.height,
          inHeader: !!el.closest('.site-header, .skip-link')};
}"""


@pytest.mark.parametrize("who", ["priya", "sofia"])
def test_tab_through_the_phone_header_never_lands_on_something_too_small_to_see(
    live_server: LiveServer, new_page, who: str
):
    demo.seed()
    page = open_signed_in(new_page, live_server, who, "light", "phone")
    page.goto("/")
    seen = []
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if not focused["inHeader"]:
            break
        seen.append(focused)
    assert seen and seen[-1]["text"] == "Sign out", f"the header's last control: {seen}"
    tiny = [f for f in seen if min(f["width"], f["height"]) < MIN_FOCUS_BOX]
    assert not tiny, f"focus on elements under {MIN_FOCUS_BOX} px: {tiny}"


# axe-core on the main pages ----------------------------------------------------------------------


@pytest.fixture
def axe() -> str:
    need(AXE.is_file(), f"the accessibility tests need axe-core at {AXE} (npm ci)")
    return str(AXE)


def main_pages() -> dict[str, list[str]]:
    """The pages to check, by who looks at them: a demo person's key ("" signed out)."""
    learner = db.session.scalar(select(User).where(User.email == person("sofia").email))
    helper = db.session.scalar(select(User).where(User.email == person("ben").email))
    with_code = next(lesson.title for lesson in demo.LESSONS if "```" in lesson.body)
    module = db.session.scalar(select(Module).where(Module.title == with_code))
    thread = db.session.scalar(
        select(Thread).where(Thread.accepted_post_id.is_not(None)).order_by(Thread.id)
    )
    cohort = db.session.scalars(select(Cohort).order_by(Cohort.id)).first()
    checked = next(lesson.title for lesson in demo.LESSONS if lesson.key == "security")
    check = db.session.scalar(select(Module.id).where(Module.title == checked))
    return {
        "": ["/login", urlsplit(unsubscribe.unsubscribe_url(learner, "notifications")).path],
        "sofia": [
            "/",
            f"/modules/{module.id}",
            f"/modules/{thread.module_id}?show=unanswered&sort=recent#discussion",
            f"/threads/{thread.id}",
            "/notifications",
            "/whats-new",
            "/cohorts",
            f"/cohorts/{cohort.id}",
            f"/users/{helper.id}",
            f"/users/{learner.id}",
            "/no-such-page",
            "/search?q=password+phone",
            "/settings",
            f"/modules/{check}/check",
            f"/cohorts/{cohort.id}/dashboard",
        ],
        "priya": [
            f"/cohorts/{cohort.id}/dashboard",
            f"/modules/{check}/check/edit",
            "/people",
            f"/threads/{thread.id}",
            "/moderation/flags",
            f"/threads/{thread.id}/promote",
            f"/modules/{thread.module_id}/gaps",
        ],
    }


def serious_violations(page: Page, axe: str) -> list[str]:
    """axe's serious and critical violations on the open page, one line per element."""
    # Evaluated by the browser's own protocol, not as a <script> the page's CSP refuses.
    page.evaluate(Path(axe).read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{page.url} {v['id']} ({v['impact']}) at {node['target']}: {node['failureSummary']}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_axe_finds_nothing_serious_or_critical_on_the_main_pages(
    live_server: LiveServer, new_page, axe: str, scheme: str, size: str
):
    demo.seed()
    found = []
    for who, paths in main_pages().items():
        if who:
            page = open_signed_in(new_page, live_server, who, scheme, size)
        else:
            page = new_page(viewport=SIZES[size], color_scheme=scheme)
        for path in paths:
            page.goto(path)
            found += serious_violations(page, axe)
    assert not found, f"{len(found)} found ({scheme}, {size}):\n" + "\n".join(found)
