"""The module page's progress buttons, the knowledge check page, and writing the check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forum.services import progress, quizzes
from forum.services.quizzes import QuestionIn
from tests import factories
from tests.web.conftest import settled, text_of

CHECK_TEXT = """Where do secrets live?
- In the repository
* In the vault

Who reviews a change?
* Another engineer
- Nobody
- The author
"""


@pytest.fixture
def owner(make_user):
    return make_user(name="Olga Owner")


@pytest.fixture
def module(manager, owner):
    return factories.make_module(owner=owner, actor=manager, title="Secrets")


@pytest.fixture
def checked(module, owner):
    quizzes.set_quiz(
        owner,
        module.id,
        100,
        [
            QuestionIn("Where do secrets live?", ["In the repository", "In the vault"], 1),
            QuestionIn("Who reviews a change?", ["Another engineer", "Nobody"], 0),
        ],
    )
    return module


def _status(user, module) -> str:
    settled()
    return progress.get_progress(user, module.id).status


def test_a_learner_starts_and_completes_a_module_with_the_buttons(login, post, member, module):
    client = login(member)
    page = text_of(client.get(f"/modules/{module.id}"))
    assert "Your progress Not started." in page and "Start this module" in page
    r = post(client, f"/modules/{module.id}/progress", {"status": "in_progress"})
    assert r.status_code == 302 and r.headers["Location"].endswith("#my-progress")
    assert _status(member, module) == "in_progress"
    post(client, f"/modules/{module.id}/progress", {"status": "completed"})
    page = text_of(client.get(f"/modules/{module.id}"))
    assert "Completed on" in page and "Mark as not done" in page
    assert _status(member, module) == "completed"


@pytest.mark.parametrize("status", ["", "done", "COMPLETED"])
def test_a_forged_status_is_a_400_and_changes_nothing(login, post, member, module, status):
    r = post(login(member), f"/modules/{module.id}/progress", {"status": status})
    assert r.status_code == 400
    assert _status(member, module) == "not_started"


def test_a_module_with_a_check_offers_the_check_not_the_completed_button(
    login, post, member, checked
):
    client = login(member)
    page = text_of(client.get(f"/modules/{checked.id}"))
    assert "Take the knowledge check" in page and "Mark as completed" not in page
    r = post(client, f"/modules/{checked.id}/progress", {"status": "completed"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/modules/{checked.id}/check")
    assert _status(member, checked) == "not_started"


def test_failing_marks_the_wrong_question_and_hides_answers_then_passing_completes(
    login, post, member, checked
):
    client = login(member)
    html = client.get(f"/modules/{checked.id}/check").get_data(as_text=True)
    assert html.count('type="radio"') == 4 and "Correct answer" not in html

    r = post(client, f"/modules/{checked.id}/check", {"q0": "1", "q1": "1"})
    assert r.status_code == 302
    page = client.get(f"/modules/{checked.id}/check").get_data(as_text=True)
    assert "50%" in page and "Wrong last time" in page and "Correct answer" not in page
    assert page.count("is-wrong") >= 1 and _status(member, checked) == "not_started"

    post(client, f"/modules/{checked.id}/check", {"q0": "1", "q1": "0"})
    page = text_of(client.get(f"/modules/{checked.id}/check"))
    assert "Passed" in page and "This module is completed" in page
    assert page.count("Correct answer") == 2
    assert _status(member, checked) == "completed"


@pytest.mark.parametrize(
    "form",
    [{}, {"q0": "1"}, {"q0": "1", "q1": "7"}, {"q0": "x", "q1": "0"}, {"q0": "-1", "q1": "0"}],
)
def test_an_unanswered_or_forged_answer_is_a_400_on_the_page(login, post, member, checked, form):
    client = login(member)
    r = post(client, f"/modules/{checked.id}/check", form)
    assert r.status_code == 400
    assert "Answer every question" in text_of(r)
    assert quizzes.get_quiz(member, checked.id).attempts == []


def test_the_owner_writes_the_check_as_text_and_learners_see_it(login, post, owner, member, module):
    client = login(owner)
    assert "Add a knowledge check" in text_of(client.get(f"/modules/{module.id}"))
    assert client.get(f"/modules/{module.id}/check/edit").status_code == 200
    r = post(
        client,
        f"/modules/{module.id}/check/edit",
        {"pass_mark": "50", "questions": CHECK_TEXT},
    )
    assert r.status_code == 302
    settled()
    view = quizzes.get_quiz(owner, module.id)
    assert view.quiz.pass_mark == 50
    assert [(q.prompt, q.choices, q.answer) for q in view.quiz.questions] == [
        ("Where do secrets live?", ["In the repository", "In the vault"], 1),
        ("Who reviews a change?", ["Another engineer", "Nobody", "The author"], 0),
    ]
    again = client.get(f"/modules/{module.id}/check/edit").get_data(as_text=True)
    assert "* In the vault" in again
    assert "Take the knowledge check" in text_of(login(member).get(f"/modules/{module.id}"))


@pytest.mark.parametrize(
    ("pass_mark", "text", "said"),
    [
        ("150", CHECK_TEXT, "between 0 and 100"),
        ("", CHECK_TEXT, "required"),
        ("50", "Just a question?", "Question 1 has no choices"),
        ("50", "Q?\n- a\n- b", "Question 1: mark exactly one choice"),
        ("50", "Q?\n* a\n* b", "Question 1: mark exactly one choice"),
        ("50", "- a\n* b", "Question 1: write the question above"),
        ("50", "Q?\n* a\nstray line", "every line after the first choice"),
        ("50", "Q?\n* only one", "Question 1, the choices: give from 2 to 10 choices"),
        ("50", "Q?\n* same\n- same", "Question 1, the choices: each choice must be different"),
    ],
)
def test_a_bad_check_is_refused_with_a_clear_message(
    login, post, owner, checked, pass_mark, text, said
):
    r = post(
        login(owner),
        f"/modules/{checked.id}/check/edit",
        {"pass_mark": pass_mark, "questions": text},
    )
    assert r.status_code == 400
    assert said in text_of(r)
    assert quizzes.get_quiz(owner, checked.id).quiz.pass_mark == 100


def test_learners_may_not_write_or_remove_the_check(login, post, member, checked):
    client = login(member)
    assert client.get(f"/modules/{checked.id}/check/edit").status_code == 403
    r = post(
        client, f"/modules/{checked.id}/check/edit", {"pass_mark": "1", "questions": CHECK_TEXT}
    )
    assert r.status_code == 403
    assert post(client, f"/modules/{checked.id}/check/remove").status_code == 403


def test_the_owner_removes_the_check(login, post, owner, member, checked):
    r = post(login(owner), f"/modules/{checked.id}/check/remove")
    assert r.status_code == 302
    settled()
    assert quizzes.find_quiz(owner, checked.id) is None
    assert login(member).get(f"/modules/{checked.id}/check").status_code == 404


def test_the_home_page_shows_each_cohort_overdue_due_next_and_share_done(login, manager, member):
    now = datetime.now(UTC)
    late, done, next_up = (
        factories.make_module(actor=manager, title=t) for t in ("Late one", "Done one", "Next one")
    )
    factories.make_cohort(
        {member: "learner"},
        actor=manager,
        name="Autumn",
        schedule={
            late.id: now - timedelta(days=3),
            done.id: now - timedelta(days=1),
            next_up.id: now + timedelta(days=2),
        },
    )
    progress.set_progress(member, done.id, "completed")
    progress.set_progress(member, next_up.id, "in_progress")
    page = text_of(login(member).get("/"))
    cohort_part = page.split("My cohorts", 1)[1].split("Modules", 1)[0]
    assert "1 of 3 done (33%)" in cohort_part
    assert "Overdue Late one Overdue was due" in cohort_part
    assert "Due next Next one" in cohort_part and "in progress" in cohort_part
    assert "Done one" not in cohort_part
    modules_part = page.split("My cohorts", 1)[1].split("Modules", 1)[1]
    assert "Done one Completed" in modules_part and "Next one In progress" in modules_part
