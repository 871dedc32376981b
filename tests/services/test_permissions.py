"""Who may see or do what, as a table over the roles of the contract."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.models import Thread, User
from forum.services import accounts, threads
from forum.services import permissions as p
from tests.api.discussion import build_world
from tests.factories import make_module

ROLES = ["anonymous", "member", "owner", "manager", "admin", "inactive"]


@pytest.fixture
def people(make_user, db):
    made = {
        "anonymous": None,
        "member": make_user(),
        "owner": make_user(),
        "manager": make_user(role="manager"),
        "admin": make_user(role="admin"),
        "inactive": make_user(role="admin"),
    }
    made["inactive"].active = False
    db.session.commit()
    return made


# (predicate, expected set of roles allowed)
CASES = [
    ("list users", lambda a, m: p.can_list_users(a), {"manager", "admin"}),
    ("create member", lambda a, m: p.can_create_user(a, "member"), {"manager", "admin"}),
    ("create manager", lambda a, m: p.can_create_user(a, "manager"), {"admin"}),
    ("manage cohorts", lambda a, m: p.can_manage_cohorts(a), {"manager", "admin"}),
    ("create module", lambda a, m: p.can_create_module(a), {"manager", "admin"}),
    ("edit module", lambda a, m: p.can_edit_module(a, m), {"owner", "manager", "admin"}),
    ("see draft", lambda a, m: p.can_see_module(a, m), {"owner", "manager", "admin"}),
]


@pytest.mark.parametrize(("action", "check", "allowed"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("role", ROLES)
def test_role_table(people, manager, role, action, check, allowed):
    draft = make_module(actor=manager, owner=people["owner"], published=False)
    assert bool(check(people[role], draft)) is (role in allowed)


def test_published_modules_are_for_every_signed_in_user(people, manager):
    module = make_module(actor=manager, owner=people["owner"])
    for role in ROLES:
        assert p.can_see_module(people[role], module) is (role not in ("anonymous", "inactive"))


def test_managers_edit_members_only_and_never_promote(people, make_user):
    manager, someone = people["manager"], make_user()
    assert p.can_edit_user(manager, someone)
    assert p.can_edit_user(manager, someone, "member")
    assert not p.can_edit_user(manager, someone, "manager")
    assert not p.can_edit_user(manager, people["admin"])
    assert p.can_edit_user(people["admin"], manager, "admin")
    assert not p.can_edit_user(people["member"], someone)


# The SQL twins, built once per shape with the viewer as a parameter ------------------------


def test_statements_built_once_per_shape_select_what_the_predicates_allow(db, manager):
    """For every kind of reader: the cached statement (``per_shape``, ``viewer_id`` bound at
    run time), the statement built for them alone and ``can_see_thread`` agree, thread by
    thread, and readers of one shape really share one statement object."""
    w = build_world()
    unpublished = make_module(actor=manager, owner=w.owner, published=False)
    made = [
        threads.create_thread(w.asker, w.module.id, title="Public", body="x"),
        threads.create_thread(w.asker, w.module.id, title="A", body="x", cohort_id=w.cohort_a),
        threads.create_thread(w.other, w.module.id, title="B", body="x", cohort_id=w.cohort_b),
        threads.create_thread(w.owner, unpublished.id, title="Draft", body="x"),
    ]
    gone = accounts.create_user(manager, email="gone@example.com", name="Gone", role="member")
    accounts.update_user(manager, gone.user.id, active=False)
    readers = {**w.people(), "deactivated": db.session.get(User, gone.user.id)}

    @p.per_shape
    def cached(actor, viewer):
        return select(Thread.id).where(p.visible_threads_clause(actor, viewer))

    for name, reader in readers.items():
        own = select(Thread.id).where(p.visible_threads_clause(reader))
        expected = {t.id for t in made if p.can_see_thread(reader, t)}
        assert set(db.session.scalars(own)) == expected, name
        shared = db.session.scalars(cached(reader), {"viewer_id": reader.id})
        assert set(shared) == expected, name
    assert cached(w.asker) is cached(w.other) is cached(w.owner)
    assert cached(w.manager) is cached(w.admin)
    assert cached(readers["deactivated"]) is not cached(w.asker)
