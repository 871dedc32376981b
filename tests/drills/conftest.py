"""Fault drills (issue 11.5): what the service does when a part it depends on fails.

Drills never touch the machine's shared PostgreSQL or Redis, which other tests use: they
start private ones, or put a fault-injecting proxy in front.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from forum import create_app
from forum.extensions import db
from tests.conftest import FreshContextClient, _base_config


def make_instance(folder: Path, **config) -> Flask:
    """An instance of its own: SQLite and the Whoosh index in ``folder``, tables made."""
    folder.mkdir(parents=True, exist_ok=True)
    url = config.pop("SQLALCHEMY_DATABASE_URI", f"sqlite:///{folder / 'forum.db'}")
    app = create_app({**_base_config(url, str(folder)), **config})
    app.test_client_class = FreshContextClient
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[Flask]:
    app = make_instance(tmp_path / "instance")
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
