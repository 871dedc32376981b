"""Times are stored in UTC and shown in the reader's zone; a due date typed as a day is the
end of that day in the site's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from forum.models import ScheduleEntry
from forum.services import accounts
from tests import factories
from tests.web.conftest import settled, text_of


@pytest.fixture
def app_config() -> dict:
    return {"TIMEZONE": "Europe/Berlin"}


def _due(cohort_id: int) -> datetime:
    return settled().scalar(
        select(ScheduleEntry.due_at).where(ScheduleEntry.cohort_id == cohort_id)
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2030-03-06", datetime(2030, 3, 6, 22, 59, 59, tzinfo=UTC)),  # CET, UTC+1
        ("2030-07-06", datetime(2030, 7, 6, 21, 59, 59, tzinfo=UTC)),  # CEST, UTC+2
        ("2030-07-06T12:00:00Z", datetime(2030, 7, 6, 12, 0, tzinfo=UTC)),
    ],
)
def test_a_day_typed_on_the_page_ends_in_the_site_zone(login, manager, post, typed, stored):
    module = factories.make_module(actor=manager)
    cohort = factories.make_cohort(actor=manager)
    client = login(manager)
    field = f"m{module.id}-due_at"
    r = post(
        client,
        f"/cohorts/{cohort.id}/schedule/{module.id}",
        {field: typed, f"m{module.id}-save": "Set"},
    )
    assert r.status_code == 302
    assert _due(cohort.id) == stored
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert f'value="{typed[:10]}"' in page
    assert "midnight, Europe/Berlin time" in page


def test_the_api_keeps_its_utc_rule_for_a_date_alone(api, manager):
    module = factories.make_module(actor=manager)
    cohort = factories.make_cohort(actor=manager)
    r = api(manager).put(
        f"/cohorts/{cohort.id}/schedule/{module.id}", json={"due_at": "2030-03-06"}
    )
    assert r.get_json()["due_at"] == "2030-03-06T23:59:59+00:00"


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        (None, "Wed 6 Mar 2030"),  # the site's zone: 23:59:59 in Berlin
        ("America/New_York", "Wed 6 Mar 2030"),  # 17:59:59
        ("Asia/Tokyo", "Thu 7 Mar 2030"),  # 07:59:59 the next morning
    ],
)
def test_due_dates_are_shown_in_the_readers_zone(login, manager, make_user, zone, shown):
    reader = make_user()
    if zone:
        accounts.update_settings(reader, timezone=zone)
    module = factories.make_module(actor=manager, title="Zones")
    due = datetime(2030, 3, 6, 22, 59, 59, tzinfo=UTC)
    cohort = factories.make_cohort({reader: "learner"}, actor=manager, schedule={module.id: due})
    page = text_of(login(reader).get(f"/cohorts/{cohort.id}"))
    assert f"Zones due {shown}" in page


@pytest.mark.parametrize(
    ("zone", "shown"),
    [(None, "CET"), ("UTC", "UTC"), ("America/New_York", "EST"), ("Asia/Kolkata", "IST")],
)
def test_times_name_the_readers_zone(login, manager, make_user, zone, shown):
    reader = make_user()
    if zone:
        accounts.update_settings(reader, timezone=zone)
    module = factories.make_module(actor=manager)
    page = text_of(login(reader).get(f"/modules/{module.id}"))
    assert f" {shown} · revision" in page
