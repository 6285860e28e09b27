"""images: a booth's logo and cover, a product's photo (content-hash keys of media/images.py)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booths") as batch:
        batch.add_column(sa.Column("logo_image", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("cover_image", sa.String(length=32), nullable=True))
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("image", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_column("image")
    with op.batch_alter_table("booths") as batch:
        batch.drop_column("cover_image")
        batch.drop_column("logo_image")
