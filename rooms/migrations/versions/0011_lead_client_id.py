"""leads: the sending page's client_id, so a retried inquiry finds its lead instead of making another

A buyer whose ack was lost (the network dropped between the commit and the answer) is told to try
again; the retry carries the same client_id and gets the lead already made. Unique per buyer and
booth; NULL (clients that send none) never collides.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("client_id", sa.String(64), nullable=True))
    # A unique index, not a constraint: on SQLite a new constraint means copying the table, and
    # dropping the old one with foreign keys on would take the leads' notes with it.
    op.create_index("uq_leads_buyer_booth_client", "leads", ["buyer_id", "booth_id", "client_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_leads_buyer_booth_client", table_name="leads")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("client_id")
