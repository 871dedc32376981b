"""The JSON API under /api/v1 (flask-smorest: schemas validate input and describe the API)."""

from __future__ import annotations

from flask import Flask, request
from flask_login import current_user
from flask_smorest import Api
from werkzeug.exceptions import RequestEntityTooLarge

from forum.api.common import ErrorStatuses
from forum.api.schemas import ErrorSchema
from forum.auth import signed_in_by_bearer
from forum.extensions import csrf


class ForumApi(Api):
    # Documents the contract's error body, {"error": {code, message, fields?}}.
    ERROR_SCHEMA = ErrorSchema
    # Each operation lists its own error statuses (ErrorStatuses) instead of a catch-all.
    DEFAULT_ERROR_RESPONSE_NAME = None


api = ForumApi()

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def register_api(app: Flask) -> None:
    from forum.api import (
        auth,
        cohorts,
        faq,
        health,
        moderation,
        modules,
        notifications,
        office_hours,
        posts,
        progress,
        search,
        threads,
        users,
    )

    api.init_app(app, spec_kwargs={"servers": [{"url": "/"}], "extra_plugins": [ErrorStatuses()]})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    discussion = (threads, posts, notifications, moderation)
    rest = (office_hours, search, health)
    for module in (auth, users, cohorts, modules, faq, progress, *discussion, *rest):
        api.register_blueprint(module.blp, url_prefix="/api/v1")
        # Bearer clients need no CSRF token; cookie requests are checked below instead.
        csrf.exempt(module.blp)

    @app.before_request
    def refuse_large_bodies() -> None:
        # Werkzeug enforces the limit only when a view reads the body; refusing any API
        # request that announces more makes the 413 the same on every endpoint.
        limit = app.config.get("MAX_CONTENT_LENGTH")
        length = request.content_length
        if request.path.startswith("/api/") and limit and length and length > limit:
            raise RequestEntityTooLarge()

    @app.before_request
    def csrf_for_cookie_requests() -> None:
        if not request.path.startswith("/api/") or request.method not in UNSAFE:
            return
        if current_user.is_authenticated and not signed_in_by_bearer():
            csrf.protect()
