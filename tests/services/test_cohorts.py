"""Cohorts: who sees them, members, due dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.services import cohorts
from tests.factories import make_cohort, make_module

DUE = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)


def test_managers_create_and_members_cannot(manager, member):
    row = cohorts.create_cohort(manager, "Autumn hires", "New engineers")
    assert row.cohort.name == "Autumn hires" and row.member_count == 0
    with pytest.raises(Forbidden):
        cohorts.create_cohort(member, "Mine")
    with pytest.raises(Conflict):
        cohorts.create_cohort(manager, "Autumn hires")


def test_people_see_their_own_cohorts_and_managers_all(manager, make_user):
    learner, outsider = make_user(), make_user()
    mine = make_cohort({learner: "learner"}, actor=manager)
    make_cohort(actor=manager)
    assert [r.cohort.id for r in cohorts.list_cohorts(learner).items] == [mine.id]
    assert cohorts.list_cohorts(learner).total == 1
    assert cohorts.list_cohorts(outsider).total == 0
    assert cohorts.list_cohorts(manager).total == 2
    with pytest.raises(NotFound):
        cohorts.get_cohort(outsider, mine.id)
    detail = cohorts.get_cohort(learner, mine.id)
    assert detail.my_role == "learner" and detail.member_count == 1


def test_member_counts_in_lists(manager, make_user):
    a, b = make_user(), make_user()
    c = make_cohort({a: "learner", b: "facilitator"}, actor=manager)
    assert cohorts.list_cohorts(manager).items[0].member_count == 2
    assert cohorts.get_cohort(manager, c.id).member_count == 2


def test_adding_twice_is_a_conflict_and_bad_roles_invalid(manager, member):
    c = make_cohort(actor=manager)
    cohorts.add_member(manager, c.id, member.id, "learner")
    with pytest.raises(Conflict):
        cohorts.add_member(manager, c.id, member.id, "facilitator")
    with pytest.raises(Invalid):
        cohorts.add_member(manager, c.id, member.id, "boss")
    with pytest.raises(Invalid):
        cohorts.add_member(manager, c.id, 424242, "learner")


def test_only_managers_change_membership_even_facilitators_cannot(manager, make_user):
    facilitator, learner = make_user(), make_user()
    c = make_cohort({facilitator: "facilitator"}, actor=manager)
    with pytest.raises(Forbidden):
        cohorts.add_member(facilitator, c.id, learner.id, "learner")
    cohorts.add_member(manager, c.id, learner.id, "learner")
    cohorts.remove_member(manager, c.id, learner.id)
    with pytest.raises(NotFound):
        cohorts.remove_member(manager, c.id, learner.id)


def test_due_dates_are_set_and_replaced(manager, member):
    c = make_cohort({member: "learner"}, actor=manager)
    m = make_module(actor=manager)
    cohorts.set_due_date(manager, c.id, m.id, DUE)
    entry = cohorts.set_due_date(manager, c.id, m.id, DUE.replace(day=2))
    schedule = cohorts.get_cohort(member, c.id).schedule
    assert [(e.module_id, e.due_at) for e in schedule] == [(m.id, entry.due_at)]
    assert schedule[0].due_at.tzinfo is not None
    cohorts.clear_due_date(manager, c.id, m.id)
    assert cohorts.get_cohort(member, c.id).schedule == []


def test_drafts_are_not_in_a_learners_schedule(manager, member):
    c = make_cohort({member: "learner"}, actor=manager)
    draft = make_module(actor=manager, published=False)
    cohorts.set_due_date(manager, c.id, draft.id, DUE)
    assert cohorts.get_cohort(member, c.id).schedule == []
    assert len(cohorts.get_cohort(manager, c.id).schedule) == 1
