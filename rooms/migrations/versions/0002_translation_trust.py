"""translation trust: uncertain translations, booth glossaries

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import rooms.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message_translations") as batch:
        batch.add_column(sa.Column("uncertain", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("message_uncertain", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("booths") as batch:
        batch.add_column(sa.Column("glossary_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "glossary_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booth_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=80), nullable=False),
        sa.Column("translations", sa.JSON(), nullable=False),
        sa.Column("created_at", rooms.models.UTCDateTime(), nullable=False),
        sa.Column("updated_at", rooms.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["booth_id"], ["booths.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("booth_id", "term", name="uq_glossary_booth_term"),
    )
    op.create_index(op.f("ix_glossary_entries_booth_id"), "glossary_entries", ["booth_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_glossary_entries_booth_id"), table_name="glossary_entries")
    op.drop_table("glossary_entries")
    with op.batch_alter_table("booths") as batch:
        batch.drop_column("glossary_version")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("message_uncertain")
    with op.batch_alter_table("message_translations") as batch:
        batch.drop_column("uncertain")
