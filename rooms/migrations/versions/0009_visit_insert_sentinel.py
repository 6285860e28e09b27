"""booth_visits: an insert sentinel, so a tick's visits are written in batches on SQLite too

SQLite has no INSERT form that ties new ROWIDs to the order of the parameters, so SQLAlchemy's
"insertmanyvalues" falls back to one INSERT per row when RETURNING must come back in order
(rooms/visits.py needs each visit's id). A nullable client-side sentinel column lets it batch.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booth_visits") as batch:
        batch.add_column(sa.Column("_sentinel", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("booth_visits") as batch:
        batch.drop_column("_sentinel")
