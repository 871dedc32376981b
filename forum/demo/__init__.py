"""Demo data for ``flask --app forum seed-demo``.

The content is data: lessons are Markdown files in ``lessons/`` (``NN-key.md``, with a
``+++`` TOML front matter), and the people, cohorts and discussions are in ``demo.toml``;
``content.py`` reads and checks them, ``seed.py`` turns them into rows through the services.

``seed()`` runs the parts in ``PARTS`` in order inside one write transaction: a failure
leaves the database as it was. A new kind of demo content adds its own part, a function
taking the ``Demo`` built so far.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from forum.database import write_transaction
from forum.demo.content import (
    CohortPlan,
    Content,
    Conversation,
    DemoDataError,
    Lesson,
    Person,
    Said,
    ago,
    load,
)
from forum.demo.seed import (
    PASSWORD,
    Demo,
    seed_checks,
    seed_cohorts,
    seed_faq,
    seed_modules,
    seed_office_hours,
    seed_people,
    seed_progress,
    seed_threads,
)
from forum.extensions import db
from forum.models import User
from forum.services import accounts, limits

__all__ = [
    "ADMIN_KEY",
    "COHORTS",
    "CONTENT",
    "CONVERSATIONS",
    "LESSONS",
    "PARTS",
    "PASSWORD",
    "PEOPLE",
    "CohortPlan",
    "Content",
    "Conversation",
    "Demo",
    "DemoDataError",
    "Lesson",
    "Person",
    "Said",
    "ago",
    "database_is_empty",
    "is_loaded",
    "load",
    "logins",
    "seed",
]

# Read once, on import: a slip in the data files fails here, before any database is touched.
CONTENT = load()
PEOPLE: tuple[Person, ...] = CONTENT.people
LESSONS: tuple[Lesson, ...] = CONTENT.lessons
COHORTS: tuple[CohortPlan, ...] = CONTENT.cohorts
CONVERSATIONS: tuple[Conversation, ...] = CONTENT.conversations
ADMIN_KEY = CONTENT.admin_key

# Each part builds on the ones before it; later features append theirs.
PARTS: list[Callable[[Demo], None]] = [
    seed_people,
    seed_modules,
    seed_cohorts,
    seed_threads,
    seed_faq,
    seed_checks,
    seed_progress,
    seed_office_hours,
]


def database_is_empty() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is None


def is_loaded() -> bool:
    """Whether the demo's admin exists, which is the demo's first write."""
    return accounts.find_user_by_email(PEOPLE[0].email) is not None


def logins() -> list[tuple[str, str]]:
    """(label, e-mail) of the demo people present in the database, in the demo's order."""
    present = set(
        db.session.scalars(select(User.email).where(User.email.in_([p.email for p in PEOPLE])))
    )
    return [(p.label, p.email) for p in PEOPLE if p.email in present]


def seed() -> list[tuple[str, str]]:
    """Load the whole demo in one transaction and return the logins to print."""
    demo = Demo(CONTENT)
    with write_transaction(), limits.suspended():
        for part in PARTS:
            part(demo)
    return [(p.label, p.email) for p in PEOPLE]
