"""Threads of a module: asking, listing, reading, moderating, accepting, following."""

from __future__ import annotations

from flask_login import current_user

from forum.api.common import Blueprint, envelope, signed_in
from forum.api.schemas import (
    AcceptIn,
    PageArgs,
    ThreadCreateIn,
    ThreadListArgs,
    ThreadPatchIn,
    ThreadSchema,
    ThreadSummarySchema,
    list_of,
)
from forum.services import follows, threads

blp = Blueprint("api_threads", __name__, description="Threads: questions and discussions")


def thread_out(thread_id: int) -> threads.ThreadView:
    """The thread with its posts, as the caller sees it (the shape every thread answer has)."""
    return threads.get_thread(current_user, thread_id)


@blp.post("/modules/<int:module_id>/threads")
@signed_in
@blp.arguments(ThreadCreateIn)
@blp.response(201, ThreadSchema)
def create_thread(data, module_id: int):
    """Ask a question or start a discussion; in a cohort, it is cohort-only unless told."""
    thread = threads.create_thread(current_user, module_id, **data)
    return thread_out(thread.id)


@blp.get("/modules/<int:module_id>/threads")
@signed_in
@blp.arguments(ThreadListArgs, location="query")
@blp.response(200, list_of(ThreadSummarySchema))
def list_threads(args, module_id: int):
    """Visible threads of the module, pinned first, then by ``sort``."""
    return envelope(threads.list_threads(current_user, module_id, **args))


@blp.get("/whats-new")
@signed_in
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_of(ThreadSummarySchema))
def whats_new(args):
    """Threads with posts the caller has not read, across everything they can see."""
    return envelope(threads.whats_new(current_user, **args))


@blp.get("/threads/<int:thread_id>")
@signed_in
@blp.response(200, ThreadSchema)
def get_thread(thread_id: int):
    """The thread and its posts; reading it moves the caller's last-read mark."""
    view = thread_out(thread_id)
    threads.mark_read(current_user, view)
    return view


@blp.patch("/threads/<int:thread_id>")
@signed_in
@blp.arguments(ThreadPatchIn)
@blp.response(200, ThreadSchema)
def moderate_thread(data, thread_id: int):
    """Pin, lock or retitle (the thread's moderators); recorded in the moderation log."""
    threads.moderate(current_user, thread_id, **data)
    return thread_out(thread_id)


@blp.post("/threads/<int:thread_id>/accept")
@signed_in
@blp.arguments(AcceptIn)
@blp.response(200, ThreadSchema)
def accept(data, thread_id: int):
    """Accept a live reply of this question thread; accepting another replaces the choice."""
    threads.accept(current_user, thread_id, data["post_id"])
    return thread_out(thread_id)


@blp.delete("/threads/<int:thread_id>/accept")
@signed_in
@blp.response(200, ThreadSchema)
def unaccept(thread_id: int):
    threads.unaccept(current_user, thread_id)
    return thread_out(thread_id)


@blp.put("/threads/<int:thread_id>/subscription")
@signed_in
@blp.response(204)
def follow_thread(thread_id: int):
    follows.follow_thread(current_user, thread_id)


@blp.delete("/threads/<int:thread_id>/subscription")
@signed_in
@blp.response(204)
def unfollow_thread(thread_id: int):
    follows.unfollow_thread(current_user, thread_id)


@blp.put("/modules/<int:module_id>/subscription")
@signed_in
@blp.response(204)
def follow_module(module_id: int):
    """Follow every thread of the module, present and future."""
    follows.follow_module(current_user, module_id)


@blp.delete("/modules/<int:module_id>/subscription")
@signed_in
@blp.response(204)
def unfollow_module(module_id: int):
    follows.unfollow_module(current_user, module_id)
