"""Who is on the other end of a socket: refused at connect unless signed in, and checked
again, with one indexed query, before every event.

A socket is signed in the way a request is: by the browser's session cookie (the
server-side session in ``forum.auth``) or by an API token sent in ``auth: {token}``. What
signed it in is kept for the socket's life, so that signing out, an expired or revoked
token and deactivation end the socket at its next event (and at the next sweep, for a
socket that stays quiet).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import session

from forum.models import User
from forum.services import accounts


@dataclass(frozen=True)
class Credential:
    """What signed a socket in: ``kind`` is ``session`` (the cookie's key) or ``token``."""

    kind: str
    secret: str
    user_id: int

    def user(self) -> User | None:
        """The active user this still signs in, or None once it has ended."""
        if self.kind == "session":
            user = accounts.session_user(f"{self.user_id}:{self.secret}")
        else:
            user = accounts.user_for_token(self.secret)
        return user if user is not None and user.id == self.user_id else None


def credential_at_connect(auth: Any) -> Credential | None:
    """The credential of a connecting socket: an explicit token wins over a cookie."""
    if isinstance(auth, dict) and "token" in auth:
        token = auth["token"]
        user = accounts.user_for_token(token) if isinstance(token, str) else None
        return Credential("token", token, user.id) if user else None
    # Flask-Login keeps "<user id>:<session key>" in the signed cookie session.
    session_id = session.get("_user_id")
    if not isinstance(session_id, str):
        return None
    user = accounts.session_user(session_id)
    if user is None or user.session_key is None:  # (session_user always notes the key)
        return None
    return Credential("session", user.session_key, user.id)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _forwarded(environ: dict, header: str, proxies: int) -> str | None:
    """The value the outermost of ``proxies`` trusted proxies set (as ProxyFix reads it)."""
    values = [v.strip() for v in environ.get(header, "").split(",") if v.strip()]
    return values[-proxies] if len(values) >= proxies else None


def _request_origins(environ: dict, proxies: int) -> set[str]:
    """The page's own origin as the browser saw it: the request's scheme and host, and
    behind trusted proxies (FORUM_PROXIES) the forwarded ones."""
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST", "")
    origins = {f"{scheme}://{host}".lower()} if host else set()
    if proxies:
        fwd_scheme = _forwarded(environ, "HTTP_X_FORWARDED_PROTO", proxies) or scheme
        fwd_host = _forwarded(environ, "HTTP_X_FORWARDED_HOST", proxies) or host
        origins.add(f"{fwd_scheme}://{fwd_host}".lower())
    return origins


def make_origin_check(app) -> Any:
    """Engine.IO's ``cors_allowed_origins`` as a function: the configured public address
    (FORUM_BASE_URL) and the request's own host; never any origin at all. A client that
    sends no Origin (not a browser) is not asked."""
    public = _origin(app.config["BASE_URL"])
    proxies = app.config.get("PROXIES") or 0

    def allowed(origin: str | None, environ: dict | None = None) -> bool:
        if not origin:
            return True
        origin = origin.lower()
        if origin == public:
            return True
        return environ is not None and origin in _request_origins(environ, proxies)

    return allowed
