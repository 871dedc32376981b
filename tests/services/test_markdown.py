"""Markdown is rendered and sanitized once, on write."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from forum.markdown import render


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    """The real elements of the HTML (escaped text does not count)."""
    found: list[tuple[str, dict[str, str | None]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found


def test_tables_and_fenced_code_with_highlighting():
    html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n```\n")
    assert "<table>" in html and "<td>1</td>" in html
    assert '<pre class="highlight"><code class="language-python">' in html
    assert '<span class="n">x</span>' in html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[x](javascript:alert(1))",
        '<a href="https://e.com" onclick="x()">a</a>',
        "![i](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_dangerous_markup_never_survives(source):
    tags = _tags(render(source))
    assert "script" not in [t for t, _ in tags]
    for _, attrs in tags:
        assert not any(name.startswith("on") for name in attrs)
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").startswith(("javascript:", "data:"))


def test_links_get_rel_nofollow_noopener_ugc():
    html = render("[site](https://example.com)")
    assert 'href="https://example.com"' in html
    assert 'rel="nofollow noopener ugc"' in html


def test_unknown_code_language_is_escaped_not_dropped():
    html = render("```nolang\n<b>hi</b>\n```")
    assert "&lt;b&gt;hi&lt;/b&gt;" in html
