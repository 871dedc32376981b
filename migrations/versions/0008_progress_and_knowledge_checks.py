"""progress and knowledge checks: progress per person and module, quizzes, their questions and attempts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 18:10:00

"""
from alembic import op
import sqlalchemy as sa

import forum.models.base


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', forum.models.base.UTCDateTime(), nullable=True),
    sa.Column('completed_at', forum.models.base.UTCDateTime(), nullable=True),
    sa.Column('updated_at', forum.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint("status IN ('not_started', 'in_progress', 'completed')", name=op.f('ck_progress_status')),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_progress_module_id_modules'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_progress_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress')),
    sa.UniqueConstraint('user_id', 'module_id', name=op.f('uq_progress_user_id_module_id'))
    )
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_module_id'), ['module_id'], unique=False)

    op.create_table('quizzes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.Integer(), nullable=False),
    sa.Column('pass_mark', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', forum.models.base.UTCDateTime(), nullable=False),
    sa.Column('retired_at', forum.models.base.UTCDateTime(), nullable=True),
    sa.CheckConstraint('pass_mark >= 0 AND pass_mark <= 100', name=op.f('ck_quizzes_pass_mark')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_quizzes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['module_id'], ['modules.id'], name=op.f('fk_quizzes_module_id_modules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quizzes'))
    )
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.create_index('ix_quizzes_module_retired', ['module_id', 'retired_at'], unique=False)

    op.create_table('quiz_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('wrong', sa.JSON(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('created_at', forum.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_quiz_attempts_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_quiz_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_attempts'))
    )
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quiz_attempts_quiz_id'), ['quiz_id'], unique=False)
        batch_op.create_index('ix_quiz_attempts_user_quiz', ['user_id', 'quiz_id'], unique=False)

    op.create_table('quiz_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('answer', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['quiz_id'], ['quizzes.id'], name=op.f('fk_quiz_questions_quiz_id_quizzes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_questions')),
    sa.UniqueConstraint('quiz_id', 'position', name=op.f('uq_quiz_questions_quiz_id_position'))
    )


def downgrade():
    op.drop_table('quiz_questions')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_attempts_user_quiz')
        batch_op.drop_index(batch_op.f('ix_quiz_attempts_quiz_id'))

    op.drop_table('quiz_attempts')
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_index('ix_quizzes_module_retired')

    op.drop_table('quizzes')
    with op.batch_alter_table('progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_module_id'))

    op.drop_table('progress')
