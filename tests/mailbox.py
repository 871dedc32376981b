"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for mail tests."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Mailbox:
    """The server's handler: keeps each message; refuses recipients in ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"

    @property
    def config(self) -> dict:
        """App settings that send through this server."""
        return {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": False,
            "MAIL_SUPPRESS_SEND": False,
        }

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def one_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert len(found) == 1, f"{len(found)} letters to {address}"
        return found[0]


def part(message: EmailMessage, kind: str) -> str:
    """The ``plain`` or ``html`` part's text."""
    body = message.get_body(preferencelist=(kind,))
    assert body is not None and body.get_content_subtype() == kind, f"no {kind} part"
    return body.get_content()


class LoopbackController(Controller):
    """aiosmtpd's controller on an ephemeral port (it checks readiness on a fixed one)."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()
