"""Test data, made through the services so it obeys the same rules as real data."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from forum.models import User, utcnow
from forum.services import accounts, cohorts, modules
from forum.services import office_hours as oh

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_user(
    role: str = "member",
    name: str | None = None,
    email: str | None = None,
    password: str | None = PASSWORD,
) -> User:
    n = next(_seq)
    new = accounts.create_user(
        None,
        email=email or f"user{n}@example.com",
        name=name or f"User {n}",
        role=role,
        password=password,
        send_invite=False,
    )
    return new.user


def _admin() -> User:
    return make_user(role="admin", name="Factory Admin")


def make_module(owner: User | None = None, actor: User | None = None, **fields) -> modules.Module:
    actor = actor or _admin()
    n = next(_seq)
    fields.setdefault("title", f"Module {n}")
    fields.setdefault("body", f"Lesson text for module {n}.\n\n- one\n- two\n")
    if owner is not None:
        fields.setdefault("owner_id", owner.id)
    return modules.create_module(actor, **fields)


def make_cohort(
    members: dict[User, str] | None = None,
    actor: User | None = None,
    name: str | None = None,
    schedule: dict[int, datetime] | None = None,
):
    actor = actor or _admin()
    row = cohorts.create_cohort(actor, name or f"Cohort {next(_seq)}")
    for user, role in (members or {}).items():
        cohorts.add_member(actor, row.cohort.id, user.id, role)
    for module_id, due in (schedule or {}).items():
        cohorts.set_due_date(actor, row.cohort.id, module_id, due)
    return row.cohort


def open_office_hour(host: User, title: str = "Ask us anything", **where) -> int:
    """A live office hour hosted by ``host`` from now for an hour (for everyone unless a
    cohort or module is named): its id."""
    now = utcnow()
    made = oh.create(host, title=title, starts_at=now, ends_at=now + timedelta(hours=1), **where)
    oh.start(host, made.id)
    return made.id
