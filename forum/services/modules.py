"""Training modules: lessons in order, edited with a kept history."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from forum import markdown
from forum.database import write_transaction
from forum.errors import Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.models import Module, ModuleRevision, User, utcnow
from forum.services import permissions, validation
from forum.services.pagination import Page, paginate

MAX_POSITION = 1_000_000
_UNSET = object()


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:200].rstrip("-") or "module"


def _unique_slug(title: str) -> str:
    base = slugify(title)
    taken = set(db.session.scalars(select(Module.slug).where(Module.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _position(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_POSITION:
        raise Invalid.field("position", f"must be a whole number from 0 to {MAX_POSITION}")
    return value


def _owner(owner_id: object) -> User:
    if isinstance(owner_id, bool) or not isinstance(owner_id, int):
        raise Invalid.field("owner_id", "must be a user id")
    owner = db.session.get(User, owner_id) if 0 < owner_id < 2**31 else None
    if owner is None or not owner.active:
        raise Invalid.field("owner_id", "no such active user")
    return owner


def get_module(actor: User | None, module_id: int) -> Module:
    module = db.session.get(Module, module_id, options=[selectinload(Module.owner)])
    if module is None or not permissions.can_see_module(actor, module):
        raise NotFound("No such module.")
    return module


def get_module_by_slug(actor: User | None, slug: str) -> Module:
    module = db.session.scalar(select(Module).where(Module.slug == slug))
    if module is None or not permissions.can_see_module(actor, module):
        raise NotFound("No such module.")
    return module


def list_modules(actor: User | None, page: int = 1, per_page: int = 20) -> Page[Module]:
    stmt = (
        select(Module)
        .where(permissions.visible_modules_clause(actor))
        .options(selectinload(Module.owner))
        .order_by(Module.position, Module.id)
    )
    return paginate(stmt, page, per_page)


def all_visible_modules(actor: User | None) -> list[Module]:
    """Every module the actor may see, in order (for navigation and schedules)."""
    stmt = (
        select(Module)
        .where(permissions.visible_modules_clause(actor))
        .options(selectinload(Module.owner))
        .order_by(Module.position, Module.id)
    )
    return list(db.session.scalars(stmt))


def _record_revision(module: Module, author: User | None) -> None:
    db.session.add(
        ModuleRevision(
            module_id=module.id,
            revision=module.revision,
            title=module.title,
            summary=module.summary,
            body=module.body,
            author_id=author.id if author else None,
            created_at=module.updated_at,
        )
    )


def create_module(
    actor: User,
    *,
    title: str,
    body: str,
    summary: str | None = None,
    video_url: str | None = None,
    owner_id: int | None = None,
    position: int | None = None,
    published: bool = True,
) -> Module:
    if not permissions.can_create_module(actor):
        raise Forbidden("Only managers and admins create modules.")
    title = validation.text("title", title, max_len=validation.TITLE_MAX)
    body = validation.markdown("body", body)
    summary = validation.text("summary", summary or "", max_len=validation.SUMMARY_MAX, min_len=0)
    video = validation.http_url("video_url", video_url)
    body_html = markdown.render(body)  # before the write lock: rendering takes time
    with write_transaction() as session:
        owner = _owner(owner_id) if owner_id is not None else actor
        if position is None:
            position = (session.scalar(select(func.max(Module.position))) or 0) + 1
        now = utcnow()
        module = Module(
            slug=_unique_slug(title),
            title=title,
            summary=summary,
            body=body,
            body_html=body_html,
            video_url=video,
            owner_id=owner.id,
            position=_position(position),
            published=bool(published),
            revision=1,
            created_at=now,
            updated_at=now,
        )
        session.add(module)
        session.flush()
        _record_revision(module, actor)
        module.owner = owner
    return module


def possible_owners(actor: User) -> list[User]:
    """Active people by name: whom a manager may make a module's owner."""
    if not permissions.is_manager(actor):
        raise Forbidden("Only managers hand a module to an owner.")
    return list(
        db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.name, User.id))
    )


