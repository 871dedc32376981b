"""The one place that decides who may see or do what.

Views, the API, sockets and templates ask these predicates; they never decide on their own.
``actor`` is the signed-in user, or None for an anonymous visitor. Something the actor may
not see does not exist for them: services turn a failed visibility check into NotFound.

``is_signed_in``, ``is_manager`` and ``is_admin`` tell the type checker that ``actor`` is a
User when they hold; where a check that fails returns early, ``actor is None`` is tested
first so that it knows the same afterwards (those checks are all false for a visitor).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeGuard, TypeVar

from sqlalchemy import (
    ColumnElement,
    Executable,
    Integer,
    and_,
    bindparam,
    event,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from forum.models import (
    Cohort,
    Membership,
    ModerationEntry,
    Module,
    OfficeHour,
    Post,
    Thread,
    User,
)
from forum.search.base import Scope
from forum.search.documents import NO_MODULE


def is_signed_in(actor: User | None) -> TypeGuard[User]:
    return actor is not None and actor.is_authenticated and actor.active


def is_admin(actor: User | None) -> TypeGuard[User]:
    return is_signed_in(actor) and actor.role == "admin"


def is_manager(actor: User | None) -> TypeGuard[User]:
    """Managers, and admins, who may do whatever managers may."""
    return is_signed_in(actor) and actor.role in ("admin", "manager")


# People --------------------------------------------------------------------------------


def can_list_users(actor: User | None) -> bool:
    return is_manager(actor)


def can_manage_jobs(actor: User | None) -> bool:
    """The background jobs (mail, indexing) and their errors: admins only, since errors and
    payloads may name anyone's address."""
    return is_admin(actor)


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


def can_see_profile(actor: User | None, target: User) -> bool:
    """A profile shows what posts already show (name, @handle): to everyone signed in."""
    return is_signed_in(actor)


def can_be_mailed(person: User | None) -> TypeGuard[User]:
    """Deactivated people, and people who never set a password, get no mail but invitations."""
    return person is not None and person.active and person.password_hash is not None


def mailable_clause() -> ColumnElement[bool]:
    """``can_be_mailed`` as SQL, on ``User``."""
    return and_(User.active.is_(True), User.password_hash.is_not(None))


# Cohorts -------------------------------------------------------------------------------


def can_manage_cohorts(actor: User | None) -> bool:
    return is_manager(actor)


def visible_cohorts_clause(actor: User | None) -> ColumnElement[bool]:
    """Managers see every cohort; others the cohorts they belong to."""
    if is_manager(actor):
        return true()
    if actor is None or not is_signed_in(actor):
        return false()
    mine = select(Membership.cohort_id).where(Membership.user_id == actor.id)
    return Cohort.id.in_(mine)


def can_view_cohort(actor: User | None, cohort_role: str | None) -> bool:
    """``cohort_role`` is the actor's role in the cohort, or None when not a member."""
    return is_manager(actor) or (is_signed_in(actor) and cohort_role is not None)


def progress_scope(actor: User | None, cohort_role: str | None) -> str | None:
    """Whose progress in a cohort the actor sees: "all" (its facilitators, managers),
    "own" (its learners: their own row), or None (not theirs to see: 404)."""
    if is_manager(actor) or (is_signed_in(actor) and cohort_role == "facilitator"):
        return "all"
    if is_signed_in(actor) and cohort_role == "learner":
        return "own"
    return None


# Modules -------------------------------------------------------------------------------


def can_create_module(actor: User | None) -> bool:
    return is_manager(actor)


def can_edit_module(actor: User | None, module: Module) -> bool:
    return is_manager(actor) or (is_signed_in(actor) and module.owner_id == actor.id)


def can_manage_faq(actor: User | None, module: Module) -> bool:
    """Promote answers into the module's FAQ, edit, reorder and remove its entries: its
    subject owner, managers and admins."""
    return can_edit_module(actor, module)


def can_see_module(actor: User | None, module: Module) -> bool:
    if not is_signed_in(actor):
        return False
    return module.published or can_edit_module(actor, module)


def can_track_progress(actor: User | None, module: Module) -> bool:
    """Anyone who sees a module may mark their own progress on it."""
    return can_see_module(actor, module)


def can_edit_quiz(actor: User | None, module: Module) -> bool:
    """A module's knowledge check is written by those who edit the module."""
    return can_edit_module(actor, module)


def can_see_quiz_answers(can_edit: bool, passed: bool) -> bool:
    """The correct answers: for the check's editors, and for learners once they passed it."""
    return can_edit or passed


