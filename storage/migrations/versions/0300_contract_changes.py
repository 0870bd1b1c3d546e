"""contract changes applied after a document review: a beneficiary's status (a troca de
titularidade ends the former holder's membership), a dependent kept as a student until a
date (maioridade), a new holder registered without a birth date, and the registry's
record of each applied change (reg_contract_changes, unique idempotency key)

Revision ID: 0300
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa


revision = '0300'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reg_contract_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sa.String(length=160), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('beneficiary_ref', sa.String(length=64), nullable=False),
        sa.Column('protocol', sa.String(length=64), nullable=False),
        sa.Column('effective_on', sa.Date(), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('applied_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reg_contract_changes')),
        sa.UniqueConstraint('idempotency_key', name=op.f('uq_reg_contract_changes_idempotency_key')),
    )
    with op.batch_alter_table('reg_contract_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reg_contract_changes_beneficiary_ref'),
                              ['beneficiary_ref'], unique=False)
    with op.batch_alter_table('reg_beneficiaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), server_default='active',
                                      nullable=False))
        batch_op.add_column(sa.Column('status_since', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('student_until', sa.Date(), nullable=True))
        batch_op.alter_column('birth_date', existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('reg_beneficiaries', schema=None) as batch_op:
        batch_op.alter_column('birth_date', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('student_until')
        batch_op.drop_column('status_since')
        batch_op.drop_column('status')
    with op.batch_alter_table('reg_contract_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reg_contract_changes_beneficiary_ref'))
    op.drop_table('reg_contract_changes')
