"""stored HTML rendered again where it shows an image: images in posts are links now

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 15:45:00

Posts and lessons are rendered once, when written. Before 0004 a Markdown image became an
<img> that every reader's browser fetched (a GET the post's author chose, on the reader's
session). Text written since renders images as links; this renders again, with today's
renderer, every stored text whose HTML still holds an <img>.
"""

from collections import namedtuple

from alembic import op
import sqlalchemy as sa

from forum import markdown

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Person = namedtuple("Person", "id name")


def _mentions(conn, body: str) -> dict:
    handles = sorted(markdown.find_mentions(body))[:50]
    if not handles:
        return {}
    rows = conn.execute(
        sa.text(
            "SELECT id, name, handle FROM users WHERE active AND handle IN :handles"
        ).bindparams(sa.bindparam("handles", expanding=True)),
        {"handles": handles},
    )
    return {r.handle: Person(r.id, r.name) for r in rows}


def upgrade():
    conn = op.get_bind()
    for table, with_mentions in (("posts", True), ("modules", False)):
        rows = conn.execute(
            sa.text(f"SELECT id, body FROM {table} WHERE body_html LIKE '%<img%'")
        ).all()
        for row in rows:
            mentions = _mentions(conn, row.body) if with_mentions else {}
            conn.execute(
                sa.text(f"UPDATE {table} SET body_html = :html WHERE id = :id"),
                {"html": markdown.render(row.body, mentions), "id": row.id},
            )


def downgrade():
    pass  # the links stay links: rendering images again would bring back what 0004 removed
