"""supervisors' administration trail: quarantine released or discarded, accounts disabled, enabled, reset

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 02:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

# Like the audit trail, append-only: the database refuses to change or delete a row.
_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER adminaction_no_{action.lower()} BEFORE {action} ON adminaction "
    "BEGIN SELECT RAISE(ABORT, 'the administration trail is append-only'); END"
    for action in ("UPDATE", "DELETE")
]
_POSTGRESQL_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION adminaction_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the administration trail is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER adminaction_append_only BEFORE UPDATE OR DELETE ON adminaction "
    "FOR EACH ROW EXECUTE FUNCTION adminaction_append_only()",
]

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('adminaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('adminaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adminaction_kind'), ['kind'], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": _SQLITE_TRIGGERS, "postgresql": _POSTGRESQL_TRIGGERS}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    with op.batch_alter_table('adminaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adminaction_kind'))

    op.drop_table('adminaction')
