"""Outgoing mail: queued with the change that causes it, sent after commit."""

from __future__ import annotations

import logging

from flask import current_app
from flask_mail import Message

from forum.background import enqueue, handles
from forum.extensions import mail

log = logging.getLogger("forum.mail")


def queue_mail(to: str, subject: str, body: str) -> None:
    enqueue("mail", {"to": to, "subject": subject, "body": body})


@handles("mail")
def send_mail(payload: dict) -> None:
    if not current_app.config.get("MAIL_SERVER"):
        log.info(
            "Mail (no FORUM_MAIL_SERVER, logged only) to %s: %s\n%s",
            payload["to"],
            payload["subject"],
            payload["body"],
        )
        return
    mail.send(Message(subject=payload["subject"], recipients=[payload["to"]], body=payload["body"]))
