"""Office hours: live sessions with a chat, a raise-hand queue and a kept transcript."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models.base import UTCDateTime, utcnow
from forum.models.cohorts import Cohort
from forum.models.modules import Module
from forum.models.users import User

OFFICE_HOUR_STATUSES = ("scheduled", "live", "ended")
QUESTION_STATUSES = ("queued", "taken", "resolved")


class OfficeHour(Model):
    """A session for a cohort and/or a module, or for everyone when it names neither.

    The cohort and module are deleted with the session (CASCADE), never set to NULL: a
    cohort's session that lost its cohort would open to everyone.
    """

    __tablename__ = "office_hours"
    __table_args__ = (
        CheckConstraint("status IN ('scheduled', 'live', 'ended')", name="status"),
        CheckConstraint("ends_at > starts_at", name="times"),
        Index("ix_office_hours_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    host_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Cancelled sessions are kept (notifications point at them) but exist for nobody.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the 15-minute ``office_hour_soon`` notice went out for the current start time
    # (a reschedule clears it, so the new time gets its own notice).
    soon_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    host: Mapped[User | None] = relationship(foreign_keys=[host_id])
    cohort: Mapped[Cohort | None] = relationship()
    module: Mapped[Module | None] = relationship()


class OfficeHourMessage(Model):
    """A chat message. A deleted one keeps its row (ids stay monotonic for ``since_id``)
    but loses its text and leaves the transcript."""

    __tablename__ = "office_hour_messages"
    __table_args__ = (Index("ix_office_hour_messages_session_id", "office_hour_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_hour_id: Mapped[int] = mapped_column(ForeignKey("office_hours.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)  # Markdown, as written
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitized once
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deleted: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class OfficeHourQuestion(Model):
    """A raised hand: queued, then taken by the host, then resolved; maybe archived as a
    question thread afterwards."""

    __tablename__ = "office_hour_questions"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'taken', 'resolved')", name="status"),
        Index("ix_office_hour_questions_session_id", "office_hour_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office_hour_id: Mapped[int] = mapped_column(ForeignKey("office_hours.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("threads.id", ondelete="SET NULL"), index=True
    )

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class OfficeHourRemoval(Model):
    """Someone the host removed from a session: they may not join it again while it runs."""

    __tablename__ = "office_hour_removals"
    __table_args__ = (UniqueConstraint("office_hour_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_hour_id: Mapped[int] = mapped_column(ForeignKey("office_hours.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
