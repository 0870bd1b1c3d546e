"""attachments people sent (content-addressed in the attachment store) and their views

Revision ID: 0009
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('mime', sa.String(length=100), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('original_filename', sa.String(length=255), nullable=True),
        sa.Column('conversation_id', sa.Integer(), nullable=True),
        sa.Column('inbound_message_id', sa.Integer(), nullable=True),
        sa.Column('case_ref', sa.String(length=64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_attachments_conversation_id_conversations')),
        sa.ForeignKeyConstraint(['inbound_message_id'], ['inbound_messages.id'],
                                name=op.f('fk_attachments_inbound_message_id_inbound_messages')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
        sa.UniqueConstraint('inbound_message_id', 'sha256',
                            name=op.f('uq_attachments_inbound_message_id_sha256')),
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_case_ref'), ['case_ref'], unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_conversation_id'), ['conversation_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_attachments_sha256'), ['sha256'], unique=False)

    op.create_table(
        'attachment_views',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('attachment_id', sa.Integer(), nullable=False),
        sa.Column('attendant_id', sa.Integer(), nullable=False),
        sa.Column('viewed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['attachment_id'], ['attachments.id'],
                                name=op.f('fk_attachment_views_attachment_id_attachments')),
        sa.ForeignKeyConstraint(['attendant_id'], ['attendants.id'],
                                name=op.f('fk_attachment_views_attendant_id_attendants')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attachment_views')),
    )
    with op.batch_alter_table('attachment_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachment_views_attachment_id'), ['attachment_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_attachment_views_attendant_id'), ['attendant_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attachment_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachment_views_attendant_id'))
        batch_op.drop_index(batch_op.f('ix_attachment_views_attachment_id'))
    op.drop_table('attachment_views')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_sha256'))
        batch_op.drop_index(batch_op.f('ix_attachments_conversation_id'))
        batch_op.drop_index(batch_op.f('ix_attachments_case_ref'))
    op.drop_table('attachments')
