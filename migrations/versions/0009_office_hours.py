"""office hours: sessions, messages, raised hands, removals

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:10:00

"""
from alembic import op
import sqlalchemy as sa

import forum.models.base


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('office_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('host_id', sa.Integer(), nullable=True),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('module_id', sa.Integer(), nullable=True),
    sa.Column('starts_at', forum.models.base.UTCDateTime(), nullable=False),
    sa.Column('ends_at', forum.models.base.UTCDateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', forum.models.base.UTCDateTime(), nullable=True),
    sa.Column('ended_at', forum.models.base.UTCDateTime(), nullable=True),
    sa.Column('cancelled_at', forum.models.base.UTCDateTime(), nullable=True),
    sa.Column('soon_notified_at', forum.models.base.UTCDateTime(), nullable=True),
    sa.Column('created_at', forum.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('scheduled', 'live', 'ended')", name=op.f('ck_office_hours_status')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_office_hours_times')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_office_hours_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['host_id'], ['users.id'], name=op.f('fk_office_hours_host_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_office_hours_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_hours'))
    )
    with op.batch_alter_table('office_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_hours_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_office_hours_host_id'), ['host_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_office_hours_module_id'), ['module_id'], unique=False)
        batch_op.create_index('ix_office_hours_status_starts', ['status', 'starts_at'], unique=False)

    op.create_table('office_hour_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_hour_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('created_at', forum.models.base.UTCDateTime(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', forum.models.base.UTCDateTime(), nullable=True),
    sa.Column('deleted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_office_hour_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_office_hour_messages_deleted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['office_hour_id'], ['office_hours.id'], name=op.f('fk_office_hour_messages_office_hour_id_office_hours'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_hour_messages'))
    )
    with op.batch_alter_table('office_hour_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_hour_messages_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_office_hour_messages_session_id', ['office_hour_id', 'id'], unique=False)

    op.create_table('office_hour_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_hour_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', forum.models.base.UTCDateTime(), nullable=False),
    sa.Column('taken_at', forum.models.base.UTCDateTime(), nullable=True),
    sa.Column('resolved_at', forum.models.base.UTCDateTime(), nullable=True),
    sa.Column('thread_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'taken', 'resolved')", name=op.f('ck_office_hour_questions_status')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_office_hour_questions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['office_hour_id'], ['office_hours.id'], name=op.f('fk_office_hour_questions_office_hour_id_office_hours'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_office_hour_questions_thread_id_threads'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_hour_questions'))
    )
    with op.batch_alter_table('office_hour_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_hour_questions_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_office_hour_questions_session_id', ['office_hour_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_office_hour_questions_thread_id'), ['thread_id'], unique=False)

    op.create_table('office_hour_removals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_hour_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', forum.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['office_hour_id'], ['office_hours.id'], name=op.f('fk_office_hour_removals_office_hour_id_office_hours'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_office_hour_removals_removed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_office_hour_removals_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_hour_removals')),
    sa.UniqueConstraint('office_hour_id', 'user_id', name=op.f('uq_office_hour_removals_office_hour_id_user_id'))
    )
    with op.batch_alter_table('office_hour_removals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_hour_removals_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('office_hour_removals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_hour_removals_user_id'))

    op.drop_table('office_hour_removals')
    with op.batch_alter_table('office_hour_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_hour_questions_thread_id'))
        batch_op.drop_index('ix_office_hour_questions_session_id')
        batch_op.drop_index(batch_op.f('ix_office_hour_questions_author_id'))

    op.drop_table('office_hour_questions')
    with op.batch_alter_table('office_hour_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_office_hour_messages_session_id')
        batch_op.drop_index(batch_op.f('ix_office_hour_messages_author_id'))

    op.drop_table('office_hour_messages')
    with op.batch_alter_table('office_hours', schema=None) as batch_op:
        batch_op.drop_index('ix_office_hours_status_starts')
        batch_op.drop_index(batch_op.f('ix_office_hours_module_id'))
        batch_op.drop_index(batch_op.f('ix_office_hours_host_id'))
        batch_op.drop_index(batch_op.f('ix_office_hours_cohort_id'))

    op.drop_table('office_hours')
