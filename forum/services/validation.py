"""Input rules shared by services, the API schemas and the forms."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, time
from functools import lru_cache

import email_validator
from confusable_homoglyphs import categories as scripts
from confusable_homoglyphs import confusables
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


def text(field: str, value: object, *, max_len: int, min_len: int = 1) -> str:
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


# Characters a name may not hold: none of them shows as itself. Bidi controls reorder what
# follows them (a name could make the text after it read backwards), zero-width and other
# format characters hide inside a name that then looks like another person's.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_INVISIBLE = {
    "\u034f",  # combining grapheme joiner
    "\u115f",  # Hangul fillers: letters by category, blank on screen
    "\u1160",
    "\u3164",
    "\uffa0",
    "\u2800",  # braille pattern blank
    "\u17b4",  # Khmer inherent vowels, invisible
    "\u17b5",
}


def _invisible(ch: str) -> bool:
    code = ord(ch)
    return (
        unicodedata.category(ch) in _INVISIBLE_CATEGORIES
        or ch in _INVISIBLE
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF  # variation selectors supplement
        or 0xE0000 <= code <= 0xE007F  # tag characters
    )


def person_name(value: object) -> str:
    """A person's name as others will read it: NFC-normalised and trimmed, otherwise as
    written; no invisible or direction-changing characters, and at least one letter, digit,
    mark-bearing character or symbol that shows."""
    value = text("name", value, max_len=NAME_MAX)
    value = unicodedata.normalize("NFC", value)
    hidden = sorted({f"U+{ord(ch):04X}" for ch in value if _invisible(ch)})
    if hidden:
        raise Invalid.field(
            "name", f"must not contain invisible or direction characters ({', '.join(hidden)})"
        )
    if not any(unicodedata.category(ch)[0] in "LNPS" for ch in value):
        raise Invalid.field("name", "must contain a visible character")
    return value


@lru_cache(maxsize=4096)
def _prototype(ch: str) -> str:
    """One stand-in for every character that looks like ``ch`` ("1" for "l", "I" and "|";
    Latin "a" for Cyrillic "\u0430"), from Unicode's confusables as the library lists them."""
    alike: list[str] = [
        h["c"] for h in confusables.confusables_data.get(ch, ()) if len(h["c"]) == 1
    ]
    return min([ch, *alike])


def name_key(name: str) -> str:
    """What a name looks like, for telling whether two people's names read the same: the
    look-alike letters of any alphabet made one, case and runs of spaces ignored."""
    text = " ".join(unicodedata.normalize("NFKC", name).split())
    return "".join(_prototype(ch) for ch in text).casefold()


def markdown(field: str, value: object, *, max_len: int = BODY_MAX) -> str:
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


# Scripts that a part of an address may mix, as Unicode's "highly restrictive" profile
# (UTS #39) allows them: Japanese, Chinese and Korean writing beside Latin. Any other mix
# is how look-alike addresses are made (a Cyrillic U+0430 in "anna").
_SCRIPT_MIXES = (
    {"LATIN", "HAN", "HIRAGANA", "KATAKANA"},
    {"LATIN", "HAN", "BOPOMOFO"},
    {"LATIN", "HAN", "HANGUL"},
)


def _looks_like_another(part: str) -> bool:
    used = {scripts.alias(ch) for ch in part} - {"COMMON", "INHERITED"}
    if len(used) <= 1 or any(used <= mix for mix in _SCRIPT_MIXES):
        return False
    return bool(confusables.is_dangerous(part))


def email(value: object) -> str:
    """An address by its syntax, lower-cased (addresses are compared without case); a part
    that mixes scripts with look-alike letters is refused."""
    value = text("email", value, max_len=EMAIL_MAX)
    try:
        address = validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise Invalid.field("email", str(exc)) from exc
    local, _, domain = address.rpartition("@")
    if any(_looks_like_another(part) for part in (local, *domain.split("."))):
        raise Invalid.field(
            "email",
            "mixes letters of different alphabets that look alike (such as Cyrillic "
            "and Latin); type the address in one alphabet",
        )
    return address


def password(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid.field("password", "must be text")
    if len(value) < PASSWORD_MIN:
        raise Invalid.field("password", f"must be at least {PASSWORD_MIN} characters")
    if len(value) > PASSWORD_MAX:
        raise Invalid.field("password", f"must be at most {PASSWORD_MAX} characters")
    if "\x00" in value:
        raise Invalid.field("password", "must not contain NUL characters")
    return value


def choice(field: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise Invalid.field(field, f"must be one of: {', '.join(allowed)}")
    return value


def http_url(field: str, value: object) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    value = text(field, value, max_len=URL_MAX)
    if not value.lower().startswith(("http://", "https://")) or " " in value:
        raise Invalid.field(field, "must be an http:// or https:// address")
    return value