def visible_modules_clause(actor: User | None, viewer: Viewer = None) -> ColumnElement[bool]:
    """SQL twin of ``can_see_module`` for list queries."""
    if is_manager(actor):
        return true()
    if actor is None or not is_signed_in(actor):
        return false()
    return or_(Module.published.is_(True), Module.owner_id == _viewer(actor, viewer))


# Statements built once per shape ---------------------------------------------------------------
#
# The SQL twins depend on the actor in two ways only: their shape (everything for managers,
# nothing for visitors, the rest by the actor's id) and that id. Given ``viewer=VIEWER`` they
# leave the id as the bound parameter ``viewer_id``, so a statement built from them can be
# built once per shape and reused: building a statement costs far more Python than running it.

Viewer = ColumnElement[int] | None
VIEWER = bindparam("viewer_id", type_=Integer)
S = TypeVar("S", bound=Executable)


def visibility_shape(actor: User | None) -> str:
    if is_manager(actor):
        return "all"
    return "own" if is_signed_in(actor) else "none"


def per_shape(build: Callable[[User | None, ColumnElement[int]], S]) -> Callable[[User | None], S]:
    """``build(actor, VIEWER)``, made once per visibility shape; run the statement with
    ``{"viewer_id": actor.id}``."""
    built: dict[str, S] = {}

    def statement(actor: User | None) -> S:
        shape = visibility_shape(actor)
        stmt = built.get(shape)
        if stmt is None:
            stmt = built[shape] = build(actor, VIEWER)
        return stmt

    return statement


def _viewer(actor: User, viewer: Viewer) -> ColumnElement[int] | int:
    return actor.id if viewer is None else viewer


# Cohort roles, looked up once per unit of work ------------------------------------------------

_ROLES_CACHE = "forum_cohort_roles"


def cohort_roles(actor: User | None) -> dict[int, str]:
    """The actor's cohort id -> role, cached in the DB session until the next commit."""
    if actor is None or not is_signed_in(actor):
        return {}
    from forum.extensions import db

    cache: dict[int, dict[int, str]] = db.session.info.setdefault(_ROLES_CACHE, {})
    if actor.id not in cache:
        rows = db.session.execute(_ROLES, {"user_id": actor.id})
        cache[actor.id] = dict(rows.all())
    return cache[actor.id]


_ROLES = select(Membership.cohort_id, Membership.role).where(
    Membership.user_id == bindparam("user_id")
)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_cached_roles(session: Session) -> None:
    session.info.pop(_ROLES_CACHE, None)


# Threads and posts -----------------------------------------------------------------------------


def can_see_thread(actor: User | None, thread: Thread) -> bool:
    """A thread is visible with its module; a cohort thread only to that cohort, the module's
    owner and managers."""
    module = thread.module
    if actor is None or not can_see_module(actor, module):
        return False
    if thread.visibility == "everyone" or is_manager(actor) or module.owner_id == actor.id:
        return True
    return thread.cohort_id in cohort_roles(actor)


def visible_threads_clause(actor: User | None, viewer: Viewer = None) -> ColumnElement[bool]:
    """SQL twin of ``can_see_thread`` (no join needed)."""
    if is_manager(actor):
        return true()
    if actor is None or not is_signed_in(actor):
        return false()
    me = _viewer(actor, viewer)
    visible_modules = select(Module.id).where(visible_modules_clause(actor, viewer))
    owned_modules = select(Module.id).where(Module.owner_id == me)
    my_cohorts = select(Membership.cohort_id).where(Membership.user_id == me)
    return and_(
        Thread.module_id.in_(visible_modules),
        or_(
            Thread.visibility == "everyone",
            Thread.cohort_id.in_(my_cohorts),
            Thread.module_id.in_(owned_modules),
        ),
    )


def is_moderator(actor: User | None, thread: Thread) -> bool:
    """Facilitators of the thread's cohort, the module's owner, managers and admins."""
    if actor is None or not is_signed_in(actor):
        return False
    if is_manager(actor) or thread.module.owner_id == actor.id:
        return True
    return thread.cohort_id is not None and cohort_roles(actor).get(thread.cohort_id) == (
        "facilitator"
    )


def can_start_thread(actor: User | None, module: Module, cohort_id: int | None) -> bool:
    """Anyone who sees the module; in a cohort only its members (and managers, the owner)."""
    if actor is None or not can_see_module(actor, module):
        return False
    if cohort_id is None or is_manager(actor) or module.owner_id == actor.id:
        return True
    return cohort_id in cohort_roles(actor)


