"""Marshmallow fields that carry the contract's input rules."""

from __future__ import annotations

from datetime import UTC

from marshmallow import ValidationError, fields, validate

from forum.errors import Invalid
from forum.services import validation
from forum.services.validation import BODY_MAX, MAX_ID, parse_when


class Id(fields.Integer):
    """A database id: a strict whole number in the database's integer range."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Range(min=1, max=MAX_ID))
        super().__init__(strict=True, **kwargs)


class WholeNumber(fields.Integer):
    """A JSON whole number; true and false are not numbers here (Python counts them as 1, 0)."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class QueryInt(fields.Integer):
    """A whole number in the query string: ASCII digits only.

    ``int()`` also takes Arabic-Indic and full-width digits, a sign, spaces around and
    underscores between; none of those is a number a client means to send.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not (value.isascii() and value.isdigit()):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class Text(fields.String):
    """Text with a length range (measured after trimming); NUL characters are refused."""

    def __init__(self, max_len: int, min_len: int = 0, **kwargs):
        self.min_len, self.max_len = min_len, max_len
        # The limits apply after trimming, so they are not a Length validator; the
        # metadata still shows them in the OpenAPI description.
        kwargs["metadata"] = {
            "maxLength": max_len,
            "minLength": min_len,
            **kwargs.get("metadata", {}),
        }
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Must not contain NUL characters.")
        trimmed = text.strip()
        if len(trimmed) < self.min_len:
            raise ValidationError("Must not be empty." if self.min_len == 1 else "Too short.")
        if len(trimmed) > self.max_len:
            raise ValidationError(f"Must be at most {self.max_len} characters.")
        return trimmed


class Markdown(fields.String):
    """Markdown source, kept exactly as written (see ``validation.markdown``)."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {
            "maxLength": BODY_MAX,
            "minLength": 1,
            "description": "Markdown, stored as written; not only whitespace",
            **kwargs.get("metadata", {}),
        }
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return validation.markdown("body", text)
        except Invalid as exc:  # "must not be empty" -> "Must not be empty.", as Text says it
            raise ValidationError(f"{exc.fields['body'].capitalize()}.") from exc


class When(fields.Field):
    """A time: with an offset or Z; without one, UTC; a date alone, the end of that day (UTC)."""

    default_error_messages = {"invalid": "Not a valid date or time (ISO 8601)."}

    def __init__(self, **kwargs):
        kwargs["metadata"] = {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601; no offset means UTC; a date alone, the end of that day",
            **kwargs.get("metadata", {}),
        }
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.astimezone(UTC).isoformat()

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_when(value)
        except ValueError as exc:
            raise self.make_error("invalid") from exc


class StrictBool(fields.Boolean):
    """Only JSON true and false; "yes", 1 and "1" are invalid input."""

    def __init__(self, **kwargs):
        super().__init__(truthy={True}, falsy={False}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        # A set lookup alone would take 1 and 0 (1 == True in Python); check the type.
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value
