"""Following threads and whole modules (``follows_module`` lives with threads)."""

from __future__ import annotations

from sqlalchemy import delete, select

from forum.database import write_transaction
from forum.extensions import db
from forum.models import ModuleFollow, ThreadFollow, User
from forum.services.modules import get_module
from forum.services.threads import follow, follows_module, load_thread

__all__ = ["follow_module", "follow_thread", "follows_module", "unfollow_module", "unfollow_thread"]


def follow_thread(actor: User, thread_id: int) -> None:
    with write_transaction():
        follow(actor, load_thread(actor, thread_id), explicit=True)


def unfollow_thread(actor: User, thread_id: int) -> None:
    """Stop following; remembered, so posting again does not silently re-follow."""
    with write_transaction() as session:
        thread = load_thread(actor, thread_id)
        row = session.scalar(
            select(ThreadFollow).where(
                ThreadFollow.thread_id == thread.id, ThreadFollow.user_id == actor.id
            )
        )
        if row is None:
            session.add(ThreadFollow(thread_id=thread.id, user_id=actor.id, following=False))
        else:
            row.following = False


def follow_module(actor: User, module_id: int) -> None:
    with write_transaction() as session:
        module = get_module(actor, module_id)
        exists = session.scalar(
            select(ModuleFollow.id).where(
                ModuleFollow.module_id == module.id, ModuleFollow.user_id == actor.id
            )
        )
        if exists is None:
            session.add(ModuleFollow(module_id=module.id, user_id=actor.id))


def unfollow_module(actor: User, module_id: int) -> None:
    with write_transaction():
        module = get_module(actor, module_id)
        db.session.execute(
            delete(ModuleFollow).where(
                ModuleFollow.module_id == module.id, ModuleFollow.user_id == actor.id
            )
        )
