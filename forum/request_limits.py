"""Request bodies sent in chunks are held to the same 1 MiB limit as bodies with a length.

Werkzeug refuses a declared ``Content-Length`` above ``MAX_CONTENT_LENGTH`` with 413, but a
chunked body (no length) is only cut off at the limit: the truncated JSON or form then
reads as invalid input (400), which hides what went wrong. This middleware reads such a
body up to the limit and gives it its length; a longer one gets a length over the limit and
no content, so whatever reads it answers 413 through the usual error handler.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask


class ChunkedBodyLimit:
    def __init__(self, wsgi_app: Callable, limit: int) -> None:
        self.wsgi_app = wsgi_app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            # The server has undone the chunking; Werkzeug ignores any length while the
            # header says chunked, so the header goes and the length is the body's own.
            body = environ["wsgi.input"].read(self.limit + 1)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input"] = io.BytesIO(b"" if len(body) > self.limit else body)
            environ.pop("HTTP_TRANSFER_ENCODING")
            environ.pop("wsgi.input_terminated", None)
        return self.wsgi_app(environ, start_response)


def register_request_limits(app: Flask) -> None:
    limit = app.config.get("MAX_CONTENT_LENGTH")
    if limit:
        app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, limit)  # type: ignore[method-assign]  # middleware
