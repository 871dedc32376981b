"""Progress: what each person has done with each module, and what is overdue per cohort.

Progress belongs to a person and a module (``Progress``; no row means not started). A cohort
adds due dates: a scheduled module is overdue for a learner once its due date has passed and
they have not completed it. A module with a knowledge check completes only through a passing
attempt (``forum.services.quizzes`` completes it by itself).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum.database import write_transaction
from forum.errors import Conflict, NotFound
from forum.extensions import db
from forum.models import (
    PROGRESS_STATUSES,
    Cohort,
    Membership,
    Module,
    Progress,
    Quiz,
    QuizAttempt,
    ScheduleEntry,
    User,
    utcnow,
)
from forum.services import permissions, validation


@dataclass(frozen=True)
class ModuleState:
    """A learner's standing on one module, in one cohort's schedule (``due_at`` None when the
    cohort does not schedule it)."""

    status: str
    completed_at: datetime | None
    due_at: datetime | None
    overdue: bool

    @property
    def shown_status(self) -> str:
        """``overdue`` in place of the status when late: the dashboard's four states."""
        return "overdue" if self.overdue else self.status


@dataclass(frozen=True)
class LearnerModuleRow:
    """One learner and one scheduled module of a cohort."""

    cohort_id: int
    user: User
    module: Module
    due_at: datetime
    status: str
    completed_at: datetime | None
    overdue: bool

    @property
    def state(self) -> ModuleState:
        return ModuleState(self.status, self.completed_at, self.due_at, self.overdue)


def is_overdue(status: str, due_at: datetime | None, now: datetime | None = None) -> bool:
    return due_at is not None and status != "completed" and due_at < (now or utcnow())


def _state(progress: Progress | None, due_at: datetime | None, now: datetime) -> ModuleState:
    status = progress.status if progress else "not_started"
    completed_at = progress.completed_at if progress else None
    return ModuleState(status, completed_at, due_at, is_overdue(status, due_at, now))


def _row(user_id: int, module_id: int) -> Progress | None:
    return db.session.scalar(
        select(Progress).where(Progress.user_id == user_id, Progress.module_id == module_id)
    )


def has_passed(user: User, module_id: int) -> bool:
    """A passing attempt on any of the module's knowledge checks, replaced ones included:
    replacing a quiz does not take back what a learner has shown."""
    stmt = (
        select(QuizAttempt.id)
        .join(Quiz)
        .where(Quiz.module_id == module_id, QuizAttempt.user_id == user.id, QuizAttempt.passed)
        .limit(1)
    )
    return db.session.scalar(stmt) is not None


def _has_quiz(module_id: int) -> bool:
    stmt = select(Quiz.id).where(Quiz.module_id == module_id, Quiz.retired_at.is_(None)).limit(1)
    return db.session.scalar(stmt) is not None


def _visible_module(actor: User | None, module_id: int) -> Module:
    module = db.session.get(Module, module_id)
    if module is None or not permissions.can_track_progress(actor, module):
        raise NotFound("No such module.")
    return module


def set_progress(
    actor: User, module_id: int, status: str, *, now: datetime | None = None
) -> Progress:
    """Mark the actor's own progress on a module. Completing a module with a knowledge check
    needs a passing attempt first (409). Completing again keeps the first completion time."""
    status = validation.choice("status", status, PROGRESS_STATUSES)
    now = now or utcnow()
    with write_transaction() as session:
        module = _visible_module(actor, module_id)
        if status == "completed" and _has_quiz(module.id) and not has_passed(actor, module.id):
            raise Conflict("Pass this module's knowledge check to complete it.")
        progress = _row(actor.id, module.id)
        if progress is None:
            progress = Progress(user_id=actor.id, module_id=module.id)
            session.add(progress)
        _apply(progress, status, now)
        session.flush()
    return progress


def complete(user: User, module_id: int, now: datetime) -> Progress:
    """Complete a module for someone (a passing attempt does this); joins the caller's
    write transaction."""
    with write_transaction() as session:
        progress = _row(user.id, module_id)
        if progress is None:
            progress = Progress(user_id=user.id, module_id=module_id)
            session.add(progress)
        _apply(progress, "completed", now)
        session.flush()
    return progress


