"""Cohorts, their members and their schedule of due dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from forum.database import rowcount, write_transaction
from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.extensions import db
from forum.models import COHORT_ROLES, Cohort, Membership, Module, ScheduleEntry, User
from forum.services import permissions, validation
from forum.services.pagination import Page, paginate

DESCRIPTION_MAX = 2_000


@dataclass
class CohortRow:
    cohort: Cohort
    member_count: int


def role_in(user: User | None, cohort_id: int) -> str | None:
    if user is None or not permissions.is_signed_in(user):
        return None
    return db.session.scalar(
        select(Membership.role).where(
            Membership.cohort_id == cohort_id, Membership.user_id == user.id
        )
    )


def memberships_of(user: User) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.user_id == user.id)
            .options(selectinload(Membership.cohort))
            .join(Cohort)
            .order_by(Cohort.name)
        )
    )


def schedule_of(user: User) -> list[ScheduleEntry]:
    """The due dates of every cohort the user is in, soonest first (modules they may see)."""
    mine = select(Membership.cohort_id).where(Membership.user_id == user.id)
    return list(
        db.session.scalars(
            select(ScheduleEntry)
            .join(Module)
            .where(ScheduleEntry.cohort_id.in_(mine), permissions.visible_modules_clause(user))
            .options(selectinload(ScheduleEntry.module), selectinload(ScheduleEntry.cohort))
            .order_by(ScheduleEntry.due_at, Module.position, ScheduleEntry.id)
        )
    )


def _require_manager(actor: User) -> None:
    if not permissions.can_manage_cohorts(actor):
        raise Forbidden("Only managers and admins manage cohorts.")


def _visible_cohort(actor: User, cohort_id: int) -> Cohort:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not permissions.can_view_cohort(actor, role_in(actor, cohort_id)):
        raise NotFound("No such cohort.")
    return cohort


def _managed_cohort(actor: User, cohort_id: int) -> Cohort:
    cohort = _visible_cohort(actor, cohort_id)
    _require_manager(actor)
    return cohort


def _member_count(cohort_id: int) -> int:
    stmt = select(func.count()).where(Membership.cohort_id == cohort_id)
    return db.session.scalar(stmt) or 0


def create_cohort(actor: User, name: str, description: str | None = None) -> CohortRow:
    _require_manager(actor)
    name = validation.text("name", name, max_len=validation.TITLE_MAX)
    description = (
        validation.text("description", description, max_len=DESCRIPTION_MAX, min_len=0)
        if description is not None
        else ""
    )
    with write_transaction() as session:
        if session.scalar(select(Cohort.id).where(Cohort.name == name)):
            raise Conflict(f"A cohort named {name!r} already exists.", {"name": "taken"})
        cohort = Cohort(name=name, description=description)
        session.add(cohort)
        session.flush()
    return CohortRow(cohort, 0)


def update_cohort(
    actor: User, cohort_id: int, *, name: str | None = None, description: str | None = None
) -> CohortRow:
    with write_transaction() as session:
        cohort = _managed_cohort(actor, cohort_id)
        if name is not None:
            name = validation.text("name", name, max_len=validation.TITLE_MAX)
            clash = session.scalar(
                select(Cohort.id).where(Cohort.name == name, Cohort.id != cohort.id)
            )
            if clash:
                raise Conflict(f"A cohort named {name!r} already exists.", {"name": "taken"})
            cohort.name = name
        if description is not None:
            cohort.description = validation.text(
                "description", description, max_len=DESCRIPTION_MAX, min_len=0
            )
    return CohortRow(cohort, _member_count(cohort.id))


def list_cohorts(actor: User, page: int = 1, per_page: int = 20) -> Page[CohortRow]:
    counts = (
        select(Membership.cohort_id, func.count().label("n"))
        .group_by(Membership.cohort_id)
        .subquery()
    )
    stmt = (
        select(Cohort, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.cohort_id == Cohort.id)
        .where(permissions.visible_cohorts_clause(actor))
        .order_by(Cohort.name, Cohort.id)
    )
    result = paginate(stmt, page, per_page, scalars=False)
    result.items = [CohortRow(c, n) for c, n in result.items]
    return result


@dataclass
class CohortDetail:
    cohort: Cohort
    members: list[Membership]
    schedule: list[ScheduleEntry]
    my_role: str | None

    @property
    def member_count(self) -> int:
        return len(self.members)


def get_cohort(actor: User, cohort_id: int) -> CohortDetail:
    cohort = _visible_cohort(actor, cohort_id)
    members = list(
        db.session.scalars(
            select(Membership)
            .where(Membership.cohort_id == cohort.id)
            .join(User)
            .options(selectinload(Membership.user))
            .order_by(Membership.role.desc(), User.name)
        )
    )
    schedule = list(
        db.session.scalars(
            select(ScheduleEntry)
            .where(ScheduleEntry.cohort_id == cohort.id)
            .join(Module)
            .where(permissions.visible_modules_clause(actor))
            .options(selectinload(ScheduleEntry.module))
            .order_by(ScheduleEntry.due_at, Module.position)
        )
    )
    mine = next((m.role for m in members if m.user_id == actor.id), None)
    return CohortDetail(cohort, members, schedule, mine)


def add_member(actor: User, cohort_id: int, user_id: int, role: str = "learner") -> Membership:
    role = validation.choice("role", role, COHORT_ROLES)
    with write_transaction() as session:
        cohort = _managed_cohort(actor, cohort_id)
        user = session.get(User, user_id)
        if user is None:
            raise Invalid.field("user_id", "no such user")
        if role_in(user, cohort.id) is not None:
            raise Conflict(f"{user.name} is already a member of {cohort.name}.")
        membership = Membership(cohort_id=cohort.id, user_id=user.id, role=role)
        session.add(membership)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict(f"{user.name} is already a member of {cohort.name}.") from exc
        membership.user = user
    return membership


def people_to_add(actor: User, cohort_id: int) -> list[User]:
    """Active people who are not in the cohort yet, by name: the choices of the add form."""
    cohort = _managed_cohort(actor, cohort_id)
    members = select(Membership.user_id).where(Membership.cohort_id == cohort.id)
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.id.not_in(members))
            .order_by(User.name, User.id)
        )
    )


def remove_member(actor: User, cohort_id: int, user_id: int) -> None:
    with write_transaction() as session:
        cohort = _managed_cohort(actor, cohort_id)
        gone = session.execute(
            delete(Membership).where(
                Membership.cohort_id == cohort.id, Membership.user_id == user_id
            )
        )
        if rowcount(gone) == 0:
            raise NotFound("That person is not a member of this cohort.")


def set_due_date(actor: User, cohort_id: int, module_id: int, due_at: datetime) -> ScheduleEntry:
    with write_transaction() as session:
        cohort = _managed_cohort(actor, cohort_id)
        module = session.get(Module, module_id)
        if module is None or not permissions.can_see_module(actor, module):
            raise NotFound("No such module.")
        entry = session.scalar(
            select(ScheduleEntry).where(
                ScheduleEntry.cohort_id == cohort.id, ScheduleEntry.module_id == module.id
            )
        )
        if entry is None:
            entry = ScheduleEntry(cohort_id=cohort.id, module_id=module.id, due_at=due_at)
            session.add(entry)
        else:
            entry.due_at = due_at
        session.flush()
    return entry


def clear_due_date(actor: User, cohort_id: int, module_id: int) -> None:
    with write_transaction() as session:
        cohort = _managed_cohort(actor, cohort_id)
        gone = session.execute(
            delete(ScheduleEntry).where(
                ScheduleEntry.cohort_id == cohort.id, ScheduleEntry.module_id == module_id
            )
        )
        if rowcount(gone) == 0:
            raise NotFound("This module has no due date in this cohort.")
