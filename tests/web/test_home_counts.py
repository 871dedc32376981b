"""The home page tells how much discussion each module has, counting only what you may see."""

from __future__ import annotations

from forum.services import threads
from tests.factories import make_cohort, make_module


def test_home_counts_visible_threads_and_open_questions(login, manager, make_user):
    learner, outsider = make_user(), make_user()
    module = make_module(actor=manager)
    cohort = make_cohort({learner: "learner"}, actor=manager)
    threads.create_thread(learner, module.id, title="Open to all", body="q")
    threads.create_thread(learner, module.id, title="Ours", body="q", cohort_id=cohort.id)
    threads.create_thread(learner, module.id, title="Talk", body="d", kind="discussion")

    mine = login(learner).get("/").get_data(as_text=True)
    assert "3 threads" in mine and "2 open questions" in mine
    theirs = login(outsider).get("/").get_data(as_text=True)
    assert "2 threads" in theirs and "1 open question" in theirs
