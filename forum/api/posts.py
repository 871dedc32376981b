"""Posts: replying, editing (with kept revisions), deleting, flagging, voting."""

from __future__ import annotations

from flask_login import current_user

from forum.api.common import Blueprint, envelope, signed_in
from forum.api.schemas import (
    FlagIn,
    PageArgs,
    PostCreateIn,
    PostPatchIn,
    PostRevisionSchema,
    PostSchema,
    ScoreSchema,
    VoteIn,
    list_of,
)
from forum.models import Post
from forum.services import posts, threads

blp = Blueprint("api_posts", __name__, description="Posts: replies, edits, votes, flags")


def post_out(post: Post) -> threads.PostView:
    """The post as the caller sees it in its thread (author shown or hidden, their vote)."""
    view = threads.get_thread(current_user, post.thread_id)
    return next(p for p in view.posts if p.id == post.id)


def new_post_out(post: Post) -> threads.PostView:
    """A reply just written: nobody has voted on it yet, so no need to load its thread."""
    return threads.PostView(post, threads.shown_author(current_user, post.thread, post))


@blp.post("/threads/<int:thread_id>/posts")
@signed_in
@blp.arguments(PostCreateIn)
@blp.response(201, PostSchema)
def reply(data, thread_id: int):
    """Reply to the thread, or to one of its posts (``parent_id``); a locked thread is 403."""
    return new_post_out(posts.reply(current_user, thread_id, **data))


@blp.patch("/posts/<int:post_id>")
@signed_in
@blp.arguments(PostPatchIn)
@blp.response(200, PostSchema)
def edit(data, post_id: int):
    """Change the text (its author, the thread's moderators); the old text becomes a revision."""
    return post_out(posts.edit(current_user, post_id, body=data["body"]))


@blp.delete("/posts/<int:post_id>")
@signed_in
@blp.response(204)
def remove(post_id: int):
    """The post stays in its thread as removed; its text and revisions are erased."""
    posts.remove(current_user, post_id)


@blp.get("/posts/<int:post_id>/revisions")
@signed_in
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_of(PostRevisionSchema))
def revisions(args, post_id: int):
    """Earlier texts of the post, newest first."""
    return envelope(posts.revisions(current_user, post_id, **args))


@blp.post("/posts/<int:post_id>/flag")
@signed_in
@blp.arguments(FlagIn)
@blp.response(204)
def flag(data, post_id: int):
    """Report the post to the thread's moderators; once per person per post (409 after)."""
    posts.flag(current_user, post_id, data["reason"])


@blp.post("/posts/<int:post_id>/vote")
@signed_in
@blp.arguments(VoteIn)
@blp.response(200, ScoreSchema)
def vote(data, post_id: int):
    """Set the caller's vote: 1 up, 0 none; voting twice counts once."""
    return {"score": posts.vote(current_user, post_id, data["value"])}
