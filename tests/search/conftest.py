"""Search tests run twice (tests/conftest.py): Whoosh beside SQLite, and PostgreSQL's
full-text search on PostgreSQL; the ``backend`` fixture is there too."""
