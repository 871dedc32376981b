"""A PostgreSQL database of a benchmark's own, for one run (shared by the bench scripts)."""

from __future__ import annotations

import contextlib
import os
import urllib.parse
from collections.abc import Iterator


@contextlib.contextmanager
def postgres_database(base_url: str, label: str) -> Iterator[str]:
    """A database created for this run and dropped after it, whatever happens."""
    import psycopg

    parts = urllib.parse.urlsplit(base_url)
    name = f"forum_bench_{label}_{os.getpid()}"
    admin_url = urllib.parse.urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
