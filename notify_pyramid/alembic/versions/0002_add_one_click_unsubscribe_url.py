"""add the one-click unsubscribe url of an email notification

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "notifications",
        sa.Column("one_click_unsubscribe_url", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("one_click_unsubscribe_url")
