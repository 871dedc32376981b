"""Office-hour pages: the schedule, scheduling and rescheduling forms, a session's page,
its .ics file, the transcript (and archiving a raised hand), and the upcoming sessions on
the home, module and cohort pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from forum.models import utcnow
from forum.services import accounts
from forum.services import office_hours as oh
from tests.factories import make_cohort, make_module
from tests.web.conftest import settled, text_of
from tests.web.test_layout_and_queries import counted


@pytest.fixture
def w(make_user, manager):
    fac = make_user(name="Fay Facilitator")
    learner = make_user(name="Lea Learner")
    outsider = make_user(name="Otto Outsider")
    module = make_module(actor=manager, title="Security basics")
    cohort = make_cohort({fac: "facilitator", learner: "learner"}, actor=manager)
    people = {"manager": manager, "fac": fac, "learner": learner, "outsider": outsider}
    return type("World", (), {**people, "module": module, "cohort": cohort})


def scheduled(w, title="Keys Q&A", hours=2):
    starts = utcnow() + timedelta(hours=hours)
    return oh.create(w.fac, title=title, starts_at=starts, ends_at=starts + timedelta(hours=1),
                     cohort_id=w.cohort.id, module_id=w.module.id)  # fmt: skip


def test_a_facilitator_schedules_in_their_own_time_zone(login, post, w):
    accounts.update_settings(w.fac, timezone="Europe/Berlin")
    client = login(w.fac)
    form = client.get("/office-hours/new")
    assert form.status_code == 200 and w.cohort.name in text_of(form)
    r = post(client, "/office-hours/new", {"title": "Rotation Q&A",
             "starts_at": "2027-03-01T10:00", "ends_at": "2027-03-01T11:00",
             "cohort_id": str(w.cohort.id), "module_id": str(w.module.id)})  # fmt: skip
    assert r.status_code == 302, text_of(r)[:500]
    settled()
    made = oh.list_office_hours(w.fac).items[0]
    assert made.starts_at == datetime(2027, 3, 1, 9, tzinfo=UTC)
    assert made.cohort_id == w.cohort.id and made.module_id == w.module.id


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"ends_at": "2027-03-01T09:00"}, "after starts_at"),
        ({"starts_at": "tomorrow"}, "date and time"),
        ({"cohort_id": "999999"}, "not a cohort of yours"),
    ],
)
def test_bad_schedules_come_back_with_the_problem(login, post, w, change, says):
    client = login(w.fac)
    data = {"title": "Q&A", "starts_at": "2027-03-01T10:00", "ends_at": "2027-03-01T11:00",
            "cohort_id": str(w.cohort.id), **change}  # fmt: skip
    r = post(client, "/office-hours/new", data)
    assert r.status_code == 400 and says in text_of(r).lower()
    settled()
    assert oh.list_office_hours(w.fac).items == []


def test_learners_may_not_schedule(login, w):
    assert login(w.learner).get("/office-hours/new").status_code == 403


def test_the_host_reschedules_and_cancels(login, post, w):
    session = scheduled(w)
    client = login(w.fac)
    assert client.get(f"/office-hours/{session.id}/edit").status_code == 200
    moved = {"title": "Moved", "starts_at": "2027-05-01T10:00", "ends_at": "2027-05-01T11:00"}
    r = post(client, f"/office-hours/{session.id}/edit", moved)
    assert r.status_code == 302
    settled()
    assert oh.get_office_hour(w.fac, session.id).title == "Moved"
    assert login(w.learner).get(f"/office-hours/{session.id}/edit").status_code == 403
    assert post(login(w.learner), f"/office-hours/{session.id}/cancel").status_code == 403
    assert post(client, f"/office-hours/{session.id}/cancel").status_code == 302
    settled()
    assert client.get(f"/office-hours/{session.id}/details").status_code == 404


def test_a_session_page_and_its_calendar_file_are_for_those_who_may_join(login, w):
    session = scheduled(w, title="Keys; rotation, Q&A")
    client = login(w.learner)
    page = client.get(f"/office-hours/{session.id}/details")
    assert page.status_code == 200 and "Keys; rotation, Q&A" in text_of(page)
    r = client.get(f"/office-hours/{session.id}.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    assert "attachment" in r.headers["Content-Disposition"]
    event = Calendar.from_ical(r.data).walk("VEVENT")[0]
    assert str(event["summary"]) == "Office hour: Keys; rotation, Q&A"
    assert event.decoded("dtstart") == session.starts_at.replace(microsecond=0)
    assert str(event["uid"]) == f"office-hour-{session.id}@localhost"
    for path in (f"/office-hours/{session.id}/details", f"/office-hours/{session.id}.ics"):
        assert login(w.outsider).get(path).status_code == 404


def test_the_transcript_page_shows_what_was_kept_and_the_host_archives_a_hand(login, post, w):
    session = oh.start(w.fac, scheduled(w, hours=-1).id)
    oh.post_message(w.learner, session.id, "Hello **all**")
    gone = oh.post_message(w.learner, session.id, "secret-token-123")
    oh.delete_message(w.learner, session.id, gone.id)
    hand = oh.raise_hand(w.learner, session.id, "How often do keys rotate?")
    oh.end(w.fac, session.id)
    page = login(w.learner).get(f"/office-hours/{session.id}/transcript")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<strong>all</strong>" in html and "secret-token-123" not in html
    assert "How often do keys rotate?" in html and "Archive the question" not in html
    host = login(w.fac)
    assert "Archive the question" in host.get(f"/office-hours/{session.id}/transcript").text
    path = f"/office-hours/{session.id}/questions/{hand.id}/archive"
    assert post(login(w.learner), path, {f"q{hand.id}-answer": "x"}).status_code == 403
    empty = post(host, path, {f"q{hand.id}-answer": ""})
    assert empty.status_code == 400
    done = post(host, path, {f"q{hand.id}-answer": "Every 90 days.",
                             f"q{hand.id}-module_id": str(w.module.id)})  # fmt: skip
    assert done.status_code == 302 and "/threads/" in done.headers["Location"]
    assert login(w.outsider).get(f"/office-hours/{session.id}/transcript").status_code == 404


def test_upcoming_sessions_show_on_home_module_and_cohort_pages(login, w):
    scheduled(w, title="Rotation clinic")
    client = login(w.learner)
    for path in ("/", f"/modules/{w.module.id}", f"/cohorts/{w.cohort.id}", "/office-hours"):
        r = client.get(path)
        assert r.status_code == 200 and "Rotation clinic" in text_of(r), path
    assert "Rotation clinic" not in text_of(login(w.outsider).get("/"))


def test_the_schedule_loads_in_a_fixed_number_of_queries(login, w):
    client = login(w.learner)

    def queries_for(n: int) -> int:
        for i in range(n):
            scheduled(w, title=f"Upcoming {i}", hours=2 + i)
            done = oh.start(w.fac, scheduled(w, title=f"Past {i}", hours=-1).id)
            oh.end(w.fac, done.id)
        with counted() as statements:
            assert client.get("/office-hours").status_code == 200
        return len(statements)

    assert queries_for(1) == queries_for(6)
