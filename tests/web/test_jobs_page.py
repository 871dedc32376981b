"""Background jobs for admins (issue 11): jobs that gave up, keep failing, or that no worker
runs are listed with their errors; an admin runs one again or discards it (a POST each);
nobody else sees the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from forum.background import HANDLERS, MAX_ATTEMPTS, enqueue, run_pending
from forum.database import write_transaction
from forum.models import Job, utcnow
from forum.services.mailer import queue_mail
from tests.api.helpers import fresh
from tests.web.conftest import post_form, text_of
from tests.web.test_layout_and_queries import counted

calls: list[dict] = []


def _refuse(payload: dict) -> None:
    calls.append(payload)
    raise ConnectionError(f"relay refused job {payload['n']}")


HANDLERS["test.refused"] = _refuse


def _queue(kind: str, **payload) -> int:
    with write_transaction() as session:
        enqueue(kind, payload)
        session.flush()
        return session.query(Job.id).order_by(Job.id.desc()).limit(1).scalar()


def _age(job_id: int, **values) -> None:
    with write_transaction() as session:
        session.execute(update(Job).where(Job.id == job_id).values(**values))


def _give_up(job_id: int) -> None:
    """Make the job's next failure its last."""
    _age(job_id, attempts=MAX_ATTEMPTS - 1, run_after=utcnow())
    run_pending()


def _world() -> dict[str, int]:
    """One healthy job, one retrying, one that gave up, one stuck, one mail that gave up."""
    ids = {
        "healthy": _queue("test.refused", n=0),
        "retrying": _queue("test.refused", n=1),
        "gave_up": _queue("test.refused", n=2),
        "stuck": _queue("test.refused", n=3),
    }
    with write_transaction():
        queue_mail("someone@example.com", "Your invitation", "Set it: http://x/invite/secret")
    ids["mail"] = fresh().query(Job.id).order_by(Job.id.desc()).limit(1).scalar()
    _age(ids["healthy"], run_after=utcnow() + timedelta(hours=1))
    _age(ids["stuck"], run_after=utcnow() + timedelta(hours=1))
    run_pending()  # "retrying", "gave_up" and the mail fail once (no MAIL_SERVER: it logs)
    _give_up(ids["gave_up"])
    _give_up(ids["mail"])
    _age(ids["stuck"], run_after=utcnow() - timedelta(minutes=30))
    return ids


@pytest.fixture
def jobs(app, monkeypatch):
    from forum.services import mailer

    def no_relay(payload):
        raise ConnectionError("mail relay unreachable")

    monkeypatch.setitem(HANDLERS, "mail", no_relay)
    assert mailer  # the mail handler is registered before it is replaced
    return _world()


def _row(page: str, job_id: int) -> str:
    start = page.index(f'id="job-{job_id}"')
    return page[start : page.index("</tr>", start)]


def test_an_admin_sees_what_failed_keeps_failing_or_is_stuck(jobs, login, admin):
    page = login(admin).get("/admin/jobs").get_data(as_text=True)
    assert f'id="job-{jobs["healthy"]}"' not in page
    assert "Retrying" in _row(page, jobs["retrying"])
    assert "relay refused job 1" in _row(page, jobs["retrying"])
    assert "Gave up" in _row(page, jobs["gave_up"])
    assert "Stuck" in _row(page, jobs["stuck"])
    mail = _row(page, jobs["mail"])
    assert "Gave up" in mail and "someone@example.com" in mail and "mail relay unreachable" in mail
    assert "secret" not in page  # a given-up mail keeps no body (it may hold a one-use link)
    text = text_of(login(admin).get("/admin/jobs"))
    assert "1 retrying" in text and "1 stuck" in text and "2 gave up" in text


def test_the_people_page_links_admins_to_the_jobs(login, admin, manager):
    assert 'href="/admin/jobs"' in login(admin).get("/people").get_data(as_text=True)
    assert 'href="/admin/jobs"' not in login(manager).get("/people").get_data(as_text=True)


@pytest.mark.parametrize("who", ["manager", "member"])
def test_nobody_but_admins_sees_or_touches_the_jobs(jobs, login, who, manager, member):
    client = login({"manager": manager, "member": member}[who])
    assert client.get("/admin/jobs").status_code == 403
    for action in ("retry", "discard"):
        assert post_form(client, f"/admin/jobs/{jobs['gave_up']}/{action}").status_code == 403
    assert fresh().get(Job, jobs["gave_up"]).done_at is not None


def test_retry_runs_a_job_that_gave_up_again_with_fresh_attempts(jobs, login, admin):
    client = login(admin)
    r = post_form(client, f"/admin/jobs/{jobs['gave_up']}/retry")
    assert r.status_code == 302
    job = fresh().get(Job, jobs["gave_up"])
    assert job.done_at is None and job.attempts == 0 and job.run_after <= utcnow()
    calls.clear()
    run_pending()
    assert {c["n"] for c in calls} >= {2}  # it ran again (and failed again)
    assert fresh().get(Job, jobs["gave_up"]).attempts == 1


def test_a_stuck_job_is_released_to_run_now(jobs, login, admin):
    post_form(login(admin), f"/admin/jobs/{jobs['stuck']}/retry")
    calls.clear()
    run_pending()
    assert 3 in {c["n"] for c in calls}


def test_a_mail_that_gave_up_cannot_be_sent_blind_but_can_be_discarded(jobs, login, admin):
    client = login(admin)
    r = post_form(client, f"/admin/jobs/{jobs['mail']}/retry", follow_redirects=True)
    assert "content was discarded" in r.get_data(as_text=True)
    assert fresh().get(Job, jobs["mail"]).done_at is not None
    assert 'action="/admin/jobs/{}/retry'.format(jobs["mail"]) not in r.get_data(as_text=True)
    post_form(client, f"/admin/jobs/{jobs['mail']}/discard")
    assert fresh().get(Job, jobs["mail"]) is None


@pytest.mark.parametrize("action", ["retry", "discard"])
def test_a_healthy_job_is_not_the_admins_to_touch(jobs, login, admin, action):
    r = post_form(login(admin), f"/admin/jobs/{jobs['healthy']}/{action}")
    assert r.status_code == 404
    job = fresh().get(Job, jobs["healthy"])
    assert job is not None and job.attempts == 0


def test_retry_and_discard_need_a_post_with_the_csrf_token(jobs, login, admin):
    client = login(admin)
    assert client.get(f"/admin/jobs/{jobs['gave_up']}/discard").status_code == 405
    assert client.post(f"/admin/jobs/{jobs['gave_up']}/discard").status_code == 400
    assert fresh().get(Job, jobs["gave_up"]) is not None


def test_the_jobs_page_loads_in_a_fixed_number_of_queries(app, login, admin):
    client = login(admin)

    def queries_with(n: int) -> int:
        for i in range(n):
            _give_up(_queue("test.refused", n=100 + i))
        with counted() as statements:
            assert client.get("/admin/jobs").status_code == 200
        return len(statements)

    assert queries_with(2) == queries_with(12)
