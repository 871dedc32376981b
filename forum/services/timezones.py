"""Time zones: everything is stored in UTC and shown in the reader's zone.

A person's zone is their own setting (``User.timezone``), else the site's
``FORUM_TIMEZONE``. A day typed on a page (a due date) means the end of that day in the
site's zone, so that "due 31 March" is the same moment for the whole company; the API keeps
its own rule (a date alone is the end of that day in UTC).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from forum.models import User
from forum.services.validation import parse_when

log = logging.getLogger(__name__)

END_OF_DAY = time(23, 59, 59)


@lru_cache(maxsize=256)
def zone(name: str | None) -> ZoneInfo:
    """The named zone; UTC for no name, or for a name this system does not know (logged):
    a typo in the settings shows UTC times rather than failing every page."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("Unknown time zone %r: using UTC", name)
        return ZoneInfo("UTC")


def site_zone() -> ZoneInfo:
    return zone(current_app.config.get("TIMEZONE"))


def zone_of(user: User | None) -> ZoneInfo:
    """The person's own zone, else the site's."""
    if user is not None and getattr(user, "timezone", None):
        return zone(user.timezone)
    return site_zone()


def local(value: datetime, where: ZoneInfo) -> datetime:
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone(where)


def end_of_day(day: date, where: ZoneInfo) -> datetime:
    """The last second of ``day`` in ``where``, in UTC."""
    return datetime.combine(day, END_OF_DAY, tzinfo=where).astimezone(UTC)


def parse_page_due(value: str) -> datetime:
    """A due date typed on a page: a date alone is the end of that day in the site's zone;
    a full time follows the API's rules. ValueError for anything else."""
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and len(text) == 10:
        try:
            return end_of_day(date.fromisoformat(text), site_zone())
        except ValueError as exc:
            raise ValueError("not a date") from exc
    return parse_when(value)


def site_day(value: datetime) -> date:
    """The day a stored time falls on in the site's zone (what a date input shows)."""
    return local(value, site_zone()).date()
