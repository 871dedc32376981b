"""Input rules shared by services, the API schemas and the forms."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import email_validator
from email_validator import EmailNotValidError, validate_email

from forum.errors import Invalid

TITLE_MAX = 200
BODY_MAX = 20_000
NAME_MAX = 100
EMAIL_MAX = 254
PASSWORD_MIN = 8
PASSWORD_MAX = 200
SUMMARY_MAX = 1_000
URL_MAX = 500
MAX_ID = 2**31 - 1  # the database's integer range: ids in paths, in the API and in forms


def text(field: str, value: str | None, *, max_len: int, min_len: int = 1) -> str:
    """Trimmed text within its limits; longer is invalid input, never truncated."""
    if not isinstance(value, str):
        raise Invalid.field(field, "must be text")
    if "\x00" in value:
        raise Invalid.field(field, "must not contain NUL characters")
    value = value.strip()
    if len(value) < min_len:
        raise Invalid.field(
            field, "must not be empty" if min_len == 1 else f"too short (min {min_len})"
        )
    if len(value) > max_len:
        raise Invalid.field(field, f"must be at most {max_len} characters")
    return value


def markdown(field: str, value: str | None, *, max_len: int = BODY_MAX) -> str:
    """Markdown source exactly as written: leading spaces (an indented code block) and line
    ends are part of it. Only whitespace is empty; the limit counts every character."""
    if not isinstance(value, str):
        raise Invalid.field(field, "must be text")
    if "\x00" in value:
        raise Invalid.field(field, "must not contain NUL characters")
    if not value.strip():
        raise Invalid.field(field, "must not be empty")
    if len(value) > max_len:
        raise Invalid.field(field, f"must be at most {max_len} characters")
    return value


def id_from_text(value: object) -> int | None:
    """An id as forms and query strings send it: ASCII digits, at most ``MAX_ID``.

    Empty (a select's "none" option) is None. 0 is taken, as in paths, and found nowhere.
    Anything else raises ValueError, which WTForms shows as the field's error.
    """
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        number = int(value)
    else:
        raise ValueError("Not a valid id.")
    if not 0 <= number <= MAX_ID:
        raise ValueError("Not a valid id.")
    return number


def parse_when(value: object) -> datetime:
    """A time by the contract's rules, in UTC: with an offset or Z; without one, UTC; a date
    alone, the end of that day (UTC). Raises ValueError for anything else.

    The API's ``When`` field and the pages' date inputs both read times with this.
    """
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("not a date or time")
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    # Year 1 with a positive offset, or 9999-12-31 with a negative one, leaves the
    # range of datetime once moved to UTC: invalid input, not a crash.
    except OverflowError as exc:
        raise ValueError("out of range") from exc


# Companies run mail on names IANA lists as special-use (corp.local, mail.internal,
# staging.test), and the contract checks addresses for syntax only. email_validator refuses
# every name on its list; removing names from the list is its documented way to allow them.
# The others (invalid, localhost, onion, arpa) carry nobody's mail and stay refused.
INTERNAL_MAIL_DOMAINS = ("local", "internal", "test")


def _accept_internal_mail_domains() -> None:
    for name in INTERNAL_MAIL_DOMAINS:
        while name in email_validator.SPECIAL_USE_DOMAIN_NAMES:
            email_validator.SPECIAL_USE_DOMAIN_NAMES.remove(name)


_accept_internal_mail_domains()


def email(value: str | None) -> str:
    """An address by its syntax alone, lower-cased: addresses are compared without case."""
    value = text("email", value, max_len=EMAIL_MAX)
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise Invalid.field("email", str(exc)) from exc


def password(value: str | None) -> str:
    if not isinstance(value, str):
        raise Invalid.field("password", "must be text")
    if len(value) < PASSWORD_MIN:
        raise Invalid.field("password", f"must be at least {PASSWORD_MIN} characters")
    if len(value) > PASSWORD_MAX:
        raise Invalid.field("password", f"must be at most {PASSWORD_MAX} characters")
    if "\x00" in value:
        raise Invalid.field("password", "must not contain NUL characters")
    return value


def choice(field: str, value: str | None, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise Invalid.field(field, f"must be one of: {', '.join(allowed)}")
    return value


def http_url(field: str, value: str | None) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    value = text(field, value, max_len=URL_MAX)
    if not value.lower().startswith(("http://", "https://")) or " " in value:
        raise Invalid.field(field, "must be an http:// or https:// address")
    return value
