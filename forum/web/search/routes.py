from __future__ import annotations

from flask import render_template, request
from flask_login import current_user, login_required

from forum.search.base import QUERY_MAX
from forum.services import modules, search
from forum.web.common import page_number, query_id
from forum.web.search import bp

PER_PAGE = 20
TABS = (
    (None, "Everything"),
    ("thread", "Questions and discussions"),
    ("post", "Replies"),
    ("faq", "FAQ"),
    ("module", "Lessons"),
    ("transcript", "Office hours"),
)


@bp.get("/search")
@login_required
def results():
    me = current_user._get_current_object()
    text = request.args.get("q", "")[:QUERY_MAX]
    kind = request.args.get("type") or None
    module_id = query_id("module_id")
    answered = request.args.get("answered") == "1"
    found = search.search(
        me,
        text,
        module_id=module_id,
        answered=answered,
        type=kind,
        page=page_number(),
        per_page=PER_PAGE,
    )
    return render_template(
        "search/results.html",
        q=text,
        found=found,
        tabs=TABS,
        current_type=kind,
        module_id=module_id,
        answered=answered,
        modules=modules.all_visible_modules(me),
        path_of=search.hit_path,
    )
