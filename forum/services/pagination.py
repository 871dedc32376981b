"""One page of a list query, with the total of what the caller may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from forum.errors import Invalid
from forum.extensions import db

T = TypeVar("T")
MAX_PER_PAGE = 100


@dataclass
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int


def clamp(page: int, per_page: int) -> tuple[int, int]:
    if page < 1:
        raise Invalid.field("page", "must be 1 or more")
    if per_page < 1:
        raise Invalid.field("per_page", "must be 1 or more")
    return page, min(per_page, MAX_PER_PAGE)


def paginate(
    stmt: Select[*tuple[Any, ...]], page: int = 1, per_page: int = 20, scalars: bool = True
) -> Page[Any]:
    page, per_page = clamp(page, per_page)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    total = total or 0
    offset = (page - 1) * per_page
    if offset >= total:
        # Past the end: an empty page. Never sent to the database, whose OFFSET would
        # overflow on a huge page number.
        return Page(items=[], page=page, per_page=per_page, total=total)
    result = db.session.execute(stmt.limit(per_page).offset(offset))
    items = list(result.scalars() if scalars else result)
    return Page(items=items, page=page, per_page=per_page, total=total)
