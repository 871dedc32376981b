"""Failed sign-ins are limited per e-mail and per address, shared by the page and the API.

Only failures count (``deduct_when``), so people who type their password right are never
slowed; once a key is over its limit, further attempts get 429 until the window passes.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address

from forum.extensions import limiter


def _submitted_email() -> str:
    if request.is_json:
        data = request.get_json(silent=True)
        value = data.get("email") if isinstance(data, dict) else None
    else:
        value = request.form.get("email")
    return value.strip().lower()[:254] if isinstance(value, str) else ""


def _failed(response) -> bool:
    return response.status_code == 401


def limit_failed_logins(view: Callable) -> Callable:
    per_email = limiter.shared_limit(
        lambda: current_app.config["LOGIN_FAILURES_PER_EMAIL"],
        scope="login-email",
        key_func=lambda: f"email:{_submitted_email()}",
        deduct_when=_failed,
        methods=["POST"],
        exempt_when=lambda: request.method != "POST",
    )
    per_address = limiter.shared_limit(
        lambda: current_app.config["LOGIN_FAILURES_PER_ADDRESS"],
        scope="login-address",
        key_func=get_remote_address,
        deduct_when=_failed,
        methods=["POST"],
        exempt_when=lambda: request.method != "POST",
    )
    return per_address(per_email(view))
