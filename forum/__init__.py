"""Asynchronous workplace learning: modules, cohorts, threaded discussion, live office hours."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from forum.services.validation import MAX_ID


class BoundedInt(IntegerConverter):
    """``<int:…>`` within the database's integer range: a larger id becomes 0, which no row has.

    Refusing it in the converter (``max=``) would make Werkzeug answer 405 instead of 404
    when another rule for the same path takes other methods; and ``int()`` of thousands of
    digits raises. As 0, the id goes on to the usual "not found".
    """

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)):
            return 0
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.url_map.converters["int"] = BoundedInt

    from forum.api import register_api
    from forum.auth import register_auth
    from forum.background import register_background
    from forum.cli import register_cli
    from forum.config import load_config
    from forum.database import register_database
    from forum.errors import register_error_handlers
    from forum.extensions import register_extensions
    from forum.headers import register_headers
    from forum.realtime import register_realtime
    from forum.request_limits import register_request_limits
    from forum.search import register_search
    from forum.services import limits
    from forum.web import register_web

    load_config(app, config)
    register_request_limits(app)
    if app.config["PROXIES"]:
        n = app.config["PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]  # middleware
    register_extensions(app)
    limits.init_app(app)
    register_database(app)
    register_auth(app)
    register_background(app)
    register_search(app)
    register_web(app)
    register_api(app)
    register_realtime(app)
    register_error_handlers(app)
    register_headers(app)
    register_cli(app)
    return app
