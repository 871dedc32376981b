"""A small world for the discussion API tests: one module, two cohorts, every kind of person.

Data is made through the services (as factories do); the tests then drive the API.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from forum.models import Module, Post, Thread, User
from forum.services import posts, threads
from tests.api.helpers import fresh, user_ref
from tests.factories import make_cohort, make_module, make_user

THREAD_KEYS = {
    "id",
    "module_id",
    "cohort_id",
    "visibility",
    "kind",
    "title",
    "author",
    "anonymous",
    "created_at",
    "last_activity_at",
    "reply_count",
    "accepted_post_id",
    "pinned",
    "locked",
}
POST_KEYS = {
    "id",
    "thread_id",
    "parent_id",
    "author",
    "anonymous",
    "deleted",
    "body",
    "body_html",
    "created_at",
    "edited_at",
    "score",
}
NOTIFICATION_KEYS = {
    "id",
    "kind",
    "thread_id",
    "post_id",
    "module_id",
    "office_hour_id",
    "actor",
    "read",
    "created_at",
}
LOG_KEYS = {"id", "actor", "action", "thread_id", "post_id", "detail", "created_at"}


@dataclass
class World:
    admin: User
    manager: User
    owner: User  # owns ``module``: moderates its threads, told of new questions
    asker: User  # learner in cohort A
    learner: User  # another learner in cohort A
    facilitator: User  # facilitator of cohort A
    other: User  # learner in cohort B
    member: User  # in no cohort
    module: Module
    cohort_a: int
    cohort_b: int

    def people(self) -> dict[str, User]:
        return {
            "admin": self.admin,
            "manager": self.manager,
            "owner": self.owner,
            "asker": self.asker,
            "learner": self.learner,
            "facilitator": self.facilitator,
            "other": self.other,
            "member": self.member,
        }


def build_world() -> World:
    admin = make_user(role="admin", name="Ada Admin")
    manager = make_user(role="manager", name="Max Manager")
    owner = make_user(name="Olga Owner")
    asker = make_user(name="Ann Asker")
    learner = make_user(name="Lea Learner")
    facilitator = make_user(name="Fay Facilitator")
    other = make_user(name="Ben Other")
    member = make_user(name="Nora Nobody")
    module = make_module(actor=manager, owner=owner, title="Keys and secrets")
    cohort_a = make_cohort(
        {asker: "learner", learner: "learner", facilitator: "facilitator"},
        actor=manager,
        name="Cohort A",
    )
    cohort_b = make_cohort({other: "learner"}, actor=manager, name="Cohort B")
    return World(
        admin,
        manager,
        owner,
        asker,
        learner,
        facilitator,
        other,
        member,
        module,
        cohort_a.id,
        cohort_b.id,
    )


def ask(user: User, module_id: int, title: str = "How do I rotate a key?", **kw) -> Thread:
    kw.setdefault("body", "I tried `keys rotate` and nothing happened.")
    return threads.create_thread(user, module_id, title=title, **kw)


def answer(user: User, thread_id: int, body: str = "Run it with `--force`.", **kw) -> Post:
    return posts.reply(user, thread_id, body=body, **kw)


def opening_id(thread_id: int) -> int:
    return fresh().scalar(select(func.min(Post.id)).where(Post.thread_id == thread_id))


def rows(model, **where) -> int:
    """Committed rows of ``model`` matching ``where``."""
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return fresh().scalar(stmt)


def ref(user: User) -> dict:
    return user_ref(user)
