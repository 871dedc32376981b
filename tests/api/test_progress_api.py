"""Progress, knowledge checks and a cohort's progress grid through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.helpers import expect_error, expect_invalid, is_utc_iso
from tests.factories import make_cohort, make_module

QUIZ = {
    "pass_mark": 67,
    "questions": [
        {
            "prompt": "Where do secrets live?",
            "choices": ["In the repo", "In the vault"],
            "answer": 1,
        },
        {"prompt": "Who reviews?", "choices": ["A peer", "Nobody", "The author"], "answer": 0},
        {"prompt": "When to deploy?", "choices": ["Friday 5pm", "CI green"], "answer": 1},
    ],
}


@pytest.fixture
def owner(make_user):
    return make_user(name="Olga Owner")


@pytest.fixture
def module(manager, owner):
    return make_module(owner=owner, actor=manager)


@pytest.fixture
def quizzed(api, module, owner):
    assert api(owner).put(f"/modules/{module.id}/quiz", json=QUIZ).status_code == 200
    return module


def test_a_learner_marks_progress_and_reads_it_back(api, member, module):
    me = api(member)
    r = me.put(f"/modules/{module.id}/progress", json={"status": "in_progress"})
    assert r.status_code == 200
    assert r.get_json() == {"module_id": module.id, "status": "in_progress", "completed_at": None}
    done = me.put(f"/modules/{module.id}/progress", json={"status": "completed"}).get_json()
    assert done["status"] == "completed" and is_utc_iso(done["completed_at"])
    assert me.get(f"/modules/{module.id}/progress").get_json() == done


@pytest.mark.parametrize(
    "body", [{}, {"status": "done"}, {"status": None}, {"status": 1}, {"state": "completed"}]
)
def test_a_bad_status_is_invalid(api, member, module, body):
    expect_invalid(api(member).put(f"/modules/{module.id}/progress", json=body), "status")


def test_progress_on_a_missing_or_hidden_module_is_404_and_anonymous_401(api, member, manager):
    hidden = make_module(actor=manager, published=False)
    for module_id in (hidden.id, 999_999):
        r = api(member).put(f"/modules/{module_id}/progress", json={"status": "completed"})
        expect_error(r, 404)
    r = api().put(f"/modules/{hidden.id}/progress", json={"status": "completed"})
    expect_error(r, 401)


def test_the_check_hides_answers_until_a_pass_which_completes_the_module(
    api, member, quizzed, owner
):
    me = api(member)
    shown = me.get(f"/modules/{quizzed.id}/quiz").get_json()
    assert shown["pass_mark"] == 67 and shown["passed"] is False
    assert all(set(q) == {"prompt", "choices"} for q in shown["questions"])
    assert "answer" not in me.get(f"/modules/{quizzed.id}/quiz").get_data(as_text=True)
    editor_view = api(owner).get(f"/modules/{quizzed.id}/quiz").get_json()
    assert [q["answer"] for q in editor_view["questions"]] == [1, 0, 1]

    r = me.put(f"/modules/{quizzed.id}/progress", json={"status": "completed"})
    expect_error(r, 409)

    failed = me.post(f"/modules/{quizzed.id}/quiz/attempts", json={"answers": [0, 0, 0]})
    assert failed.status_code == 201
    assert {k: failed.get_json()[k] for k in ("score", "passed", "wrong")} == {
        "score": 33,
        "passed": False,
        "wrong": [0, 2],
    }
    assert "answer" not in me.get(f"/modules/{quizzed.id}/quiz").get_data(as_text=True)

    passed = me.post(f"/modules/{quizzed.id}/quiz/attempts", json={"answers": [1, 0, 0]})
    assert passed.get_json()["score"] == 67 and passed.get_json()["passed"] is True
    assert me.get(f"/modules/{quizzed.id}/progress").get_json()["status"] == "completed"
    after = me.get(f"/modules/{quizzed.id}/quiz").get_json()
    assert after["passed"] and [q["answer"] for q in after["questions"]] == [1, 0, 1]
    attempts = me.get(f"/modules/{quizzed.id}/quiz/attempts").get_json()
    assert attempts["total"] == 2 and [a["score"] for a in attempts["items"]] == [67, 33]


def test_replacing_the_check_keeps_the_completion(api, member, quizzed, owner):
    me = api(member)
    me.post(f"/modules/{quizzed.id}/quiz/attempts", json={"answers": [1, 0, 1]})
    before = me.get(f"/modules/{quizzed.id}/progress").get_json()
    new = {"pass_mark": 100, "questions": [{"prompt": "New?", "choices": ["a", "b"], "answer": 0}]}
    assert api(owner).put(f"/modules/{quizzed.id}/quiz", json=new).status_code == 200
    assert me.get(f"/modules/{quizzed.id}/progress").get_json() == before
    assert "answer" not in me.get(f"/modules/{quizzed.id}/quiz").get_data(as_text=True)


def test_only_editors_write_or_remove_the_check(api, member, quizzed, owner, manager):
    expect_error(api(member).put(f"/modules/{quizzed.id}/quiz", json=QUIZ), 403)
    expect_error(api(member).delete(f"/modules/{quizzed.id}/quiz"), 403)
    assert api(manager).put(f"/modules/{quizzed.id}/quiz", json=QUIZ).status_code == 200
    assert api(owner).delete(f"/modules/{quizzed.id}/quiz").status_code == 204
    expect_error(api(member).get(f"/modules/{quizzed.id}/quiz"), 404)
    expect_error(api(owner).delete(f"/modules/{quizzed.id}/quiz"), 404)
    r = api(member).post(f"/modules/{quizzed.id}/quiz/attempts", json={"answers": [0]})
    expect_error(r, 404)


def _question(**changes) -> dict:
    return {"prompt": "Q?", "choices": ["a", "b"], "answer": 0, **changes}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**QUIZ, "pass_mark": 150}, "pass_mark"),
        ({**QUIZ, "pass_mark": -5}, "pass_mark"),
        ({**QUIZ, "pass_mark": "80"}, "pass_mark"),
        ({**QUIZ, "pass_mark": True}, "pass_mark"),
        ({**QUIZ, "pass_mark": 80.5}, "pass_mark"),
        ({"questions": QUIZ["questions"]}, "pass_mark"),
        ({"pass_mark": 50}, "questions"),
        ({"pass_mark": 50, "questions": []}, "questions"),
        ({"pass_mark": 50, "questions": [_question(choices=[])]}, "questions.0.choices"),
        ({"pass_mark": 50, "questions": [_question(choices=["a"])]}, "questions.0.choices"),
        ({"pass_mark": 50, "questions": [_question(answer=2)]}, "questions.0.answer"),
        ({"pass_mark": 50, "questions": [_question(answer=-1)]}, "questions.0.answer"),
        ({"pass_mark": 50, "questions": [_question(answer="0")]}, "questions.0.answer"),
        ({"pass_mark": 50, "questions": [_question(prompt="")]}, "questions.0.prompt"),
        ({"pass_mark": 50, "questions": [_question(choices="ab")]}, "questions.0.choices"),
        ({"pass_mark": 50, "questions": [_question(), "q"]}, "questions.1._schema"),
    ],
)
def test_a_bad_check_is_refused_with_the_field_named(api, quizzed, owner, body, field):
    expect_invalid(api(owner).put(f"/modules/{quizzed.id}/quiz", json=body), field)
    assert api(owner).get(f"/modules/{quizzed.id}/quiz").get_json()["pass_mark"] == 67


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ([1, 0], "answers"),
        ([1, 0, 1, 1], "answers"),
        ([1, 0, 5], "answers.2"),
        ([1, -1, 1], "answers.1"),
        ([1, "0", 1], "answers.1"),
        ([1, None, 1], "answers.1"),
        ("1,0,1", "answers"),
        (None, "answers"),
    ],
)
def test_bad_answers_are_invalid_and_not_kept(api, member, quizzed, answers, field):
    me = api(member)
    r = me.post(f"/modules/{quizzed.id}/quiz/attempts", json={"answers": answers})
    expect_invalid(r, field)
    assert me.get(f"/modules/{quizzed.id}/quiz/attempts").get_json()["total"] == 0


# The cohort's grid -----------------------------------------------------------------------------


@pytest.fixture
def cohort_world(make_user, manager):
    ann, bob = make_user(name="Ann"), make_user(name="Bob")
    fay, outsider = make_user(name="Fay"), make_user(name="Otto")
    past = datetime.now(UTC) - timedelta(days=2)
    future = datetime.now(UTC) + timedelta(days=9)
    first, second = make_module(actor=manager), make_module(actor=manager)
    cohort = make_cohort(
        {ann: "learner", bob: "learner", fay: "facilitator"},
        actor=manager,
        schedule={first.id: past, second.id: future},
    )
    return {
        "cohort": cohort,
        "ann": ann,
        "bob": bob,
        "fay": fay,
        "otto": outsider,
        "first": first,
        "second": second,
    }


def test_the_cohort_grid_for_facilitators_and_managers(api, cohort_world, manager):
    w = cohort_world
    api(w["ann"]).put(f"/modules/{w['first'].id}/progress", json={"status": "completed"})
    api(w["bob"]).put(f"/modules/{w['second'].id}/progress", json={"status": "in_progress"})
    for viewer in (w["fay"], manager):
        body = api(viewer).get(f"/cohorts/{w['cohort'].id}/progress").get_json()
        assert [m["id"] for m in body["modules"]] == [w["first"].id, w["second"].id]
        assert all(is_utc_iso(m["due_at"]) for m in body["modules"])
        rows = {r["user"]["name"]: r["progress"] for r in body["members"]}
        assert set(rows) == {"Ann", "Bob"}
        assert set(body["members"][0]["user"]) == {"id", "name", "handle"}
        first, second = str(w["first"].id), str(w["second"].id)
        assert rows["Ann"][first]["status"] == "completed" and not rows["Ann"][first]["overdue"]
        assert rows["Bob"][first] == {
            "status": "not_started",
            "completed_at": None,
            "overdue": True,
        }
        assert rows["Bob"][second]["status"] == "in_progress"
        assert not rows["Bob"][second]["overdue"]


def test_a_learner_sees_only_their_own_row_and_outsiders_nothing(api, cohort_world):
    w = cohort_world
    body = api(w["ann"]).get(f"/cohorts/{w['cohort'].id}/progress").get_json()
    assert [r["user"]["name"] for r in body["members"]] == ["Ann"]
    expect_error(api(w["otto"]).get(f"/cohorts/{w['cohort'].id}/progress"), 404)
    expect_error(api(w["ann"]).get("/cohorts/999999/progress"), 404)
    expect_error(api().get(f"/cohorts/{w['cohort'].id}/progress"), 401)
