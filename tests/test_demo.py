"""``flask --app forum seed-demo``: what it loads, and that running it again is safe."""

from __future__ import annotations

import re
import shutil
import tomllib
from collections import Counter
from datetime import timedelta
from fnmatch import fnmatch
from html import escape
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from forum import demo
from forum.models import (
    Cohort,
    Membership,
    Module,
    Notification,
    OfficeHour,
    OfficeHourMessage,
    OfficeHourQuestion,
    Post,
    ScheduleEntry,
    Thread,
    User,
    Vote,
    utcnow,
)
from forum.services import accounts, threads
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
    tables = (User, Module, Cohort, Membership, ScheduleEntry, Thread, Post, Vote, Notification)
    return {m.__name__: count(db, m) for m in tables}


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


# Discussion ---------------------------------------------------------------------------------

LESSON_OWNERS = {lesson.key: lesson.owner for lesson in demo.LESSONS}
PERSON_KEYS = {person.key for person in demo.PEOPLE}


def test_the_demo_conversations_are_well_formed():
    # Checked without a database, so that a slip in the script is named precisely.
    assert {c.module for c in demo.CONVERSATIONS} == set(LESSON_OWNERS)
    for conversation in demo.CONVERSATIONS:
        where = conversation.title
        assert conversation.kind in ("prompt", "question", "discussion"), where
        assert conversation.module in LESSON_OWNERS, where
        assert conversation.cohort in (None, *(plan.key for plan in demo.COHORTS)), where
        if conversation.kind == "prompt":
            assert conversation.posts[0].who == LESSON_OWNERS[conversation.module], where
            assert len(conversation.posts) - 1 in range(1, 4), where
            assert conversation.cohort is None, where
        if conversation.accepted is not None:
            assert conversation.kind == "question", where
            assert conversation.accepted in range(1, len(conversation.posts)), where
            accepted = conversation.posts[conversation.accepted]
            assert accepted.who != conversation.posts[0].who, where
        earlier = demo.ago(14, 12)
        for index, said in enumerate(conversation.posts):
            assert said.who in PERSON_KEYS, where
            assert 40 <= len(said.body.split()) <= 150, (where, index, len(said.body.split()))
            assert timedelta(0) < said.ago < earlier, f"{where}: post {index} out of order"
            earlier = said.ago
            assert said.to is None or 0 <= said.to < index, where
            assert said.who not in said.voters, where
            assert len(set(said.voters)) == len(said.voters), where
    prompts = Counter(c.module for c in demo.CONVERSATIONS if c.kind == "prompt")
    assert prompts == dict.fromkeys(LESSON_OWNERS, 1)


def visible_titles(user: User, module_id: int) -> set[str]:
    return {row.title for row in threads.list_threads(user, module_id, per_page=100).items}


def all_threads(db) -> list[Thread]:
    return list(db.session.scalars(select(Thread).order_by(Thread.id)))


def posts_of(db, thread: Thread) -> list[Post]:
    return list(
        db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.id))
    )


def test_every_demo_module_has_a_pinned_prompt_by_its_owner_with_replies(seeded, db):
    for module in db.session.scalars(select(Module)):
        prompts = list(
            db.session.scalars(
                select(Thread).where(Thread.module_id == module.id, Thread.prompt.is_(True))
            )
        )
        assert len(prompts) == 1, module.title
        prompt = prompts[0]
        assert prompt.pinned and prompt.kind == "discussion" and prompt.visibility == "everyone"
        assert prompt.author_id == module.owner_id, module.title
        assert prompt.reply_count in range(1, 4), module.title
        # The owner sees the prompt first, above every other thread of the module.
        listed = threads.list_threads(module.owner, module.id, per_page=100).items
        assert listed[0].id == prompt.id, module.title


