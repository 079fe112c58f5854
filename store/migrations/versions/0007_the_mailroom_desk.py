"""the mailroom desk: originals sent back (M2.9), documents asked for (M2.7), packets uploaded in the browser

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('originalsreturn',
    sa.Column('packet_id', sa.Integer(), nullable=False),
    sa.Column('requested', sa.Boolean(), nullable=True),
    sa.Column('receipt_copy', sa.Boolean(), nullable=True),
    sa.Column('envelope', sa.Boolean(), nullable=True),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('sent_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['packet_id'], ['packet.id'], ),
    sa.PrimaryKeyConstraint('packet_id')
    )
    op.create_table('documentrequest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('packet_id', sa.Integer(), nullable=False),
    sa.Column('document', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('asked_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('asked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['packet_id'], ['packet.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('documentrequest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documentrequest_packet_id'), ['packet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documentrequest_status'), ['status'], unique=False)
    op.create_table('upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('files', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_upload_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_upload_name'), ['name'], unique=True)
        batch_op.create_index(batch_op.f('ix_upload_uploaded_by'), ['uploaded_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_upload_uploaded_by'))
        batch_op.drop_index(batch_op.f('ix_upload_name'))
        batch_op.drop_index(batch_op.f('ix_upload_content_hash'))
    op.drop_table('upload')
    with op.batch_alter_table('documentrequest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documentrequest_status'))
        batch_op.drop_index(batch_op.f('ix_documentrequest_packet_id'))
    op.drop_table('documentrequest')
    op.drop_table('originalsreturn')
