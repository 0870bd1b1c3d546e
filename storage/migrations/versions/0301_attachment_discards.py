"""attachment discards: bytes a turn refused, kept track of until they leave the store
(written in the refusing turn's transaction; the sweeper finishes what a dead worker or
an unavailable store left)

Revision ID: 0301
Revises: 0300
"""
from alembic import op
import sqlalchemy as sa


revision = '0301'
down_revision = '0300'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'attachment_discards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment_discards')),
    )
    with op.batch_alter_table('attachment_discards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_discards_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_discards_created_at'), ['created_at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attachment_discards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_discards_created_at'))
        batch_op.drop_index(batch_op.f('ix_attachment_discards_sha256'))
    op.drop_table('attachment_discards')