def update_module(actor: User, module_id: int, **changes: object) -> Module:
    """Apply any of title, body, summary, video_url, owner_id, position, published.

    The revision moves on only when the text (title, summary or body) changes.
    """
    allowed = {"title", "body", "summary", "video_url", "owner_id", "position", "published"}
    unknown = set(changes) - allowed
    if unknown:
        raise Invalid.field(sorted(unknown)[0], "unknown field")
    rendered = None  # the body and its HTML
    if "body" in changes:  # validated and rendered before the write lock
        body = validation.markdown("body", changes["body"])
        rendered = (body, markdown.render(body))
    with write_transaction():
        module = get_module(actor, module_id)
        if not permissions.can_edit_module(actor, module):
            raise Forbidden("Only the module's owner and managers edit it.")
        text_changed = _apply_text(module, changes, rendered)
        _apply_settings(actor, module, changes)
        module.updated_at = utcnow()
        if text_changed:
            module.revision += 1
            _record_revision(module, actor)
    return module


def _apply_text(
    module: Module, changes: dict[str, object], rendered: tuple[str, str] | None
) -> bool:
    changed = False
    if "title" in changes:
        title = validation.text("title", changes["title"], max_len=validation.TITLE_MAX)
        changed |= title != module.title
        module.title = title
    if "summary" in changes:
        summary = validation.text(
            "summary", changes["summary"] or "", max_len=validation.SUMMARY_MAX, min_len=0
        )
        changed |= summary != module.summary
        module.summary = summary
    if rendered is not None and rendered[0] != module.body:
        changed = True
        module.body, module.body_html = rendered
    return changed


def _apply_settings(actor: User, module: Module, changes: dict[str, object]) -> None:
    if "video_url" in changes:
        module.video_url = validation.http_url("video_url", changes["video_url"])
    if "owner_id" in changes:
        if not permissions.is_manager(actor):
            raise Forbidden("Only managers hand a module to another owner.")
        module.owner = _owner(changes["owner_id"])
    if "position" in changes:
        module.position = _position(changes["position"])
    if "published" in changes:
        if not isinstance(changes["published"], bool):
            raise Invalid.field("published", "must be true or false")
        module.published = changes["published"]


def move_module(actor: User, module_id: int, direction: int) -> None:
    """Swap a module with its neighbour above (-1) or below (+1) in the course order."""
    with write_transaction():
        module = get_module(actor, module_id)
        if not permissions.is_manager(actor):
            raise Forbidden("Only managers reorder modules.")
        ordered = list(db.session.scalars(select(Module).order_by(Module.position, Module.id)))
        for i, m in enumerate(ordered):  # make positions distinct and dense first
            m.position = i + 1
        index = ordered.index(module)
        other = index + (1 if direction > 0 else -1)
        if 0 <= other < len(ordered):
            ordered[index].position, ordered[other].position = (
                ordered[other].position,
                ordered[index].position,
            )


def list_revisions(
    actor: User | None, module_id: int, page: int = 1, per_page: int = 20
) -> Page[ModuleRevision]:
    module = get_module(actor, module_id)
    stmt = (
        select(ModuleRevision)
        .where(ModuleRevision.module_id == module.id)
        .options(selectinload(ModuleRevision.author))
        .order_by(ModuleRevision.revision.desc())
    )
    return paginate(stmt, page, per_page)


@dataclass
class RevisionDiff:
    old: ModuleRevision | None
    new: ModuleRevision
    lines: list[tuple[str, str]]  # (" ", "+", "-" or "@", text)


def diff_revision(actor: User | None, module_id: int, revision: int) -> RevisionDiff:
    """What revision N changed against N - 1, line by line."""
    module = get_module(actor, module_id)
    rows = {
        r.revision: r
        for r in db.session.scalars(
            select(ModuleRevision)
            .where(
                ModuleRevision.module_id == module.id,
                ModuleRevision.revision.in_([revision - 1, revision]),
            )
            .options(selectinload(ModuleRevision.author))
        )
    }
    new = rows.get(revision)
    if new is None:
        raise NotFound("No such revision.")
    old = rows.get(revision - 1)

    def as_text(r: ModuleRevision | None) -> list[str]:
        if r is None:
            return []
        return [f"# {r.title}", "", *(r.summary.splitlines() or [""]), "", *r.body.splitlines()]

    lines: list[tuple[str, str]] = []
    for line in difflib.unified_diff(as_text(old), as_text(new), lineterm="", n=3):
        if line.startswith(("---", "+++")):
            continue
        lines.append((line[0] if line[0] in "+-@" else " ", line[1:] if line[0] != "@" else line))
    return RevisionDiff(old, new, lines)
