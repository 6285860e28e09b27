"""users: an insert sentinel, so a crowd's guest sign-ins are written in one statement on SQLite too

Guest sign-ins are committed in groups (rooms/users.py, GuestSignIns) and each needs its own new
id. SQLite has no INSERT form that ties new ROWIDs to the order of the parameters, so without a
nullable client-side sentinel column SQLAlchemy writes one INSERT per row.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("_sentinel", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("_sentinel")
