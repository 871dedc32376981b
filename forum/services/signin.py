"""Sign-in limits that protect an account without locking its owner out.

Failed sign-ins are counted per e-mail address and per client address, and over either
limit a sign-in waits (429), whatever the password. A browser or client that has signed in
as that person before carries a *device* cookie (signed, with an end); for it, only the
failures made by that same device count: a flood of wrong passwords against someone's
address, from anywhere else, never stops them signing in where they usually do.

Asking for a password reset is limited per e-mail and per address too, and costs the same
whether the address has an account or not: the request only queues a job (the outbox),
and the worker looks the person up and mails them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from forum.errors import RateLimited, Unauthorized
from forum.models import User
from forum.services import accounts, limits, validation

DEVICE_SALT = "forum-device"


@dataclass(frozen=True)
class Device:
    """What a device cookie says: this client signed in as ``user_id`` before."""

    user_id: int
    id: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def device_max_age() -> int:
    days: int = current_app.config["DEVICE_COOKIE_DAYS"]
    return days * 24 * 3600


def read_device(cookie: str | None) -> Device | None:
    """The device a cookie names, if it is ours, unaltered and not past its end."""
    if not cookie or len(cookie) > 500:
        return None
    try:
        data = _serializer().loads(cookie, max_age=device_max_age())
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return Device(data["u"], str(data.get("d", "")))


def device_cookie(user: User, device: Device | None) -> str:
    """A fresh cookie for a client that just signed in as ``user`` (its end starts again);
    the device keeps its id while it signs in as the same person."""
    same = device is not None and device.user_id == user.id
    device_id = device.id if same and device else secrets.token_urlsafe(12)
    return _serializer().dumps({"u": user.id, "d": device_id})


def _email_key(email: object) -> str:
    return email.strip().lower()[: validation.EMAIL_MAX] if isinstance(email, str) else ""


def _keys(email: str, address: str, device: Device | None) -> list[tuple[str, str, str]]:
    """(setting, kind, value) of every count this attempt is judged by."""
    if device is not None:
        user = accounts.find_user_by_email(email) if email else None
        if user is not None and user.id == device.user_id:
            # Known here: judged by this device's own failures only.
            return [("LOGIN_FAILURES_PER_EMAIL", "signin-device", device.id)]
    return [
        ("LOGIN_FAILURES_PER_ADDRESS", "signin-address", address),
        ("LOGIN_FAILURES_PER_EMAIL", "signin-email", email),
    ]


def sign_in(email: object, password: object, *, address: str, device: Device | None) -> User:
    """The active user with these credentials; RateLimited before any password is checked
    when a count is over its limit; Unauthorized (and counted) for wrong credentials."""
    key = _email_key(email)
    keys = _keys(key, address, device)
    wait = max(limits.wait_for(limits.setting_windows(s), kind, v) for s, kind, v in keys)
    if wait:
        raise RateLimited(
            "Too many failed sign-ins. Wait a little and try again, or reset your password.",
            retry_after=wait,
        )
    try:
        return accounts.authenticate(email, password)
    except Unauthorized:
        for setting, kind, value in keys:
            limits.count(limits.setting_windows(setting), kind, value)
        raise


def request_password_reset(email: object, *, address: str) -> None:
    """Queue a reset for this address (the same work whether it has an account or not);
    RateLimited when this address or this e-mail asked too often."""
    key = _email_key(email)
    keys = [
        ("RESET_REQUESTS_PER_ADDRESS", "reset-address", address),
        ("RESET_REQUESTS_PER_EMAIL", "reset-email", key),
    ]
    wait = max(limits.wait_for(limits.setting_windows(s), kind, v) for s, kind, v in keys)
    if wait:
        raise RateLimited(
            "A reset was asked for too often. Check your mail, or try again later.",
            retry_after=wait,
        )
    for setting, kind, value in keys:
        limits.count(limits.setting_windows(setting), kind, value)
    accounts.queue_password_reset(key)