def _apply(progress: Progress, status: str, now: datetime) -> None:
    if status != "not_started" and progress.started_at is None:
        progress.started_at = now
    if status == "completed":
        if progress.status != "completed" or progress.completed_at is None:
            progress.completed_at = now
    else:
        progress.completed_at = None
    progress.status = status
    progress.updated_at = now


def get_progress(actor: User, module_id: int) -> ModuleState:
    """The actor's own status on a module (no due date: that belongs to a cohort)."""
    module = _visible_module(actor, module_id)
    return _state(_row(actor.id, module.id), None, utcnow())


def module_status(
    learner: User, cohort: Cohort, module: Module, now: datetime | None = None
) -> ModuleState:
    """The learner's standing on a module in a cohort, ``overdue`` by that cohort's due date."""
    due_at = db.session.scalar(
        select(ScheduleEntry.due_at).where(
            ScheduleEntry.cohort_id == cohort.id, ScheduleEntry.module_id == module.id
        )
    )
    return _state(_row(learner.id, module.id), due_at, now or utcnow())


def statuses_of(user: User, module_ids: Iterable[int]) -> dict[int, Progress]:
    """The user's progress rows for these modules, by module id (one query)."""
    ids = list(module_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Progress).where(Progress.user_id == user.id, Progress.module_id.in_(ids))
    )
    return {p.module_id: p for p in rows}


def scheduled_rows(
    cohort_ids: Iterable[int] | None = None,
    *,
    now: datetime | None = None,
    user_ids: Iterable[int] | None = None,
    include_unpublished: bool = False,
) -> list[LearnerModuleRow]:
    """Each learner x scheduled module of the given cohorts (all cohorts when None), with
    status, completion time and overdue, in three queries whatever the numbers.

    Learners only (facilitators have nothing to do); deactivated people are included, so
    callers that write to people filter on ``row.user.active`` themselves. Unpublished
    modules are left out unless asked for: their learners cannot see them.
    Ordered by cohort, due date, module position, learner name.
    """
    now = now or utcnow()
    cohort_ids = None if cohort_ids is None else list(cohort_ids)
    user_ids = None if user_ids is None else list(user_ids)
    entries = _schedule(cohort_ids, include_unpublished)
    members = _learners({e.cohort_id for e in entries}, user_ids)
    progress = _progress_for(cohort_ids, user_ids) if entries else {}
    rows = []
    for entry in entries:
        for member in members.get(entry.cohort_id, []):
            state = _state(progress.get((member.user_id, entry.module_id)), entry.due_at, now)
            rows.append(
                LearnerModuleRow(
                    entry.cohort_id,
                    member.user,
                    entry.module,
                    entry.due_at,
                    state.status,
                    state.completed_at,
                    state.overdue,
                )
            )
    return rows


@dataclass
class Standing:
    """A learner's place in one cohort: what is overdue, what is due next, the share done."""

    overdue: list[LearnerModuleRow] = field(default_factory=list)
    next_due: list[LearnerModuleRow] = field(default_factory=list)
    later: int = 0  # due after the ones in next_due
    done: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def standing_of(
    user: User, cohort_ids: list[int], *, now: datetime | None = None, shown: int = 3
) -> dict[int, Standing]:
    """The user's standing in each of these cohorts (the ones they learn in), with at most
    ``shown`` modules due next; three queries whatever the numbers."""
    standing = {cid: Standing() for cid in cohort_ids}
    for row in scheduled_rows(cohort_ids, now=now, user_ids=[user.id]):  # by due date
        s = standing[row.cohort_id]
        s.total += 1
        if row.status == "completed":
            s.done += 1
        elif row.overdue:
            s.overdue.append(row)
        elif len(s.next_due) < shown:
            s.next_due.append(row)
        else:
            s.later += 1
    return standing


