"""The one place that decides who may see or do what.

Views, the API, sockets and templates ask these predicates; they never decide on their own.
``actor`` is the signed-in user, or None for an anonymous visitor. Something the actor may
not see does not exist for them: services turn a failed visibility check into NotFound.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, select, true

from forum.models import Cohort, Membership, Module, User


def is_signed_in(actor: User | None) -> bool:
    return actor is not None and actor.is_authenticated and actor.active


def is_admin(actor: User | None) -> bool:
    return is_signed_in(actor) and actor.role == "admin"


def is_manager(actor: User | None) -> bool:
    """Managers, and admins, who may do whatever managers may."""
    return is_signed_in(actor) and actor.role in ("admin", "manager")


# People --------------------------------------------------------------------------------


def can_list_users(actor: User | None) -> bool:
    return is_manager(actor)


def can_create_user(actor: User | None, role: str) -> bool:
    """Admins create anyone; managers create members only."""
    return is_admin(actor) or (is_manager(actor) and role == "member")


def can_edit_user(actor: User | None, target: User, new_role: str | None = None) -> bool:
    """Admins edit anyone; managers edit members, and may not promote them."""
    if is_admin(actor):
        return True
    if not is_manager(actor) or target.role != "member":
        return False
    return new_role in (None, "member")


def can_view_user(actor: User | None, target: User) -> bool:
    return is_manager(actor) or (is_signed_in(actor) and actor.id == target.id)


# Cohorts -------------------------------------------------------------------------------


def can_manage_cohorts(actor: User | None) -> bool:
    return is_manager(actor)


def visible_cohorts_clause(actor: User | None) -> ColumnElement[bool]:
    """Managers see every cohort; others the cohorts they belong to."""
    if is_manager(actor):
        return true()
    if not is_signed_in(actor):
        return false()
    mine = select(Membership.cohort_id).where(Membership.user_id == actor.id)
    return Cohort.id.in_(mine)


def can_view_cohort(actor: User | None, cohort_role: str | None) -> bool:
    """``cohort_role`` is the actor's role in the cohort, or None when not a member."""
    return is_manager(actor) or (is_signed_in(actor) and cohort_role is not None)


# Modules -------------------------------------------------------------------------------


def can_create_module(actor: User | None) -> bool:
    return is_manager(actor)


def can_edit_module(actor: User | None, module: Module) -> bool:
    return is_manager(actor) or (is_signed_in(actor) and module.owner_id == actor.id)


def can_see_module(actor: User | None, module: Module) -> bool:
    if not is_signed_in(actor):
        return False
    return module.published or can_edit_module(actor, module)


def visible_modules_clause(actor: User | None) -> ColumnElement[bool]:
    """SQL twin of ``can_see_module`` for list queries."""
    if is_manager(actor):
        return true()
    if not is_signed_in(actor):
        return false()
    return or_(Module.published.is_(True), Module.owner_id == actor.id)
