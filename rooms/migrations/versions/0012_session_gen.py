"""users: session_gen, so a password change ends the account's sessions

Tokens carry the account's `session_gen` (`gen`); a password change bumps it, and tokens issued
before are refused, open sockets included. Tokens from before this revision carry none and count
as 0, the column's default: nobody is signed out by the upgrade.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_gen", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_gen")
