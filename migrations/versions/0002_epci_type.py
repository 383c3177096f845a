"""The EPCI's kind (CC, CA, CU, METRO, MET69) on a case, so that triage names it
("communauté de communes") as the engine does; older cases keep NULL and read "EPCI".

Revision ID: 0002_epci_type
Revises: 0001_cases
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0002_epci_type"
down_revision = "0001_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot drop a column in place (downgrade); PostgreSQL runs plain ALTERs
    with op.batch_alter_table("triage_cases") as batch:
        batch.add_column(sa.Column("collectivity_epci_type", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("triage_cases") as batch:
        batch.drop_column("collectivity_epci_type")
