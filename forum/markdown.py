"""Markdown to safe HTML, done once when text is written (CommonMark, tables, fenced code)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from html import escape
from typing import Protocol

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

LINK_REL = "nofollow noopener ugc"

# No img: a post must make no reader's browser fetch anything (a GET it did not choose, and
# a strict img-src in the CSP). Markdown images become links (see _image_as_link).
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "pre": {"class"},
    "span": {"class"},
    "ol": {"start"},
}
_FORMATTER = HtmlFormatter(nowrap=True)


def _highlight(code: str, lang: str, _attrs: str) -> str:
    lang = (lang or "").strip().split()[0] if lang else ""
    try:
        lexer = get_lexer_by_name(lang) if lang else None
    except ClassNotFound:
        lexer = None
    body = highlight(code, lexer, _FORMATTER) if lexer else escape(code)
    css_lang = f' class="language-{escape(lang)}"' if lang else ""
    return f'<pre class="highlight"><code{css_lang}>{body}</code></pre>'


# "@ada.lovelace", not inside a word or an e-mail address.
MENTION = re.compile(r"(?<![\w@./])@([a-z0-9](?:[a-z0-9._-]{0,38}[a-z0-9])?)", re.IGNORECASE)


class Mentioned(Protocol):
    id: int
    name: str


def _text_tokens(tokens: list[Token]) -> Iterator[tuple[Token, list[Token]]]:
    """Plain text tokens outside links and code, with the list that holds them."""
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        depth = 0
        for tok in block.children:
            depth += tok.type == "link_open"
            depth -= tok.type == "link_close"
            if tok.type == "text" and depth == 0:
                yield tok, block.children


def _text(content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok


def _link_mentions(state) -> None:
    people: Mapping[str, Mentioned] = state.env.get("mentions") or {}
    if not people:
        return
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        out: list[Token] = []
        depth = 0
        for tok in block.children:
            depth += tok.type == "link_open"
            depth -= tok.type == "link_close"
            if tok.type != "text" or depth:
                out.append(tok)
                continue
            out.extend(_split_mentions(tok.content, people))
        block.children = out


def _split_mentions(content: str, people: Mapping[str, Mentioned]) -> list[Token]:
    out: list[Token] = []
    pos = 0
    for match in MENTION.finditer(content):
        person = people.get(match.group(1).lower())
        if person is None:
            continue
        if match.start() > pos:
            out.append(_text(content[pos : match.start()]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": f"/users/{person.id}", "class": "mention"}
        out += [link, _text(f"@{person.name}"), Token("link_close", "a", -1)]
        pos = match.end()
    if pos < len(content):
        out.append(_text(content[pos:]))
    return out


def _image_as_link(self, tokens: list[Token], idx: int, options, env) -> str:
    """``![alt](src)`` as a link to src, named by its alt text (or the address).

    Inside a link only the name is written: HTML has no link within a link."""
    token = tokens[idx]
    name = self.renderInlineAsText(token.children or [], options, env)
    depth = sum((t.type == "link_open") - (t.type == "link_close") for t in tokens[:idx])
    if depth > 0:
        return escape(name)
    src = str(token.attrs.get("src", ""))
    title = token.attrs.get("title")
    title_attr = f' title="{escape(str(title))}"' if title else ""
    return f'<a href="{escape(src)}"{title_attr}>{escape(name or src)}</a>'


ALIGN_CLASSES = {"align-left", "align-center", "align-right"}
_ALIGN = re.compile(r"text-align:\s*(left|center|right)")


def _align_as_class(state) -> None:
    """A table column's alignment as a class, not a style attribute: the pages' CSP allows
    no inline style (forum/headers.py)."""
    for tok in state.tokens:
        if tok.type in ("th_open", "td_open") and "style" in tok.attrs:
            match = _ALIGN.search(str(tok.attrs.pop("style")))
            if match:
                tok.attrs["class"] = f"align-{match.group(1)}"


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # html=False: raw HTML in the source is shown as text; nh3 below is the second fence.
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "highlight": _highlight})
    md.enable(["table", "strikethrough"])
    md.core.ruler.push("mentions", _link_mentions)
    md.core.ruler.push("align_as_class", _align_as_class)
    md.add_render_rule("image", _image_as_link)
    return md


def find_mentions(text: str) -> set[str]:
    """The @handles written in the text (not in code or links), lower case."""
    found: set[str] = set()
    for tok, _ in _text_tokens(_parser().parse(text or "")):
        found.update(m.group(1).lower() for m in MENTION.finditer(tok.content))
    return found


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=LINK_REL,
        allowed_classes={"a": {"mention"}, "th": ALIGN_CLASSES, "td": ALIGN_CLASSES},
    )


def render(text: str, mentions: Mapping[str, Mentioned] | None = None) -> str:
    """Render markdown source to sanitized HTML for storage beside the source.

    ``mentions`` maps lower-case handles to people; those @handles become links to them.
    """
    return sanitize(_parser().render(text or "", {"mentions": mentions or {}}))


def pygments_css() -> str:
    return HtmlFormatter().get_style_defs(".highlight")
