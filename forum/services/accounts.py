"""People and signing in: users, passwords, API tokens, invitations and password resets."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import available_timezones

from flask import current_app
from sqlalchemy import bindparam, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from forum.background import Payload, enqueue, handles
from forum.database import rowcount, write_transaction
from forum.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from forum.extensions import db
from forum.models import NOTIFY_EMAIL, ROLES, AccountLink, ApiToken, User, UserSession, utcnow
from forum.services import permissions, validation
from forum.services.mailer import external_url, queue_mail
from forum.services.pagination import Page, paginate

# A real hash to check against when the e-mail is unknown, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
WRONG_CREDENTIALS = "Wrong e-mail or password."
LABEL_MAX = 120
# A token's last use is written at most this often: no write per API request.
LAST_USE_EVERY = timedelta(minutes=1)


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
    return {u.handle: u for u in rows if u.handle is not None}


def name_lookalikes() -> dict[str, int]:
    """For each look of a name (``User.name_key``) that more than one person has, how many
    of them are active; ``needs_handle`` reads it. One query, whatever the page shows."""
    active = func.sum(case((User.active.is_(True), 1), else_=0))
    rows = db.session.execute(
        select(User.name_key, active).group_by(User.name_key).having(func.count() > 1)
    )
    return {key: int(count or 0) for key, count in rows}


def needs_handle(user: User, lookalikes: dict[str, int]) -> bool:
    """Whether another active person's name reads like this person's, so that the @handle
    must stand beside it to tell them apart."""
    others_active = lookalikes.get(user.name_key, 0) - (1 if user.active else 0)
    return bool(user.handle) and others_active > 0


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
    name = validation.person_name(name)
    secret = validation.password(password) if password is not None else None
    with write_transaction() as session:
        if _email_taken(address):
            raise Conflict(f"A user with the e-mail {address} already exists.", {"email": "taken"})
        user = User(
            email=address,
            name=name,
            name_key=validation.name_key(name),
            role=role,
            handle=_free_handle(name),
        )
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
            user.name = validation.person_name(name)
            user.name_key = validation.name_key(user.name)
        if role is not None:
            user.role = role
        if active is not None and active != user.active:
            user.active = active
            if not active:
                _sign_out_everywhere(user)
    return user


def _sign_out_everywhere(
    user: User, *, keep_session: str | None = None, keep_token: str | None = None
) -> None:
    """End every session and revoke every token, but the one the person is using, if named."""
    sessions = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_session:
        sessions = sessions.where(UserSession.key_hash != _digest(keep_session))
    tokens = delete(ApiToken).where(ApiToken.user_id == user.id)
    if keep_token:
        tokens = tokens.where(ApiToken.token_hash != _digest(keep_token))
    db.session.execute(sessions)
    db.session.execute(tokens)


def _set_password(user: User, secret: str, **keep: str | None) -> None:
    """The one way a password is set: every unused link and every other sign-in ends."""
    user.password_hash = _hash(secret)
    db.session.execute(
        delete(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None))
    )
    _sign_out_everywhere(user, **keep)


# Passwords and tokens --------------------------------------------------------------------


def authenticate(email: object, password: object) -> User:
    """The active user with these credentials, or Unauthorized."""
    if not isinstance(email, str) or not isinstance(password, str):
        raise Unauthorized(WRONG_CREDENTIALS)
    # PostgreSQL refuses NUL in a query parameter: such an address matches nobody.
    plausible = len(email) <= validation.EMAIL_MAX and "\x00" not in email
    user = find_user_by_email(email.strip()) if plausible else None
    stored = user.password_hash if user and user.password_hash else _DUMMY_HASH
    ok = len(password) <= validation.PASSWORD_MAX and check_password_hash(stored, password)
    # A deactivated account answers as a wrong password does: nothing tells them apart.
    if not ok or user is None or not user.password_hash or not user.active:
        raise Unauthorized(WRONG_CREDENTIALS)
    return user


def _label(text: str | None) -> str:
    """Printable and short."""
    return "".join(ch for ch in (text or "") if ch.isprintable()).strip()[:LABEL_MAX]


def client_label(user_agent: str | None) -> str:
    """A name a person can tell apart from a client's User-Agent: "Firefox on Windows",
    "curl"; the header itself when it names nothing known."""
    text = _label(user_agent)
    if not text or user_agent is None:
        return ""
    from ua_parser import parse  # its rules take a moment to load: only when needed

    found = parse(user_agent[:1000])
    browser = found.user_agent.family if found.user_agent else None
    system = found.os.family if found.os else None
    if browser and system:
        return _label(f"{browser} on {system}")
    return _label(browser) or text


@dataclass
class NewToken:
    token: str  # shown once; only its hash is kept
    expires_at: datetime


def issue_token(user: User, label: str | None = None) -> NewToken:
    """A bearer token, named by ``label`` (see ``client_label``). A person keeps at most
    ``API_TOKENS_MAX``: the oldest go first."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = now + timedelta(days=current_app.config["API_TOKEN_TTL_DAYS"])
    keep = current_app.config["API_TOKENS_MAX"] - 1
    with write_transaction() as session:
        mine = (ApiToken.user_id == user.id,)
        session.execute(delete(ApiToken).where(*mine, ApiToken.expires_at <= now))
        newest = select(ApiToken.id).where(*mine).order_by(ApiToken.id.desc()).limit(keep)
        session.execute(delete(ApiToken).where(*mine, ApiToken.id.not_in(newest)))
        session.add(
            ApiToken(
                user_id=user.id,
                token_hash=_digest(token),
                label=_label(label),
                created_at=now,
                expires_at=expires_at,
            )
        )
    return NewToken(token=token, expires_at=expires_at)


