"""Issue 14: satisfaction answers (triage_feedback), the prefilled demarches-simplifiees dossier
on a case (dossier_number, dossier_id, dossier_url, prefilled_at), named staff accounts
(triage_staff_users) and the author of each note or status change (triage_case_notes.author).

The tables keep the `triage_` prefix of 0001 (Alembic owns those only, migrations/README.md).

Revision ID: 0003_feedback_prefill_staff
Revises: 0002_epci_type
Create Date: 2026-12-01
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0003_feedback_prefill_staff"
down_revision = "0002_epci_type"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "triage_feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("about", sa.String(8), nullable=False),          # 'verdict' | 'faq'
        sa.Column("faq_key", sa.String(128), nullable=True),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_triage_feedback_conversation_id", "triage_feedback", ["conversation_id"])
    op.create_index("ix_triage_feedback_created_at", "triage_feedback", ["created_at"])
    op.create_table(
        "triage_staff_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("login", name="uq_triage_staff_users_login"),
    )
    with op.batch_alter_table("triage_cases") as batch:
        batch.add_column(sa.Column("dossier_number", sa.String(32), nullable=True))
        batch.add_column(sa.Column("dossier_id", sa.String(128), nullable=True))
        batch.add_column(sa.Column("dossier_url", sa.String(2000), nullable=True))
        batch.add_column(sa.Column("prefilled_at", sa.DateTime, nullable=True))
    with op.batch_alter_table("triage_case_notes") as batch:
        batch.add_column(sa.Column("author", sa.String(64), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite >= 3.35, PostgreSQL), not batch mode: batch mode
    # recreates triage_cases, and with foreign_keys=ON (assistant/db.py) dropping the old table
    # would cascade to the notes (tested: tests/triage/test_feedback_prefill.py).
    op.drop_column("triage_case_notes", "author")
    for name in ("prefilled_at", "dossier_url", "dossier_id", "dossier_number"):
        op.drop_column("triage_cases", name)
    op.drop_table("triage_staff_users")
    op.drop_index("ix_triage_feedback_created_at", table_name="triage_feedback")
    op.drop_index("ix_triage_feedback_conversation_id", table_name="triage_feedback")
    op.drop_table("triage_feedback")
