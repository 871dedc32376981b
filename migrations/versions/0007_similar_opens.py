"""similar opens: answered questions opened from the similar-questions list

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 15:30:00

"""
from alembic import op
import sqlalchemy as sa

import forum.models.base


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('similar_opens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('created_at', forum.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_similar_opens_module_id_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_similar_opens_thread_id_threads'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_similar_opens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_similar_opens'))
    )
    with op.batch_alter_table('similar_opens', schema=None) as batch_op:
        batch_op.create_index('ix_similar_opens_module_created', ['module_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('similar_opens', schema=None) as batch_op:
        batch_op.drop_index('ix_similar_opens_module_created')
    op.drop_table('similar_opens')
