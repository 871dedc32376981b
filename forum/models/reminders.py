"""Reminders sent to learners about scheduled modules: one row per reminder, so none is sent
twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models.base import UTCDateTime, utcnow
from forum.models.modules import Module
from forum.models.users import User

REMINDER_KINDS = ("due_soon", "overdue")


class Reminder(Model):
    """One reminder to one learner about one module and one due date.

    ``step`` counts the overdue reminders of that due date (0 a day after it, 1 a week
    later…); due_soon has only step 0. The unique key makes a second run, or two runs at
    once, insert nothing twice; a moved due date is a new key, so it reminds afresh.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "due_at", "kind", "step"),
        CheckConstraint("kind IN ('due_soon', 'overdue')", name="kind"),
        Index("ix_reminders_mail_pending", "emailed_at", "email_wanted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(16))
    step: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Mail: wanted unless the person keeps reminders in-app only; a failed letter is tried
    # again on the next run (a run claims what it sends, so two runs never both send it).
    email_wanted: Mapped[bool] = mapped_column(default=True)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()
    module: Mapped[Module] = relationship()
