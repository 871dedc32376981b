"""The manager's dashboard of a cohort: the progress grid, completion over time, knowledge
check results and how its questions are being answered.

Every figure is computed from a fixed number of queries, whatever the cohort's size. The
cohort-wide figures are for those who see every learner (facilitators, managers); a learner
gets their own row of the grid and nothing about anyone else.
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from forum.extensions import db
from forum.models import Membership, Post, Quiz, QuizAttempt, Thread, User, utcnow
from forum.services import progress
from forum.services.progress import CohortGrid

CHART_DAYS_MAX = 120  # the chart's span: the schedule's, at most this many days
MISSED_SHOWN = 5


@dataclass(frozen=True)
class DayPoint:
    day: date
    done: int | None  # learner x module cells completed by the end of the day (None: future)
    due: int  # cells due by the end of the day


@dataclass
class CheckStats:
    """One scheduled module's knowledge check among the cohort's learners."""

    module_id: int
    title: str
    learners: int
    attempted: int = 0
    passed: int = 0
    attempts: int = 0

    @property
    def pass_rate(self) -> int | None:
        """Share of the learners who tried that passed, in whole percent."""
        return round(100 * self.passed / self.attempted) if self.attempted else None


@dataclass(frozen=True)
class MissedQuestion:
    module_title: str
    prompt: str
    missed: int
    answered: int

    @property
    def share(self) -> int:
        return round(100 * self.missed / self.answered) if self.answered else 0


@dataclass
class Dashboard:
    grid: CohortGrid
    total_cells: int
    done_cells: int
    overdue_cells: int
    chart: list[DayPoint] = field(default_factory=list)
    checks: list[CheckStats] = field(default_factory=list)
    missed: list[MissedQuestion] = field(default_factory=list)
    unanswered: dict[int, int] = field(default_factory=dict)  # module id -> open questions
    questions_asked: int = 0
    median_first_reply: timedelta | None = None
    median_accepted: timedelta | None = None

    @property
    def everyone(self) -> bool:
        return self.grid.scope == "all"


def cohort_dashboard(
    actor: User, cohort_id: int, where: ZoneInfo, now: datetime | None = None
) -> Dashboard:
    """``where`` is the reader's zone: the chart's days are theirs."""
    now = now or utcnow()
    grid = progress.cohort_grid(actor, cohort_id, now=now)
    cells = list(grid.cells.values())
    board = Dashboard(
        grid,
        total_cells=len(cells),
        done_cells=sum(c.status == "completed" for c in cells),
        overdue_cells=sum(c.overdue for c in cells),
    )
    if not board.everyone:
        return board
    board.chart = _chart(grid, where, now)
    board.checks, board.missed = _checks(grid)
    _questions(board)
    return board


# Completion over time --------------------------------------------------------------------------


def _chart(grid: CohortGrid, where: ZoneInfo, now: datetime) -> list[DayPoint]:
    """Cells done and due by the end of each day, from the first day anything was due or done
    (or the cohort began) to today or the last due date, whichever is later."""
    if not grid.entries or not grid.learners:
        return []
    done_days = sorted(
        c.completed_at.astimezone(where).date() for c in grid.cells.values() if c.completed_at
    )
    due_days = sorted(e.due_at.astimezone(where).date() for e in grid.entries)
    today = now.astimezone(where).date()
    start = min([grid.cohort.created_at.astimezone(where).date(), *done_days[:1]])
    end = max(today, due_days[-1])
    start = max(start, end - timedelta(days=CHART_DAYS_MAX - 1))
    learners = len(grid.learners)
    points: list[DayPoint] = []
    day = start
    while day <= end:
        done = _count_upto(done_days, day) if day <= today else None
        points.append(DayPoint(day, done, _count_upto(due_days, day) * learners))
        day += timedelta(days=1)
    return points


def _count_upto(days: list[date], day: date) -> int:
    return bisect_right(days, day)


# Knowledge checks --------------------------------------------------------------------------------


def _checks(grid: CohortGrid) -> tuple[list[CheckStats], list[MissedQuestion]]:
    module_ids = [e.module_id for e in grid.entries]
    learner_ids = [u.id for u in grid.learners]
    if not module_ids or not learner_ids:
        return [], []
    quizzes = list(
        db.session.scalars(
            select(Quiz).where(Quiz.module_id.in_(module_ids)).options(selectinload(Quiz.questions))
        )
    )
    attempts = db.session.execute(
        select(QuizAttempt.user_id, QuizAttempt.quiz_id, QuizAttempt.passed, QuizAttempt.wrong)
        .join(Quiz)
        .where(Quiz.module_id.in_(module_ids), QuizAttempt.user_id.in_(learner_ids))
    ).all()
    by_id = {q.id: q for q in quizzes}
    titles = {e.module_id: e.module.title for e in grid.entries}
    current = {q.module_id for q in quizzes if q.retired_at is None}
    stats = {
        mid: CheckStats(mid, titles[mid], len(learner_ids)) for mid in module_ids if mid in current
    }
    tried: dict[int, set[int]] = {}
    passed: dict[int, set[int]] = {}
    for user_id, quiz_id, ok, _ in attempts:
        mid = by_id[quiz_id].module_id
        if mid in stats:
            stats[mid].attempts += 1
            tried.setdefault(mid, set()).add(user_id)
            if ok:
                passed.setdefault(mid, set()).add(user_id)
    for mid, s in stats.items():
        s.attempted, s.passed = len(tried.get(mid, ())), len(passed.get(mid, ()))
    return list(stats.values()), _most_missed(attempts, by_id, titles)


def _most_missed(
    attempts: Sequence[Row[int, int, bool, list[int]]],
    by_id: dict[int, Quiz],
    titles: dict[int, str],
) -> list[MissedQuestion]:
    """The questions of the current checks missed most often, over every attempt."""
    missed: Counter[tuple[int, int]] = Counter()
    answered: Counter[int] = Counter()
    for _, quiz_id, _, wrong in attempts:
        if by_id[quiz_id].retired_at is not None:
            continue
        answered[quiz_id] += 1
        missed.update((quiz_id, n) for n in wrong)
    out = []
    for (quiz_id, n), count in missed.most_common():
        quiz = by_id[quiz_id]
        if n < len(quiz.questions):
            prompt = quiz.questions[n].prompt
            out.append(MissedQuestion(titles[quiz.module_id], prompt, count, answered[quiz_id]))
    out.sort(key=lambda m: (-m.missed, -m.share, m.module_title, m.prompt))
    return out[:MISSED_SHOWN]


# Questions and answers ---------------------------------------------------------------------------


def _questions(board: Dashboard) -> None:
    """The cohort's questions on its scheduled modules (asked by its members, or kept within
    the cohort): how many are unanswered per module, and the median times to a first reply and
    to an accepted answer."""
    grid = board.grid
    module_ids = [e.module_id for e in grid.entries]
    if not module_ids:
        return
    members = select(Membership.user_id).where(Membership.cohort_id == grid.cohort.id)
    opening = (
        select(Post.thread_id, func.min(Post.id).label("first_id"))
        .group_by(Post.thread_id)
        .subquery()
    )
    first_reply = (
        select(Post.thread_id, func.min(Post.created_at).label("at"))
        .join(opening, opening.c.thread_id == Post.thread_id)
        .where(Post.id != opening.c.first_id, Post.deleted.is_(False))
        .group_by(Post.thread_id)
        .subquery()
    )
    accepted = aliased(Post)
    rows = db.session.execute(
        select(Thread.module_id, Thread.created_at, first_reply.c.at, accepted.created_at)
        .outerjoin(first_reply, first_reply.c.thread_id == Thread.id)
        .outerjoin(accepted, accepted.id == Thread.accepted_post_id)
        .where(
            Thread.kind == "question",
            Thread.module_id.in_(module_ids),
            or_(
                Thread.cohort_id == grid.cohort.id,
                and_(Thread.visibility == "everyone", Thread.author_id.in_(members)),
            ),
        )
    ).all()
    board.questions_asked = len(rows)
    board.unanswered = dict.fromkeys(module_ids, 0)
    to_reply, to_accept = [], []
    for module_id, asked, replied, accepted_at in rows:
        if accepted_at is None:
            board.unanswered[module_id] += 1
        else:
            to_accept.append(_utc(accepted_at) - _utc(asked))
        if replied is not None:
            to_reply.append(_utc(replied) - _utc(asked))
    # typeshed's median takes numbers only; timedeltas sort, add and halve, which is all it does.
    board.median_first_reply = statistics.median(to_reply) if to_reply else None  # type: ignore[type-var]
    board.median_accepted = statistics.median(to_accept) if to_accept else None  # type: ignore[type-var]


def _utc(value: datetime) -> datetime:
    """Aggregates (min) may come back without the column type's conversion on SQLite."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
