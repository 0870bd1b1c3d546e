"""One head again after the journeys built side by side on 0010: registration and document
cases (0011), procedures, guides and
disputes (0013), retention and cancellation (0014), and the pipeline indexes (0015).

Revision ID: 0016
Revises: 0011, 0013, 0014, 0015
"""
revision = "0016"
down_revision = ("0011", "0013", "0014", "0015")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
