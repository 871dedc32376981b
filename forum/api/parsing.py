"""Reading request bodies: strict JSON, so that no body, however odd, reaches a crash.

webargs' own parser turns only ``JSONDecodeError`` into a 400. Python's ``json`` can fail in
other ways, and accepts things that are not JSON or not text:

- nesting thousands deep raises ``RecursionError``;
- a number of more than 4,300 digits raises a plain ``ValueError``;
- ``NaN`` and ``Infinity`` are accepted, though JSON has no such values;
- ``"\\ud800"`` (a lone surrogate) becomes a ``str`` that cannot be encoded, and fails
  only later, in the database driver or the password hasher.

Each of these is the client's mistake, so each is answered 400 "not valid JSON".
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import flask
from flask import abort
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

NOT_JSON = "The request body is not valid JSON."


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _has_lone_surrogate(value: Any) -> bool:
    """Walks the parsed document without recursion (it may be nested deep)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_strict_json(raw: bytes) -> Any:
    """The document in ``raw``, or ValueError when it is not strict JSON in UTF-8."""
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeError included
        raise ValueError(str(exc)[:200]) from exc
    if _has_lone_surrogate(data):
        raise ValueError("lone surrogate in a string")
    return data


class StrictJsonParser(FlaskParser):
    def _raw_load_json(self, req: flask.Request) -> Any:
        if not is_json_request(req):
            return core.missing
        raw = req.get_data(cache=True)
        if not raw:
            return core.missing  # an empty body: the schema says which fields are missing
        try:
            return parse_strict_json(raw)
        except ValueError:
            abort(400, description=NOT_JSON)

    def _handle_invalid_json_error(
        self, error: Exception, req: flask.Request, *args: Any, **kwargs: Any
    ) -> NoReturn:
        abort(400, description=NOT_JSON)
