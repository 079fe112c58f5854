"""the intake, payment and review tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 23:05:24.723036
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

# The audit trail is append-only: the database itself refuses to change or delete a row.
_SQLITE_AUDIT_TRIGGERS = [
    f"CREATE TRIGGER auditentry_no_{action.lower()} BEFORE {action} ON auditentry "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END"
    for action in ("UPDATE", "DELETE")
]
_POSTGRESQL_AUDIT_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION auditentry_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER auditentry_append_only BEFORE UPDATE OR DELETE ON auditentry "
    "FOR EACH ROW EXECUTE FUNCTION auditentry_append_only()",
]

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('member',
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('id_number', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('bank_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('bank_account', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('on_roster', sa.Boolean(), nullable=False),
    sa.Column('employer', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('policy_year_start', sa.Date(), nullable=True),
    sa.Column('union_inpatient_plan', sa.Boolean(), nullable=False),
    sa.Column('other_insurer', sa.Boolean(), nullable=False),
    sa.Column('blacklisted', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('member_id')
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_id_number'), ['id_number'], unique=True)

    op.create_table('reviewuser',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reviewuser', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewuser_username'), ['username'], unique=True)

    op.create_table('packet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('claim_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('received_date', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('ocr_engine', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.member_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('packet', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_packet_claim_id'), ['claim_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_packet_content_hash'), ['content_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_packet_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_packet_name'), ['name'], unique=False)

    op.create_table('reviewsession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_seen', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['reviewuser.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reviewsession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewsession_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_reviewsession_user_id'), ['user_id'], unique=False)

    op.create_table('decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('packet_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('payable', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('claim', sa.JSON(), nullable=True),
    sa.Column('decision', sa.JSON(), nullable=True),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['packet_id'], ['packet.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decision_packet_id'), ['packet_id'], unique=False)

    op.create_table('original',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('packet_id', sa.Integer(), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('archive_path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['packet_id'], ['packet.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('packet_id', 'file_name')
    )
    with op.batch_alter_table('original', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_original_packet_id'), ['packet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_original_sha256'), ['sha256'], unique=False)

    op.create_table('ledgerentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('year_start', sa.Date(), nullable=False),
    sa.Column('outpatient_eligible', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('outpatient_paid', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('inpatient_paid', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('hyperbaric_sessions', sa.Integer(), nullable=False),
    sa.Column('invoices', sa.JSON(), nullable=True),
    sa.Column('current', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.member_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('decision_id')
    )
    with op.batch_alter_table('ledgerentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledgerentry_member_id'), ['member_id'], unique=False)

    op.create_table('page',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('packet_id', sa.Integer(), nullable=False),
    sa.Column('original_id', sa.Integer(), nullable=False),
    sa.Column('page_index', sa.Integer(), nullable=False),
    sa.Column('rotation', sa.Integer(), nullable=False),
    sa.Column('skew', sa.Float(), nullable=False),
    sa.Column('image_path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ocr_lines', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['original_id'], ['original.id'], ),
    sa.ForeignKeyConstraint(['packet_id'], ['packet.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_packet_id'), ['packet_id'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('bank_account', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('amount', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('payment_file', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decision.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.member_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('decision_id')
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_member_id'), ['member_id'], unique=False)

    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('packet_id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('doc_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('doc_type_confidence', sa.Float(), nullable=False),
    sa.Column('checks', sa.JSON(), nullable=True),
    sa.Column('marks', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['packet_id'], ['packet.id'], ),
    sa.ForeignKeyConstraint(['page_id'], ['page.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_doc_type'), ['doc_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_packet_id'), ['packet_id'], unique=False)

    op.create_table('field',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('item_index', sa.Integer(), nullable=True),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('value_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('box', sa.JSON(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('field', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_field_document_id'), ['document_id'], unique=False)

    op.create_table('auditentry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('packet_id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('field_label', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('old_value', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('new_value', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status_before', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('payable_before', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('status_after', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('payable_after', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('caused_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['caused_by'], ['auditentry.id'], ),
    sa.ForeignKeyConstraint(['field_id'], ['field.id'], ),
    sa.ForeignKeyConstraint(['packet_id'], ['packet.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auditentry_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditentry_packet_id'), ['packet_id'], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": _SQLITE_AUDIT_TRIGGERS, "postgresql": _POSTGRESQL_AUDIT_TRIGGERS}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table('auditentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditentry_packet_id'))
        batch_op.drop_index(batch_op.f('ix_auditentry_claim_id'))

    op.drop_table('auditentry')
    with op.batch_alter_table('field', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_field_document_id'))

    op.drop_table('field')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_packet_id'))
        batch_op.drop_index(batch_op.f('ix_document_doc_type'))

    op.drop_table('document')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_member_id'))
        batch_op.drop_index(batch_op.f('ix_payment_claim_id'))

    op.drop_table('payment')
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_packet_id'))

    op.drop_table('page')
    with op.batch_alter_table('ledgerentry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledgerentry_member_id'))

    op.drop_table('ledgerentry')
    with op.batch_alter_table('original', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_original_sha256'))
        batch_op.drop_index(batch_op.f('ix_original_packet_id'))

    op.drop_table('original')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_packet_id'))
        batch_op.drop_index(batch_op.f('ix_decision_claim_id'))

    op.drop_table('decision')
    with op.batch_alter_table('reviewsession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewsession_user_id'))
        batch_op.drop_index(batch_op.f('ix_reviewsession_token_hash'))

    op.drop_table('reviewsession')
    with op.batch_alter_table('packet', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_packet_name'))
        batch_op.drop_index(batch_op.f('ix_packet_member_id'))
        batch_op.drop_index(batch_op.f('ix_packet_content_hash'))
        batch_op.drop_index(batch_op.f('ix_packet_claim_id'))

    op.drop_table('packet')
    with op.batch_alter_table('reviewuser', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewuser_username'))

    op.drop_table('reviewuser')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_id_number'))

    op.drop_table('member')
