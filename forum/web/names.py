"""People's names as others see them: beside a name that another active person also has
(or one that reads the same), the person's unique @handle."""

from __future__ import annotations

from flask import g
from markupsafe import Markup, escape

from forum.models import User
from forum.services import accounts


def _lookalikes() -> dict[str, int]:
    # Worked out once per request, on the first name a page shows: one query per page.
    if "name_lookalikes" not in g:
        g.name_lookalikes = accounts.name_lookalikes()
    return g.name_lookalikes


def handle_beside(user: User | None) -> str | None:
    """The @handle to show beside this person's name, when it is needed to tell them apart."""
    if user is None or not accounts.needs_handle(user, _lookalikes()):
        return None
    return user.handle


def person(user: User | None) -> Markup:
    """The name, escaped, and the handle beside it when needed (``{{ author | person }}``)."""
    if user is None:
        return Markup("")
    handle = handle_beside(user)
    if handle is None:
        return escape(user.name)
    return Markup('{} <span class="handle">@{}</span>').format(user.name, handle)
