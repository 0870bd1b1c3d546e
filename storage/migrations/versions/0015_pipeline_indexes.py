"""a beneficiary's recent protocols are read from an index (beneficiary, newest first)

Revision ID: 0015
Revises: 0010
"""
from alembic import op


revision = '0015'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('protocols', schema=None) as batch_op:
        batch_op.create_index('ix_protocols_recent', ['beneficiary_ref', 'created_at', 'id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('protocols', schema=None) as batch_op:
        batch_op.drop_index('ix_protocols_recent')
