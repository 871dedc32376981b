"""Who may see or do what, as a table over the roles of the contract."""

from __future__ import annotations

import pytest

from forum.services import permissions as p
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
