"""check reviews: a clerk's settlement of a cross-check that still fails, or its referral to a supervisor

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 02:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checkreview',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('check', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('side', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('checkreview', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkreview_document_id'), ['document_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('checkreview', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkreview_document_id'))

    op.drop_table('checkreview')
