"""Outgoing mail: queued with the change that causes it, sent after commit."""

from __future__ import annotations

import logging

from flask import current_app
from flask_mail import Message
from sqlalchemy import func, select

from forum.background import enqueue, handles
from forum.extensions import db, mail
from forum.models import User

log = logging.getLogger("forum.mail")


def queue_mail(to: str, subject: str, body: str) -> None:
    enqueue("mail", {"to": to, "subject": subject, "body": body})


def _deactivated(address: str) -> bool:
    """A person switched off since the mail was queued gets nothing (new hires have no
    account yet when some mail is written, so an unknown address is sent to)."""
    active = db.session.scalar(select(User.active).where(func.lower(User.email) == address.lower()))
    return active is False


# Once sent, only the address and subject stay: the body may carry a one-use link.
@handles("mail", keep=("to", "subject"))
def send_mail(payload: dict) -> None:
    if _deactivated(payload["to"]):
        log.info("Mail to deactivated account %s dropped: %s", payload["to"], payload["subject"])
        return
    if not current_app.config.get("MAIL_SERVER"):
        log.info(
            "Mail (no FORUM_MAIL_SERVER, logged only) to %s: %s\n%s",
            payload["to"],
            payload["subject"],
            payload["body"],
        )
        return
    mail.send(Message(subject=payload["subject"], recipients=[payload["to"]], body=payload["body"]))