def moderates_new_thread(actor: User | None, module: Module, cohort_id: int | None) -> bool:
    """Whether the actor would moderate a thread started here: ``is_moderator`` before the
    thread exists (managers, the module's owner, the cohort's facilitators)."""
    if actor is None or not is_signed_in(actor):
        return False
    if is_manager(actor) or module.owner_id == actor.id:
        return True
    return cohort_id is not None and cohort_roles(actor).get(cohort_id) == "facilitator"


def can_start_prompt(actor: User | None, module: Module) -> bool:
    return can_edit_module(actor, module)


def can_reply(actor: User | None, thread: Thread) -> bool:
    """A locked thread takes no replies, from anyone: unlock it first."""
    return can_see_thread(actor, thread) and not thread.locked


def can_edit_post(actor: User | None, thread: Thread, post: Post) -> bool:
    if actor is None or not can_see_thread(actor, thread) or post.deleted:
        return False
    return post.author_id == actor.id or is_moderator(actor, thread)


def can_delete_post(actor: User | None, thread: Thread, post: Post) -> bool:
    """Like editing, but also asked of a deleted post: deleting it again is allowed (a no-op)
    only to those who could have deleted it."""
    if actor is None or not can_see_thread(actor, thread):
        return False
    return post.author_id == actor.id or is_moderator(actor, thread)


def editable_posts(actor: User | None, thread: Thread, posts: list[Post]) -> set[int]:
    """Ids of the posts the actor may edit and delete: ``can_edit_post`` for a whole page."""
    if actor is None or not can_see_thread(actor, thread):
        return set()
    moderator = is_moderator(actor, thread)
    return {p.id for p in posts if not p.deleted and (moderator or p.author_id == actor.id)}


def can_vote(actor: User | None, thread: Thread, post: Post) -> bool:
    """Whoever sees a live post may vote on it, except its own author."""
    return (
        actor is not None
        and can_see_thread(actor, thread)
        and not post.deleted
        and post.author_id != actor.id
    )


def votable_posts(actor: User | None, thread: Thread, posts: list[Post]) -> set[int]:
    """Ids of the posts the actor may vote on: ``can_vote`` for a whole page."""
    if actor is None or not can_see_thread(actor, thread):
        return set()
    return {p.id for p in posts if not p.deleted and p.author_id != actor.id}


def can_accept(actor: User | None, thread: Thread) -> bool:
    if actor is None or not can_see_thread(actor, thread):
        return False
    return thread.author_id == actor.id or is_moderator(actor, thread)


def can_see_author(actor: User | None, thread: Thread, post: Post | Thread) -> bool:
    """Anonymous writing hides its author from peers, not from the author, moderators, admins."""
    if not post.anonymous:
        return True
    if actor is None or not is_signed_in(actor):
        return False
    return post.author_id == actor.id or is_admin(actor) or is_moderator(actor, thread)


# Moderation log ---------------------------------------------------------------------------------


def moderation_log_clause(actor: User | None) -> ColumnElement[bool] | None:
    """Which log entries the actor may read; None when they may read none (403)."""
    if is_manager(actor):
        return true()
    if actor is None or not is_signed_in(actor):
        return None
    facilitated = [cid for cid, role in cohort_roles(actor).items() if role == "facilitator"]
    from forum.extensions import db

    owns_modules = db.session.scalar(select(Module.id).where(Module.owner_id == actor.id).limit(1))
    if not facilitated and owns_modules is None:
        return None
    owned = select(Module.id).where(Module.owner_id == actor.id)
    return or_(
        ModerationEntry.cohort_id.in_(facilitated),
        ModerationEntry.module_id.in_(owned),
    )


def can_moderate_anything(actor: User | None) -> bool:
    """Managers, facilitators and module owners: who has a flag queue and a moderation log."""
    return moderation_log_clause(actor) is not None


def moderated_threads_clause(actor: User | None) -> ColumnElement[bool]:
    """Threads the actor moderates (for the flag queue)."""
    if is_manager(actor):
        return true()
    if actor is None or not is_signed_in(actor):
        return false()
    facilitated = [cid for cid, role in cohort_roles(actor).items() if role == "facilitator"]
    owned = select(Module.id).where(Module.owner_id == actor.id)
    return or_(Thread.cohort_id.in_(facilitated), Thread.module_id.in_(owned))


def who_can_see(users: list[User], thread: Thread, cohort_member_ids: set[int]) -> list[User]:
    """The people among ``users`` who may see ``thread`` (batch form, for notifying).

    ``cohort_member_ids`` are the ids of the members of the thread's cohort.
    """
    module = thread.module
    seen = []
    for user in users:
        sees_all = is_manager(user) or module.owner_id == user.id
        sees_this = module.published and (
            thread.visibility == "everyone" or user.id in cohort_member_ids
        )
        if user.active and (sees_all or sees_this):
            seen.append(user)
    return seen


