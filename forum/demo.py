"""Demo data for ``flask --app forum seed-demo``."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.models import User

PASSWORD = "demo-password"


def database_is_empty() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is None


def seed() -> list[tuple[str, str]]:
    raise RuntimeError("demo data is being written")
