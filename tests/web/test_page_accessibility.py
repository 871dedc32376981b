"""Accessibility that shows in the pages' HTML and stylesheets; the browser's side (axe-core,
the keyboard, the computed colours) is in tests/e2e/test_accessibility.py."""

from __future__ import annotations

import re

from forum.web.assets import CODE_BACKGROUND, MIN_CONTRAST, TARGET, contrast

APP_CSS = TARGET.with_name("app.css")


def surface_2() -> dict[str, str]:
    """--surface-2 of app.css, light (the first :root) and dark."""
    light, dark = re.findall(r"--surface-2: (#[0-9a-fA-F]{6});", APP_CSS.read_text())
    return {"light": light, "dark": dark}


def test_every_code_colour_reads_at_4_5_to_1_on_the_code_block_in_both_schemes():
    css = APP_CSS.read_text()
    code_block = re.search(r"\.prose pre \{(.*?)\}", css, flags=re.S).group(1)
    assert "background: var(--surface-2)" in code_block
    assert surface_2() == CODE_BACKGROUND

    light, dark = TARGET.read_text().split("@media (prefers-color-scheme: dark)")
    faint = [
        (scheme, token, colour, round(contrast(colour, CODE_BACKGROUND[scheme]), 2))
        for scheme, rules in (("light", light), ("dark", dark))
        for token, colour in re.findall(r"(\.\w+) \{[^}]*?(?<![\w-])color: (#\w+)[^}]*\}", rules)
        if contrast(colour, CODE_BACKGROUND[scheme]) < MIN_CONTRAST
    ]
    assert not faint
