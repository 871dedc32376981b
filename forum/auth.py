"""How a request is signed in: the session cookie (pages) or a bearer token (API clients)."""

from __future__ import annotations

from flask import (
    Flask,
    Response,
    after_this_request,
    current_app,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from forum.errors import Unauthorized, wants_json
from forum.extensions import login_manager
from forum.models import User
from forum.services import accounts, signin

DEVICE_COOKIE = "forum_device"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def signed_in_by_bearer() -> bool:
    return g.get("auth_via") == "bearer"


def _new_csrf_token() -> None:
    """Forget the form token of the session before: a token seen before signing in (or by
    the person signed in before) does not work after."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def check_credentials(email: object, password: object) -> User:
    """The person these credentials sign in, within the sign-in limits
    (``forum.services.signin``); the client is remembered as one of theirs (a device
    cookie), so a flood of failures elsewhere never stops it."""
    device = signin.read_device(request.cookies.get(DEVICE_COOKIE))
    user = signin.sign_in(email, password, address=request.remote_addr or "", device=device)
    cookie = signin.device_cookie(user, device)

    @after_this_request
    def remember_device(response: Response) -> Response:
        response.set_cookie(
            DEVICE_COOKIE,
            cookie,
            max_age=signin.device_max_age(),
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
        return response

    return user


def request_reset(email: str) -> None:
    signin.request_password_reset(email, address=request.remote_addr or "")


def sign_in(user: User) -> None:
    """Start a server-side session for this browser and put its key in the cookie."""
    accounts.start_session(user, request.user_agent.string)
    login_user(user)
    _new_csrf_token()


def current_session_key() -> str | None:
    """The key of the browser session signing this request in (None for a bearer token)."""
    if not current_user.is_authenticated or signed_in_by_bearer():
        return None
    return current_user.session_key


def sign_out() -> None:
    """End this browser's session on the server, so a copied cookie is dead too."""
    accounts.end_session(current_session_key())
    logout_user()
    _new_csrf_token()


def register_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_from_session(session_id: str) -> User | None:
        if bearer_token() is not None:
            return None  # an explicit token wins over a cookie the client happens to hold
        return accounts.session_user(session_id)

    @login_manager.request_loader
    def load_from_bearer(_request) -> User | None:
        token = bearer_token()
        if token is None:
            return None
        user = accounts.user_for_token(token)
        if user is not None:
            g.auth_via = "bearer"
        return user

    @login_manager.unauthorized_handler
    def unauthorized():
        if wants_json():
            raise Unauthorized("Sign in first: send a bearer token or a session cookie.")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
