"""Outgoing mail: composing letters (plain text and HTML), and sending them over SMTP.

Mail caused by a change (an invitation, a notification) is queued with it and sent after
commit by the outbox. Commands that send in bulk (digests, reminders) send letters
themselves through ``deliver``, which keeps one SMTP connection for the run and carries
on past a refused letter. With no ``FORUM_MAIL_SERVER`` a letter is logged, not sent.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_mail import Connection, Message
from sqlalchemy import func, select

from forum.background import Payload, enqueue, handles
from forum.extensions import db
from forum.models import User
from forum.services.timezones import local, zone_of

log = logging.getLogger("forum.mail")

# A mail server that accepts the connection and then says nothing must not hang a run.
SMTP_TIMEOUT = 30.0


@dataclass
class Letter:
    to: str
    subject: str
    text: str
    html: str | None = None
    # Where one click ends this kind of mail (RFC 8058 List-Unsubscribe).
    unsubscribe_url: str | None = None


def external_url(endpoint: str, anchor: str | None = None, **values: object) -> str:
    """An absolute link on FORUM_BASE_URL; built from the URL map, not url_for, so it works
    outside a request (commands, the worker)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return f"{current_app.config['BASE_URL']}{path}{'#' + anchor if anchor else ''}"


def compose(
    to: User, subject: str, template: str, *, unsubscribe_url: str | None, **context: object
) -> Letter:
    """A letter from ``templates/mail/<template>.txt`` and ``.html``."""
    zone = zone_of(to)
    context = {
        "person": to,
        # Times in a letter are in its reader's zone.
        "at": lambda value: _at(value, zone),
        "subject": subject,
        "unsubscribe_url": unsubscribe_url,
        "settings_url": external_url("account.settings", anchor="email"),
        "site_url": current_app.config["BASE_URL"],
        **context,
    }
    return Letter(
        to=to.email,
        subject=subject,
        text=_render(f"mail/{template}.txt", context),
        html=_render(f"mail/{template}.html", context),
        unsubscribe_url=unsubscribe_url,
    )


def _at(value: datetime, zone: ZoneInfo) -> str:
    """``Fri 4 Dec, 18:05 CET``: a time as its reader reads it."""
    v = local(value, zone)
    return f"{v:%a} {v.day} {v:%b}, {v:%H:%M} {v.tzname()}"


def _render(name: str, context: dict[str, Any]) -> str:
    # Straight from the environment: the pages' context processors want a request and a
    # signed-in person, and a letter has neither.
    return current_app.jinja_env.get_template(name).render(context)


def _message(letter: Letter) -> Message:
    headers = {}
    if letter.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        # Bulk mail: no out-of-office replies to it.
        headers["Auto-Submitted"] = "auto-generated"
    return Message(
        subject=letter.subject,
        recipients=[letter.to],
        body=letter.text,
        html=letter.html,
        extra_headers=headers or None,
    )


class _Connection(Connection):
    """Flask-Mail's connection, with a timeout (it has none: a silent server hangs it) and
    TLS that checks the server's certificate (smtplib's default checks nothing); a company
    CA can be named with FORUM_MAIL_CA_FILE."""

    def configure_host(self) -> smtplib.SMTP:
        tls = ssl.create_default_context(cafile=current_app.config.get("MAIL_CA_FILE"))
        host: smtplib.SMTP
        if self.mail.use_ssl:
            host = smtplib.SMTP_SSL(
                self.mail.server, self.mail.port, timeout=SMTP_TIMEOUT, context=tls
            )
        else:
            host = smtplib.SMTP(self.mail.server, self.mail.port, timeout=SMTP_TIMEOUT)
        if self.mail.use_tls and not self.mail.use_ssl:
            host.starttls(context=tls)
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _log_letter(letter: Letter) -> None:
    log.info(
        "Mail (no FORUM_MAIL_SERVER, logged only) to %s: %s\n%s",
        letter.to,
        letter.subject,
        letter.text,
    )


# Errors after which the connection cannot be trusted for the next letter.
_BROKEN = (smtplib.SMTPServerDisconnected, OSError)


def deliver(letters: Iterable[Letter]) -> list[str | None]:
    """Send letters over one connection; per letter, None when sent or the error.

    A refused letter does not stop the others; a server that cannot be reached fails the
    rest of the run at once rather than timing out once per letter.
    """
    letters = list(letters)
    if not current_app.config.get("MAIL_SERVER"):
        for letter in letters:
            _log_letter(letter)
        return [None] * len(letters)
    outcome: list[str | None] = []
    conn: _Connection | None = None
    unreachable: str | None = None
    for letter in letters:
        if unreachable:
            outcome.append(unreachable)
            continue
        try:
            if conn is None:
                conn = _open()
            conn.send(_message(letter))
            outcome.append(None)
        except (smtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning("Mail to %s not sent: %s", letter.to, error)
            outcome.append(error)
            if conn is None:
                unreachable = error
            elif isinstance(exc, _BROKEN):
                _close(conn)
                conn = None
    if conn is not None:
        _close(conn)
    return outcome


def _open() -> _Connection:
    conn = _Connection(current_app.extensions["mail"])
    return conn.__enter__()


def _close(conn: _Connection) -> None:
    host = conn.host
    if host is None:
        return
    try:
        host.quit()
    except (smtplib.SMTPException, OSError):
        host.close()


def send_now(letter: Letter) -> None:
    """Send one letter, raising when it could not be sent (the outbox then retries it)."""
    error = deliver([letter])[0]
    if error is not None:
        raise ConnectionError(error)


# The outbox ----------------------------------------------------------------------------------


def queue_mail(to: str, subject: str, body: str) -> None:
    enqueue("mail", {"to": to, "subject": subject, "body": body})


def _deactivated(address: str) -> bool:
    """A person switched off since the mail was queued gets nothing (new hires have no
    account yet when some mail is written, so an unknown address is sent to)."""
    active = db.session.scalar(select(User.active).where(func.lower(User.email) == address.lower()))
    return active is False


# Once sent, only the address and subject stay: the body may carry a one-use link.
@handles("mail", keep=("to", "subject"))
def send_mail(payload: Payload) -> None:
    if _deactivated(payload["to"]):
        log.info("Mail to deactivated account %s dropped: %s", payload["to"], payload["subject"])
        return
    send_now(Letter(to=payload["to"], subject=payload["subject"], text=payload["body"]))
