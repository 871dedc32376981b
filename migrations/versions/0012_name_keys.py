"""users.name_key: how a name looks, so that people whose names read alike are told apart

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 18:40:00

Two people may share a name (or one may take a name that looks like another's, with a
Cyrillic letter in it); pages and the API then show each one's @handle beside it. The key
is computed by forum.services.validation.name_key, here for everyone already there.
"""

from alembic import op
import sqlalchemy as sa

from forum.services import validation

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("name_key", sa.String(length=400), nullable=False, server_default="")
        )
        batch_op.create_index(batch_op.f("ix_users_name_key"), ["name_key"], unique=False)
    conn = op.get_bind()
    people = conn.execute(sa.text("SELECT id, name FROM users")).all()
    for person in people:
        conn.execute(
            sa.text("UPDATE users SET name_key = :key WHERE id = :id"),
            {"key": validation.name_key(person.name), "id": person.id},
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=400), server_default=None)


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_name_key"))
        batch_op.drop_column("name_key")
