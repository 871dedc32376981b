"""Production entry point: ``gunicorn wsgi:app`` (see the README for the worker class)."""

from forum import create_app

app = create_app()
