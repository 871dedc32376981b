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


# Images: a post makes no reader's browser fetch anything --------------------------------


@pytest.mark.parametrize(
    ("source", "href", "text"),
    [
        ("![a chart](https://example.com/chart.png)", "https://example.com/chart.png", "a chart"),
        ("![](/notifications/7)", "/notifications/7", "/notifications/7"),
        ('![*bold* alt](/x.png "Title")', "/x.png", "bold alt"),
    ],
)
def test_an_image_becomes_a_link_to_it(source, href, text):
    html = render(source)
    tags = _tags(html)
    assert "img" not in [t for t, _ in tags]
    (link,) = [attrs for t, attrs in tags if t == "a"]
    assert link["href"] == href and link["rel"] == "nofollow noopener ugc"
    assert f">{text}</a>" in html


def test_an_image_inside_a_link_is_its_text_not_a_second_link():
    html = render("[![logo](/logo.png)](https://example.com)")
    assert [t for t, _ in _tags(html)] == ["p", "a"]
    assert '<a href="https://example.com" rel="nofollow noopener ugc">logo</a>' in html


def test_an_image_with_a_refused_address_is_plain_text():
    assert [t for t, _ in _tags(render("![i](javascript:alert(1))"))] == ["p"]


def test_raw_img_tags_are_removed_even_past_the_parser():
    from forum.markdown import sanitize

    html = sanitize('<p>x<img src="/notifications/1" alt="y"></p>')
    assert "<img" not in html and "/notifications/1" not in html
