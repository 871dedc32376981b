"""The caller's in-app notifications."""

from __future__ import annotations

from flask_login import current_user

from forum.api.common import Blueprint, envelope, signed_in
from forum.api.schemas import (
    NotificationArgs,
    NotificationSchema,
    NotificationsReadIn,
    list_of,
)
from forum.services import notifications

blp = Blueprint("api_notifications", __name__, description="Notifications")


@blp.get("/notifications")
@signed_in
@blp.arguments(NotificationArgs, location="query")
@blp.response(200, list_of(NotificationSchema))
def list_notifications(args):
    """Newest first; ``actor`` is null when they wrote anonymously and you may not know."""
    return envelope(notifications.list_notifications(current_user, **args))


@blp.post("/notifications/read")
@signed_in
@blp.arguments(NotificationsReadIn)
@blp.response(204)
def mark_read(data):
    """Mark these (``ids``) or ``all`` of the caller's notifications read."""
    notifications.mark_read(current_user, ids=data.get("ids"), everything=data.get("all_", False))
