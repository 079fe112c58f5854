"""abuse signals and the moral-hazard blacklist

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 01:10:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

# Like the audit trail, the blacklist's history is append-only: the database refuses to change or delete a row.
_SQLITE_BLACKLIST_TRIGGERS = [
    f"CREATE TRIGGER blacklisting_no_{action.lower()} BEFORE {action} ON blacklisting "
    "BEGIN SELECT RAISE(ABORT, 'the blacklist history is append-only'); END"
    for action in ("UPDATE", "DELETE")
]
_POSTGRESQL_BLACKLIST_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION blacklisting_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the blacklist history is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER blacklisting_append_only BEFORE UPDATE OR DELETE ON blacklisting "
    "FOR EACH ROW EXECUTE FUNCTION blacklisting_append_only()",
]

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('raisedsignal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('packet_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('clause', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['packet_id'], ['packet.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('raisedsignal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_raisedsignal_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_raisedsignal_fingerprint'), ['fingerprint'], unique=True)
        batch_op.create_index(batch_op.f('ix_raisedsignal_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_raisedsignal_packet_id'), ['packet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_raisedsignal_rule'), ['rule'], unique=False)
        batch_op.create_index(batch_op.f('ix_raisedsignal_status'), ['status'], unique=False)

    op.create_table('blacklisting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('year_start', sa.Date(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.member_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('blacklisting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blacklisting_member_id'), ['member_id'], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": _SQLITE_BLACKLIST_TRIGGERS, "postgresql": _POSTGRESQL_BLACKLIST_TRIGGERS}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table('blacklisting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blacklisting_member_id'))

    op.drop_table('blacklisting')
    with op.batch_alter_table('raisedsignal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_raisedsignal_status'))
        batch_op.drop_index(batch_op.f('ix_raisedsignal_rule'))
        batch_op.drop_index(batch_op.f('ix_raisedsignal_packet_id'))
        batch_op.drop_index(batch_op.f('ix_raisedsignal_member_id'))
        batch_op.drop_index(batch_op.f('ix_raisedsignal_fingerprint'))
        batch_op.drop_index(batch_op.f('ix_raisedsignal_claim_id'))

    op.drop_table('raisedsignal')
