from __future__ import annotations

from flask import g
from flask_login import current_user, logout_user

from forum.api.common import Blueprint, signed_in
from forum.api.schemas import TokenIn, TokenOut, UserSchema
from forum.auth import bearer_token
from forum.ratelimit import limit_failed_logins
from forum.services import accounts

blp = Blueprint("api_auth", __name__, description="Signing in")


@blp.post("/auth/token")
@blp.arguments(TokenIn)
@blp.response(200, TokenOut)
@limit_failed_logins
def create_token(data):
    """Trade an e-mail and password for a bearer token."""
    user = accounts.authenticate(data["email"], data["password"])
    return {"token": accounts.issue_token(user), "user": user}


@blp.delete("/auth/token")
@signed_in
@blp.response(204)
def delete_token():
    """Revoke the bearer token used for this request, or sign this session out."""
    if g.get("auth_via") == "bearer":
        accounts.revoke_token(bearer_token())
    else:
        logout_user()


@blp.get("/me")
@signed_in
@blp.response(200, UserSchema)
def me():
    return current_user._get_current_object()
