"""Assertions about the API's contract, shared by the API tests."""

from __future__ import annotations

from datetime import datetime

ERROR_STATUSES = {400, 401, 403, 404, 405, 409, 413, 415, 422, 429}


def expect_error(response, *statuses: int) -> dict:
    """The response has one of ``statuses`` and the contract's error body; returns ``error``."""
    text = response.get_data(as_text=True)
    assert response.status_code in statuses, f"{response.status_code}: {text[:500]}"
    assert response.is_json, text[:500]
    body = response.get_json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"], error
    if "fields" in error:
        assert error["fields"], "fields, when present, names at least one field"
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in error["fields"].items())
    return error


def expect_invalid(response, field: str | None = None) -> dict:
    """400 or 422 invalid input, naming ``field`` when given."""
    error = expect_error(response, 400, 422)
    if field is not None:
        assert field in error.get("fields", {}), error
    return error


def expect_envelope(response, total: int | None = None) -> list:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert set(body) == {"items", "page", "per_page", "total"}, body
    assert isinstance(body["items"], list)
    if total is not None:
        assert body["total"] == total, body
    return body["items"]


def is_utc_iso(value: str) -> bool:
    """ISO 8601 in UTC, with a ``Z`` or ``+00:00`` suffix, as the contract says."""
    if not isinstance(value, str) or not value.endswith(("Z", "+00:00")):
        return False
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.utcoffset().total_seconds() == 0


def user_ref(user) -> dict:
    """How a person appears inside other objects: no e-mail; the @handle that tells two
    people of one name apart."""
    return {"id": user.id, "name": user.name, "handle": user.handle}


def fresh():
    """The test's own session, with a new snapshot: requests commit in sessions of their own.

    Ends the test's read transaction (SQLite WAL and PostgreSQL both keep showing its
    snapshot otherwise) and expires loaded objects, so the next read sees what was committed.
    """
    from forum.extensions import db

    db.session.rollback()
    return db.session


def count(model) -> int:
    """Rows of ``model`` as committed now."""
    from sqlalchemy import func, select

    return fresh().scalar(select(func.count()).select_from(model))


# Bookkeeping that any authenticated request may write (at most once a minute), not data.
BOOKKEEPING = {("api_tokens", "last_used_at")}


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, as committed now (bookkeeping columns left out)."""
    from sqlalchemy import select

    from forum.extensions import db

    session = fresh()
    snap = {}
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if (table.name, c.name) not in BOOKKEEPING]
        rows = session.execute(select(*columns))
        snap[table.name] = sorted((tuple(map(repr, row)) for row in rows), key=repr)
    return snap
