"""A session as an iCalendar file (RFC 5545), made by the icalendar library."""

from __future__ import annotations

from urllib.parse import urlsplit

from icalendar import Calendar, Event

from forum.models import OfficeHour, utcnow


def ics_of(office_hour: OfficeHour, base_url: str, url: str) -> bytes:
    """One event, in UTC. The UID stays the same for the session, so a calendar that
    imports the file again after a reschedule moves the event instead of adding one."""
    host = urlsplit(base_url).hostname or "localhost"
    calendar = Calendar()
    calendar.add("prodid", "-//Learning forum//Office hours//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"office-hour-{office_hour.id}@{host}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", office_hour.starts_at)
    event.add("dtend", office_hour.ends_at)
    event.add("summary", f"Office hour: {office_hour.title}")
    who = office_hour.host.name if office_hour.host else "the host"
    event.add("description", f"Hosted by {who}. Join the room: {url}")
    event.add("url", url)
    event.add("status", "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
