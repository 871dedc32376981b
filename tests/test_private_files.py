"""The database and the secret key are created readable by their owner only (issue 7.6)."""

from __future__ import annotations

import os
import stat

from forum import create_app
from forum.config import _secret_key
from forum.extensions import db
from forum.services import accounts
from tests.conftest import _base_config


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_secret_key_file_is_the_owners_alone(tmp_path):
    old = os.umask(0o022)
    try:
        key = _secret_key(tmp_path)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "secret_key") == 0o600
    assert _secret_key(tmp_path) == key  # made once


def test_a_new_sqlite_database_is_the_owners_alone(tmp_path):
    path = tmp_path / "fresh.db"
    old = os.umask(0o022)
    try:
        app = create_app(_base_config(f"sqlite:///{path}", str(tmp_path)))
        with app.app_context():
            db.create_all()
            accounts.create_user(None, email="a@example.com", name="A", password="long enough")
            assert _mode(path) == 0o600
            assert _mode(f"{path}-wal") == 0o600
            db.engine.dispose()
    finally:
        os.umask(old)
