"""Hostile text for the browser's XSS pass (tests/e2e/test_xss_browser.py).

Each payload, if it ever ran, would open a dialog (alert, confirm, prompt or print) or load
something the page did not ask for; the test stores every one through the API in each kind
of field and watches the pages that show them. Most are short enough for a name (100
characters); all fit a title (200). Kinds: plain HTML, attributes broken out of, URLs with
script schemes (as Markdown links, images, autolinks and raw HTML), entity and case tricks,
parser confusions that mutate after sanitising (mXSS), template syntax, and CSS.
"""

from __future__ import annotations

PAYLOADS: list[str] = [
    # Plain HTML that runs script
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//127.0.0.1:9/x.js></SCRIPT>",
    "<img src=x onerror=alert(2)>",
    "<svg onload=alert(3)>",
    "<svg><script>alert(4)</script></svg>",
    "<body onload=alert(5)>",
    "<iframe src=javascript:alert(6)></iframe>",
    "<iframe srcdoc='<script>parent.alert(7)</script>'></iframe>",
    "<details open ontoggle=alert(8)>",
    "<input autofocus onfocus=alert(9)>",
    "<video><source onerror=alert(10)></video>",
    "<audio src=x onerror=alert(11)>",
    "<object data=javascript:alert(12)></object>",
    "<embed src=javascript:alert(13)>",
    "<marquee onstart=alert(14)>x</marquee>",
    "<select autofocus onfocus=alert(15)></select>",
    "<textarea autofocus onfocus=alert(16)></textarea>",
    "<keygen autofocus onfocus=alert(17)>",
    "<isindex type=image src=1 onerror=alert(18)>",
    "<form><button formaction=javascript:alert(19)>go</button></form>",
    "<math><a xlink:href=javascript:alert(20)>x</a></math>",
    "<a href=javascript:alert(21)>click</a>",
    "<base href=javascript:alert(22)//>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(23)'>",
    "<link rel=stylesheet href=javascript:alert(24)>",
    "<style>@import 'javascript:alert(25)';</style>",
    "<div style=background:url(javascript:alert(26))>x</div>",
    "<x onclick=alert(27) style=display:block;position:fixed;inset:0>",
    # Breaking out of attributes and elements the page wraps text in
    '"><script>alert(28)</script>',
    "'><img src=x onerror=alert(29)>",
    '" onmouseover="alert(30)" x="',
    "' autofocus onfocus='alert(31)' x='",
    "</title><script>alert(32)</script>",
    "</textarea><script>alert(33)</script>",
    "</style><script>alert(34)</script>",
    "</noscript><img src=x onerror=alert(35)>",
    "--><script>alert(36)</script><!--",
    "]]><script>alert(37)</script>",
    "</script><script>alert(38)</script>",
    # Script schemes in Markdown
    "[click](javascript:alert(39))",
    "[click](JaVaScRiPt:alert(40))",
    "[click](  javascript:alert(41))",
    "[click](&#x6A;avascript:alert(42))",
    "[click](java&#x09;script:alert(43))",
    "[click](vbscript:msgbox(44))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCg0NSk8L3NjcmlwdD4=)",
    "![img](javascript:alert(46))",
    '![img](x "onerror=alert(47)")',
    "<javascript:alert(48)>",
    "[ref][r]\n\n[r]: javascript:alert(49)",
    "[a](<javascript:alert(50)>)",
    # Entities, encodings and case
    "&lt;script&gt;alert(51)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(52)&#62;",
    "\\u003cimg src=x onerror=alert(53)\\u003e",
    "<ScRiPt>alert(54)</sCrIpT>",
    "<img src=x onerror=&#97;lert(55)>",
    "<img src=`x` onerror=alert(56)>",
    # Parsers that disagree (mutation after sanitising)
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(57)>",
    "<svg><style><img src=x onerror=alert(58)></style></svg>",
    '<noscript><p title="</noscript><img src=x onerror=alert(59)>">',
    "<form><math><mtext></form><form><mglyph><svg><mtext><style><img src onerror=alert(60)>",
    "<a href='x'>`<img src=x onerror=alert(61)>`</a>",
    "```\n</code></pre><script>alert(62)</script>\n```",
    # Template syntax (a server that rendered text as a template would show 49)
    "{{ 7*7 }} {% print(63) %}",
    "${alert(64)} #{alert(64)}",
    # Plain text that must come back as text
    "Tom & Jerry <3 \"quotes\" 'apostrophes'",
    "@admin <b>bold?</b> print()",
]
