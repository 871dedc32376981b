"""The moderators' side: the moderation log, and the queue of flagged posts."""

from __future__ import annotations

from flask_login import current_user

from forum.api.common import Blueprint, envelope, signed_in
from forum.api.schemas import (
    FlagSchema,
    ModerationEntrySchema,
    ModerationLogArgs,
    PageArgs,
    list_of,
)
from forum.services import moderation
from forum.services.threads import PostView

blp = Blueprint("api_moderation", __name__, description="Moderation log and flags")


@blp.get("/moderation-log")
@signed_in
@blp.arguments(ModerationLogArgs, location="query")
@blp.response(200, list_of(ModerationEntrySchema))
def moderation_log(args):
    """Newest first: the entries of the cohorts and modules the caller moderates (403 if none)."""
    return envelope(moderation.list_log(current_user, **args))


@blp.get("/flags")
@signed_in
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_of(FlagSchema))
def flag_queue(args):
    """Open flags on posts of the threads the caller moderates, oldest first."""
    page = moderation.flag_queue(current_user, **args)
    items = [
        {
            "id": f.id,
            "reason": f.reason,
            "created_at": f.created_at,
            "user": f.user,
            "thread": f.thread,
            "post": PostView(f.post, f.post_author),
        }
        for f in page.items
    ]
    return envelope(page, items)


@blp.post("/flags/<int:flag_id>/clear")
@signed_in
@blp.response(204)
def clear_flag(flag_id: int):
    """Mark a flag handled (recorded in the moderation log)."""
    moderation.clear_flag(current_user, flag_id)
