"""The discussion's notifications by e-mail, through a real SMTP server on loopback: one
letter at once from the outbox, or a daily digest counted in each person's time zone."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from forum.background import run_pending
from forum.database import write_transaction
from forum.extensions import db
from forum.models import Job, User
from forum.services import accounts, cohorts, notifications, posts, threads
from forum.services.digests import send_digests
from forum.services.timezones import zone_of
from tests.factories import make_cohort, make_module
from tests.mailbox import part

DAY = timedelta(days=1)


pytestmark = pytest.mark.smtp


@pytest.fixture
def people(make_user, manager):
    asker = make_user(name="Asha Asker")
    helper = make_user(name="Hugo Helper")
    module = make_module(actor=manager, title="Security basics")
    _set(manager, notify_email="off")  # the module's owner, told of each question
    return asker, helper, module


def _set(person: User, **settings) -> None:
    accounts.update_settings(person, **settings)


def _ask_and_answer(asker: User, helper: User, module, title: str = "Where is the VPN guide?"):
    thread = threads.create_thread(asker, module.id, title=title, body="I cannot find it.")
    posts.reply(helper, thread.id, body="It is under **Tools**, second item.")
    return thread


def _links(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


# At once ------------------------------------------------------------------------------------


def test_immediate_mail_waits_for_the_outbox_and_is_sent_once(smtp, people):
    asker, helper, module = people
    _set(asker, notify_email="immediate")
    _ask_and_answer(asker, helper, module)
    assert smtp.messages == []  # nothing inside the request that caused it
    note = notifications.list_notifications(asker).items[0]
    assert db.session.scalar(select(Job.payload).where(Job.kind == "notification_mail")) == {
        "id": note.id
    }

    run_pending()
    letter = smtp.one_to(asker.email)
    assert letter["Subject"] == "Hugo Helper replied in “Where is the VPN guide?”"
    text, html = part(letter, "plain"), part(letter, "html")
    assert f"http://localhost/notifications/{note.id}" in text
    assert f'href="http://localhost/notifications/{note.id}"' in html
    assert "It is under **Tools**, second item." in text  # the reply itself, as written
    assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert letter["List-Unsubscribe"].startswith("<http://localhost/unsubscribe/")

    run_pending()
    assert len(smtp.messages) == 1
    assert send_digests().sent == 0  # what was mailed at once is not in a digest


@pytest.mark.parametrize("choice", ["daily", "off"])
def test_only_those_who_chose_it_are_mailed_at_once(smtp, people, choice):
    asker, helper, module = people
    _set(asker, notify_email=choice)
    _ask_and_answer(asker, helper, module)
    run_pending()
    assert smtp.messages == []


def test_a_notification_read_before_the_mail_goes_is_not_mailed(smtp, people):
    asker, helper, module = people
    _set(asker, notify_email="immediate")
    _ask_and_answer(asker, helper, module)
    notifications.mark_read(asker, everything=True)
    assert run_pending()[1] == 0
    assert smtp.messages == []


def test_a_refused_immediate_mail_is_tried_again_by_the_outbox(smtp, people):
    asker, helper, module = people
    _set(asker, notify_email="immediate")
    smtp.refuse.add(asker.email)
    _ask_and_answer(asker, helper, module)
    run_pending()
    job = db.session.scalars(select(Job).where(Job.kind == "notification_mail")).one()
    assert job.done_at is None and job.attempts == 1 and "550" in job.last_error


# The daily digest ---------------------------------------------------------------------------


def test_the_digest_is_the_default_and_lists_what_is_unread_once(smtp, people, make_user):
    asker, helper, module = people
    assert asker.notify_email == "daily"
    first = _ask_and_answer(asker, helper, module)
    second = _ask_and_answer(asker, helper, module, title="Who approves leave?")
    run_pending()
    assert smtp.messages == []  # no letter per notification

    now = datetime(2026, 12, 4, 9, tzinfo=UTC)
    counts = send_digests(now)
    assert (counts.sent, counts.failed) == (1, 0)
    letter = smtp.one_to(asker.email)
    assert letter["Subject"] == "Your daily digest: 2 unread notifications"
    text, html = part(letter, "plain"), part(letter, "html")
    for thread in (first, second):
        assert f"replied in “{thread.title}”" in text and thread.title in html
    assert letter["List-Unsubscribe"].startswith("<http://localhost/unsubscribe/")

    # The same day: nothing twice, even with something new.
    _ask_and_answer(asker, helper, module, title="Where is the canteen?")
    assert send_digests(now + timedelta(hours=10)).sent == 0
    # The next day: only what came since the last digest.
    assert send_digests(now + DAY).sent == 1
    latest = smtp.to(asker.email)[-1]
    assert latest["Subject"] == "Your daily digest: 1 unread notification"
    assert "Where is the canteen?" in part(latest, "plain")
    assert "VPN" not in part(latest, "plain")
    assert send_digests(now + 2 * DAY).sent == 0  # nothing new: no letter


def test_no_digest_for_what_is_read_or_for_reminders(smtp, people):
    asker, helper, module = people
    _ask_and_answer(asker, helper, module)
    notifications.mark_read(asker, everything=True)
    with write_transaction():
        notifications.notify([asker], "overdue", actor=None, module_id=module.id)
    assert send_digests().sent == 0
    assert smtp.messages == []


@pytest.mark.parametrize(
    ("zone", "digests"),
    [
        # 14:00 and 15:30 UTC are one day in London but two in Tokyo (23:00, then 00:30).
        ("Europe/London", 1),
        ("Asia/Tokyo", 2),
    ],
)
def test_a_digest_day_is_counted_in_the_persons_zone(smtp, people, zone, digests):
    asker, helper, module = people
    _set(asker, timezone=zone)
    _ask_and_answer(asker, helper, module)
    send_digests(datetime(2026, 12, 4, 14, tzinfo=UTC))
    _ask_and_answer(asker, helper, module, title="A second question")
    send_digests(datetime(2026, 12, 4, 15, 30, tzinfo=UTC))
    assert len(smtp.to(asker.email)) == digests


def test_times_in_a_digest_are_in_the_readers_zone(smtp, people):
    asker, helper, module = people
    _set(asker, timezone="Asia/Tokyo")
    _ask_and_answer(asker, helper, module)
    created = notifications.list_notifications(asker).items[0].created_at
    send_digests()
    local = created.astimezone(zone_of(asker))
    assert f"{local:%H:%M} JST" in part(smtp.one_to(asker.email), "plain")


def test_the_site_zone_counts_for_people_without_their_own(app, smtp, people):
    asker, helper, module = people
    app.config["TIMEZONE"] = "Pacific/Auckland"
    _ask_and_answer(asker, helper, module)
    send_digests(datetime(2026, 12, 4, 10, 30, tzinfo=UTC))  # 23:30 in Auckland
    _ask_and_answer(asker, helper, module, title="After midnight in Auckland")
    assert send_digests(datetime(2026, 12, 4, 11, 30, tzinfo=UTC)).sent == 1


@pytest.mark.parametrize("who", ["deactivated", "never set a password"])
def test_no_digest_for_people_who_cannot_sign_in(smtp, people, manager, make_user, who):
    asker, helper, module = people
    if who == "deactivated":
        target = asker
        _ask_and_answer(asker, helper, module)
        accounts.update_user(manager, asker.id, active=False)
    else:
        target = make_user(name="Ivy Invited", password=None)
        with write_transaction():
            notifications.notify([target], "office_hour_live", actor=None)
    assert send_digests().sent == 0
    assert smtp.to(target.email) == []


def test_a_digest_leaves_out_threads_the_person_can_no_longer_see(smtp, manager, make_user):
    learner, peer = make_user(name="Lena"), make_user(name="Piet")
    module = make_module(actor=manager)
    _set(manager, notify_email="off")
    cohort = make_cohort({learner: "learner", peer: "learner"}, actor=manager)
    thread = threads.create_thread(
        learner, module.id, title="Our cohort only", body="?", cohort_id=cohort.id
    )
    posts.reply(peer, thread.id, body="Answer")
    cohorts.remove_member(manager, cohort.id, learner.id)
    assert send_digests().sent == 0
    assert smtp.messages == []


def test_a_refused_digest_is_counted_and_sent_on_the_next_run(smtp, people, make_user):
    asker, helper, module = people
    other = make_user(name="Otto Other")
    _ask_and_answer(asker, helper, module)
    _ask_and_answer(other, helper, module, title="Otto's question")
    smtp.refuse.add(asker.email)
    counts = send_digests()
    assert (counts.sent, counts.failed) == (1, 1)
    assert smtp.to(asker.email) == [] and len(smtp.to(other.email)) == 1

    smtp.refuse.clear()
    counts = send_digests()
    assert (counts.sent, counts.failed) == (1, 0)
    assert "VPN" in part(smtp.one_to(asker.email), "plain")


def test_a_mail_server_that_is_down_fails_the_run_softly(app, people, make_user):
    asker, helper, module = people
    _ask_and_answer(asker, helper, module)
    _ask_and_answer(make_user(), helper, module, title="Another")
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        app.extensions["mail"].port = closed.getsockname()[1]
    counts = send_digests()
    assert (counts.sent, counts.failed) == (0, 2)
    assert db.session.get(User, asker.id).digest_day is None  # the day is given back


def test_send_digests_says_how_many_were_sent_and_failed(runner, smtp, people):
    asker, helper, module = people
    _ask_and_answer(asker, helper, module)
    result = runner.invoke(args=["send-digests"])
    assert result.exit_code == 0, result.output
    assert "Digests: 1 sent, 0 failed." in result.output
    assert runner.invoke(args=["send-digests"]).output.startswith("Digests: 0 sent, 0 failed.")


def test_without_a_mail_server_letters_are_logged_and_nothing_fails(app, people, caplog):
    asker, helper, module = people
    app.config["MAIL_SERVER"] = None
    _ask_and_answer(asker, helper, module)
    with caplog.at_level("INFO", logger="forum.mail"):
        counts = send_digests()
    assert (counts.sent, counts.failed) == (1, 0)
    assert "Your daily digest" in caplog.text and asker.email in caplog.text
