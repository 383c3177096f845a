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
    # plain DROP COLUMN (SQLite >= 3.35): batch mode would recreate triage_cases, and dropping the
    # old table cascades to the notes under foreign_keys=ON (migrations/README.md)
    op.drop_column("triage_cases", "collectivity_epci_type")
