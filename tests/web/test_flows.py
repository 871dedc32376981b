"""Whole journeys through the pages, as people make them, and CSRF on every form."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from forum.background import run_pending
from forum.models import AccountLink, Cohort, Job, Module, User
from tests import factories
from tests.web.conftest import page_token, settled, text_of

LINK_IN_MAIL = re.compile(r"http://localhost(/(?:invite|reset-password)/[\w-]+)")


def person(email: str) -> User | None:
    return settled().scalar(select(User).where(User.email == email))


def mailed_link(address: str) -> str:
    """The path of the newest link mailed to this address (queued as a mail job)."""
    settled()
    run_pending(kinds=("password_reset",))  # the worker's part: it looks the person up
    jobs = settled().scalars(select(Job).where(Job.kind == "mail").order_by(Job.id.desc()))
    for job in jobs:
        if job.payload["to"] == address:
            return LINK_IN_MAIL.search(job.payload["body"]).group(1)
    raise AssertionError(f"no mail to {address}")


def set_password(client, path: str, password: str):
    return client.post(
        path,
        data={"password": password, "confirm": password, "csrf_token": page_token(client)},
    )


# Invitations --------------------------------------------------------------------------------


def test_a_new_hire_accepts_the_invitation_and_lands_signed_in_on_home(app, login, manager, post):
    factories.make_module(title="Welcome and how we work", actor=manager)
    r = post(
        login(manager),
        "/people",
        {"email": "nadia@example.com", "name": "Nadia Novak", "role": "member"},
    )
    shown = re.search(
        r'readonly value="http://localhost(/invite/[\w-]+)"', r.get_data(as_text=True)
    )
    link = shown.group(1)
    assert link == mailed_link("nadia@example.com")

    hire = app.test_client()
    page = hire.get(link)
    assert page.status_code == 200
    assert "For Nadia Novak (nadia@example.com)" in text_of(page)
    assert 'autocomplete="new-password"' in page.get_data(as_text=True)

    short = set_password(hire, link, "short")
    assert short.status_code == 400 and "between 8 and 200 characters" in text_of(short)
    assert person("nadia@example.com").password_hash is None

    r = set_password(hire, link, "first-day-2026")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    home = hire.get("/")
    assert home.status_code == 200
    assert "Hello, Nadia" in text_of(home)
    assert "Welcome and how we work" in text_of(home)
    assert "Your password is set. Welcome aboard!" in text_of(home)

    # The link works once.
    again = app.test_client()
    used = again.get(link)
    assert used.status_code == 410
    assert "already been used" in text_of(used)
    assert set_password(again, link, "someone-else-now").status_code == 410
    assert login(person("nadia@example.com"), password="first-day-2026").get("/").status_code == 200


def test_an_expired_invitation_says_so_and_changes_nothing(app, login, manager, post):
    r = post(
        login(manager),
        "/people",
        {"email": "late@example.com", "name": "Lou Late", "role": "member"},
    )
    assert r.status_code == 200
    link = mailed_link("late@example.com")
    session = settled()
    row = session.scalar(select(AccountLink).where(AccountLink.purpose == "invite"))
    row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    session.commit()

    hire = app.test_client()
    page = hire.get(link)
    assert page.status_code == 410
    assert "This invitation has expired." in text_of(page)
    assert set_password(hire, link, "first-day-2026").status_code == 410
    assert person("late@example.com").password_hash is None
    assert settled().get(AccountLink, row.id).used_at is None
    assert hire.get("/").status_code == 302  # not signed in


def test_a_made_up_invitation_link_says_it_is_not_valid(client):
    r = client.get("/invite/not-a-real-token")
    assert r.status_code == 410
    assert "This invitation is not valid." in text_of(r)


# Forgotten passwords -----------------------------------------------------------------------------


def test_forgot_password_mails_a_link_that_sets_a_new_password_and_ends_old_sessions(
    app, login, member
):
    old_session = login(member)
    assert old_session.get("/").status_code == 200

    anonymous = app.test_client()
    r = anonymous.post(
        "/forgot-password", data={"email": member.email, "csrf_token": page_token(anonymous)}
    )
    assert r.status_code == 200
    assert "Check your mail" in text_of(r)
    link = mailed_link(member.email)
    assert link.startswith("/reset-password/")

    r = set_password(anonymous, link, "a-brand-new-one")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert "every other session was signed out" in text_of(anonymous.get("/"))
    assert old_session.get("/").status_code == 302  # signed out
    login(member, password="a-brand-new-one")
    with pytest.raises(AssertionError):
        login(member)  # the old password no longer works
    assert anonymous.application.test_client().get(link).status_code == 410  # once only


def test_forgot_password_says_the_same_for_an_unknown_address(client):
    r = client.post(
        "/forgot-password", data={"email": "nobody@example.com", "csrf_token": page_token(client)}
    )
    assert r.status_code == 200 and "Check your mail" in text_of(r)
    assert settled().scalar(select(Job.id).where(Job.kind == "mail")) is None


# The manager's story ------------------------------------------------------------------------------


def test_a_manager_sets_up_a_cohort_and_a_module_and_a_learner_reads_it(
    login, manager, member, post
):
    boss = login(manager)
    r = post(boss, "/cohorts/new", {"name": "Spring hires", "description": "March starters."})
    cohort_id = settled().scalar(select(Cohort.id).where(Cohort.name == "Spring hires"))
    assert r.headers["Location"] == f"/cohorts/{cohort_id}"

    r = post(
        boss,
        "/modules/new",
        {
            "title": "Security basics",
            "summary": "Passwords and phishing.",
            "body": "## Passwords\r\n\r\nUse the password manager.\r\n",
            "owner_id": str(manager.id),
            "published": "y",
        },
    )
    module_id = settled().scalar(select(Module.id).where(Module.title == "Security basics"))
    assert r.headers["Location"] == f"/modules/{module_id}"

    r = post(boss, f"/cohorts/{cohort_id}/members", {"user_id": member.id, "role": "learner"})
    assert r.status_code == 302
    due = (datetime.now(UTC) + timedelta(days=5)).date().isoformat()
    r = post(
        boss,
        f"/cohorts/{cohort_id}/schedule/{module_id}",
        {f"m{module_id}-due_at": due, f"m{module_id}-save": "Set"},
    )
    assert r.status_code == 302

    learner = login(member)
    home = text_of(learner.get("/"))
    assert "Spring hires" in home
    assert re.search(r"Security basics[^·]*Due \w{3} \d+ \w{3} \d{4}", home)
    cohort_page = text_of(learner.get(f"/cohorts/{cohort_id}"))
    assert "March starters." in cohort_page and "Security basics due" in cohort_page
    lesson = learner.get(f"/modules/{module_id}")
    assert lesson.status_code == 200
    assert "<h2>Passwords</h2>" in lesson.get_data(as_text=True)
    assert re.search(r"Due \w{3} \d+ \w{3} \d{4} \(in 5 days\) for Spring hires", text_of(lesson))


# CSRF -----------------------------------------------------------------------------------------


def csrf_targets(ids: dict) -> list[tuple[str, dict]]:
    m, c, u = ids["module"], ids["cohort"], ids["user"]
    return [
        ("/modules/new", {"title": "T", "body": "B"}),
        (f"/modules/{m}/edit", {"title": "T", "body": "B"}),
        (f"/modules/{m}/move", {"direction": "up"}),
        (f"/modules/{m}/publish", {"published": "no"}),
        ("/cohorts/new", {"name": "N"}),
        (f"/cohorts/{c}/edit", {"name": "N"}),
        (f"/cohorts/{c}/members", {"user_id": u, "role": "learner"}),
        (f"/cohorts/{c}/members/{u}/remove", {}),
        (f"/cohorts/{c}/schedule/{m}", {f"m{m}-due_at": "2030-01-01", f"m{m}-save": "Set"}),
        ("/people", {"email": "e@example.com", "name": "E", "role": "member"}),
        (f"/people/{u}/invite", {}),
        (f"/people/{u}/active", {"active": "no"}),
        (f"/people/{u}/role", {"role": "manager"}),
        ("/logout", {}),
    ]


def test_every_page_form_without_a_csrf_token_gets_400_and_changes_nothing(login, admin):
    other = factories.make_user(name="Tess Target")
    module = factories.make_module(title="Untouched", actor=admin)
    cohort = factories.make_cohort({other: "learner"}, name="Untouched cohort", actor=admin)
    client = login(admin)
    ids = {"module": module.id, "cohort": cohort.id, "user": other.id}
    for path, data in csrf_targets(ids):
        for token in (None, "forged-token"):
            form = dict(data) if token is None else {**data, "csrf_token": token}
            r = client.post(path, data=form)
            assert r.status_code == 400, (path, token, r.status_code)
            assert "CSRF" in r.get_data(as_text=True), path
    session = settled()
    assert session.get(Module, module.id).title == "Untouched"
    assert session.get(Module, module.id).published
    assert session.get(Cohort, cohort.id).name == "Untouched cohort"
    assert session.get(User, other.id).active and session.get(User, other.id).role == "member"
    assert session.scalar(select(User.id).where(User.email == "e@example.com")) is None
    assert client.get("/").status_code == 200  # still signed in: /logout was refused too


@pytest.mark.parametrize("path", ["/login", "/forgot-password"])
def test_signed_out_forms_need_csrf_too(client, member, path):
    r = client.post(path, data={"email": member.email, "password": factories.PASSWORD})
    assert r.status_code == 400
    assert settled().scalar(select(Job.id)) is None