_TOKEN_ROW = (
    select(ApiToken, User)
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.expires_at > bindparam("now"))
)


def user_for_token(token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    now = utcnow()
    row = db.session.execute(_TOKEN_ROW, {"token_hash": _digest(token), "now": now}).first()
    if row is None:
        return None
    api_token, user = row
    if not user.active:
        return None
    last = api_token.last_used_at
    if last is None or now - last >= LAST_USE_EVERY:
        with write_transaction() as session:
            session.execute(
                update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now)
            )
    return user


def revoke_token(token: str) -> None:
    with write_transaction():
        db.session.execute(delete(ApiToken).where(ApiToken.token_hash == _digest(token)))


def list_tokens(user: User) -> list[ApiToken]:
    """The person's live tokens, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.expires_at > utcnow())
            .order_by(ApiToken.id.desc())
        )
    )


def revoke_token_by_id(user: User, token_id: int) -> None:
    """Revoke one of the person's own tokens; anyone else's does not exist for them."""
    with write_transaction() as session:
        gone = session.execute(
            delete(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
        )
        if rowcount(gone) == 0:
            raise NotFound("No such token.")


# Browser sessions ------------------------------------------------------------------------


def start_session(user: User, user_agent: str | None = None) -> str:
    """A server-side session for a browser that signed in; its key goes into the cookie."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    with write_transaction() as session:
        session.execute(
            delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at <= now)
        )
        session.add(
            UserSession(
                user_id=user.id,
                key_hash=_digest(key),
                label=client_label(user_agent),
                created_at=now,
                expires_at=now + current_app.permanent_session_lifetime,
            )
        )
    user.session_key = key
    return key


def end_session(key: str | None) -> None:
    """Sign one browser out on the server: every copy of its cookie stops working."""
    if not key:
        return
    with write_transaction() as session:
        session.execute(delete(UserSession).where(UserSession.key_hash == _digest(key)))


def end_other_sessions(user: User, keep_session: str | None) -> int:
    """Sign out every other browser of this person; returns how many were ended."""
    with write_transaction() as session:
        stmt = delete(UserSession).where(UserSession.user_id == user.id)
        if keep_session:
            stmt = stmt.where(UserSession.key_hash != _digest(keep_session))
        return rowcount(session.execute(stmt))


@dataclass
class SessionInfo:
    label: str
    created_at: datetime
    current: bool


def list_sessions(user: User, current_key: str | None) -> list[SessionInfo]:
    current = _digest(current_key) if current_key else None
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.expires_at > utcnow())
        .order_by(UserSession.id.desc())
    )
    return [SessionInfo(r.label, r.created_at, r.key_hash == current) for r in rows]


# Every signed-in request runs it: built once (building costs more than running it).
_USER_BY_SESSION = (
    select(User)
    .join(UserSession, UserSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        UserSession.key_hash == bindparam("key_hash"),
        UserSession.expires_at > bindparam("now"),
    )
)


def session_user(session_id: str) -> User | None:
    """Flask-Login's loader: ``"<user id>:<session key>"``, live only while its row is."""
    user_id, _, key = session_id.partition(":")
    if not user_id.isdigit() or len(user_id) > 12 or not 20 <= len(key) <= 100:
        return None
    params = {"user_id": int(user_id), "key_hash": _digest(key), "now": utcnow()}
    user: User | None = db.session.scalar(_USER_BY_SESSION, params)
    if user is None or not user.active:
        return None
    user.session_key = key
    return user


