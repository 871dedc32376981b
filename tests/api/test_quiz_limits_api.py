"""Quiz attempts are limited per person (FORUM_LIMIT_QUIZ_ATTEMPTS): over it, 429 with
Retry-After and nothing kept; the check's editors are exempt, and bad input costs no try."""

from __future__ import annotations

import pytest

from forum.services import quizzes
from forum.services.quizzes import QuestionIn
from tests.api.helpers import expect_error, expect_invalid
from tests.factories import make_module

LIMIT = 2


@pytest.fixture
def app_config():
    return {"LIMIT_QUIZ_ATTEMPTS": f"{LIMIT} per hour"}


@pytest.fixture
def module(manager, make_user):
    owner = make_user()
    module = make_module(owner=owner, actor=manager)
    quizzes.set_quiz(owner, module.id, 100, [QuestionIn("Q?", ["a", "b"], 0)])
    return module, owner


def _try(api, user, module_id, answers):
    return api(user).post(f"/modules/{module_id}/quiz/attempts", json={"answers": answers})


def test_attempts_over_the_limit_get_429_and_are_not_kept(api, member, module):
    checked, _ = module
    expect_invalid(_try(api, member, checked.id, [5]), "answers.0")  # costs no try
    for _ in range(LIMIT):
        assert _try(api, member, checked.id, [1]).status_code == 201
    refused = _try(api, member, checked.id, [0])
    expect_error(refused, 429)
    assert int(refused.headers["Retry-After"]) > 0
    listed = api(member).get(f"/modules/{checked.id}/quiz/attempts").get_json()
    assert listed["total"] == LIMIT
    assert api(member).get(f"/modules/{checked.id}/progress").get_json()["status"] != "completed"


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_the_checks_editors_are_not_limited(api, module, manager, who):
    checked, owner = module
    editor = owner if who == "owner" else manager
    for _ in range(LIMIT + 2):
        assert _try(api, editor, checked.id, [1]).status_code == 201
