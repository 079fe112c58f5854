"""login attempts, for the review app's lockout after repeated wrong passwords

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 03:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('loginattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['reviewuser.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loginattempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_loginattempt_username_hash'), ['username_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginattempt_username_hash'))
        batch_op.drop_index(batch_op.f('ix_loginattempt_at'))

    op.drop_table('loginattempt')
