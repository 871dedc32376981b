"""The index follows the database through the outbox: every change becomes searchable, for
exactly the people who may see it; a lost index comes back whole (both backends)."""

from __future__ import annotations

import shutil
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from forum import create_app
from forum.background import run_pending
from forum.database import write_transaction
from forum.extensions import db
from forum.models import Job, User, utcnow
from forum.search import get_backend, indexing
from forum.search.indexing import JOB, REBUILD_JOB, check_index, rebuild_index
from forum.services import modules, office_hours, posts, search, threads
from tests.api.discussion import answer, ask, build_world
from tests.conftest import _base_config
from tests.factories import make_user


@pytest.fixture
def w(app, backend):
    return build_world()


def found(actor, text: str, **filters) -> list[tuple[str, int]]:
    return [(h.type, h.id) for h in search.search(actor, text, **filters).hits]


def index_now() -> None:
    while sum(run_pending()):
        pass


def test_a_change_and_its_search_job_commit_together(w):
    before = db.session.scalar(select(db.func.count(Job.id)).where(Job.kind == JOB))
    thread = ask(w.asker, w.module.id, title="Expense receipts for travel")
    jobs = db.session.scalars(select(Job).where(Job.kind == JOB)).all()
    assert len(jobs) > before
    assert ["thread", thread.id] in [j.payload["ref"] for j in jobs]
    with pytest.raises(RuntimeError), write_transaction():
        threads.create_thread(w.asker, w.module.id, title="Never committed", body="x")
        raise RuntimeError("the change failed")
    assert db.session.scalar(select(db.func.count(Job.id)).where(Job.kind == JOB)) == len(jobs)


def test_threads_replies_and_lessons_become_searchable(w):
    thread = ask(w.asker, w.module.id, title="Expense receipts for travel", body="Lost a receipt")
    reply = answer(w.learner, thread.id, body="Scan the receipt with the phone app.")
    index_now()
    assert ("thread", thread.id) in found(w.member, "receipts")
    assert ("post", reply.id) in found(w.member, "phone app")
    assert ("module", w.module.id) in found(w.member, "Keys secrets")


def test_an_edit_replaces_the_text_and_a_deletion_removes_it(w):
    thread = ask(w.asker, w.module.id, title="Printer on floor two")
    reply = answer(w.learner, thread.id, body="Ask facilities about the toner.")
    index_now()
    posts.edit(w.learner, reply.id, body="Ask the help desk about the cartridge.")
    index_now()
    assert found(w.member, "toner") == []
    assert ("post", reply.id) in found(w.member, "cartridge")
    posts.remove(w.learner, reply.id)
    index_now()
    assert found(w.member, "cartridge") == []


def test_an_accepted_answer_is_searched_with_its_question(w):
    thread = ask(w.asker, w.module.id, title="VPN drops every hour", body="Any fix?")
    reply = answer(w.learner, thread.id, body="Renew the certificate in settings.")
    threads.accept(w.asker, thread.id, reply.id)
    index_now()
    assert ("thread", thread.id) in found(w.member, "certificate", type="thread")
    assert ("thread", thread.id) in found(w.member, "vpn", answered=True)


def test_a_cohort_thread_is_found_only_by_those_who_may_see_it(w):
    private = ask(w.asker, w.module.id, title="Cohort only salary question",
                  cohort_id=w.cohort_a)  # fmt: skip
    answer(w.facilitator, private.id, body="Salary bands are on the wiki.")
    index_now()
    for insider in (w.asker, w.facilitator, w.owner, w.manager, w.admin):
        assert ("thread", private.id) in found(insider, "salary"), insider.name
    for outsider in (w.other, w.member):
        results = search.search(outsider, "salary")
        assert results.hits == [] and results.total == 0, outsider.name
        assert search.search(outsider, "salary", cohort_id=w.cohort_a).total == 0


def test_an_unpublished_module_and_its_threads_are_found_by_owner_and_managers_only(w):
    draft = modules.create_module(w.manager, title="Quarterly planning draft", body="Draft",
                                  owner_id=w.owner.id, published=False)  # fmt: skip
    thread = ask(w.owner, draft.id, title="Planning cadence question")
    index_now()
    assert ("thread", thread.id) in found(w.owner, "planning cadence")
    assert ("module", draft.id) in found(w.manager, "quarterly")
    assert found(w.member, "planning quarterly") == []


