"""e-mail channel: Message-IDs we sent (threads) and bounced addresses

Revision ID: 0008
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('email_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbound_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=998), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('in_reply_to', sa.Text(), nullable=True),
    sa.Column('references', sa.Text(), nullable=True),
    sa.Column('protocol_number', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                            name=op.f('fk_email_sent_conversation_id_conversations')),
    sa.ForeignKeyConstraint(['outbound_id'], ['outbound_messages.id'],
                            name=op.f('fk_email_sent_outbound_id_outbound_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_sent')),
    sa.UniqueConstraint('message_id', name=op.f('uq_email_sent_message_id')),
    sa.UniqueConstraint('outbound_id', name=op.f('uq_email_sent_outbound_id'))
    )
    with op.batch_alter_table('email_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_sent_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_sent_protocol_number'), ['protocol_number'], unique=False)

    op.create_table('email_bounces',
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('diagnostic', sa.Text(), nullable=True),
    sa.Column('bounce_message_id', sa.Text(), nullable=True),
    sa.Column('bounced_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('address', name=op.f('pk_email_bounces'))
    )


def downgrade() -> None:
    op.drop_table('email_bounces')
    with op.batch_alter_table('email_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_sent_protocol_number'))
        batch_op.drop_index(batch_op.f('ix_email_sent_conversation_id'))
    op.drop_table('email_sent')
