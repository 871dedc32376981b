"""Searching the archive: the rules around the backends (what may be searched, by whom, and
when a "did you mean" may be offered)."""

from __future__ import annotations

from forum.models import THREAD_KINDS, User
from forum.search import get_backend
from forum.search.base import TYPES, Filters, Hit, Results, parse_query
from forum.search.synonyms import with_synonyms
from forum.services import limits, modules, permissions, validation
from forum.services.pagination import clamp


def search(
    actor: User,
    text: str,
    *,
    module_id: int | None = None,
    cohort_id: int | None = None,
    kind: str | None = None,
    answered: bool = False,
    type: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Results:
    """The hits the actor may see, best first, with the exact total and a suggestion.

    A filter on a cohort the actor cannot see finds nothing (not even the cohort's
    threads open to everyone): the answer says nothing about that cohort.
    """
    page, per_page = clamp(page, per_page)
    if kind is not None:
        validation.choice("kind", kind, THREAD_KINDS)
    if type is not None:
        validation.choice("type", type, TYPES)
    empty = Results(hits=[], total=0, page=page, per_page=per_page)
    query = parse_query(text if isinstance(text, str) else "")
    roles = permissions.cohort_roles(actor)
    if not query or (
        cohort_id is not None and not permissions.can_view_cohort(actor, roles.get(cohort_id))
    ):
        return empty
    limits.check(actor, "searches")
    filters = Filters(module_id, cohort_id, kind, answered, type)
    scope = permissions.search_scope(actor)
    backend = get_backend()
    results = backend.search(query, filters, scope, page, per_page)
    corrected = backend.corrected(query)
    # Offered only when it finds something this reader may see: a correction drawn from
    # words of a private thread must never spell them out to anyone else.
    if corrected and backend.search(parse_query(corrected), filters, scope, 1, 1).total:
        results.suggestion = corrected
    return results


def hit_path(hit: Hit) -> str:
    """Where a hit is read: the same address for the page and the API."""
    if hit.type == "post":
        return f"/threads/{hit.thread_id}#post-{hit.id}"
    if hit.type == "thread":
        return f"/threads/{hit.id}"
    if hit.type == "faq":
        return f"/modules/{hit.module_id}#faq-{hit.id}"
    if hit.type == "transcript":  # indexed once the session has ended
        return f"/office-hours/{hit.id}/transcript"
    return f"/modules/{hit.id}"


SIMILAR_MAX = 5
SIMILAR_POOL = 20  # candidates read before this module's are put first
SAME_MODULE_BOOST = 1.5
# A suggestion scoring below this share of the best one matched on a stray word only.
SIMILAR_CUTOFF = 0.25


def similar(actor: User, module_id: int, text: str, limit: int = SIMILAR_MAX) -> list[Hit]:
    """Answered questions most like ``text`` (a question being typed), best first, this
    module's ahead of others of like relevance; only threads the actor may see.

    Words are OR'd and matched against each thread's title, opening post and accepted
    answer, after the small synonym list has added the words people use for the same
    thing (a paraphrase rarely shares every word with the title it means).
    """
    modules.get_module(actor, module_id)  # 404 for a module the actor cannot see
    query = parse_query(with_synonyms(text if isinstance(text, str) else ""))
    if not query:
        return []
    limits.check(actor, "searches")
    filters = Filters(kind="question", answered=True, type="thread")
    scope = permissions.search_scope(actor)
    pool = get_backend().search(query, filters, scope, 1, SIMILAR_POOL).hits
    weighted = sorted(
        ((h.score * (SAME_MODULE_BOOST if h.module_id == module_id else 1.0), h) for h in pool),
        key=lambda pair: pair[0],
        reverse=True,
    )
    best = weighted[0][0] if weighted else 0.0
    kept = [h for weight, h in weighted if weight >= best * SIMILAR_CUTOFF]
    return kept[: max(0, min(limit, SIMILAR_MAX))]
