"""Reminders about scheduled modules (send-reminders), read back from a real SMTP server on
loopback: due soon, overdue and weekly, never for what is completed, once per key."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Notification, Reminder
from forum.services import accounts, cohorts, notifications, progress
from forum.services.reminders import send_reminders
from tests.factories import make_cohort, make_module
from tests.mailbox import part

DUE = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


pytestmark = pytest.mark.smtp


@pytest.fixture
def school(make_user, manager):
    learner = make_user(name="Lars Learner")
    module = make_module(actor=manager, title="Security basics")
    cohort = make_cohort({learner: "learner"}, actor=manager, schedule={module.id: DUE})
    return learner, module, cohort


def _reminders(user) -> list[str]:
    """The learner's reminder notifications, oldest first."""
    stmt = (
        select(Notification.kind)
        .where(Notification.user_id == user.id, Notification.kind.in_(("due_soon", "overdue")))
        .order_by(Notification.id)
    )
    db.session.rollback()
    return list(db.session.scalars(stmt))


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (DUE - 4 * DAY, []),
        (DUE - 3 * DAY - HOUR, []),
        (DUE - 3 * DAY, ["due_soon"]),
        (DUE - HOUR, ["due_soon"]),
        (DUE + HOUR, []),  # late, but not yet a day late
        (DUE + DAY - HOUR, []),
        (DUE + DAY, ["overdue"]),
        (DUE + 30 * DAY, ["overdue"]),  # found late: one reminder, not one per missed week
    ],
)
def test_which_reminder_is_due_when(smtp, school, when, expected):
    learner, _module, _ = school
    counts = send_reminders(when)
    assert _reminders(learner) == expected
    assert (counts.reminded, counts.sent, counts.failed) == (len(expected), len(expected), 0)
    assert len(smtp.to(learner.email)) == len(expected)


def test_overdue_repeats_weekly_while_late_and_nothing_is_sent_twice(smtp, school):
    learner, _module, _ = school
    timeline = [
        (DUE - 5 * DAY, 0),
        (DUE - 2 * DAY, 1),  # due soon
        (DUE - 2 * DAY + HOUR, 0),  # the same run window again
        (DUE - DAY, 0),
        (DUE + DAY, 1),  # a day late
        (DUE + 3 * DAY, 0),
        (DUE + 8 * DAY, 1),  # a week after the first overdue
        (DUE + 8 * DAY, 0),
        (DUE + 14 * DAY, 0),
        (DUE + 15 * DAY, 1),
    ]
    for when, letters in timeline:
        assert send_reminders(when).sent == letters, when
    assert _reminders(learner) == ["due_soon", "overdue", "overdue", "overdue"]
    subjects = [m["Subject"] for m in smtp.to(learner.email)]
    assert subjects == ["Due soon: “Security basics”"] + ["Overdue: “Security basics”"] * 3


@pytest.mark.parametrize("when", [DUE - DAY, DUE + DAY, DUE + 8 * DAY])
def test_completed_modules_get_nothing(smtp, school, when):
    learner, module, _ = school
    progress.set_progress(learner, module.id, "completed")
    assert send_reminders(when).reminded == 0
    assert _reminders(learner) == [] and smtp.messages == []


def test_in_progress_is_still_reminded(smtp, school):
    learner, module, _ = school
    progress.set_progress(learner, module.id, "in_progress")
    assert send_reminders(DUE + DAY).reminded == 1


def test_a_learner_in_two_cohorts_is_reminded_once_per_module_by_the_earliest_date(
    smtp, school, manager
):
    learner, module, _ = school
    other = make_module(actor=manager, title="Customer calls")
    make_cohort(
        {learner: "learner"}, actor=manager, schedule={module.id: DUE + 20 * DAY, other.id: DUE}
    )
    counts = send_reminders(DUE - DAY)
    assert (counts.reminded, counts.sent) == (2, 1)  # one letter listing both
    letter = smtp.one_to(learner.email)
    assert letter["Subject"] == "Reminder: 2 modules to finish"
    text = part(letter, "plain")
    assert "Security basics" in text and "Customer calls" in text
    # The later date of the second cohort does not remind again.
    assert send_reminders(DUE + 18 * DAY).reminded == 2  # the overdue of each, nothing more
    assert _reminders(learner) == ["due_soon", "due_soon", "overdue", "overdue"]


def test_due_times_are_shown_in_the_learners_zone(smtp, school):
    learner, _module, _ = school
    accounts.update_settings(learner, timezone="Asia/Tokyo")
    send_reminders(DUE - DAY)
    text = part(smtp.one_to(learner.email), "plain")
    assert "due Fri 11 Dec, 02:00 JST" in text  # 17:00 UTC on the 10th
    assert "Security basics: due within a day" in text


def test_a_moved_due_date_reminds_afresh(smtp, school, manager):
    learner, module, cohort = school
    send_reminders(DUE - DAY)
    cohorts.set_due_date(manager, cohort.id, module.id, DUE + 7 * DAY)
    assert send_reminders(DUE + DAY).reminded == 0  # not late any more
    assert send_reminders(DUE + 5 * DAY).reminded == 1  # due soon, by the new date
    assert _reminders(learner) == ["due_soon", "due_soon"]


