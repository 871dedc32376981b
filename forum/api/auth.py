from __future__ import annotations

from flask import current_app, g, request
from flask_login import current_user

from forum.api.common import Blueprint, envelope, signed_in
from forum.api.schemas import MePatchIn, MeSchema, TokenIn, TokenInfoSchema, TokenOut, list_of
from forum.auth import bearer_token, check_credentials, current_session_key, sign_out
from forum.errors import Invalid
from forum.services import accounts
from forum.services.pagination import Page

blp = Blueprint("api_auth", __name__, description="Signing in")


@blp.post("/auth/token")
@blp.arguments(TokenIn)
@blp.response(200, TokenOut)
@blp.alt_response(401, response="UNAUTHORIZED", description="Wrong e-mail or password")
def create_token(data):
    """Trade an e-mail and password for a bearer token (it expires; see ``expires_at``).

    Failed attempts are limited per e-mail and per address (429 with Retry-After); a
    client that signed in as that person before (the ``forum_device`` cookie) is judged
    by its own failures only."""
    user = check_credentials(data["email"], data["password"])
    new = accounts.issue_token(user, accounts.client_label(request.user_agent.string))
    return {"token": new.token, "expires_at": new.expires_at, "user": user}


@blp.delete("/auth/token")
@signed_in
@blp.response(204)
def delete_token():
    """Revoke the bearer token used for this request, or sign this session out."""
    token = bearer_token() if g.get("auth_via") == "bearer" else None
    if token is not None:
        accounts.revoke_token(token)
    else:
        sign_out()


def _me() -> dict:
    user = current_user._get_current_object()
    return {
        **MeSchema(only=("id", "email", "name", "role", "active")).dump(user),
        "timezone": user.timezone or current_app.config["TIMEZONE"],
        "notify_email": user.notify_email,
        "reminder_email": user.reminder_email,
    }


@blp.get("/me")
@signed_in
@blp.response(200, MeSchema)
def me():
    return _me()


@blp.patch("/me")
@signed_in
@blp.arguments(MePatchIn)
@blp.response(200, MeSchema)
def update_me(data):
    """Change the password (with the current one: every other session and token ends) or
    the caller's settings."""
    user = current_user._get_current_object()
    if "password" in data:
        if "current_password" not in data:
            raise Invalid.field("current_password", "is required to change the password")
        accounts.change_password(
            user,
            data["current_password"],
            data["password"],
            keep_session=current_session_key(),
            keep_token=bearer_token() if g.get("auth_via") == "bearer" else None,
        )
    settings = {k: data[k] for k in ("timezone", "notify_email", "reminder_email") if k in data}
    if settings:
        accounts.update_settings(user, **settings)
    return _me()


@blp.get("/me/tokens")
@signed_in
@blp.response(200, list_of(TokenInfoSchema))
def my_tokens():
    """The caller's live API tokens, newest first (each with its creation and last use)."""
    tokens = accounts.list_tokens(current_user)
    return envelope(Page(items=tokens, page=1, per_page=max(len(tokens), 20), total=len(tokens)))


@blp.delete("/me/tokens/<int:token_id>")
@signed_in
@blp.response(204)
def revoke_my_token(token_id: int):
    accounts.revoke_token_by_id(current_user, token_id)
