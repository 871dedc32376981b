"""What the answer archive learns from its readers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import Model
from forum.models.base import UTCDateTime, utcnow


class SimilarOpen(Model):
    """Someone about to ask in a module opened an earlier answered question shown to them
    as similar. If they post no question in that module soon after, it answered them."""

    __tablename__ = "similar_opens"
    __table_args__ = (Index("ix_similar_opens_module_created", "module_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