def conversation_threads(db) -> list[Thread]:
    """The demo's written conversations, not the question its office hour archived (its
    host answers and accepts at once: see the office-hour test)."""
    archived = set(db.session.scalars(select(OfficeHourQuestion.thread_id)))
    return [t for t in all_threads(db) if t.id not in archived]


def test_the_demo_has_answered_and_open_questions_and_discussions(seeded, db):
    questions = [t for t in conversation_threads(db) if t.kind == "question"]
    answered = [t for t in questions if t.accepted_post_id is not None]
    assert len(answered) >= 5 and len(questions) - len(answered) >= 3
    discussions = [t for t in all_threads(db) if t.kind == "discussion" and not t.prompt]
    assert len(discussions) >= 2 and all(t.reply_count >= 2 for t in discussions)

    facilitators = set(
        db.session.scalars(select(Membership.user_id).where(Membership.role == "facilitator"))
    )
    learners = set(
        db.session.scalars(select(Membership.user_id).where(Membership.role == "learner"))
    )
    answerers = set()
    for thread in answered:
        accepted = db.session.get(Post, thread.accepted_post_id)
        opening = posts_of(db, thread)[0]
        assert accepted.thread_id == thread.id and accepted.id != opening.id
        assert accepted.author_id != thread.author_id, thread.title
        if accepted.author_id == thread.module.owner_id:
            answerers.add("owner")
        elif accepted.author_id in facilitators:
            answerers.add("facilitator")
        elif accepted.author_id in learners:
            answerers.add("peer")
        # Whoever wrote the accepted answer was told so.
        note = db.session.scalar(
            select(Notification).where(
                Notification.kind == "accepted", Notification.post_id == accepted.id
            )
        )
        assert note is not None and note.user_id == accepted.author_id, thread.title
    assert answerers == {"owner", "facilitator", "peer"}

    everyone = list(db.session.scalars(select(Post)))
    openings = set(db.session.scalars(select(func.min(Post.id)).group_by(Post.thread_id)))
    replies = [p for p in everyone if p.id not in openings]
    assert len({p.author_id for p in replies}) >= 8, "replies from several people"
    assert sum(1 for p in everyone if p.parent_id is not None) >= 3
    assert count(db, Vote) >= 10
    assert any(p.score >= 3 for p in everyone)
    mentions = list(db.session.scalars(select(Notification).where(Notification.kind == "mention")))
    assert mentions and all('class="mention"' in n.post.body_html for n in mentions)


def test_the_anonymous_demo_question_hides_its_asker_from_peers_only(seeded, db):
    (thread,) = [t for t in all_threads(db) if t.anonymous]
    assert thread.title.startswith("Is it OK to ask")
    asker = thread.author
    peer = accounts.find_user_by_email("aiko.tanaka@example.com")
    assert peer.id != asker.id
    assert threads.get_thread(peer, thread.id).author is None
    assert threads.get_thread(thread.module.owner, thread.id).author.id == asker.id
    assert threads.get_thread(asker, thread.id).author.id == asker.id


def test_cohort_only_demo_threads_are_invisible_to_the_other_cohort(seeded, db):
    learners: dict[int, list[User]] = {}
    for membership in db.session.scalars(select(Membership).where(Membership.role == "learner")):
        learners.setdefault(membership.cohort_id, []).append(membership.user)
    cohort_threads = [t for t in all_threads(db) if t.visibility == "cohort"]
    assert {t.cohort_id for t in cohort_threads} == set(learners), "one in each cohort at least"
    for thread in cohort_threads:
        for cohort_id, people in learners.items():
            for person in people:
                seen = thread.title in visible_titles(person, thread.module_id)
                assert seen == (cohort_id == thread.cohort_id), (thread.title, person.name)
    # A member in no cohort sees exactly the threads open to everyone.
    outsider = factories.make_user()
    welcome = db.session.scalar(select(Module).order_by(Module.position, Module.id))
    open_to_all = {
        t.title for t in all_threads(db) if t.module_id == welcome.id and t.visibility == "everyone"
    }
    assert open_to_all and visible_titles(outsider, welcome.id) == open_to_all


