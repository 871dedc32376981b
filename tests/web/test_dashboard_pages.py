"""The cohort's progress dashboard: the grid, the chart, checks and questions, the CSV, and
who sees what."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from forum.services import cohorts, posts, progress, quizzes, threads
from forum.services.quizzes import QuestionIn
from tests import factories
from tests.web.conftest import text_of
from tests.web.test_layout_and_queries import counted

NOW = datetime.now(UTC)


@pytest.fixture
def world(manager, make_user):
    ann, bob, cy = (
        make_user(name="Ann Archer"),
        make_user(name="Bob Baker"),
        make_user(name="Cy Cole"),
    )
    fay, otto = make_user(name="Fay Facilitator"), make_user(name="Otto Outsider")
    intro = factories.make_module(actor=manager, title="Intro")
    secrets = factories.make_module(actor=manager, title="Secrets")
    cohort = factories.make_cohort(
        {ann: "learner", bob: "learner", cy: "learner", fay: "facilitator"},
        actor=manager,
        name="Spring hires",
        schedule={intro.id: NOW - timedelta(days=2), secrets.id: NOW + timedelta(days=5)},
    )
    quizzes.set_quiz(
        manager,
        secrets.id,
        100,
        [
            QuestionIn("Where do secrets live?", ["Repo", "Vault"], 1),
            QuestionIn("Rotate how often?", ["Never", "Quarterly"], 1),
        ],
    )
    progress.set_progress(ann, intro.id, "completed")
    quizzes.attempt(ann, secrets.id, [1, 0])
    quizzes.attempt(ann, secrets.id, [1, 1])  # passes: completed
    quizzes.attempt(bob, secrets.id, [0, 0])
    progress.set_progress(bob, intro.id, "in_progress")
    asked = threads.create_thread(bob, intro.id, title="What is step two?", body="Lost.")
    reply = posts.reply(fay, asked.id, body="Read the box.")
    threads.accept(bob, asked.id, reply.id)
    threads.create_thread(cy, secrets.id, title="Which vault?", body="Which one?")
    return {
        "cohort": cohort,
        "ann": ann,
        "bob": bob,
        "cy": cy,
        "fay": fay,
        "otto": otto,
        "intro": intro,
        "secrets": secrets,
    }


def _grid_rows(html: str) -> dict[str, list[str]]:
    body = (
        html.split('class="table progress-grid"', 1)[1]
        .split("<tbody>", 1)[1]
        .split("</tbody>", 1)[0]
    )
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        name = re.sub(r"<[^>]+>", "", re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1)).strip()
        rows[name] = re.findall(r'<td class="cell state-(\w+)"', row)
    return rows


@pytest.mark.parametrize("who", ["manager", "fay"])
def test_facilitators_and_managers_see_the_whole_grid(login, world, manager, who):
    viewer = manager if who == "manager" else world[who]
    r = login(viewer).get(f"/cohorts/{world['cohort'].id}/dashboard")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert _grid_rows(html) == {
        "Ann Archer": ["completed", "completed"],
        "Bob Baker": ["overdue", "not_started"],
        "Cy Cole": ["overdue", "not_started"],
    }
    page = text_of(r)
    assert "33% done (2 of 6)" in page and "2 overdue" in page
    assert "Learners done 1 of 3 · 2 overdue 1 of 3 2 of 6" in page
    # the chart: an SVG with a title and description, and the numbers in a table
    assert re.search(r'<svg [^>]*role="img"', html) and "<title id=" in html and "<desc " in html
    assert "The numbers, day by day" in page
    # checks: Ann passed on her second try, Bob failed once; "Rotate how often?" missed twice
    assert "Secrets 2 of 3 1 50% 3" in page
    assert "Rotate how often? Secrets · missed in 2 of 3 attempts (67%)" in page
    # questions: one answered on Intro, one open on Secrets
    assert "2 asked" in page and "Secrets 1" in page and "Intro 0" in page


def test_a_learner_sees_only_their_own_row_and_no_cohort_figures(login, world):
    r = login(world["bob"]).get(f"/cohorts/{world['cohort'].id}/dashboard")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert _grid_rows(html) == {"Bob Baker": ["overdue", "not_started"]}
    assert "Ann Archer" not in html and "line-chart" not in html and "Most often missed" not in html
    rows = list(
        csv.reader(
            io.StringIO(
                login(world["bob"])
                .get(f"/cohorts/{world['cohort'].id}/dashboard.csv")
                .get_data(as_text=True)
            )
        )
    )
    assert [r[0] for r in rows[1:]] == ["Bob Baker"]


def test_people_outside_the_cohort_get_404(login, world):
    client = login(world["otto"])
    assert client.get(f"/cohorts/{world['cohort'].id}/dashboard").status_code == 404
    assert client.get(f"/cohorts/{world['cohort'].id}/dashboard.csv").status_code == 404
    assert client.get("/cohorts/999999/dashboard").status_code == 404


def test_the_csv_holds_the_grids_numbers(login, world, manager):
    client = login(manager)
    r = client.get(f"/cohorts/{world['cohort'].id}/dashboard.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert 'filename="spring-hires-progress.csv"' in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True))))
    assert rows[0][0] == "Learner" and rows[0][1].startswith("Intro (due ")
    assert rows[0][-2:] == ["Done", "Scheduled"]
    body = {row[0]: row[1:] for row in rows[1:]}
    assert body["Ann Archer"][0::2][:2] == ["Done", "Done"] and body["Ann Archer"][-2:] == [
        "2",
        "2",
    ]
    assert body["Bob Baker"][0] == "Overdue" and body["Bob Baker"][2] == "Not started"
    assert body["Bob Baker"][-2:] == ["0", "2"]
    assert body["Learners done"] == ["1", "", "1", ""]
    html = client.get(f"/cohorts/{world['cohort'].id}/dashboard").get_data(as_text=True)
    for name, states in _grid_rows(html).items():
        words = {
            "completed": "Done",
            "overdue": "Overdue",
            "not_started": "Not started",
            "in_progress": "In progress",
        }
        assert [words[s] for s in states] == body[name][0:4:2]


def test_a_name_that_looks_like_a_formula_is_quoted_in_the_csv(login, manager, make_user):
    sly = make_user(name="=HYPERLINK(1)")
    module = factories.make_module(actor=manager)
    cohort = factories.make_cohort({sly: "learner"}, actor=manager, schedule={module.id: NOW})
    rows = list(
        csv.reader(
            io.StringIO(
                login(manager).get(f"/cohorts/{cohort.id}/dashboard.csv").get_data(as_text=True)
            )
        )
    )
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_an_empty_schedule_says_so(login, manager):
    cohort = factories.make_cohort(actor=manager)
    page = text_of(login(manager).get(f"/cohorts/{cohort.id}/dashboard"))
    assert "No module has a due date in this cohort yet" in page


def test_the_dashboard_answers_in_the_same_number_of_queries_for_10_or_200_learners(login, manager):
    client = login(manager)

    def queries_for(n: int) -> int:
        mods = [factories.make_module(actor=manager) for _ in range(4)]
        cohort = factories.make_cohort(actor=manager, schedule={m.id: NOW for m in mods})
        quizzes.set_quiz(manager, mods[0].id, 50, [QuestionIn("Q?", ["a", "b"], 0)])
        for _ in range(n):
            person = factories.make_user(password=None)
            cohorts.add_member(manager, cohort.id, person.id, "learner")
        with counted() as statements:
            assert client.get(f"/cohorts/{cohort.id}/dashboard").status_code == 200
        return len(statements)

    assert queries_for(10) == queries_for(200)
