"""``flask --app forum seed-demo``: what it loads, and that running it again is safe."""

from __future__ import annotations

import re
from collections import Counter
from html import escape

import pytest
from sqlalchemy import func, select

from forum import demo
from forum.models import Cohort, Membership, Module, ScheduleEntry, User, utcnow
from forum.services import accounts
from tests import factories


@pytest.fixture
def app_config() -> dict:
    # Ten demo passwords per test: a cheap hash keeps the suite quick; the rules are the same.
    return {"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


LISTS = re.compile(r"<(ol|ul)\b.*?</\1>", re.S)


def in_order(text: str, parts: list[str]) -> bool:
    positions = [text.find(p) for p in parts]
    return -1 not in positions and positions == sorted(positions)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def counts(db) -> dict[str, int]:
    return {m.__name__: count(db, m) for m in (User, Module, Cohort, Membership, ScheduleEntry)}


@pytest.fixture
def seeded(runner, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def test_seed_demo_creates_people_across_the_roles_who_can_sign_in(seeded, db):
    users = list(db.session.scalars(select(User)))
    roles = Counter(u.role for u in users)
    assert len(users) >= 8
    assert roles["admin"] == 1 and roles["manager"] == 2 and roles["member"] >= 5
    assert all(u.email.endswith("@example.com") for u in users)
    for user in users:
        assert accounts.authenticate(user.email, demo.PASSWORD).id == user.id
    for user in users:
        assert user.email in seeded.output
    assert demo.PASSWORD in seeded.output


def test_seed_demo_creates_ordered_published_modules_and_one_draft(seeded, db):
    ordered = list(db.session.scalars(select(Module).order_by(Module.position, Module.id)))
    published = [m for m in ordered if m.published]
    drafts = [m for m in ordered if not m.published]
    assert len(published) >= 6 and len(drafts) == 1
    assert [m.title for m in ordered] == [lesson.title for lesson in demo.LESSONS]
    assert len({m.position for m in ordered}) == len(ordered), "positions must be distinct"
    for module in published:
        assert 300 <= len(module.body.split()) <= 700, module.title
        assert "<h2>" in module.body_html and "<li>" in module.body_html, module.title
        assert module.summary, module.title
    assert any("<table>" in m.body_html for m in published)
    assert any("<pre" in m.body_html for m in published)
    owners = {m.owner.email for m in published}
    managers = {u.email for u in db.session.scalars(select(User).where(User.role == "manager"))}
    assert managers <= owners, "every manager owns some module"
    assert sum(1 for m in published if m.video_url) >= 1


def test_seed_demo_creates_two_cohorts_with_facilitators_learners_and_due_dates(seeded, db):
    now = utcnow()
    cohorts = list(db.session.scalars(select(Cohort).order_by(Cohort.name)))
    assert len(cohorts) == 2
    for cohort in cohorts:
        roles = Counter(m.role for m in cohort.memberships)
        assert roles["facilitator"] >= 1 and roles["learner"] >= 2, cohort.name
        due = [entry.due_at for entry in cohort.schedule]
        assert len(due) >= 4, cohort.name
        assert any(d < now for d in due) and any(d > now for d in due), cohort.name
        assert all(entry.module.published for entry in cohort.schedule)


def test_a_demo_learner_sees_the_modules_in_order_and_a_lesson_with_a_table(seeded, db, login):
    learner = accounts.find_user_by_email("sofia.lindqvist@example.com")
    page_client = login(learner, password=demo.PASSWORD)
    home = page_client.get("/").get_data(as_text=True)
    titles = [escape(lesson.title) for lesson in demo.LESSONS if lesson.published]
    assert any(in_order(m.group(0), titles) for m in LISTS.finditer(home)), home
    assert "On-call and incident response" not in home, "the draft is hidden from learners"

    workflow = db.session.scalar(select(Module).where(Module.title.like("Our engineering%")))
    lesson = page_client.get(f"/modules/{workflow.id}")
    assert lesson.status_code == 200
    assert "<table>" in lesson.get_data(as_text=True)


def test_seed_demo_if_empty_on_a_demo_database_loads_nothing_and_prints_the_logins(
    seeded, runner, db
):
    before = counts(db)
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0, again.output
    db.session.expire_all()
    assert counts(db) == before
    assert "already loaded" in again.output
    for _label, email in demo.logins():
        assert email in again.output
    assert demo.PASSWORD in again.output


def test_seed_demo_again_says_the_demo_is_loaded_in_one_line(seeded, runner, db):
    before = counts(db)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0
    assert again.output.strip().splitlines() == [
        "Error: The demo is already loaded; nothing was changed."
    ]
    assert again.exception is None or isinstance(again.exception, SystemExit)
    db.session.expire_all()
    assert counts(db) == before


def test_seed_demo_leaves_a_database_with_real_people_alone(runner, db):
    factories.make_user(role="admin", email="boss@example.org")
    before = counts(db)

    polite = runner.invoke(args=["seed-demo", "--if-empty"])
    assert polite.exit_code == 0, polite.output
    assert "demo not loaded" in polite.output
    assert "@example.com" not in polite.output

    refused = runner.invoke(args=["seed-demo"])
    assert refused.exit_code != 0
    assert len(refused.output.strip().splitlines()) == 1
    assert "already has data" in refused.output
    db.session.expire_all()
    assert counts(db) == before


def test_a_failing_part_leaves_the_database_empty(app, db, monkeypatch):
    def broken(_demo: demo.Demo) -> None:
        raise RuntimeError("part failed")

    monkeypatch.setattr(demo, "PARTS", [*demo.PARTS, broken])
    with pytest.raises(RuntimeError):
        demo.seed()
    db.session.rollback()
    assert demo.database_is_empty()
    assert counts(db) == dict.fromkeys(counts(db), 0)
