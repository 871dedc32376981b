"""Security headers on every response, and a strict Content-Security-Policy on every page.

Pages carry no inline script, no inline style and no event-handler attributes: scripts and
styles are files in ``static/`` (a post's table alignment is a class, see markdown.py), so
the policy allows the site's own files and nothing else. Posts show images as links, so
``img-src`` is the site's own (the favicon) too.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request

HSTS_SECONDS = 365 * 24 * 3600
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "browsing-topics",
    )
)


def _websocket_origin(scheme: str, host: str) -> str:
    return f"{'wss' if scheme == 'https' else 'ws'}://{host}"


def content_security_policy(base_url: str) -> str:
    """The policy for pages of a site served at ``base_url``.

    ``connect-src`` names the websocket origins (live rooms) besides ``'self'``: browsers
    before CSP 3 do not count ws:// as ``'self'``. The request's own host is allowed too,
    as Socket.IO accepts it (API.md: "this origin and the request's own").
    """
    base = urlsplit(base_url)
    sockets = {_websocket_origin(base.scheme, base.netloc)}
    if request:
        sockets.add(_websocket_origin(request.scheme, request.host))
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self'",
        "font-src": "'self'",
        "connect-src": " ".join(["'self'", *sorted(sockets)]),
        "object-src": "'none'",
        "frame-src": "'none'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def register_headers(app: Flask) -> None:
    https = urlsplit(app.config["BASE_URL"]).scheme == "https"
    if https:  # a site served over https sends its cookies over https only
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if response.mimetype == "text/html":
            headers.setdefault(
                "Content-Security-Policy", content_security_policy(app.config["BASE_URL"])
            )
        if https:
            headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
        return response
