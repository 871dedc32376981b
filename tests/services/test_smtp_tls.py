"""Mail over STARTTLS with a login, as FORUM_MAIL_USE_TLS, FORUM_MAIL_USERNAME and
FORUM_MAIL_PASSWORD say: a loopback server that refuses mail before TLS and a login."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from forum.services.reminders import send_reminders
from tests.conftest import need
from tests.factories import make_cohort, make_module
from tests.mailbox import LoopbackController, Mailbox, part

DUE = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
USER, PASSWORD = "forum-mailer", "s3cret mail password"


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    need(shutil.which("openssl") is not None, "the TLS mail test needs the openssl command")
    cert, key = folder / "smtp.pem", folder / "smtp.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture
def tls_smtp(tmp_path_factory) -> Iterator[tuple[Mailbox, Path]]:
    cert, key = _certificate(tmp_path_factory.mktemp("tls"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box = Mailbox()
    server = LoopbackController(
        box,
        hostname="127.0.0.1",
        port=0,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=_authenticate,
    )
    server.start()
    box.port = server.port
    yield box, cert
    server.stop()


@pytest.fixture
def app_config(tls_smtp, request):
    box, cert = tls_smtp
    password = getattr(request, "param", PASSWORD)
    return {
        **box.config,
        "MAIL_USE_TLS": True,
        "MAIL_USERNAME": USER,
        "MAIL_PASSWORD": password,
        "MAIL_CA_FILE": str(cert),
    }


@pytest.fixture
def overdue_learner(make_user, manager):
    learner = make_user(name="Tia Tls")
    module = make_module(actor=manager, title="Encrypted mail")
    make_cohort({learner: "learner"}, actor=manager, schedule={module.id: DUE})
    return learner


def test_mail_goes_over_starttls_after_a_login(tls_smtp, overdue_learner):
    box, _ = tls_smtp
    counts = send_reminders(DUE + timedelta(days=1))
    assert (counts.sent, counts.failed) == (1, 0)
    assert "Encrypted mail" in part(box.one_to(overdue_learner.email), "plain")


@pytest.mark.parametrize("app_config", ["wrong password"], indirect=True)
def test_a_refused_login_fails_the_letters_and_they_wait_for_the_next_run(
    tls_smtp, overdue_learner
):
    box, _ = tls_smtp
    counts = send_reminders(DUE + timedelta(days=1))
    assert (counts.reminded, counts.sent, counts.failed) == (1, 0, 1)
    assert box.messages == []


def test_a_certificate_nobody_vouches_for_is_refused(app, tls_smtp, overdue_learner):
    box, _ = tls_smtp
    app.config["MAIL_CA_FILE"] = None  # the system's CAs do not know this one
    counts = send_reminders(DUE + timedelta(days=1))
    assert (counts.sent, counts.failed) == (0, 1)
    assert box.messages == []
