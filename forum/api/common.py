"""Small pieces every API module uses."""

from __future__ import annotations

from functools import wraps

from flask_login import current_user

from forum.errors import Unauthorized
from forum.services.pagination import Page


def signed_in(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            raise Unauthorized("Sign in first: send a bearer token or a session cookie.")
        return view(*args, **kwargs)

    return wrapper


def envelope(page: Page, items: list | None = None) -> dict:
    return {
        "items": page.items if items is None else items,
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }
