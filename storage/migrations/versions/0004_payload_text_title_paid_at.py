"""inbound payload as text; paid date of financial titles

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.String(length=200),
                              type_=sa.Text(), existing_nullable=True)

    with op.batch_alter_table('reg_titles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_at', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reg_titles', schema=None) as batch_op:
        batch_op.drop_column('paid_at')

    # Payloads longer than 200 characters would not fit back: cut them rather than fail.
    op.execute("UPDATE inbound_messages SET payload = substr(payload, 1, 200) "
               "WHERE length(payload) > 200")
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.Text(),
                              type_=sa.String(length=200), existing_nullable=True)
