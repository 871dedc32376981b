"""Accounts: people, passwords, tokens, invitations, resets, deactivation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from forum.background import run_pending
from forum.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from forum.models import AccountLink, ApiToken, Job, User, utcnow
from forum.services import accounts
from tests.factories import PASSWORD


def _token_from(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_passwords_are_hashed_never_stored(db, member):
    stored = db.session.get(User, member.id).password_hash
    assert stored and PASSWORD not in stored
    assert accounts.authenticate(member.email, PASSWORD).id == member.id


@pytest.mark.parametrize("email", ["nobody@example.com", "", "x" * 300])
def test_unknown_or_odd_emails_do_not_sign_in(member, email):
    with pytest.raises(Unauthorized):
        accounts.authenticate(email, PASSWORD)


def test_sign_in_ignores_email_case(member):
    assert accounts.authenticate(member.email.upper(), PASSWORD).id == member.id


def test_duplicate_email_is_a_conflict_whatever_the_case(manager, member):
    with pytest.raises(Conflict):
        accounts.create_user(manager, email=member.email.upper(), name="Again")


def test_managers_create_members_only(manager, admin):
    with pytest.raises(Forbidden):
        accounts.create_user(manager, email="boss@example.com", name="Boss", role="manager")
    made = accounts.create_user(admin, email="boss@example.com", name="Boss", role="manager")
    assert made.user.role == "manager"


def test_members_cannot_create_people(member):
    with pytest.raises(Forbidden):
        accounts.create_user(member, email="x@example.com", name="X")


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not-an-email"), ("name", ""), ("name", "n" * 101), ("password", "short")],
)
def test_invalid_people_are_refused(manager, field, value):
    data = {"email": "ok@example.com", "name": "Ok", "password": "long enough pw"}
    data[field] = value
    with pytest.raises(Invalid) as err:
        accounts.create_user(manager, **data)
    assert field in err.value.fields


def test_invitation_is_mailed_and_works_once(app, db, manager):
    new = accounts.create_user(manager, email="new.hire@example.com", name="New Hire")
    assert new.user.password_hash is None and new.invite_url
    mail = db.session.scalars(select(Job).where(Job.kind == "mail")).one()
    assert mail.payload["to"] == "new.hire@example.com" and new.invite_url in mail.payload["body"]
    token = _token_from(new.invite_url)
    with pytest.raises(Unauthorized):  # no password yet: cannot sign in
        accounts.authenticate("new.hire@example.com", "")
    user = accounts.accept_invite(token, "my new password")
    assert accounts.authenticate("new.hire@example.com", "my new password").id == user.id
    with pytest.raises(Invalid, match="already been used"):
        accounts.accept_invite(token, "another password")
    assert accounts.authenticate("new.hire@example.com", "my new password")


def test_expired_invitation_says_so_and_changes_nothing(db, manager):
    new = accounts.create_user(manager, email="late@example.com", name="Late")
    link = db.session.scalars(select(AccountLink)).one()
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(Invalid, match="expired"):
        accounts.accept_invite(_token_from(new.invite_url), "a fine password")
    assert db.session.get(User, new.user.id).password_hash is None


def test_reinvite_replaces_the_old_link(manager):
    new = accounts.create_user(manager, email="again@example.com", name="Again")
    fresh = accounts.reinvite(manager, new.user.id)
    with pytest.raises(Invalid, match="not valid"):
        accounts.check_link("invite", _token_from(new.invite_url))
    assert accounts.check_link("invite", _token_from(fresh)).user_id == new.user.id


def test_reinvite_refuses_people_with_a_password(manager, member):
    with pytest.raises(Conflict):
        accounts.reinvite(manager, member.id)


def _ask_reset(address: str) -> None:
    """Ask for a reset; the worker then looks the address up and queues the mail."""
    accounts.queue_password_reset(address)
    run_pending()


def test_password_reset_mails_a_link_and_signs_out_everywhere(db, member):
    token = accounts.issue_token(member).token
    key = accounts.start_session(member)
    _ask_reset(member.email)
    mail = db.session.scalars(select(Job).where(Job.kind == "mail")).one()
    url = next(w for w in mail.payload["body"].split() if "/reset-password/" in w)
    user = accounts.reset_password(_token_from(url), "brand new password")
    assert accounts.authenticate(member.email, "brand new password").id == user.id
    assert accounts.user_for_token(token) is None
    assert accounts.session_user(f"{member.id}:{key}") is None


def test_reset_for_unknown_email_mails_nothing_and_forgets_the_address(db):
    _ask_reset("ghost@example.com")
    _ask_reset("not an email")
    jobs = db.session.scalars(select(Job)).all()
    assert [j.kind for j in jobs] == ["password_reset", "password_reset"]
    assert all(j.done_at is not None and j.payload == {} for j in jobs)


def test_reset_link_of_one_purpose_is_not_an_invitation(db, member):
    _ask_reset(member.email)
    body = db.session.scalars(select(Job).where(Job.kind == "mail")).one().payload["body"]
    token = _token_from(next(w for w in body.split() if "/reset-password/" in w))
    with pytest.raises(Invalid):
        accounts.accept_invite(token, "whatever password")


def test_tokens_are_stored_as_hashes(db, member):
    token = accounts.issue_token(member).token
    row = db.session.scalars(select(ApiToken)).one()
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert accounts.user_for_token(token).id == member.id
    accounts.revoke_token(token)
    assert accounts.user_for_token(token) is None


def test_deactivation_revokes_tokens_and_sessions(db, manager, member):
    token = accounts.issue_token(member).token
    accounts.start_session(member)
    session_id = member.get_id()
    assert accounts.session_user(session_id).id == member.id
    accounts.update_user(manager, member.id, active=False)
    assert accounts.user_for_token(token) is None
    assert accounts.session_user(session_id) is None
    with pytest.raises(Unauthorized, match=r"^Wrong e-mail or password"):
        accounts.authenticate(member.email, PASSWORD)
    accounts.update_user(manager, member.id, active=True)
    assert accounts.authenticate(member.email, PASSWORD)
    assert accounts.session_user(session_id) is None  # old sessions stay ended


def test_managers_cannot_change_other_managers_or_promote(manager, admin, make_user):
    other = make_user(role="manager")
    someone = make_user()
    with pytest.raises(Forbidden):
        accounts.update_user(manager, other.id, active=False)
    with pytest.raises(Forbidden):
        accounts.update_user(manager, someone.id, role="admin")
    assert accounts.update_user(admin, someone.id, role="manager").role == "manager"


def test_nobody_locks_themself_out(admin):
    with pytest.raises(Invalid):
        accounts.update_user(admin, admin.id, active=False)


def test_members_do_not_find_people(member, manager):
    with pytest.raises(NotFound):
        accounts.update_user(member, manager.id, name="Hacked")
    with pytest.raises(Forbidden):
        accounts.list_users(member)


def test_queued_mail_is_sent_after_commit_and_logged_without_a_server(db, manager, caplog):
    accounts.create_user(manager, email="mailme@example.com", name="Mail Me")
    with caplog.at_level("INFO", logger="forum.mail"):
        assert run_pending() == (1, 0)
    assert "mailme@example.com" in caplog.text
    assert db.session.scalars(select(Job)).one().done_at is not None
    assert run_pending() == (0, 0)


def _job_text(job: Job) -> str:
    return json.dumps(job.payload) + (job.last_error or "")


def test_a_sent_invitation_leaves_no_link_in_the_outbox(db, manager):
    new = accounts.create_user(manager, email="secret@example.com", name="Secret")
    assert run_pending() == (1, 0)
    job = db.session.scalars(select(Job)).one()
    assert job.done_at is not None
    assert job.payload == {"to": "secret@example.com", "subject": job.payload["subject"]}
    assert _token_from(new.invite_url) not in _job_text(job)


def test_a_reset_mail_given_up_leaves_no_link_either(db, member, monkeypatch):
    from forum import background

    def refuse(payload: dict) -> None:
        raise ConnectionError("mail server down")

    monkeypatch.setitem(background.HANDLERS, "mail", refuse)
    _ask_reset(member.email)
    for _ in range(background.MAX_ATTEMPTS):
        db.session.execute(update(Job).values(run_after=utcnow()))
        db.session.commit()
        run_pending()
    job = db.session.scalars(select(Job).where(Job.kind == "mail")).one()
    assert job.done_at is not None and job.attempts == background.MAX_ATTEMPTS
    assert "/reset-password/" not in _job_text(job)


def test_no_mail_goes_to_a_deactivated_account(db, manager, member, caplog):
    _ask_reset(member.email)
    accounts.update_user(manager, member.id, active=False)
    with caplog.at_level("INFO", logger="forum.mail"):
        assert run_pending() == (1, 0)
    assert "dropped" in caplog.text and "/reset-password/" not in caplog.text


def test_a_deactivated_person_gets_no_new_invitation(manager, make_user):
    invited = make_user(password=None)
    accounts.update_user(manager, invited.id, active=False)
    with pytest.raises(Conflict, match="deactivated"):
        accounts.reinvite(manager, invited.id)
