"""Completion over time as an SVG line chart, drawn on the server so it reads without script.

Two lines over the days: the share of the cohort's learner x module cells done, and the share
due by then (the schedule's pace). The page puts the same numbers in a table beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from forum.services.dashboard import DayPoint

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 14, 34


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    done: str  # polyline points
    due: str
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    last_done: int | None  # percent
    last_due: int


def _percent(value: int, total: int) -> float:
    return 100 * value / total if total else 0.0


def line_chart(points: list[DayPoint], total: int) -> Chart | None:
    if not points or not total:
        return None
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    span = max(len(points) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + (right - LEFT) * i / span, 1)

    def y(value: int) -> float:
        return round(bottom - (bottom - TOP) * _percent(value, total) / 100, 1)

    done = " ".join(f"{x(i)},{y(p.done)}" for i, p in enumerate(points) if p.done is not None)
    due = " ".join(f"{x(i)},{y(p.due)}" for i, p in enumerate(points))
    y_ticks = [
        Tick(round(bottom - (bottom - TOP) * share / 100, 1), f"{share}%")
        for share in (0, 25, 50, 75, 100)
    ]
    marks = sorted({0, len(points) // 2, len(points) - 1})
    x_ticks = [Tick(x(i), f"{points[i].day.day} {points[i].day:%b}") for i in marks]
    past = [p for p in points if p.done is not None]
    return Chart(
        WIDTH,
        HEIGHT,
        done,
        due,
        y_ticks,
        x_ticks,
        LEFT,
        right,
        TOP,
        bottom,
        round(_percent(past[-1].done or 0, total)) if past else None,
        round(_percent(past[-1].due if past else points[-1].due, total)),
    )