def test_demo_thread_counters_and_times_agree_with_their_posts(seeded, db):
    now = utcnow()
    last_id = 0
    for thread in all_threads(db):
        rows = posts_of(db, thread)
        replies = [p for p in rows[1:] if not p.deleted]
        assert thread.reply_count == len(replies), thread.title
        assert thread.last_post_id == rows[-1].id, thread.title
        assert thread.created_at == rows[0].created_at, thread.title
        assert thread.last_activity_at == rows[-1].created_at, thread.title
        assert thread.score == rows[0].score, thread.title
        times = [p.created_at for p in rows]
        assert times == sorted(times) and len(set(times)) == len(times), thread.title
        assert now - timedelta(days=15) < times[0] and times[-1] <= now, thread.title
        for post in rows:
            votes = db.session.scalar(
                select(func.coalesce(func.sum(Vote.value), 0)).where(Vote.post_id == post.id)
            )
            assert post.score == votes, thread.title
        last_id = max(last_id, rows[-1].id)
    # Ids follow time across the whole demo, so "newest first" by id or by time agree.
    every_post = list(db.session.scalars(select(Post).order_by(Post.id)))
    assert [p.created_at for p in every_post] == sorted(p.created_at for p in every_post)
    assert every_post[-1].id == last_id


def test_demo_people_have_read_up_to_their_own_last_post(seeded, db):
    sofia = accounts.find_user_by_email("sofia.lindqvist@example.com")
    new = threads.whats_new(sofia, per_page=100).items
    assert new, "someone has written since Sofia last looked"
    for row in new:
        mine = [p for p in posts_of(db, row.thread) if p.author_id == sofia.id]
        if mine:
            assert row.thread.last_post_id > mine[-1].id, row.title
    unread = db.session.scalars(
        select(Notification).where(Notification.user_id == sofia.id, Notification.read_at.is_(None))
    )
    for note in unread:
        assert note.thread is not None
        mine = [p for p in posts_of(db, note.thread) if p.author_id == sofia.id]
        assert not mine or note.created_at >= mine[-1].created_at


