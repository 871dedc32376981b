"""Small pieces every API module uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask_login import current_user
from flask_smorest import Blueprint as SmorestBlueprint

from forum.api.parsing import StrictJsonParser
from forum.errors import Unauthorized
from forum.services.pagination import Page

BEARER = [{"bearer": []}]


class Blueprint(SmorestBlueprint):
    """flask-smorest's Blueprint reading bodies as strict JSON (see parsing.py for why)."""

    ARGUMENTS_PARSER = StrictJsonParser()


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
