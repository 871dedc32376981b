"""The loop from answers back into the docs: promoting accepted answers into a module's
FAQ, keeping the entries in order, and folding them into the lesson itself."""

from __future__ import annotations

from sqlalchemy import func, select

from forum import markdown
from forum.database import write_transaction
from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.models import FaqEntry, Module, Post, Thread, User, utcnow
from forum.services import modules, permissions, validation
from forum.services.threads import load_thread

POSITION_MAX = 10_000


def list_entries(actor: User, module: Module) -> list[FaqEntry]:
    """The FAQ shown with its module (to whoever sees the module), in its order."""
    if not permissions.can_see_module(actor, module):
        return []
    return list(
        db.session.scalars(
            select(FaqEntry)
            .where(FaqEntry.module_id == module.id)
            .order_by(FaqEntry.position, FaqEntry.id)
        )
    )


def get_entry(actor: User, entry_id: int) -> FaqEntry:
    entry = db.session.get(FaqEntry, entry_id)
    if entry is None or not permissions.can_see_module(actor, entry.module):
        raise NotFound("No such FAQ entry.")
    return entry


def _managed_entry(actor: User, entry_id: int) -> FaqEntry:
    entry = get_entry(actor, entry_id)
    if not permissions.can_manage_faq(actor, entry.module):
        raise Forbidden("Only the module's owner and managers change its FAQ.")
    return entry


def needs_review(entry: FaqEntry) -> bool:
    """The lesson changed since the entry was promoted or last reviewed."""
    return entry.module.revision > entry.reviewed_revision


def _position(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= POSITION_MAX:
        raise Invalid.field("position", f"must be a whole number from 0 to {POSITION_MAX}")
    return value


def _question(value: object) -> str:
    return validation.text("question", value, max_len=validation.TITLE_MAX)


def promote(
    actor: User, thread_id: int, *, question: str | None = None, answer: str | None = None
) -> FaqEntry:
    """Publish a thread's accepted answer as a FAQ entry of its module (see DESIGN: it is
    then shown with the module, whatever the thread's visibility, and names no author)."""
    if question is not None:
        question = _question(question)
    if answer is not None:
        answer = validation.markdown("answer", answer)
    with write_transaction() as session:
        thread = load_thread(actor, thread_id)
        if not permissions.can_manage_faq(actor, thread.module):
            raise Forbidden("Only the module's owner and managers promote answers.")
        accepted = session.get(Post, thread.accepted_post_id) if thread.accepted_post_id else None
        if accepted is None or accepted.deleted:
            raise Conflict("This thread has no accepted answer to promote.")
        text = answer if answer is not None else accepted.body
        last = session.scalar(
            select(func.max(FaqEntry.position)).where(FaqEntry.module_id == thread.module_id)
        )
        entry = FaqEntry(
            module_id=thread.module_id,
            question=question if question is not None else thread.title,
            answer=text,
            answer_html=markdown.render(text),
            source_thread_id=thread.id,
            promoted_by_id=actor.id,
            position=(last or 0) + 1,
            reviewed_revision=thread.module.revision,
        )
        session.add(entry)
        session.flush()
    return entry


def update_entry(actor: User, entry_id: int, **changes: object) -> FaqEntry:
    """Any of question, answer (Markdown, as written) and position."""
    unknown = set(changes) - {"question", "answer", "position"}
    if unknown:
        raise Invalid.field(sorted(unknown)[0], "unknown field")
    question = _question(changes["question"]) if "question" in changes else None
    answer = validation.markdown("answer", changes["answer"]) if "answer" in changes else None
    position = _position(changes["position"]) if "position" in changes else None
    rendered = (answer, markdown.render(answer)) if answer is not None else None
    with write_transaction():
        entry = _managed_entry(actor, entry_id)
        if question is not None:
            entry.question = question
        if rendered is not None:
            entry.answer, entry.answer_html = rendered
        if position is not None:
            entry.position = position
        entry.updated_at = utcnow()
    return entry


def remove_entry(actor: User, entry_id: int) -> None:
    with write_transaction() as session:
        session.delete(_managed_entry(actor, entry_id))


def mark_reviewed(actor: User, entry_id: int) -> FaqEntry:
    """The entry still holds for the lesson as it is now."""
    with write_transaction():
        entry = _managed_entry(actor, entry_id)
        entry.reviewed_revision = entry.module.revision
    return entry


def fold_into_lesson(actor: User, entry_id: int) -> Module:
    """Write the entry into the lesson (a new revision of the module) and remove it."""
    with write_transaction() as session:
        entry = _managed_entry(actor, entry_id)
        module = entry.module
        body = f"{module.body.rstrip()}\n\n### {entry.question}\n\n{entry.answer.strip()}\n"
        if len(body) > validation.BODY_MAX:
            raise Invalid.field("body", "the lesson would be too long with this entry in it")
        session.delete(entry)
        return modules.update_module(actor, module.id, body=body)


def visible_sources(actor: User, entries: list[FaqEntry]) -> set[int]:
    """Ids of the entries' source threads the actor may open (others stay unlinked)."""
    ids = sorted({e.source_thread_id for e in entries if e.source_thread_id})
    if not ids:
        return set()
    found = db.session.scalars(select(Thread).where(Thread.id.in_(ids)))
    return {t.id for t in found if permissions.can_see_thread(actor, t)}


def draft(actor: User, thread_id: int) -> tuple[Thread, str, str | None]:
    """What promoting the thread would publish (its title, the accepted answer's text), for
    the promoter to edit first; the answer is None when nothing is accepted."""
    thread = load_thread(actor, thread_id)
    if not permissions.can_manage_faq(actor, thread.module):
        raise Forbidden("Only the module's owner and managers add to its FAQ.")
    accepted = db.session.get(Post, thread.accepted_post_id) if thread.accepted_post_id else None
    return thread, thread.title, None if accepted is None or accepted.deleted else accepted.body
