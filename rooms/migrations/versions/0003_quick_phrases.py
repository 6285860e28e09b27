"""quick phrases: a message may be a catalogue phrase with typed parameters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("phrase_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("phrase_params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("phrase_params")
        batch.drop_column("phrase_id")