def still_signed_in(secrets_in_use: set[str]) -> set[str]:
    """Which of these session keys and API tokens still sign in an active person (for live
    sockets, checked in bulk: two queries however many)."""
    if not secrets_in_use:
        return set()
    by_digest = {_digest(s): s for s in secrets_in_use}
    now = utcnow()
    active = select(User.id).where(User.active.is_(True))
    sessions = select(UserSession.key_hash).where(
        UserSession.key_hash.in_(by_digest),
        UserSession.expires_at > now,
        UserSession.user_id.in_(active),
    )
    tokens = select(ApiToken.token_hash).where(
        ApiToken.token_hash.in_(by_digest),
        ApiToken.expires_at > now,
        ApiToken.user_id.in_(active),
    )
    found = set(db.session.scalars(sessions)) | set(db.session.scalars(tokens))
    return {by_digest[d] for d in found}


# The person's own account ------------------------------------------------------------------


def change_password(
    user: User,
    current_password: str,
    new_password: str,
    *,
    keep_session: str | None = None,
    keep_token: str | None = None,
) -> None:
    """Change one's own password; every other session and token ends."""
    if not isinstance(current_password, str) or not check_password_hash(
        user.password_hash or _DUMMY_HASH, current_password[: validation.PASSWORD_MAX + 1]
    ):
        raise Invalid.field("current_password", "is not your current password")
    secret = validation.password(new_password)
    with write_transaction():
        person = db.session.get_one(User, user.id)
        _set_password(person, secret, keep_session=keep_session, keep_token=keep_token)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def update_settings(
    user: User,
    *,
    timezone: str | None = None,
    notify_email: str | None = None,
    reminder_email: bool | None = None,
) -> User:
    """The person's own choices: time zone ("" for the site's), notification and reminder
    e-mail."""
    if timezone and timezone not in _zones():
        raise Invalid.field("timezone", "must be an IANA time zone such as Europe/Berlin")
    if notify_email is not None:
        notify_email = validation.choice("notify_email", notify_email, NOTIFY_EMAIL)
    with write_transaction():
        person = db.session.get_one(User, user.id)
        if timezone is not None:
            person.timezone = timezone or None
        if notify_email is not None:
            person.notify_email = notify_email
        if reminder_email is not None:
            person.reminder_email = reminder_email
    return person


# Invitations and password resets -----------------------------------------------------------


def _ttl(purpose: str) -> timedelta:
    cfg = current_app.config
    if purpose == "invite":
        return timedelta(days=cfg["INVITE_TTL_DAYS"])
    return timedelta(hours=cfg["RESET_TTL_HOURS"])


def _link_url(purpose: str, token: str) -> str:
    endpoint = "auth.accept_invite" if purpose == "invite" else "auth.reset_password"
    return external_url(endpoint, token=token)


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
        if not user.active:
            raise Conflict("This account is deactivated: reactivate it first.")
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
    if purpose == "invite" and row.user.password_hash:
        # Setting a password by any route ends every link; this also covers links made
        # before that rule, so an old invitation can never take over an account.
        raise Invalid("This invitation is no longer needed: the account has a password.")
    return row


def _use_link(purpose: str, token: str, new_password: str) -> User:
    secret = validation.password(new_password)
    with write_transaction():
        link = check_link(purpose, token)
        link.used_at = utcnow()
        user = link.user
        _set_password(user, secret)
    return user


def accept_invite(token: str, new_password: str) -> User:
    return _use_link("invite", token, new_password)


def reset_password(token: str, new_password: str) -> User:
    return _use_link("reset", token, new_password)


def queue_password_reset(email: str) -> None:
    """Queue a reset for this address, whether or not it has an account: the request does
    the same work (one outbox job) either way, so its time tells nothing. The worker looks
    the person up (``_send_password_reset``)."""
    try:
        address = validation.email(email)
    except Invalid:
        address = None
    with write_transaction():
        enqueue("password_reset", {"email": address})


# The address someone typed is forgotten once the job is done.
@handles("password_reset", keep=())
def _send_password_reset(payload: Payload) -> None:
    """Mail a reset link if the address belongs to an active user; nothing otherwise."""
    address = payload.get("email")
    with write_transaction():
        user = find_user_by_email(address) if isinstance(address, str) else None
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
