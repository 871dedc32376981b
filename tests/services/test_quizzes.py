"""Knowledge checks: writing, replacing, attempting, scoring, and who sees the answers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from forum.errors import Conflict, Forbidden, Invalid, NotFound
from forum.services import progress, quizzes
from forum.services.quizzes import QuestionIn
from tests.factories import make_module

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def three_questions() -> list[QuestionIn]:
    return [
        QuestionIn("Where do secrets live?", ["In the repo", "In the vault"], 1),
        QuestionIn("Who reviews a change?", ["A peer", "Nobody", "The author"], 0),
        QuestionIn("When do we deploy?", ["Fridays at five", "When CI is green"], 1),
    ]


@pytest.fixture
def checked(manager, make_user):
    """A module owned by someone, with a three-question check passing at 67."""
    owner = make_user()
    module = make_module(owner=owner, actor=manager)
    quizzes.set_quiz(owner, module.id, 67, three_questions())
    return module, owner


@pytest.mark.parametrize(
    ("correct", "total", "expected"),
    [(0, 3, 0), (1, 3, 33), (2, 3, 67), (3, 3, 100), (1, 8, 13), (5, 8, 63), (1, 200, 1)],
)
def test_scores_round_half_up(correct, total, expected):
    assert quizzes.score(correct, total) == expected


@pytest.mark.parametrize(
    ("answers", "score", "passed", "wrong"),
    [
        ([1, 0, 1], 100, True, []),
        ([1, 0, 0], 67, True, [2]),
        ([0, 0, 0], 33, False, [0, 2]),
        ([0, 2, 0], 0, False, [0, 1, 2]),
    ],
)
def test_an_attempt_is_scored_and_says_which_were_wrong(
    checked, member, answers, score, passed, wrong
):
    module, _ = checked
    result = quizzes.attempt(member, module.id, answers, now=NOW)
    assert (result.score, result.passed, result.wrong) == (score, passed, wrong)
    state = progress.get_progress(member, module.id)
    assert state.status == ("completed" if passed else "not_started")
    assert state.completed_at == (NOW if passed else None)


def test_every_attempt_is_kept_and_answers_show_only_after_passing(checked, member):
    module, owner = checked
    assert quizzes.get_quiz(owner, module.id).show_answers
    assert not quizzes.get_quiz(member, module.id).show_answers
    quizzes.attempt(member, module.id, [0, 0, 0])
    assert not quizzes.get_quiz(member, module.id).show_answers
    quizzes.attempt(member, module.id, [1, 0, 1])
    view = quizzes.get_quiz(member, module.id)
    assert view.show_answers and view.passed
    assert [a.score for a in view.attempts] == [100, 33]


def test_completing_by_hand_needs_a_pass_first(checked, member):
    module, _ = checked
    with pytest.raises(Conflict):
        progress.set_progress(member, module.id, "completed")
    progress.set_progress(member, module.id, "in_progress")
    quizzes.attempt(member, module.id, [0, 0, 0])
    with pytest.raises(Conflict):
        progress.set_progress(member, module.id, "completed")
    assert quizzes.attempt(member, module.id, [1, 0, 1]).completed
    assert progress.set_progress(member, module.id, "completed").status == "completed"


def test_replacing_the_check_keeps_completions_but_hides_the_new_answers(checked, member):
    module, owner = checked
    quizzes.attempt(member, module.id, [1, 0, 1], now=NOW)
    quizzes.set_quiz(owner, module.id, 100, [QuestionIn("New?", ["yes", "no"], 0)])

    state = progress.get_progress(member, module.id)
    assert (state.status, state.completed_at) == ("completed", NOW)
    view = quizzes.get_quiz(member, module.id)
    assert not view.show_answers and view.attempts == [] and len(view.quiz.questions) == 1
    # having shown it once, they may mark it completed again without the new check
    progress.set_progress(member, module.id, "in_progress")
    assert progress.set_progress(member, module.id, "completed").completed_at is not None


def test_removing_the_check_lets_learners_complete_by_hand(checked, member):
    module, owner = checked
    quizzes.remove_quiz(owner, module.id)
    assert quizzes.find_quiz(member, module.id) is None
    assert progress.set_progress(member, module.id, "completed").status == "completed"
    with pytest.raises(NotFound):
        quizzes.remove_quiz(owner, module.id)


def test_only_editors_write_the_check(checked, member, manager):
    module, _ = checked
    with pytest.raises(Forbidden):
        quizzes.set_quiz(member, module.id, 50, three_questions())
    with pytest.raises(Forbidden):
        quizzes.remove_quiz(member, module.id)
    assert quizzes.set_quiz(manager, module.id, 50, three_questions()).quiz.pass_mark == 50


def test_a_module_without_a_check_or_hidden_has_none(manager, member):
    plain = make_module(actor=manager)
    hidden = make_module(actor=manager, published=False)
    quizzes.set_quiz(manager, hidden.id, 50, three_questions())
    with pytest.raises(NotFound):
        quizzes.get_quiz(member, plain.id)
    with pytest.raises(NotFound):
        quizzes.attempt(member, plain.id, [0])
    with pytest.raises(NotFound):
        quizzes.get_quiz(member, hidden.id)


@pytest.mark.parametrize(
    ("pass_mark", "questions", "field"),
    [
        (150, three_questions(), "pass_mark"),
        (-1, three_questions(), "pass_mark"),
        (True, three_questions(), "pass_mark"),
        ("50", three_questions(), "pass_mark"),
        (50, [], "questions"),
        (50, [QuestionIn("No choices?", [], 0)], "questions.0.choices"),
        (50, [QuestionIn("One choice?", ["only"], 0)], "questions.0.choices"),
        (50, [QuestionIn("Twice?", ["a", "a"], 0)], "questions.0.choices"),
        (50, [QuestionIn("Blank?", ["a", "  "], 0)], "questions.0.choices.1"),
        (50, [QuestionIn("Out?", ["a", "b"], 2)], "questions.0.answer"),
        (50, [QuestionIn("Negative?", ["a", "b"], -1)], "questions.0.answer"),
        (50, [QuestionIn(" ", ["a", "b"], 0)], "questions.0.prompt"),
        (50, [QuestionIn("x" * 1001, ["a", "b"], 0)], "questions.0.prompt"),
    ],
)
def test_a_bad_check_is_refused_and_the_old_one_stays(checked, pass_mark, questions, field):
    module, owner = checked
    with pytest.raises(Invalid) as refused:
        quizzes.set_quiz(owner, module.id, pass_mark, questions)
    assert field in refused.value.fields
    assert quizzes.get_quiz(owner, module.id).quiz.pass_mark == 67


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ([1, 0], "answers"),
        ([1, 0, 1, 0], "answers"),
        ([], "answers"),
        ("101", "answers"),
        ([1, 0, 2], "answers.2"),
        ([1, -1, 1], "answers.1"),
        ([1, "0", 1], "answers.1"),
        ([1, True, 1], "answers.1"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_recorded(checked, member, answers, field):
    module, _ = checked
    with pytest.raises(Invalid) as refused:
        quizzes.attempt(member, module.id, answers)
    assert field in refused.value.fields
    assert quizzes.get_quiz(member, module.id).attempts == []