# Office hours ------------------------------------------------------------------------------


def can_schedule_office_hours(actor: User | None) -> bool:
    """Managers, and facilitators (for their cohorts): who sees the scheduling form."""
    return is_manager(actor) or "facilitator" in cohort_roles(actor).values()


def can_schedule_office_hour(actor: User | None, cohort_id: int | None) -> bool:
    """Managers schedule any session; a facilitator only one for a cohort they facilitate."""
    if is_manager(actor):
        return True
    return cohort_id is not None and cohort_roles(actor).get(cohort_id) == "facilitator"


def is_host(actor: User | None, office_hour: OfficeHour) -> bool:
    """Who runs a session (start, end, take questions, remove people, edit it): its host,
    managers and admins."""
    if actor is None or not is_signed_in(actor):
        return False
    return is_manager(actor) or office_hour.host_id == actor.id


def can_join_office_hour(actor: User | None, office_hour: OfficeHour) -> bool:
    """A cohort's session: its members, the host, managers, and (as with the cohort's
    threads) the owner of its module. A session without a cohort: everyone signed in. A
    session on an unpublished module follows the module's rule."""
    if actor is None or not is_signed_in(actor) or office_hour.cancelled_at is not None:
        return False
    if is_host(actor, office_hour):
        return True
    module = office_hour.module
    if module is not None and module.owner_id == actor.id:
        return True
    if office_hour.cohort_id is not None and office_hour.cohort_id not in cohort_roles(actor):
        return False
    return module is None or can_see_module(actor, module)


def visible_office_hours_clause(actor: User | None, viewer: Viewer = None) -> ColumnElement[bool]:
    """SQL twin of ``can_join_office_hour`` for lists."""
    if actor is None or not is_signed_in(actor):
        return false()
    live = OfficeHour.cancelled_at.is_(None)
    if is_manager(actor):
        return live
    me = _viewer(actor, viewer)
    my_cohorts = select(Membership.cohort_id).where(Membership.user_id == me)
    visible_modules = select(Module.id).where(visible_modules_clause(actor, viewer))
    owned_modules = select(Module.id).where(Module.owner_id == me)
    return and_(
        live,
        or_(
            OfficeHour.host_id == me,
            OfficeHour.module_id.in_(owned_modules),
            and_(
                or_(OfficeHour.cohort_id.is_(None), OfficeHour.cohort_id.in_(my_cohorts)),
                or_(OfficeHour.module_id.is_(None), OfficeHour.module_id.in_(visible_modules)),
            ),
        ),
    )


def who_may_join(users: list[User], office_hour: OfficeHour, member_ids: set[int]) -> list[User]:
    """The active people among ``users`` who may join the session (batch form, for notifying);
    ``member_ids``: the ids of the members of its cohort."""
    module = office_hour.module
    return [
        u
        for u in users
        if u.active
        and (
            is_host(u, office_hour)
            or (module is not None and module.owner_id == u.id)
            or (
                (office_hour.cohort_id is None or u.id in member_ids)
                and (module is None or module.published or module.owner_id == u.id)
            )
        )
    ]


# Limits -------------------------------------------------------------------------------------


def exempt_from_limits(actor: User | None, *, moderates: bool = False) -> bool:
    """Write limits (``forum.services.limits``) spare managers and admins everywhere, and
    the moderators of the thread or room at hand (``moderates``, from ``is_moderator`` or
    its room twin): they are the ones cleaning up after a flood."""
    return is_manager(actor) or (moderates and is_signed_in(actor))


# Search -------------------------------------------------------------------------------------


def search_scope(actor: User | None) -> Scope:
    """What the actor may find, for the search backends to apply inside their queries:
    ``can_see_module`` and ``can_see_thread`` in the shape of ``forum.search.base.Scope``."""
    if actor is None or not is_signed_in(actor):
        return Scope()
    if is_manager(actor):
        return Scope(everything=True)
    from forum.extensions import db

    rows = db.session.execute(select(Module.id, Module.owner_id, Module.published)).all()
    seen = {m for m, owner, published in rows if published or owner == actor.id}
    return Scope(
        # NO_MODULE: transcripts of sessions for no module, which everyone signed in may join.
        modules=frozenset(seen | {NO_MODULE}),
        owned_modules=frozenset(m for m, owner, _ in rows if owner == actor.id),
        cohorts=frozenset(cohort_roles(actor)),
    )
