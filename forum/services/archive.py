"""The archive's feedback to a module's owner: which questions the docs do not answer yet,
which come back again and again, what is waiting for the FAQ, and how often an earlier
answer spared someone the asking."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from forum.database import write_transaction
from forum.errors import Forbidden
from forum.extensions import db
from forum.models import FaqEntry, Module, SimilarOpen, Thread, User, utcnow
from forum.services import faq, modules, permissions
from forum.services.threads import load_thread

# Opening an earlier answer counts as "answered before asking" when the person then asks
# nothing in that module for this long.
ASKED_ANYWAY_WITHIN = timedelta(minutes=30)
# One open of the same thread by the same person in this time counts once.
OPEN_REPEAT = timedelta(minutes=30)
GROUPED_WHEN = 0.5  # share of title words two questions have in common to be "the same"
_STOP = frozenset(
    re.findall(
        r"\w+",
        "a an and are as at be by can do does for from get how i if in is it me my of on or "
        "our should so that the their there this to we what when where which who why will "
        "with you your",
    )
)


def record_similar_open(actor: User, module_id: int, thread_id: int) -> None:
    """``actor``, about to ask in this module, opened this earlier answered question."""
    modules.get_module(actor, module_id)
    load_thread(actor, thread_id)
    now = utcnow()
    with write_transaction() as session:
        recent = session.scalar(
            select(SimilarOpen.id).where(
                SimilarOpen.user_id == actor.id,
                SimilarOpen.thread_id == thread_id,
                SimilarOpen.module_id == module_id,
                SimilarOpen.created_at > now - OPEN_REPEAT,
            )
        )
        if recent is None:
            session.add(
                SimilarOpen(
                    user_id=actor.id, module_id=module_id, thread_id=thread_id, created_at=now
                )
            )


@dataclass
class DocGaps:
    module: Module
    open_questions: list[Thread] = field(default_factory=list)  # oldest first
    repeated: list[list[Thread]] = field(default_factory=list)  # groups of alike titles
    not_in_faq: list[Thread] = field(default_factory=list)  # answered, not promoted
    to_review: list[FaqEntry] = field(default_factory=list)  # the lesson changed since
    opens: int = 0  # similar answers opened from the list
    answered_before_asking: int = 0  # ... and no question followed


def _words(title: str) -> frozenset[str]:
    words = (w.rstrip("s") for w in re.findall(r"[a-z0-9]+", title.lower()))
    return frozenset(w for w in words if w not in _STOP and len(w) > 1)


def _alike(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= GROUPED_WHEN


def group_alike(questions: list[Thread]) -> list[list[Thread]]:
    """Questions whose titles share most of their words, in groups of two or more."""
    groups: list[tuple[frozenset[str], list[Thread]]] = []
    for thread in questions:
        words = _words(thread.title)
        for seed, members in groups:
            if _alike(seed, words):
                members.append(thread)
                break
        else:
            groups.append((words, [thread]))
    return [members for _, members in groups if len(members) > 1]


def _answered_before_asking(module_id: int, since: datetime) -> tuple[int, int]:
    """How many answers were opened from the list since ``since``, and how many of those
    were followed by no question from the same person in the module soon after."""
    opens = db.session.execute(
        select(SimilarOpen.user_id, SimilarOpen.created_at).where(
            SimilarOpen.module_id == module_id, SimilarOpen.created_at >= since
        )
    ).all()
    asked: dict[int | None, list[datetime]] = {}
    for author_id, created_at in db.session.execute(
        select(Thread.author_id, Thread.created_at).where(
            Thread.module_id == module_id,
            Thread.kind == "question",
            Thread.created_at >= since,
            Thread.author_id.in_({user_id for user_id, _ in opens}),
        )
    ):
        asked.setdefault(author_id, []).append(created_at)
    settled = utcnow() - ASKED_ANYWAY_WITHIN  # younger opens may still be followed
    spared = sum(
        1
        for user_id, opened in opens
        if opened <= settled
        and not any(opened <= t <= opened + ASKED_ANYWAY_WITHIN for t in asked.get(user_id, ()))
    )
    return len(opens), spared


def doc_gaps(actor: User, module_id: int, days: int = 90) -> DocGaps:
    """The doc-gaps page of a module, for its owner and managers."""
    module = modules.get_module(actor, module_id)
    if not permissions.can_manage_faq(actor, module):
        raise Forbidden("Only the module's owner and managers see its doc gaps.")
    questions = list(
        db.session.scalars(
            select(Thread)
            .where(Thread.module_id == module.id, Thread.kind == "question")
            .order_by(Thread.created_at, Thread.id)
        )
    )
    entries = faq.list_entries(actor, module)
    promoted = {e.source_thread_id for e in entries}
    gaps = DocGaps(
        module=module,
        open_questions=[t for t in questions if t.accepted_post_id is None],
        repeated=group_alike(questions),
        not_in_faq=[t for t in questions if t.accepted_post_id and t.id not in promoted],
        to_review=[e for e in entries if faq.needs_review(e)],
    )
    gaps.opens, gaps.answered_before_asking = _answered_before_asking(
        module.id, utcnow() - timedelta(days=days)
    )
    return gaps
