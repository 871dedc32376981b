"""stored HTML rendered again where a table column is aligned by a style attribute

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 20:12:00

Pages are served with a Content-Security-Policy that allows no inline style (issue 11).
Markdown tables used to align their columns with style="text-align: ..."; text written
since gets a class instead. This renders again, with today's renderer, every stored text
whose HTML still holds a style attribute, as 0004 did for images.
"""

from collections import namedtuple

from alembic import op
import sqlalchemy as sa

from forum import markdown

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

Person = namedtuple("Person", "id name")

# table, its Markdown column, its HTML column, whether @mentions are linked
TEXTS = (
    ("posts", "body", "body_html", True),
    ("modules", "body", "body_html", False),
    ("faq_entries", "answer", "answer_html", False),
)


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
    for table, source, html, with_mentions in TEXTS:
        rows = conn.execute(
            sa.text(f"SELECT id, {source} AS body FROM {table} WHERE {html} LIKE '%style=%'")
        ).all()
        for row in rows:
            mentions = _mentions(conn, row.body) if with_mentions else {}
            conn.execute(
                sa.text(f"UPDATE {table} SET {html} = :html WHERE id = :id"),
                {"html": markdown.render(row.body, mentions), "id": row.id},
            )


def downgrade():
    pass  # classes stay classes: the old style attributes are what the policy refuses
