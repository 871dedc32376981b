"""People, their API tokens, and one-use account links (invitations and password resets)."""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models.base import UTCDateTime, utcnow

ROLES = ("admin", "manager", "member")
NOTIFY_EMAIL = ("immediate", "daily", "off")


class User(UserMixin, Model):  # type: ignore[misc]  # flask_login ships no types
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'manager', 'member')", name="role"),
        CheckConstraint("notify_email IN ('immediate', 'daily', 'off')", name="notify_email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # What people type to @mention someone; made from the name, unique.
    handle: Mapped[str | None] = mapped_column(String(40), unique=True)
    # The name as it looks (validation.name_key): people whose keys match read alike, and
    # are told apart by their @handle wherever others see their names.
    name_key: Mapped[str] = mapped_column(String(400), default="", index=True)
    # None until an invited person sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="member")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The person's own settings: None means the site's FORUM_TIMEZONE.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The discussion's notifications by e-mail: at once, in a daily digest, or not at all.
    notify_email: Mapped[str] = mapped_column(String(16), default="daily")
    reminder_email: Mapped[bool] = mapped_column(Boolean, default=True)
    # The day, in the person's zone, of their last daily digest: one a day at most.
    digest_day: Mapped[date | None] = mapped_column(Date)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # The key of the signed-in session this object was loaded for (not stored: the
    # database keeps only its hash, in ``UserSession``). Typed by a cast: an annotation would
    # read to SQLAlchemy as a column.
    session_key = cast("str | None", None)

    # Flask-Login keeps this in the cookie: the user and the server-side session, so that
    # deleting the session's row signs that cookie (and every copy of it) out.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_key}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_manager(self) -> bool:
        """Managers and admins: wherever the contract names managers, admins may act too."""
        return self.role in ("admin", "manager")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class ApiToken(Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What asked for it (the client's User-Agent), so its owner can tell tokens apart.
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Written at most once a minute, so a busy client costs no write per request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")


class UserSession(Model):
    """A signed-in browser. The cookie carries its key; signing out deletes the row."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the key: a copy of the database signs nobody in.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AccountLink(Model):
    """A one-use link e-mailed or handed to a person: an invitation or a password reset."""

    __tablename__ = "account_links"
    __table_args__ = (CheckConstraint("purpose IN ('invite', 'reset')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
