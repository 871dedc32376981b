"""Sockets for the ``/live`` namespace: Flask-SocketIO's test client, signed in with the
Flask client's session cookie (through the real /login form) or with an API token."""

from __future__ import annotations

import pytest

from forum.extensions import socketio
from forum.services import accounts
from tests import factories

NS = "/live"


class LiveClient:
    """One socket: ``ask(event, data)`` returns the acknowledgement; ``events(name)`` what
    the room sent since the last look.

    Each event runs in an app context of its own, as on a server: the test's own context
    (and its database snapshot) is not shared with the handlers.
    """

    def __init__(self, app, client, user=None):
        self.app = app
        self.client = client
        self.user = user
        self._seen: list[dict] = []

    @property
    def connected(self) -> bool:
        return self.client.is_connected(NS)

    def ask(self, event: str, *args):
        with self.app.app_context():
            return self.client.emit(event, *args, namespace=NS, callback=True)

    def disconnect(self) -> None:
        with self.app.app_context():
            self.client.disconnect(namespace=NS)

    def join(self, office_hour_id: int, **extra) -> dict:
        ack = self.ask("join", {"office_hour_id": office_hour_id, **extra})
        assert ack["ok"], ack
        return ack

    def events(self, name: str | None = None) -> list:
        self._seen += self.client.get_received(NS)
        picked = [e for e in self._seen if name is None or e["name"] == name]
        self._seen = [e for e in self._seen if e not in picked]
        return [e["args"][0] for e in picked]


@pytest.fixture
def live(app, login):
    """``live(user)``: a socket signed in by the browser's cookie; ``live(user,
    token=True)``: by an API token; ``live(None)``: nobody."""
    clients = []

    def connect(user=None, *, token=False, page_client=None, auth=None) -> LiveClient:
        if token:
            auth = {"token": token if isinstance(token, str) else accounts.issue_token(user).token}
        flask_client = page_client or (login(user) if user is not None and not token else None)
        with app.app_context():
            c = socketio.test_client(app, namespace=NS, auth=auth, flask_test_client=flask_client)
        clients.append(LiveClient(app, c, user))
        return clients[-1]

    yield connect
    for sock in clients:
        if sock.connected:
            sock.disconnect()


@pytest.fixture
def room(manager) -> int:
    return factories.open_office_hour(manager)
