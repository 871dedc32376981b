"""Unsubscribe links: a signed token per person and kind of mail, usable without signing in.

The token is signed with the site's secret and carries its issue time; it works for
``UNSUBSCRIBE_TTL_DAYS`` (at least 90), so a link in an old letter still works. It only ever
switches mail off, so nothing is lost if it is forwarded; opening it changes nothing until
the confirm button (or a mail client's RFC 8058 one-click POST) is pressed.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from forum.database import write_transaction
from forum.errors import Expired, Invalid
from forum.extensions import db
from forum.models import User
from forum.services.mailer import external_url

# Kind of mail -> what it is called on pages.
KINDS = {
    "notifications": "e-mail about notifications (one for each, or a daily digest)",
    "reminders": "reminder e-mails about modules due soon or overdue",
}
_SALT = "forum.unsubscribe"


@dataclass
class Subscription:
    person: User
    kind: str

    @property
    def what(self) -> str:
        return KINDS[self.kind]

    @property
    def subscribed(self) -> bool:
        if self.kind == "notifications":
            return self.person.notify_email != "off"
        return self.person.reminder_email


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def make_token(person: User, kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"no such kind of mail: {kind}")
    return _serializer().dumps([person.id, kind])


def unsubscribe_url(person: User, kind: str) -> str:
    return external_url("account.unsubscribe_page", token=make_token(person, kind))


def read_token(token: str) -> Subscription:
    """Who and what the token is for; Invalid when it was not made here, Expired when old."""
    max_age = current_app.config["UNSUBSCRIBE_TTL_DAYS"] * 86400
    try:
        user_id, kind = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise Expired(
            "This unsubscribe link has expired. Change which e-mail you get on your settings page."
        ) from None
    except (BadSignature, ValueError, TypeError):
        raise Invalid("This unsubscribe link is not valid; it may have been cut short.") from None
    person = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if person is None or kind not in KINDS:
        raise Invalid("This unsubscribe link is not valid; it may have been cut short.")
    return Subscription(person, kind)


def unsubscribe(token: str) -> Subscription:
    """Switch that kind of mail off for that person (doing it twice changes nothing)."""
    found = read_token(token)
    with write_transaction():
        person = db.session.get(User, found.person.id)
        if person is None:  # deleted since the token was read
            raise Invalid("This unsubscribe link is not valid; it may have been cut short.")
        if found.kind == "notifications":
            person.notify_email = "off"
        else:
            person.reminder_email = False
    return Subscription(person, found.kind)
