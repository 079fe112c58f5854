"""a ledger entry per policy year of a decision: a claim spanning two years adds to each year's ledger

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 02:00:00.000000
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# 0001 left the constraint unnamed: PostgreSQL named it itself; SQLite's batch copy names it by this convention.
_CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _one_per_decision() -> str:
    return "ledgerentry_decision_id_key" if op.get_bind().dialect.name == "postgresql" else "uq_ledgerentry_decision_id"


def upgrade() -> None:
    with op.batch_alter_table('ledgerentry', schema=None, naming_convention=_CONVENTION) as batch_op:
        batch_op.drop_constraint(_one_per_decision(), type_='unique')
        batch_op.create_unique_constraint('uq_ledgerentry_decision_id_year_start', ['decision_id', 'year_start'])


def downgrade() -> None:
    with op.batch_alter_table('ledgerentry', schema=None, naming_convention=_CONVENTION) as batch_op:
        batch_op.drop_constraint('uq_ledgerentry_decision_id_year_start', type_='unique')
        batch_op.create_unique_constraint(_one_per_decision(), ['decision_id'])
