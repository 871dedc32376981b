from __future__ import annotations

from flask_login import current_user

from forum.api.common import Blueprint, envelope, signed_in
from forum.api.schemas import (
    NewUserSchema,
    PageArgs,
    UserCreateIn,
    UserPatchIn,
    UserSchema,
    list_of,
)
from forum.services import accounts

blp = Blueprint("api_users", __name__, description="People")


@blp.post("/users")
@signed_in
@blp.arguments(UserCreateIn)
@blp.response(201, NewUserSchema)
def create_user(data):
    """Add a person; without a password the answer carries a one-use ``invite_url``."""
    new = accounts.create_user(current_user, **data)
    out = NewUserSchema().dump(new.user)
    if new.invite_url:
        out["invite_url"] = new.invite_url
    return out


@blp.get("/users")
@signed_in
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_of(UserSchema))
def list_users(args):
    return envelope(accounts.list_users(current_user, **args))


@blp.patch("/users/<int:user_id>")
@signed_in
@blp.arguments(UserPatchIn)
@blp.response(200, UserSchema)
def update_user(data, user_id: int):
    """Rename, change role, or deactivate (which signs the person out everywhere)."""
    return accounts.update_user(current_user, user_id, **data)
