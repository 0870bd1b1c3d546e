"""One head again after the console (0007), the e-mail channel (0008) and attachments (0009)
were built side by side on 0006.

Revision ID: 0010
Revises: 0007, 0008, 0009
"""
revision = "0010"
down_revision = ("0007", "0008", "0009")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
