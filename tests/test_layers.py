"""The doors (pages, the API) stand side by side on the services: neither imports the other,
and the services import neither (DESIGN.md, "One picture")."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from pathlib import Path

import pytest

from forum.services.validation import parse_when

FORUM = Path(__file__).resolve().parent.parent / "forum"
# package: the packages it must not import
FORBIDDEN = {
    "web": ("forum.api",),
    "api": ("forum.web",),
    "services": ("forum.web", "forum.api"),
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_door_never_imports_another_door(package):
    wrong = [
        f"{path.relative_to(FORUM.parent)}: {name}"
        for path in sorted((FORUM / package).rglob("*.py"))
        for name in _imports(path)
        if name.startswith(FORBIDDEN[package])
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01", datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)),
        ("2026-12-01T10:00:00", datetime(2026, 12, 1, 10, tzinfo=UTC)),
        ("2026-12-01T10:00:00Z", datetime(2026, 12, 1, 10, tzinfo=UTC)),
        ("2026-12-01T12:00:00+02:00", datetime(2026, 12, 1, 10, tzinfo=UTC)),
        (" 2026-12-01 ", datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_times_are_read_by_the_contracts_rules(text, expected):
    assert parse_when(text) == expected


@pytest.mark.parametrize(
    "text", ["", "tomorrow", "2026-13-01", "0001-01-01T00:00:00+01:00", "9" * 50, 5, None]
)
def test_anything_else_is_a_value_error(text):
    with pytest.raises(ValueError):
        parse_when(text)
