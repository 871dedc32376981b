"""Small pieces every API module uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from apispec import BasePlugin
from flask_login import current_user
from flask_smorest import Blueprint as SmorestBlueprint

from forum.api.parsing import StrictJsonParser
from forum.errors import Unauthorized
from forum.services.pagination import Page

BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint reading bodies as strict JSON (see parsing.py for why)."""

    ARGUMENTS_PARSER = StrictJsonParser()


UNSAFE = {"post", "put", "patch", "delete"}


class ErrorStatuses(BasePlugin):
    """Lists in the description the error statuses each operation can answer, in place of one
    catch-all ``default``, so a client (and the fuzzing test's status-code check) knows them.

    Derived from what every operation shares rather than written per view: any request may
    be too large (413) or meet the database down (503); input, from a body or the query, may
    be refused (400 or 422, and a cookie write without its CSRF token is a 400); a signed-in
    operation may be forbidden (403); a path naming a thing may not find it (404); a write
    may conflict (409), and creating (POST) or searching may be rate-limited (429).
    """

    def operation_helper(self, path=None, operations=None, **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(path or "", method, operation):
                responses.setdefault(str(status), HTTPStatus(status).name)


def _error_statuses(path: str, method: str, operation: dict) -> list[int]:
    statuses = [413, 503]
    takes_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    if method in UNSAFE or takes_query or "requestBody" in operation:
        statuses += [400, 422]
    if operation.get("security"):
        statuses += [401, 403]
    if "{" in path:
        statuses.append(404)
    if method in UNSAFE:
        statuses.append(409)
    if method == "post" or path.endswith("/search"):
        statuses.append(429)
    return statuses


def signed_in(view: Callable) -> Callable:
    """Refuse anonymous callers with 401.

    Put it right under the route decorator: then it runs before the body is parsed, so an
    anonymous caller learns nothing about the input rules, only that they must sign in.
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            raise Unauthorized("Sign in first: send a bearer token or a session cookie.")
        return view(*args, **kwargs)

    # flask-smorest keeps each view's documentation in ``_apidoc`` (shared with the wrapped
    # view by ``wraps``); marking the operation as needing the bearer scheme shows in OpenAPI.
    apidoc = wrapper.__dict__.setdefault("_apidoc", {})
    manual = apidoc.setdefault("manual_doc", {})
    manual.setdefault("security", BEARER)
    manual.setdefault("responses", {})["401"] = "UNAUTHORIZED"
    return wrapper


def envelope(page: Page, items: list | None = None) -> dict:
    return {
        "items": page.items if items is None else items,
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }
