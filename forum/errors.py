"""One exception root for the domain, and one handler that answers JSON or HTML."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from flask import Flask, Response, g, jsonify, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from forum.extensions import db, login_manager

log = logging.getLogger(__name__)


class ForumError(Exception):
    status = 400
    code = "error"
    message = "The request could not be completed."

    def __init__(self, message: str | None = None, fields: dict[str, str] | None = None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.fields = fields or {}

    @property
    def headers(self) -> dict[str, str]:
        """Added to the response (Retry-After)."""
        return {}


class Invalid(ForumError):
    status = 400
    code = "invalid"
    message = "The request is not valid."

    @classmethod
    def field(cls, name: str, problem: str) -> Invalid:
        return cls(f"{name}: {problem}", {name: problem})


class Unauthorized(ForumError):
    status = 401
    code = "unauthorized"
    message = "Sign in first."


class Forbidden(ForumError):
    status = 403
    code = "forbidden"
    message = "You are not allowed to do that."


class NotFound(ForumError):
    status = 404
    code = "not_found"
    message = "Not found."


class Expired(ForumError):
    """A signed link that was genuine once and has run out."""

    status = 410
    code = "expired"
    message = "This link has expired."


class Conflict(ForumError):
    status = 409
    code = "conflict"
    message = "That conflicts with the current state."


class NotLive(Conflict):
    """An office hour that is scheduled or ended was asked for what only a live one does.

    The API answers it as any conflict (409, code ``conflict``); the ``/live`` namespace
    acknowledges it with its own word, ``not_live`` (API.md)."""

    live_error = "not_live"
    message = "This office hour is not live."


class RateLimited(ForumError):
    """Over a limit (``forum.services.limits``); the answer says when to try again."""

    status = 429
    code = "rate_limited"
    message = "Too many in a short time. Wait a little and try again."

    def __init__(self, message: str | None = None, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


HTTP_CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "expired",
    413: "too_large",
    415: "invalid",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


DATABASE_UNAVAILABLE = "The service cannot reach its database right now. Try again in a moment."
RETRY_AFTER_SECONDS = 5


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """webargs/marshmallow nest messages by location and field; the contract wants one level."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key in ("json", "query", "form", "view_args", "path") and not prefix:
                out.update(_flatten(value))
                continue
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                out.update(_flatten(value, name))
            elif isinstance(value, list):
                out[name] = "; ".join(str(v) for v in value if not isinstance(v, dict | list))
                if not out[name]:
                    out.update(_flatten({i: v for i, v in enumerate(value)}, name))
            else:
                out[name] = str(value)
    elif isinstance(messages, list):
        out[prefix or "_schema"] = "; ".join(str(m) for m in messages)
    return out


def error_response(
    status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> tuple[Response | str, int]:
    if wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        if fields:
            body["fields"] = fields
        return jsonify(error=body), status
    html = render_template(
        "error.html", status=status, code=code, message=message, fields=fields or {}
    )
    return html, status


def _http_message(exc: HTTPException) -> tuple[str, dict[str, str]]:
    data = getattr(exc, "data", None) or {}
    fields = _flatten(data.get("messages") or {}) if isinstance(data, dict) else {}
    if exc.code == 413:
        return "The request body is larger than the limit of 1 MiB.", {}
    if exc.code == 429:
        return "Too many attempts. Wait a little and try again.", {}
    if fields:
        first = next(iter(fields.items()))
        return f"Invalid input: {first[0]}: {first[1]}", fields
    if exc.code == 400 and exc.description and "JSON" in exc.description:
        return "The request body is not valid JSON.", {}
    return (exc.description or exc.name or "Error").strip(), {}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ForumError)
    def handle_forum_error(exc: ForumError):
        db.session.rollback()
        response = app.make_response(error_response(exc.status, exc.code, exc.message, exc.fields))
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        db.session.rollback()
        message, fields = _http_message(exc)
        code = HTTP_CODES.get(exc.code, "error")
        response, status = error_response(exc.code, code, message, fields)
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response = app.make_response((response, status))
            response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response
        return response, status

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def handle_database_unavailable(exc: Exception):
        # The database is away (restarting, unreachable) or, on SQLite, held too long by
        # other writers: a clean 503 that a client may retry, not a 500.
        with contextlib.suppress(Exception):
            db.session.rollback()
        log.warning("Database unavailable on %s %s: %s", request.method, request.path, exc)
        # The page's header would load the signed-in user from the database again.
        g._login_user = login_manager.anonymous_user()
        response, status = error_response(503, "unavailable", DATABASE_UNAVAILABLE)
        response = app.make_response((response, status))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        db.session.rollback()
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500, "server_error", "Something went wrong on our side.")
