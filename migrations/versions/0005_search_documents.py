"""search index tables for PostgreSQL full-text search (schema "search")

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 16:00:00

PostgreSQL only: on SQLite search is Whoosh's, on disk, and this does nothing. The index is
derived data in a schema of its own, so the models' tables and autogenerate never see it.
The statements are the backend's own (forum/search/postgres_backend.py), which also creates
whatever is missing on first use: one definition, and a database migrated by an older
release gets the same tables as a fresh one. The tables start empty: `flask --app forum
reindex` fills them.
"""

from alembic import op
import sqlalchemy as sa

from forum.search.postgres_backend import create_statements, drop_statements

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _on_postgresql():
        for statement in create_statements():
            op.execute(sa.text(statement))


def downgrade():
    if _on_postgresql():
        for statement in drop_statements():
            op.execute(sa.text(statement))
