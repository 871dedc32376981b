"""The HTML side: one blueprint package per area."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from forum.services import permissions


def register_web(app: Flask) -> None:
    from forum.web.admin import bp as admin_bp
    from forum.web.auth import bp as auth_bp
    from forum.web.cohorts import bp as cohorts_bp
    from forum.web.modules import bp as modules_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(modules_bp)
    app.register_blueprint(cohorts_bp)
    app.register_blueprint(admin_bp)

    @app.context_processor
    def inject_permissions() -> dict:
        # Templates ask the same predicates the services use, never their own rules.
        return {"can": permissions, "me": current_user if current_user.is_authenticated else None}

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
