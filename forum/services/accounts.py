"""People and signing in: users, passwords, API tokens, invitations and password resets."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from forum.database import write_transaction
from forum.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from forum.extensions import db
from forum.models import ROLES, AccountLink, ApiToken, User, utcnow
from forum.services import permissions, validation
from forum.services.mailer import queue_mail
from forum.services.pagination import Page, paginate

# A real hash to check against when the e-mail is unknown, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def _hash(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_user(user_id: int) -> User | None:
    return db.session.get(User, user_id)


def find_user_by_email(address: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == address.lower()))


def _free_handle(name: str) -> str:
    """A unique @handle from the name: "Ada Lovelace" -> "ada.lovelace", then "ada.lovelace2"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = ".".join(re.findall(r"[a-z0-9]+", ascii_name))[:36].strip(".") or "user"
    taken = set(db.session.scalars(select(User.handle).where(User.handle.like(f"{base}%"))))
    handle, n = base, 2
    while handle in taken:
        handle, n = f"{base}{n}", n + 1
    return handle


def users_by_handles(handles: set[str]) -> dict[str, User]:
    """Active people by @handle (lower case), for mentions."""
    if not handles:
        return {}
    rows = db.session.scalars(
        select(User).where(User.handle.in_(sorted(handles)[:50]), User.active.is_(True))
    )
    return {u.handle: u for u in rows}


def _email_taken(address: str) -> bool:
    return find_user_by_email(address) is not None


# Creating and changing people ------------------------------------------------------------


@dataclass
class NewUser:
    user: User
    invite_url: str | None


def create_user(
    actor: User | None,
    *,
    email: str,
    name: str,
    role: str = "member",
    password: str | None = None,
    send_invite: bool = True,
) -> NewUser:
    """Add a person. Without a password they get a one-use invitation link."""
    role = validation.choice("role", role, ROLES)
    if actor is not None and not permissions.can_create_user(actor, role):
        raise Forbidden("Managers add members; only admins add managers and admins.")
    address = validation.email(email)
    name = validation.text("name", name, max_len=validation.NAME_MAX)
    secret = validation.password(password) if password is not None else None
    with write_transaction() as session:
        if _email_taken(address):
            raise Conflict(f"A user with the e-mail {address} already exists.", {"email": "taken"})
        user = User(email=address, name=name, role=role, handle=_free_handle(name))
        if secret:
            user.password_hash = _hash(secret)
        session.add(user)
        try:
            session.flush()
        except IntegrityError as exc:  # a concurrent insert of the same address
            raise Conflict(f"A user with the e-mail {address} already exists.") from exc
        invite_url = None
        if secret is None:
            invite_url = _new_link(user, "invite", actor)
            if send_invite:
                _mail_invitation(user, actor, invite_url)
    return NewUser(user=user, invite_url=invite_url)


def list_users(actor: User, page: int = 1, per_page: int = 20) -> Page[User]:
    if not permissions.can_list_users(actor):
        raise Forbidden("Only managers and admins see the list of people.")
    return paginate(select(User).order_by(User.name, User.id), page, per_page)


def update_user(
    actor: User,
    user_id: int,
    *,
    name: str | None = None,
    role: str | None = None,
    active: bool | None = None,
) -> User:
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is None or not permissions.can_list_users(actor):
            raise NotFound("No such user.")
        if role is not None:
            role = validation.choice("role", role, ROLES)
        if not permissions.can_edit_user(actor, user, role):
            raise Forbidden("Managers may change members only, and may not promote them.")
        if user.id == actor.id and (active is False or (role and role != user.role)):
            raise Invalid("You cannot deactivate yourself or change your own role.")
        if name is not None:
            user.name = validation.text("name", name, max_len=validation.NAME_MAX)
        if role is not None:
            user.role = role
        if active is not None and active != user.active:
            user.active = active
            if not active:
                _sign_out_everywhere(user)
    return user


def _sign_out_everywhere(user: User) -> None:
    """End every session (their cookie carries the old version) and revoke every token."""
    user.session_version += 1
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


# Passwords and tokens --------------------------------------------------------------------


def authenticate(email: str, password: str) -> User:
    """The active user with these credentials, or Unauthorized."""
    if not isinstance(email, str) or not isinstance(password, str):
        raise Unauthorized("Wrong e-mail or password.")
    # PostgreSQL refuses NUL in a query parameter: such an address matches nobody.
    plausible = len(email) <= validation.EMAIL_MAX and "\x00" not in email
    user = find_user_by_email(email.strip()) if plausible else None
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    ok = len(password) <= validation.PASSWORD_MAX and check_password_hash(stored, password)
    if not ok or user is None or not user.password_hash:
        raise Unauthorized("Wrong e-mail or password.")
    if not user.active:
        raise Unauthorized("This account has been deactivated.")
    return user


