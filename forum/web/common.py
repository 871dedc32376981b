"""Small helpers the page views share: permission gates, ?page= parsing, errors onto forms."""

from __future__ import annotations

from flask import Response, g, request
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from forum.errors import Forbidden, ForumError, Invalid
from forum.services.validation import id_from_text


def require(allowed: bool, message: str = "You are not allowed to see this page.") -> None:
    """Gate a page on a permissions predicate; the error handler shows the 403 page."""
    if not allowed:
        raise Forbidden(message)


def page_number() -> int:
    """``?page=`` as a whole number from 1; anything else is the reader's mistake (400).

    The one parser of every page's ``?page=``. Only ASCII digits: ``str.isdigit()`` also
    takes "²", which ``int()`` refuses, and ``int()`` takes Arabic-Indic and full-width
    digits, spaces around and underscores between.
    """
    raw = request.args.get("page", "1")
    # Nine digits at most: a page number no list reaches, and never an overflow below.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or int(raw) < 1:
        raise Invalid.field("page", "must be a whole number from 1")
    return int(raw)


class IdField(HiddenField):
    """A hidden id (a post, a notification), within the bounds of ids in paths and the API."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            try:
                self.data = id_from_text(valuelist[0])
            except ValueError as exc:
                self.data = None
                raise ValueError(self.gettext("Not a valid id.")) from exc


NOT_AN_OPTION = "Invalid choice: not one of the options."


class IdSelectField(SelectField):
    """A choice of ids (a person, a cohort) by the same rule; the empty option is None."""

    data: int | None

    def __init__(self, label=None, validators=None, *, invalid=NOT_AN_OPTION, **kw):
        super().__init__(label, validators, coerce=id_from_text, **kw)
        self.invalid = invalid

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            self.data = None
            raise ValueError(self.invalid) from exc


def query_id(name: str) -> int | None:
    """An id in the query string (``?reply_to=``), by the same rule; a bad one is a 400."""
    try:
        return id_from_text(request.args.get(name))
    except ValueError:
        raise Invalid.field(name, "must be a whole number from 1 (an id)") from None


def form_id(name: str) -> int:
    """A required id posted by a small form (a button), by the same rule; else a 400."""
    try:
        value = id_from_text(request.form.get(name))
    except ValueError:
        value = None
    if value is None:
        raise Invalid.field(name, "must be a whole number from 1 (an id)")
    return value


def refused(exc: ForumError) -> int:
    """The status of a page shown again after a service refused what was sent, its form kept;
    the refusal's headers (Retry-After, over a write limit) go out with that page."""
    g.refusal_headers = {**g.get("refusal_headers", {}), **exc.headers}
    return exc.status


def add_refusal_headers(response: Response) -> Response:
    """After each request: the headers of a refusal that a page showed (see ``refused``)."""
    for name, value in g.pop("refusal_headers", {}).items():
        response.headers.setdefault(name, value)
    return response


def show_error(form: FlaskForm, exc: ForumError) -> None:
    """Put a service's complaint next to the field it is about, or above the form."""
    placed = False
    for name, problem in exc.fields.items():
        field = form._fields.get(name)
        if field is not None and name != "csrf_token":
            field.errors = [*field.errors, _sentence(problem, exc.message)]
            placed = True
    if not placed:
        form.form_errors.append(exc.message)


def _sentence(problem: str, message: str) -> str:
    """Field problems are terse ("must not be empty", "taken"); a page shows a sentence."""
    problem = problem.strip()
    if len(problem.split()) < 2:  # a bare word such as "taken": the message says it better
        return message
    text = problem[:1].upper() + problem[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."