def test_the_demo_is_written_in_one_transaction(app, db):
    log: list[str] = []

    def on_statement(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            log.append("write")

    def on_commit(_conn) -> None:
        log.append("commit")

    event.listen(db.engine, "before_cursor_execute", on_statement)
    event.listen(db.engine, "commit", on_commit)
    try:
        demo.seed()
    finally:
        event.remove(db.engine, "before_cursor_execute", on_statement)
        event.remove(db.engine, "commit", on_commit)
    first = log.index("write")
    last = len(log) - 1 - log[::-1].index("write")
    assert "commit" not in log[first:last], "a commit in the middle of the demo"
    assert "commit" in log[last:]
    archived = [h for p in demo.CONTENT.office_hours for h in p.hands if h.answer]
    assert count(db, Thread) == len(demo.CONVERSATIONS) + len(archived) == 23


# Data files ---------------------------------------------------------------------------------

DEMO_FOLDER = Path(demo.__file__).parent


def data_files(folder: Path = DEMO_FOLDER) -> list[str]:
    """Every file of the demo package that is not code, relative to it."""
    found = (p for p in folder.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc"))
    return sorted(p.relative_to(folder).as_posix() for p in found)


def test_every_demo_data_file_is_read_and_shipped():
    lesson_files = [f"lessons/{n:02d}-{lesson.key}.md" for n, lesson in enumerate(demo.LESSONS, 1)]
    assert data_files() == ["demo.toml", *lesson_files], "a data file the loader does not read"
    # A data file left out of the package data would be missing from an installed forum.
    with open(DEMO_FOLDER.parents[1] / "pyproject.toml", "rb") as f:
        shipped = tomllib.load(f)["tool"]["setuptools"]["package-data"]["forum.demo"]
    for name in data_files():
        assert any(fnmatch(name, pattern) for pattern in shipped), name


def test_demo_bodies_are_the_files_text_exactly():
    welcome = (DEMO_FOLDER / "lessons" / "01-welcome.md").read_text(encoding="utf-8")
    assert welcome.endswith("\n" + demo.LESSONS[0].body)
    assert demo.LESSONS[0].body.startswith("## Your first weeks\n\nWelcome aboard.")
    opening = demo.CONVERSATIONS[0].posts[0].body
    assert opening.startswith("We ask a lot") and opening.endswith("where to help.")
    assert "\n\nWhich one" in opening


# (file, its text, replaced by, what the error says): one slip of each kind the loader names.
SLIPS = [
    ("demo.toml", 'voters = ["tomas"]', 'voters = ["tom"]', ").posts[2].voters: unknown 'tom'"),
    ("demo.toml", "accepted = 1", "acepted = 1", "Is that expected?'): unknown key 'acepted'"),
    ("demo.toml", "to = 1", "to = true", ".posts[2].to: expected int, got True"),
    ("demo.toml", "to = 2", "to = 9", ".posts[3].to: 9 is not a post from 0 to 2"),
    ("demo.toml", 'kind = "prompt"', 'kind = "poll"', ".kind: unknown 'poll'"),
    ("demo.toml", "hours = 2 }", "hour = 2 }", ".posts[0].ago: unknown key 'hour'"),
    ("demo.toml", 'learners = ["sofia"', 'learners = ["sophia"', ".learners: unknown 'sophia'"),
    ("demo.toml", 'title = "Which', "title = Which", "demo.toml: Invalid value"),
    ("lessons/02-security.md", 'owner = "priya"', 'owner = "pria"', "'security'.owner"),
    ("lessons/03-workflow.md", "summary = ", "# summary = ", "03-workflow.md: missing summary"),
    ("lessons/01-welcome.md", "+++\n", "", "01-welcome.md: must start with a +++ line"),
    (
        "demo.toml",
        'module = "security"\npass_mark',
        'module = "secrets"\npass_mark',
        "unknown 'secrets'",
    ),
    (
        "demo.toml",
        "answer = 1\n",
        "answer = 3\n",
        ".questions[0].answer: 3 is not a choice from 0 to 2",
    ),
    ("demo.toml", 'status = "in_progress"', 'status = "done"', ".status: unknown 'done'"),
    ("demo.toml", "[[1, 0, 0, 0], [1, 2, 1, 0]]", "[[1, 0, 0, 0]]", "completed exactly when"),
    ("demo.toml", "[[1, 0, 0, 0], [1, 2, 1, 0]]", "[[1, 0], [1, 2, 1, 0]]", "one answer per"),
    ("demo.toml", 'host = "marcus"', 'host = "mark"', "ticket triage').host: unknown 'mark'"),
    ("demo.toml", "starts_in_hours = -142", "starts_in_hours = 1", "only a session over before"),
    ("demo.toml", 'who = "grace"\nquestion', 'who = "gr"\nquestion', "[4].who: unknown 'gr'"),
]


def demo_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_FOLDER, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


@pytest.mark.parametrize(("name", "text", "slip", "message"), SLIPS)
def test_the_demo_loader_names_a_slip_in_the_data(tmp_path, name, text, slip, message):
    folder = demo_copy(tmp_path)
    file = folder / name
    original = file.read_text(encoding="utf-8")
    assert text in original
    file.write_text(original.replace(text, slip, 1), encoding="utf-8")
    with pytest.raises(demo.DemoDataError, match=re.escape(message)):
        demo.load(folder)


def test_the_demo_loader_reads_a_copy_as_the_original_and_refuses_a_stray_file(tmp_path):
    folder = demo_copy(tmp_path)
    assert demo.load(folder) == demo.CONTENT
    (folder / "lessons" / "08-notes.txt").write_text("to do", encoding="utf-8")
    with pytest.raises(
        demo.DemoDataError, match=re.escape("08-notes.txt: a lesson's file is named NN-key")
    ):
        demo.load(folder)


def test_the_demo_promotes_answers_into_faqs_and_its_search_works_from_the_start(seeded, db, app):
    from forum.models import FaqEntry
    from forum.services import search

    entries = db.session.scalars(select(FaqEntry)).all()
    marked = [c for c in demo.CONTENT.conversations if c.faq]
    assert len(entries) == len(marked) >= 4
    learner = accounts.find_user_by_email("sofia.lindqvist@example.com")
    hits = search.search(learner, "authenticator app hardware key").hits
    assert {"faq", "thread"} <= {h.type for h in hits}


def test_the_demo_has_knowledge_checks_and_progress_with_some_of_it_overdue(seeded, db):
    from forum.services import progress, quizzes

    admin = accounts.find_user_by_email(demo.PEOPLE[0].email)
    checked = {c.module for c in demo.CONTENT.checks}
    assert checked and all(
        quizzes.find_quiz(admin, m.id) is not None
        for m in db.session.scalars(select(Module))
        if any(lesson.key in checked and lesson.title == m.title for lesson in demo.LESSONS)
    )
    rows = progress.scheduled_rows(now=utcnow())
    statuses = Counter(r.state.shown_status for r in rows)
    assert statuses["completed"] and statuses["in_progress"] and statuses["overdue"]
    assert statuses["not_started"]
    # a completion through the check: a passing attempt in the past completed the module
    passed = [r for r in rows if r.status == "completed" and r.module.title.startswith("Security")]
    assert passed and all(r.completed_at < utcnow() - timedelta(days=1) for r in passed)


def test_the_demo_has_a_past_office_hour_with_its_transcript_and_an_upcoming_one(seeded, db):
    from forum.services import office_hours as oh
    from forum.services import search

    now = utcnow()
    sessions = db.session.scalars(select(OfficeHour).order_by(OfficeHour.starts_at)).all()
    assert [s.status for s in sessions] == ["ended", "scheduled"]
    past, upcoming = sessions
    assert past.ended_at == past.ends_at < now - timedelta(days=1) and upcoming.starts_at > now
    grace = accounts.find_user_by_email("grace.mwangi@example.com")
    said = oh.transcript(grace, past.id)
    plan = next(p for p in demo.CONTENT.office_hours if p.title == past.title)
    assert [m.body for m in said.messages] == [line.body for line in plan.chat]
    assert all(past.starts_at < m.created_at < past.ends_at for m in said.messages)
    assert [q.question for q in said.questions] == [h.question for h in plan.hands]
    assert all(q.status == "resolved" for q in said.questions)
    # The answered hand is an archived question thread: asked by Grace, the host's answer
    # accepted, in the session's module and cohort.
    (archived,) = [q for q in said.questions if q.thread_id is not None]
    thread = db.session.get(Thread, archived.thread_id)
    accepted = db.session.get(Post, thread.accepted_post_id)
    assert thread.author_id == grace.id and accepted.author_id == past.host_id
    assert (thread.module_id, thread.cohort_id) == (past.module_id, past.cohort_id)
    # Indexed from the start: the transcript and the archived question are found.
    hits = search.search(grace, "saved view untouched tickets").hits
    assert any(h.type == "transcript" for h in hits)
    hits = search.search(grace, "bug and a billing problem in one ticket").hits
    assert any(h.type == "thread" for h in hits)
    # The other cohort does not see the session.
    sofia = accounts.find_user_by_email("sofia.lindqvist@example.com")
    assert not any(
        h.type == "transcript" for h in search.search(sofia, "saved view untouched tickets").hits
    )
    assert db.session.scalar(select(func.count()).select_from(OfficeHourMessage)) == len(plan.chat)
