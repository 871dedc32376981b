"""Searching the answer archive."""

from __future__ import annotations

from flask_login import current_user

from forum.api.common import Blueprint, envelope, signed_in
from forum.api.schemas import (
    SearchArgs,
    SearchResultsSchema,
    SimilarArgs,
    ThreadSummarySchema,
    list_of,
)
from forum.services import search, threads
from forum.services.pagination import Page

blp = Blueprint("api_search", __name__, description="Search")


@blp.get("/search")
@signed_in
@blp.arguments(SearchArgs, location="query")
@blp.response(200, SearchResultsSchema)
def search_archive(args):
    """Hits the caller may see, best first; ``total`` counts only those. ``suggestion`` is
    the query with misspelled words corrected when that finds something, else null."""
    text = args.pop("q")
    results = search.search(current_user, text, **args)
    return {
        "items": [
            {
                "type": h.type,
                "id": h.id,
                "thread_id": h.thread_id,
                "module_id": h.module_id or None,  # a transcript of a session for no module
                "title": h.title,
                "snippet": h.snippet,
                "url": search.hit_path(h),
                "score": h.score,
            }
            for h in results.hits
        ],
        "page": results.page,
        "per_page": results.per_page,
        "total": results.total,
        "suggestion": results.suggestion,
    }


@blp.get("/modules/<int:module_id>/similar")
@signed_in
@blp.arguments(SimilarArgs, location="query")
@blp.response(200, list_of(ThreadSummarySchema))
def similar(args, module_id: int):
    """Up to 5 answered questions most like ``q`` (a question being typed), best first,
    this module's ahead of others of like relevance."""
    hits = search.similar(current_user, module_id, args["q"])
    rows = threads.threads_in_order(current_user, [h.id for h in hits])
    return envelope(Page(items=rows, page=1, per_page=search.SIMILAR_MAX, total=len(rows)))