def issue_token(user: User) -> str:
    token = secrets.token_urlsafe(32)
    with write_transaction() as session:
        session.add(ApiToken(user_id=user.id, token_hash=_digest(token)))
    return token


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or not row.user.active:
        return None
    return row.user


def revoke_token(token: str) -> None:
    with write_transaction():
        db.session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))


# Every signed-in request runs it: built once (building costs more than running it).
_USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


def session_user(session_id: str) -> User | None:
    """Flask-Login's loader: ``"<id>:<version>"``; an old version means signed out."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit() or len(user_id) > 12:
        return None
    user = db.session.scalar(_USER_BY_ID, {"user_id": int(user_id)})
    if (
        user is None
        or not user.active
        or not hmac.compare_digest(str(user.session_version), version)
    ):
        return None
    return user


# Invitations and password resets -----------------------------------------------------------


def _ttl(purpose: str) -> timedelta:
    cfg = current_app.config
    if purpose == "invite":
        return timedelta(days=cfg["INVITE_TTL_DAYS"])
    return timedelta(hours=cfg["RESET_TTL_HOURS"])


def _link_url(purpose: str, token: str) -> str:
    endpoint = "auth.accept_invite" if purpose == "invite" else "auth.reset_password"
    # Built from the URL map, not url_for, so it works outside a request (CLI, workers).
    path = current_app.url_map.bind("localhost").build(endpoint, {"token": token})
    return f"{current_app.config['BASE_URL']}{path}"


def _new_link(user: User, purpose: str, actor: User | None) -> str:
    """A fresh one-use link; older unused links of the same purpose stop working."""
    now = utcnow()
    db.session.execute(
        delete(AccountLink).where(
            AccountLink.user_id == user.id,
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=_digest(token),
            created_by_id=actor.id if actor else None,
            created_at=now,
            expires_at=now + _ttl(purpose),
        )
    )
    return _link_url(purpose, token)


def _mail_invitation(user: User, actor: User | None, url: str) -> None:
    inviter = actor.name if actor else "Your team"
    days = current_app.config["INVITE_TTL_DAYS"]
    queue_mail(
        user.email,
        "You're invited to the learning forum",
        f"Hello {user.name},\n\n{inviter} has invited you to the team's learning forum.\n"
        f"Set your password here (the link works once and expires in {days} days):\n\n"
        f"{url}\n",
    )


def reinvite(actor: User, user_id: int) -> str:
    """A new invitation link for someone who has not set a password yet."""
    with write_transaction():
        user = db.session.get(User, user_id)
        if user is None or not permissions.can_list_users(actor):
            raise NotFound("No such user.")
        if not permissions.can_edit_user(actor, user):
            raise Forbidden("Managers may invite members only.")
        if user.password_hash:
            raise Conflict("This person has already set a password.")
        url = _new_link(user, "invite", actor)
        _mail_invitation(user, actor, url)
    return url


def check_link(purpose: str, token: str) -> AccountLink:
    """The link behind a token, or Invalid saying why it does not work."""
    row = None
    if isinstance(token, str) and 0 < len(token) <= 200:
        row = db.session.scalar(
            select(AccountLink).where(
                AccountLink.token_hash == _digest(token), AccountLink.purpose == purpose
            )
        )
    what = "invitation" if purpose == "invite" else "password reset link"
    if row is None:
        raise Invalid(f"This {what} is not valid. Ask for a new one.")
    if row.used_at is not None:
        raise Invalid(f"This {what} has already been used. Ask for a new one.")
    if row.expires_at <= utcnow():
        raise Invalid(f"This {what} has expired. Ask for a new one.")
    if not row.user.active:
        raise Invalid("This account has been deactivated.")
    return row


def _use_link(purpose: str, token: str, new_password: str) -> User:
    secret = validation.password(new_password)
    with write_transaction():
        link = check_link(purpose, token)
        link.used_at = utcnow()
        user = link.user
        user.password_hash = _hash(secret)
        _sign_out_everywhere(user)
    return user


def accept_invite(token: str, new_password: str) -> User:
    return _use_link("invite", token, new_password)


def reset_password(token: str, new_password: str) -> User:
    return _use_link("reset", token, new_password)


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address belongs to an active user; say nothing either way."""
    try:
        address = validation.email(email)
    except Invalid:
        return
    with write_transaction():
        user = find_user_by_email(address)
        if user is None or not user.active:
            return
        url = _new_link(user, "reset", None)
        hours = current_app.config["RESET_TTL_HOURS"]
        queue_mail(
            user.email,
            "Reset your password",
            f"Hello {user.name},\n\nSomeone asked to reset the password of your account. "
            f"If it was you, choose a new one here (the link works once and expires in "
            f"{hours} hours):\n\n{url}\n\nIf it was not you, ignore this message.\n",
        )
