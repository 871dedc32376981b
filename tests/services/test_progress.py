"""Progress: marking modules, completion times, overdue per cohort, the cohort listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forum.errors import Invalid, NotFound
from forum.services import modules, progress
from tests.factories import make_cohort, make_module
from tests.web.test_layout_and_queries import counted

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
PAST = NOW - timedelta(days=1)
FUTURE = NOW + timedelta(days=5)


@pytest.mark.parametrize("status", ["not_started", "in_progress", "completed"])
def test_a_learner_marks_a_module(member, manager, status):
    module = make_module(actor=manager)
    row = progress.set_progress(member, module.id, status, now=NOW)
    assert row.status == status
    assert row.completed_at == (NOW if status == "completed" else None)
    assert progress.get_progress(member, module.id).status == status


def test_completing_again_keeps_the_first_completion_time(member, manager):
    module = make_module(actor=manager)
    progress.set_progress(member, module.id, "completed", now=NOW)
    again = progress.set_progress(member, module.id, "completed", now=NOW + timedelta(days=2))
    assert again.completed_at == NOW


def test_going_back_clears_the_completion_time_but_keeps_the_start(member, manager):
    module = make_module(actor=manager)
    progress.set_progress(member, module.id, "in_progress", now=PAST)
    progress.set_progress(member, module.id, "completed", now=NOW)
    back = progress.set_progress(member, module.id, "in_progress", now=FUTURE)
    assert (back.status, back.completed_at, back.started_at) == ("in_progress", None, PAST)


@pytest.mark.parametrize("status", ["done", "", None, "COMPLETED", 3])
def test_an_unknown_status_is_invalid(member, manager, status):
    module = make_module(actor=manager)
    with pytest.raises(Invalid):
        progress.set_progress(member, module.id, status)


def test_an_unpublished_or_missing_module_does_not_exist_for_a_learner(member, manager):
    hidden = make_module(actor=manager, published=False)
    for module_id in (hidden.id, 424242):
        with pytest.raises(NotFound):
            progress.set_progress(member, module_id, "completed")


@pytest.mark.parametrize(
    ("status", "due", "overdue"),
    [
        ("not_started", PAST, True),
        ("in_progress", PAST, True),
        ("completed", PAST, False),
        ("not_started", FUTURE, False),
        ("in_progress", None, False),
    ],
)
def test_overdue_is_a_past_due_date_and_not_completed(member, manager, status, due, overdue):
    module = make_module(actor=manager)
    cohort = make_cohort(
        {member: "learner"}, actor=manager, schedule={module.id: due} if due else {}
    )
    progress.set_progress(member, module.id, status, now=NOW - timedelta(days=3))
    state = progress.module_status(member, cohort, module, now=NOW)
    assert (state.status, state.overdue, state.due_at) == (status, overdue, due)
    assert state.shown_status == ("overdue" if overdue else status)


def test_a_learner_in_two_cohorts_is_late_in_one_and_on_time_in_the_other(member, manager):
    module = make_module(actor=manager)
    early = make_cohort({member: "learner"}, actor=manager, schedule={module.id: PAST})
    late = make_cohort({member: "learner"}, actor=manager, schedule={module.id: FUTURE})
    assert progress.module_status(member, early, module, now=NOW).overdue
    assert not progress.module_status(member, late, module, now=NOW).overdue
    progress.set_progress(member, module.id, "completed", now=NOW)
    assert not progress.module_status(member, early, module, now=NOW).overdue


def test_scheduled_rows_list_each_learner_and_scheduled_module(manager, make_user):
    ann, bob, fac = make_user(name="Ann"), make_user(name="Bob"), make_user(name="Fac")
    first, second, unscheduled = (make_module(actor=manager) for _ in range(3))
    hidden = make_module(actor=manager)
    cohort = make_cohort(
        {ann: "learner", bob: "learner", fac: "facilitator"},
        actor=manager,
        schedule={first.id: PAST, second.id: FUTURE, hidden.id: PAST},
    )
    modules.update_module(manager, hidden.id, published=False)
    progress.set_progress(ann, first.id, "completed", now=PAST - timedelta(days=1))
    progress.set_progress(bob, second.id, "in_progress", now=PAST)
    progress.set_progress(ann, unscheduled.id, "completed", now=PAST)

    rows = progress.scheduled_rows([cohort.id], now=NOW)

    assert [(r.user.name, r.module.id, r.status, r.overdue) for r in rows] == [
        ("Ann", first.id, "completed", False),
        ("Bob", first.id, "not_started", True),
        ("Ann", second.id, "not_started", False),
        ("Bob", second.id, "in_progress", False),
    ]
    assert rows[0].completed_at == PAST - timedelta(days=1)
    with_hidden = progress.scheduled_rows([cohort.id], now=NOW, include_unpublished=True)
    assert {r.module.id for r in with_hidden} == {first.id, second.id, hidden.id}
    only_bob = progress.scheduled_rows(None, now=NOW, user_ids=[bob.id])
    assert {r.user.name for r in only_bob} == {"Bob"}


def test_scheduled_rows_take_a_fixed_number_of_queries(manager, make_user):
    def queries_for(n: int) -> int:
        mods = [make_module(actor=manager) for _ in range(n)]
        people = {make_user(): "learner" for _ in range(n)}
        cohort = make_cohort(people, actor=manager, schedule={m.id: FUTURE for m in mods})
        for person in people:
            progress.set_progress(person, mods[0].id, "completed")
        with counted() as statements:
            rows = progress.scheduled_rows([cohort.id], now=NOW)
            assert all(r.user.name and r.module.title for r in rows)
        assert len(rows) == n * n
        return len(statements)

    assert queries_for(2) == queries_for(9)
