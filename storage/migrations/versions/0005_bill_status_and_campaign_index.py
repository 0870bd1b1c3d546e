"""issued bills carry a status (ATZ cancels the superseded one); campaign targets are
looked up by their outbound message when pacing

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reg_issued_bills', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), nullable=False,
                                      server_default='open'))
    with op.batch_alter_table('campaign_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_targets_outbound_id'), ['outbound_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('campaign_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_targets_outbound_id'))
    with op.batch_alter_table('reg_issued_bills', schema=None) as batch_op:
        batch_op.drop_column('status')
