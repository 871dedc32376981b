"""daily digest: the day of each person's last digest, and the digest as the default

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 18:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest_day', sa.Date(), nullable=True))
    # Until now no notification was mailed, so 'immediate' was only ever the old default:
    # nobody starts getting a letter per reply by upgrading. The digest is the default.
    op.execute(sa.text("UPDATE users SET notify_email = 'daily' WHERE notify_email = 'immediate'"))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('digest_day')