def test_a_misspelling_is_suggested_only_when_the_reader_may_see_the_word(w):
    private = ask(w.asker, w.module.id, title="Zanzibar offsite logistics",
                  cohort_id=w.cohort_a)  # fmt: skip
    index_now()
    assert private.id
    assert search.search(w.asker, "zanzibr").suggestion == "zanzibar"
    assert search.search(w.member, "zanzibr").suggestion is None


def test_a_lost_index_comes_back_whole_and_nothing_changed_meanwhile_is_lost(w):
    thread = ask(w.asker, w.module.id, title="Parking permits for visitors")
    index_now()
    get_backend().reset()
    assert found(w.member, "parking") == []
    rebuild_index()
    assert ("thread", thread.id) in found(w.member, "parking")
    # A change indexed while a rebuild reads is applied again after the swap.
    later = ask(w.asker, w.module.id, title="Parking garage height")
    index_now()
    rebuild_index()
    index_now()
    assert ("thread", later.id) in found(w.member, "garage")


def test_a_missing_index_gets_one_rebuild_job_and_comes_back(app, w):
    if app.config["SEARCH_BACKEND"] != "whoosh":
        pytest.skip("PostgreSQL's index is a table of the database: it cannot go missing alone")
    thread = ask(w.asker, w.module.id, title="Bicycle storage downstairs")
    index_now()
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    assert get_backend().status() == "down" and found(w.member, "bicycle") == []
    check_index()
    check_index()
    assert len(db.session.scalars(select(Job).where(Job.kind == REBUILD_JOB)).all()) == 1
    index_now()
    assert get_backend().status() == "ok"
    assert ("thread", thread.id) in found(w.member, "bicycle")


def test_twenty_people_posting_at_once_all_succeed_and_all_are_found(app, w):
    people = [make_user(name=f"Poster {i}").id for i in range(20)]
    module_id = w.module.id
    errors: list[Exception] = []

    def post(person_id: int, n: int) -> None:
        with app.app_context():  # a session of its own, as a request has
            try:
                person = db.session.get(User, person_id)
                threads.create_thread(person, module_id, title=f"Concurrent topic quokka{n}",
                                      body="Posted at the same moment as others.")  # fmt: skip
            except Exception as exc:  # collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    workers = [threading.Thread(target=post, args=(p, i)) for i, p in enumerate(people)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(60)
    assert errors == []
    index_now()
    assert search.search(w.member, "concurrent topic", per_page=50).total == 20


def test_quick_edits_applied_by_two_processes_leave_the_newest_text(
    app, w, monkeypatch, database_url, tmp_path
):
    """A worker that read a post before its next edit may not write that older text after
    another process wrote the newer one: each worker's turn covers its read and its write."""
    second = create_app(_base_config(database_url, str(tmp_path)))  # the same database and index
    reply = answer(w.learner, ask(w.asker, w.module.id, title="Parking passes").id,
                   body="Bring the blue folder.")  # fmt: skip
    index_now()
    posts.edit(w.learner, reply.id, body="Bring the green binder.")
    has_read, go_on = threading.Event(), threading.Event()
    real_resolve = indexing.resolve

    def resolve(refs):
        documents = real_resolve(refs)
        if threading.current_thread().name == "first worker":
            has_read.set()  # it read the green binder; it writes once told to go on
            go_on.wait(10)
        return documents

    monkeypatch.setattr(indexing, "resolve", resolve)

    def first_worker() -> None:
        with app.app_context():
            try:
                run_pending()
            finally:
                db.session.remove()

    first = threading.Thread(target=first_worker, name="first worker")
    first.start()
    try:
        assert has_read.wait(10)
        with second.app_context():  # another process: its own backend and its own worker
            learner = db.session.get(User, w.learner.id)
            posts.edit(learner, reply.id, body="Bring the red notebook.")
            run_pending()
            db.session.remove()
    finally:
        go_on.set()
        first.join(10)
        with second.app_context():
            db.engine.dispose()
    with write_transaction() as session:  # what was put off is due now
        session.execute(update(Job).values(run_after=utcnow()))
    index_now()
    assert found(w.member, "binder") == []
    assert ("post", reply.id) in found(w.member, "notebook")


