"""booth analytics: buyers' visits to booths, per-node presence samples, a lead's first response

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import rooms.models

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("first_response_at", rooms.models.UTCDateTime(), nullable=True))
    op.create_table(
        "booth_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booth_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", rooms.models.UTCDateTime(), nullable=False),
        sa.Column("left_at", rooms.models.UTCDateTime(), nullable=True),
        sa.Column("country", sa.String(length=64), nullable=True),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(["booth_id"], ["booths.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_booth_visits_booth_joined", "booth_visits", ["booth_id", "joined_at"], unique=False)
    op.create_index("ix_booth_visits_user_id", "booth_visits", ["user_id"], unique=False)
    op.create_table(
        "presence_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booth_id", sa.Integer(), nullable=False),
        sa.Column("node", sa.String(length=32), nullable=False),
        sa.Column("at", rooms.models.UTCDateTime(), nullable=False),
        sa.Column("viewers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["booth_id"], ["booths.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booth_id", "node", "at", name="uq_presence_samples_node_at"),
    )
    op.create_index("ix_presence_samples_booth_at", "presence_samples", ["booth_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_presence_samples_booth_at", table_name="presence_samples")
    op.drop_table("presence_samples")
    op.drop_index("ix_booth_visits_user_id", table_name="booth_visits")
    op.drop_index("ix_booth_visits_booth_joined", table_name="booth_visits")
    op.drop_table("booth_visits")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("first_response_at")