@pytest.mark.parametrize("who", ["deactivated", "never set a password", "removed", "facilitator"])
def test_people_who_must_not_be_reminded_get_nothing(smtp, manager, make_user, who):
    module = make_module(actor=manager)
    person = make_user(password=None if who == "never set a password" else "a good password")
    role = "facilitator" if who == "facilitator" else "learner"
    cohort = make_cohort({person: role}, actor=manager, schedule={module.id: DUE})
    if who == "deactivated":
        accounts.update_user(manager, person.id, active=False)
    if who == "removed":
        cohorts.remove_member(manager, cohort.id, person.id)
    assert send_reminders(DUE + DAY).reminded == 0
    assert _reminders(person) == [] and smtp.messages == []


def test_reminder_email_off_keeps_the_in_app_one_only(smtp, school):
    learner, module, _ = school
    accounts.update_settings(learner, reminder_email=False)
    counts = send_reminders(DUE + DAY)
    assert (counts.reminded, counts.sent) == (1, 0)
    assert _reminders(learner) == ["overdue"] and smtp.messages == []
    note = notifications.list_notifications(learner).items[0]
    assert (note.kind, note.module_id, note.actor) == ("overdue", module.id, None)


def test_links_use_the_base_url_and_the_letter_can_unsubscribe(app, client, smtp, school):
    learner, module, _ = school
    app.config["BASE_URL"] = "https://learn.example.com"
    send_reminders(DUE + DAY)
    letter = smtp.one_to(learner.email)
    text, html = part(letter, "plain"), part(letter, "html")
    assert f"https://learn.example.com/modules/{module.id}" in text
    assert f'href="https://learn.example.com/modules/{module.id}"' in html
    unsubscribe = letter["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("https://learn.example.com/unsubscribe/") and unsubscribe in text
    assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # One click turns reminder mail off; the in-app reminder stays.
    path = unsubscribe.removeprefix("https://learn.example.com")
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.rollback()
    assert db.session.get(type(learner), learner.id).reminder_email is False
    assert send_reminders(DUE + 8 * DAY).sent == 0
    assert _reminders(learner) == ["overdue", "overdue"]


def test_a_refused_letter_is_counted_and_sent_on_the_next_run(smtp, school, make_user, manager):
    learner, _module, cohort = school
    peer = make_user(name="Pia Peer")
    cohorts.add_member(manager, cohort.id, peer.id, "learner")
    smtp.refuse.add(learner.email)
    counts = send_reminders(DUE + DAY)
    assert (counts.reminded, counts.sent, counts.failed) == (2, 1, 1)
    assert smtp.to(learner.email) == [] and len(smtp.to(peer.email)) == 1

    smtp.refuse.clear()
    counts = send_reminders(DUE + DAY + HOUR)
    assert (counts.reminded, counts.sent, counts.failed) == (0, 1, 0)
    assert smtp.one_to(learner.email)["Subject"] == "Overdue: “Security basics”"
    assert len(smtp.to(peer.email)) == 1
    assert _reminders(learner) == ["overdue"]  # the in-app one was made once


def test_a_letter_owed_for_a_module_completed_since_is_dropped(smtp, school):
    learner, module, _ = school
    smtp.refuse.add(learner.email)
    send_reminders(DUE + DAY)
    smtp.refuse.clear()
    progress.set_progress(learner, module.id, "completed")
    assert send_reminders(DUE + DAY + HOUR).sent == 0
    assert smtp.messages == []


def test_a_mail_server_that_is_down_fails_softly_and_the_letters_follow(app, smtp, school):
    learner, _module, _ = school
    port = app.extensions["mail"].port
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        app.extensions["mail"].port = closed.getsockname()[1]
    counts = send_reminders(DUE + DAY)
    assert (counts.reminded, counts.sent, counts.failed) == (1, 0, 1)
    assert _reminders(learner) == ["overdue"]
    app.extensions["mail"].port = port
    assert send_reminders(DUE + DAY + HOUR).sent == 1


def test_two_runs_at_once_send_nothing_twice(app, smtp, school, make_user, manager):
    _learner, _module, cohort = school
    for _ in range(5):
        cohorts.add_member(manager, cohort.id, make_user().id, "learner")
    start = threading.Barrier(2)
    results = []

    def run() -> None:
        with app.app_context():
            start.wait()
            results.append(send_reminders(DUE + DAY))
            db.session.remove()

    runners = [threading.Thread(target=run) for _ in range(2)]
    for t in runners:
        t.start()
    for t in runners:
        t.join(timeout=60)
    assert sum(r.reminded for r in results) == 6
    assert sum(r.sent for r in results) == 6 and len(smtp.messages) == 6
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 6


def test_send_reminders_says_what_it_did(runner, smtp, school, monkeypatch):
    _learner, _module, _ = school
    monkeypatch.setattr("forum.services.reminders.utcnow", lambda: DUE + DAY)
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Reminders: 1 new; e-mails: 1 sent, 0 failed." in result.output
    again = runner.invoke(args=["send-reminders"])
    assert "Reminders: 0 new; e-mails: 0 sent, 0 failed." in again.output


def test_without_a_mail_server_reminders_are_logged_and_nothing_fails(app, school, caplog):
    learner, _module, _ = school
    app.config["MAIL_SERVER"] = None
    with caplog.at_level("INFO", logger="forum.mail"):
        counts = send_reminders(DUE + DAY)
    assert (counts.reminded, counts.sent, counts.failed) == (1, 1, 0)
    assert "Overdue: “Security basics”" in caplog.text and learner.email in caplog.text


def test_the_notifications_page_names_the_module_of_a_reminder(login, smtp, school):
    learner, _module, _ = school
    send_reminders(DUE - DAY)
    send_reminders(DUE + DAY)
    page = login(learner).get("/notifications").get_data(as_text=True)
    assert "“Security basics” is overdue" in page and "“Security basics” is due soon" in page