def test_reindex_from_the_command_line_brings_back_every_result(app, runner, w):
    thread = ask(w.asker, w.module.id, title="Lockers on the third floor")
    index_now()
    if app.config["SEARCH_BACKEND"] == "whoosh":
        shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    else:
        get_backend().reset()
    assert found(w.member, "lockers") == []
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "rebuilt" in result.output
    assert ("thread", thread.id) in found(w.member, "lockers")
    assert ("module", w.module.id) in found(w.member, "keys secrets")


def test_the_worker_command_once_indexes_what_is_queued_then_settles_the_index(app, runner, w):
    replies = [
        answer(w.learner, ask(w.asker, w.module.id, title=f"Badge for floor {n}").id,
               body=f"Reception prints badges for floor {n}.")
        for n in range(3)
    ]  # fmt: skip
    settled = []
    backend = get_backend()
    original = backend.settle

    def settle() -> bool:
        settled.append(True)
        return original()

    backend.settle = settle
    try:
        result = runner.invoke(args=["worker", "--once"])
    finally:
        del backend.settle
    assert result.exit_code == 0, result.output
    assert {("post", r.id) for r in replies} <= set(found(w.member, "reception badges"))
    assert settled  # the queue found empty: the index's put-off upkeep had its turn


# Office-hour transcripts --------------------------------------------------------------------


def _held(w, host, **where) -> int:
    """A session that took place: hands raised, things said (one taken back), then ended."""
    starts = utcnow() - timedelta(hours=1)
    session = office_hours.create(
        host, title="Secrets rotation office hour", starts_at=starts,
        ends_at=starts + timedelta(hours=1), **where,
    )  # fmt: skip
    office_hours.start(host, session.id)
    office_hours.raise_hand(w.asker, session.id, "Who rotates the vault tokens?")
    office_hours.post_message(host, session.id, "The platform team rotates *vault* tokens.")
    oops = office_hours.post_message(w.asker, session.id, "My token is zebrafish42")
    office_hours.delete_message(w.asker, session.id, oops.id)
    return session.id


def test_an_ended_sessions_transcript_is_found_by_those_who_could_join(w):
    session_id = _held(w, w.facilitator, cohort_id=w.cohort_a, module_id=w.module.id)
    index_now()
    assert found(w.asker, "vault tokens") == []  # still live: not yet a transcript
    office_hours.end(w.facilitator, session_id)
    index_now()
    for insider in (w.asker, w.learner, w.facilitator, w.owner, w.manager, w.admin):
        assert ("transcript", session_id) in found(insider, "vault"), insider.name
    for outsider in (w.other, w.member):
        assert search.search(outsider, "vault").total == 0, outsider.name
    assert found(w.asker, "zebrafish42") == []  # a deleted message is not in the transcript
    assert found(w.asker, "vault", type="transcript") == [("transcript", session_id)]
    hit = search.search(w.asker, "vault").hits[0]
    assert search.hit_path(hit) == f"/office-hours/{session_id}/transcript"


def test_a_transcript_of_a_session_for_everyone_is_found_by_everyone(w):
    session_id = _held(w, w.manager)
    office_hours.end(w.manager, session_id)
    index_now()
    for reader in (w.member, w.other, w.asker):
        assert found(reader, "rotates") == [("transcript", session_id)], reader.name


def test_a_message_deleted_after_the_session_leaves_the_index(w):
    session_id = _held(w, w.manager)
    kept = office_hours.messages_since(w.manager, session_id, None)[0]
    office_hours.end(w.manager, session_id)
    index_now()
    assert found(w.member, "platform") == [("transcript", session_id)]
    office_hours.delete_message(w.manager, session_id, kept.id)
    index_now()
    assert found(w.member, "platform") == []
    assert found(w.member, "vault") == [("transcript", session_id)]  # the question stays


def test_transcripts_come_back_after_a_rebuild(w):
    session_id = _held(w, w.manager, module_id=w.module.id)
    office_hours.end(w.manager, session_id)
    index_now()
    get_backend().reset()
    rebuild_index()
    assert found(w.member, "vault") == [("transcript", session_id)]
