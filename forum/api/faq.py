"""Answers promoted into a module's FAQ."""

from __future__ import annotations

from flask_login import current_user

from forum.api.common import Blueprint, signed_in
from forum.api.schemas import FaqEntrySchema, FaqPatchIn, PromoteIn
from forum.services import faq

blp = Blueprint("api_faq", __name__, description="FAQ")


@blp.post("/threads/<int:thread_id>/promote")
@signed_in
@blp.arguments(PromoteIn)
@blp.response(201, FaqEntrySchema)
def promote(data, thread_id: int):
    """Publish the thread's accepted answer in its module's FAQ (question and answer default
    to the thread's title and the accepted answer; no accepted answer: 409)."""
    return faq.promote(current_user, thread_id, **data)


@blp.patch("/faq/<int:entry_id>")
@signed_in
@blp.arguments(FaqPatchIn)
@blp.response(200, FaqEntrySchema)
def update_entry(data, entry_id: int):
    return faq.update_entry(current_user, entry_id, **data)


@blp.delete("/faq/<int:entry_id>")
@signed_in
@blp.response(204)
def remove_entry(entry_id: int):
    faq.remove_entry(current_user, entry_id)
