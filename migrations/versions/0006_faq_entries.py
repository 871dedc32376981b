"""faq entries: answers promoted into a module's FAQ

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 15:40:00

"""
from alembic import op
import sqlalchemy as sa

import forum.models.base


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('faq_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=200), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answer_html', sa.Text(), nullable=False),
    sa.Column('source_thread_id', sa.Integer(), nullable=True),
    sa.Column('promoted_by_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('reviewed_revision', sa.Integer(), nullable=False),
    sa.Column('created_at', forum.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', forum.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_faq_entries_module_id_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['promoted_by_id'], ['users.id'], name=op.f('fk_faq_entries_promoted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_thread_id'], ['threads.id'], name=op.f('fk_faq_entries_source_thread_id_threads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_faq_entries'))
    )
    with op.batch_alter_table('faq_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_faq_entries_module_id'), ['module_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_faq_entries_source_thread_id'), ['source_thread_id'], unique=False)


def downgrade():
    with op.batch_alter_table('faq_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_faq_entries_source_thread_id'))
        batch_op.drop_index(batch_op.f('ix_faq_entries_module_id'))
    op.drop_table('faq_entries')