@dataclass
class CohortGrid:
    """A cohort's learners x scheduled modules, as one viewer may see it (``scope`` "all",
    or "own" for a learner, who sees only their own row)."""

    cohort: Cohort
    entries: list[ScheduleEntry]
    learners: list[User]
    cells: dict[tuple[int, int], ModuleState]
    scope: str

    def cell(self, user_id: int, module_id: int) -> ModuleState:
        return self.cells[(user_id, module_id)]

    def row(self, user: User) -> list[ModuleState]:
        return [self.cells[(user.id, e.module_id)] for e in self.entries]

    def column(self, module_id: int) -> list[ModuleState]:
        return [self.cells[(u.id, module_id)] for u in self.learners]

    def tally(self, states: Iterable[ModuleState]) -> dict[str, int]:
        """How many are in each of the dashboard's four states."""
        counts = dict.fromkeys(("completed", "in_progress", "overdue", "not_started"), 0)
        for state in states:
            counts[state.shown_status] += 1
        return counts


def cohort_grid(actor: User, cohort_id: int, now: datetime | None = None) -> CohortGrid:
    """The grid of ``GET /cohorts/{id}/progress`` and the dashboard, in a fixed number of
    queries: facilitators and managers see every learner, a learner only themself."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("No such cohort.")
    role = permissions.cohort_roles(actor).get(cohort_id)
    scope = permissions.progress_scope(actor, role)
    if scope is None:
        raise NotFound("No such cohort.")
    now = now or utcnow()
    user_ids = None if scope == "all" else [actor.id]
    entries = _schedule([cohort.id], include_unpublished=permissions.is_manager(actor))
    members = _learners({cohort.id}, user_ids).get(cohort.id, [])
    progress = _progress_for([cohort.id], user_ids) if entries and members else {}
    cells = {
        (m.user_id, e.module_id): _state(progress.get((m.user_id, e.module_id)), e.due_at, now)
        for m in members
        for e in entries
    }
    return CohortGrid(cohort, entries, [m.user for m in members], cells, scope)


def _schedule(cohort_ids: Iterable[int] | None, include_unpublished: bool) -> list[ScheduleEntry]:
    stmt = (
        select(ScheduleEntry)
        .join(Module)
        .options(selectinload(ScheduleEntry.module))
        .order_by(ScheduleEntry.cohort_id, ScheduleEntry.due_at, Module.position, Module.id)
    )
    if cohort_ids is not None:
        stmt = stmt.where(ScheduleEntry.cohort_id.in_(cohort_ids))
    if not include_unpublished:
        stmt = stmt.where(Module.published.is_(True))
    return list(db.session.scalars(stmt))


def _learners(
    cohort_ids: set[int], user_ids: Iterable[int] | None = None
) -> dict[int, list[Membership]]:
    if not cohort_ids:
        return {}
    stmt = (
        select(Membership)
        .join(User)
        .where(Membership.cohort_id.in_(cohort_ids), Membership.role == "learner")
        .options(selectinload(Membership.user))
        .order_by(User.name, User.id)
    )
    if user_ids is not None:
        stmt = stmt.where(Membership.user_id.in_(user_ids))
    by_cohort: dict[int, list[Membership]] = {}
    for member in db.session.scalars(stmt):
        by_cohort.setdefault(member.cohort_id, []).append(member)
    return by_cohort


def _progress_for(
    cohort_ids: Iterable[int] | None, user_ids: Iterable[int] | None
) -> dict[tuple[int, int], Progress]:
    """Progress of those cohorts' learners on their scheduled modules: subqueries rather
    than lists of ids, so thousands of learners stay one statement of few parameters."""
    learners = select(Membership.user_id).where(Membership.role == "learner")
    scheduled = select(ScheduleEntry.module_id)
    if cohort_ids is not None:
        learners = learners.where(Membership.cohort_id.in_(cohort_ids))
        scheduled = scheduled.where(ScheduleEntry.cohort_id.in_(cohort_ids))
    stmt = select(Progress).where(Progress.user_id.in_(learners), Progress.module_id.in_(scheduled))
    if user_ids is not None:
        stmt = stmt.where(Progress.user_id.in_(user_ids))
    return {(p.user_id, p.module_id): p for p in db.session.scalars(stmt)}
