"""Cohort pages: the list, creating and editing, members, and the schedule of due dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from forum.models import Cohort, Membership, ScheduleEntry
from tests import factories
from tests.web.conftest import settled, text_of


def members_of(cohort_id: int) -> dict[int, str]:
    rows = settled().scalars(select(Membership).where(Membership.cohort_id == cohort_id))
    return {m.user_id: m.role for m in rows}


def due_dates(cohort_id: int) -> dict[int, datetime]:
    rows = settled().scalars(select(ScheduleEntry).where(ScheduleEntry.cohort_id == cohort_id))
    return {e.module_id: e.due_at for e in rows}


def test_the_list_shows_my_cohorts_or_all_of_them_for_managers(login, manager, member):
    mine = factories.make_cohort({member: "learner"}, name="Spring hires", actor=manager)
    factories.make_cohort(name="Sales team", actor=manager)

    as_member = text_of(login(member).get("/cohorts"))
    assert "Spring hires" in as_member and "1 member" in as_member
    assert "Sales team" not in as_member
    assert "New cohort" not in as_member

    as_manager = login(manager).get("/cohorts")
    assert "Spring hires" in text_of(as_manager) and "Sales team" in text_of(as_manager)
    assert 'href="/cohorts/new"' in as_manager.get_data(as_text=True)
    assert f'href="/cohorts/{mine.id}"' in as_manager.get_data(as_text=True)


def test_a_manager_creates_a_cohort(login, manager, post):
    client = login(manager)
    r = post(client, "/cohorts/new", {"name": "Autumn hires", "description": "Engineers."})
    assert r.status_code == 302
    cohort = settled().scalar(select(Cohort).where(Cohort.name == "Autumn hires"))
    assert r.headers["Location"] == f"/cohorts/{cohort.id}"
    assert cohort.description == "Engineers."
    assert "Cohort “Autumn hires” created." in text_of(client.get(r.headers["Location"]))


def test_a_duplicate_cohort_name_is_shown_on_the_form(login, manager, post):
    factories.make_cohort(name="Taken", actor=manager)
    r = post(login(manager), "/cohorts/new", {"name": "Taken"})
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert re.search(r'id="name-error">A cohort named (&#39;|\')Taken\1 already exists.', html)
    assert 'aria-invalid="true"' in html


def test_members_cannot_create_cohorts(login, member, post):
    assert post(login(member), "/cohorts/new", {"name": "Mine"}).status_code == 403
    assert settled().scalar(select(Cohort.id)) is None


def test_a_manager_edits_a_cohorts_details(login, manager, post):
    cohort = factories.make_cohort(name="Old", actor=manager)
    r = post(login(manager), f"/cohorts/{cohort.id}/edit", {"name": "New", "description": "D"})
    assert r.status_code == 302
    again = settled().get(Cohort, cohort.id)
    assert (again.name, again.description) == ("New", "D")


def test_the_cohort_page_for_a_learner_shows_members_and_schedule_without_forms(
    login, manager, member
):
    other = factories.make_user(name="Finn Facilitator")
    module = factories.make_module(title="Security basics", actor=manager)
    draft = factories.make_module(title="Hidden draft", actor=manager, published=False)
    due = datetime(2030, 3, 6, 23, 59, 59, tzinfo=UTC)
    cohort = factories.make_cohort(
        {member: "learner", other: "facilitator"},
        name="Spring hires",
        actor=manager,
        schedule={module.id: due, draft.id: due},
    )
    r = login(member).get(f"/cohorts/{cohort.id}")
    page = text_of(r)
    assert r.status_code == 200
    assert "You are a learner" in page
    assert "Mia Member learner" in page and "Finn Facilitator facilitator" in page
    assert "Security basics due Wed 6 Mar 2030" in page
    assert "Hidden draft" not in page
    html = r.get_data(as_text=True)
    assert "<form" not in html.split("<main", 1)[1]  # only the header's sign-out form


def test_a_manager_adds_and_removes_a_member(login, manager, member, post):
    cohort = factories.make_cohort(name="Spring", actor=manager)
    client = login(manager)
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert re.search(rf'<option value="{member.id}">Mia Member</option>', page)

    r = post(
        client,
        f"/cohorts/{cohort.id}/members",
        {"user_id": str(member.id), "role": "facilitator"},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith("#members")
    assert members_of(cohort.id) == {member.id: "facilitator"}
    page = client.get(f"/cohorts/{cohort.id}")
    assert "Mia Member joined as facilitator." in text_of(page)
    # Already in: no longer offered.
    assert f'<option value="{member.id}">' not in page.get_data(as_text=True)

    again = post(
        client, f"/cohorts/{cohort.id}/members", {"user_id": str(member.id), "role": "learner"}
    )
    assert again.status_code == 409
    assert "Mia Member is already a member of Spring." in text_of(again)

    r = post(client, f"/cohorts/{cohort.id}/members/{member.id}/remove")
    assert r.status_code == 302
    assert members_of(cohort.id) == {}
    gone = post(client, f"/cohorts/{cohort.id}/members/{member.id}/remove")
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"user_id": "999999", "role": "learner"}, 400),
        ({"user_id": "x", "role": "learner"}, 400),
        ({"user_id": "", "role": "learner"}, 400),
        ({"role": "owner"}, 400),
    ],
)
def test_bad_member_input_is_a_clear_error(login, manager, member, post, data, status):
    cohort = factories.make_cohort(actor=manager)
    data = {"user_id": str(member.id), **data}
    r = post(login(manager), f"/cohorts/{cohort.id}/members", data)
    assert r.status_code == status
    assert 'class="error"' in r.get_data(as_text=True)
    assert members_of(cohort.id) == {}


def test_learners_cannot_change_members(login, manager, member, post):
    other = factories.make_user()
    cohort = factories.make_cohort({member: "learner"}, actor=manager)
    r = post(
        login(member), f"/cohorts/{cohort.id}/members", {"user_id": other.id, "role": "learner"}
    )
    assert r.status_code == 403
    r = post(login(member), f"/cohorts/{cohort.id}/members/{member.id}/remove")
    assert r.status_code == 403
    assert members_of(cohort.id) == {member.id: "learner"}


def test_outsiders_get_404_for_a_cohort_they_cannot_see(login, manager, member, post):
    cohort = factories.make_cohort(actor=manager)
    r = post(login(member), f"/cohorts/{cohort.id}/members", {"user_id": member.id})
    assert r.status_code == 404


def test_a_manager_sets_and_clears_a_due_date(login, manager, post):
    module = factories.make_module(title="Security basics", actor=manager)
    cohort = factories.make_cohort(actor=manager)
    client = login(manager)
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    field = f"m{module.id}-due_at"
    assert re.search(rf'<label for="{field}">Due date', page)
    assert re.search(rf'<input id="{field}" [^>]*name="{field}" type="date"', page)

    r = post(
        client,
        f"/cohorts/{cohort.id}/schedule/{module.id}",
        {field: "2030-03-06", f"m{module.id}-save": "Set"},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"#due-{module.id}")
    # A date alone is the end of that day in the site's zone (UTC here, the default).
    assert due_dates(cohort.id) == {module.id: datetime(2030, 3, 6, 23, 59, 59, tzinfo=UTC)}
    page = client.get(f"/cohorts/{cohort.id}")
    assert "“Security basics” is due Wed 6 Mar 2030." in text_of(page)
    assert 'value="2030-03-06"' in page.get_data(as_text=True)

    r = post(
        client,
        f"/cohorts/{cohort.id}/schedule/{module.id}",
        {field: "2030-03-06", f"m{module.id}-clear": "Clear"},
    )
    assert r.status_code == 302
    assert due_dates(cohort.id) == {}


@pytest.mark.parametrize("value", ["", "next tuesday", "2030-02-30", "9" * 50])
def test_a_bad_due_date_is_shown_on_that_row(login, manager, post, value):
    module = factories.make_module(actor=manager)
    cohort = factories.make_cohort(actor=manager)
    field = f"m{module.id}-due_at"
    r = post(
        login(manager),
        f"/cohorts/{cohort.id}/schedule/{module.id}",
        {field: value, f"m{module.id}-save": "Set"},
    )
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert re.search(rf'<p class="error" id="{field}-error">', html)
    assert f'aria-describedby="{field}-error"' in html
    assert due_dates(cohort.id) == {}


def test_due_dates_need_a_manager(login, manager, member, post):
    module = factories.make_module(actor=manager)
    cohort = factories.make_cohort({member: "learner"}, actor=manager)
    field = f"m{module.id}-due_at"
    r = post(
        login(member),
        f"/cohorts/{cohort.id}/schedule/{module.id}",
        {field: "2030-01-01", f"m{module.id}-save": "Set"},
    )
    assert r.status_code == 403
    assert due_dates(cohort.id) == {}


def test_home_shows_my_cohorts_next_due_modules(login, manager, member):
    soon = datetime.now(UTC) + timedelta(days=2)
    past = datetime.now(UTC) - timedelta(days=2)
    done = factories.make_module(title="Already due", actor=manager)
    modules = [factories.make_module(title=f"Lesson {n}", actor=manager) for n in range(5)]
    schedule = {done.id: past} | {m.id: soon + timedelta(days=n) for n, m in enumerate(modules)}
    factories.make_cohort({member: "learner"}, name="Spring", actor=manager, schedule=schedule)

    page = text_of(login(member).get("/"))
    cohorts_part = page.split("My cohorts", 1)[1].split("Modules", 1)[0]
    assert "Spring" in cohorts_part and "You are a learner" in cohorts_part
    assert "Lesson 0" in cohorts_part and "in 2 days" in cohorts_part
    assert "Lesson 2" in cohorts_part and "Lesson 3" not in cohorts_part
    assert "2 more on the schedule" in cohorts_part
    # not done and past its date: listed as overdue, with the share done
    assert "Overdue Already due Overdue was due" in cohorts_part
    assert "0 of 6 done (0%)" in cohorts_part
    assert "Was due" in page and "Already due" in page
