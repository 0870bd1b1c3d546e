"""document cases (registration update, maioridade, troca de titularidade) and their
documents; an inbound message's next media try; a beneficiary's marital status

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'document_cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('protocol', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('beneficiary_ref', sa.String(length=64), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('changes', sa.JSON(), nullable=False),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('review_due', sa.Date(), nullable=True),
        sa.Column('reminders_sent', sa.Integer(), nullable=False),
        sa.Column('last_activity_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_document_cases_conversation_id_conversations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_cases')),
        sa.UniqueConstraint('protocol', name=op.f('uq_document_cases_protocol')),
    )
    with op.batch_alter_table('document_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_cases_beneficiary_ref'), ['beneficiary_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_cases_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_cases_status'), ['status'], unique=False)
    op.create_table(
        'case_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('item', sa.String(length=40), nullable=False),
        sa.Column('attachment_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.String(length=40), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('reviewed_by', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['document_cases.id'],
                                name=op.f('fk_case_documents_case_id_document_cases')),
        sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'],
                                name=op.f('fk_case_documents_attachment_id_attachments')),
        sa.ForeignKeyConstraint(['reviewed_by'], ['attendants.id'],
                                name=op.f('fk_case_documents_reviewed_by_attendants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_documents')),
        sa.UniqueConstraint('case_id', 'attachment_id', name=op.f('uq_case_documents_case_id_attachment_id')),
    )
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_documents_case_id'), ['case_id'], unique=False)
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('reg_beneficiaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marital_status', sa.String(length=30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reg_beneficiaries', schema=None) as batch_op:
        batch_op.drop_column('marital_status')
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_column('retry_at')
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_documents_case_id'))
    op.drop_table('case_documents')
    with op.batch_alter_table('document_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_cases_status'))
        batch_op.drop_index(batch_op.f('ix_document_cases_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_document_cases_beneficiary_ref'))
    op.drop_table('document_cases')
