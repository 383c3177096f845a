"""Case tables of the helpdesk triage (issue 5): triage_cases and triage_case_notes.

Revision ID: 0001_cases
Revises:
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "0001_cases"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "triage_cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False, server_default="inconnu"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("assessed_at", sa.DateTime, nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="nouveau"),
        sa.Column("collectivity_code", sa.String(16), nullable=True),
        sa.Column("collectivity_name", sa.String(200), nullable=True),
        sa.Column("collectivity_type", sa.String(40), nullable=True),
        sa.Column("population", sa.Integer, nullable=True),
        sa.Column("department", sa.String(3), nullable=True),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("agents_count", sa.Integer, nullable=True),
        sa.Column("users_count", sa.Integer, nullable=True),
        sa.Column("budget_eur", sa.Float, nullable=True),
        sa.Column("sub_axis", sa.String(2), nullable=True),
        sa.Column("eligibility", sa.String(16), nullable=True),
        sa.Column("amount_kind", sa.String(16), nullable=True),
        sa.Column("amount_eur", sa.Float, nullable=True),
        sa.Column("amount_explanation", sa.Text, nullable=True),
        sa.Column("findings", sa.JSON, nullable=True),
        sa.Column("missing", sa.JSON, nullable=True),
        sa.Column("summary", sa.Text, nullable=True),
        sa.Column("handoff_reason", sa.Text, nullable=True),
        sa.Column("handoff_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("conversation_id", name="uq_triage_cases_conversation"),
    )
    op.create_index("ix_triage_cases_created_at", "triage_cases", ["created_at"])
    op.create_index("ix_triage_cases_updated_at", "triage_cases", ["updated_at"])
    op.create_index("ix_triage_cases_department", "triage_cases", ["department"])
    op.create_index("ix_triage_cases_status", "triage_cases", ["status"])
    op.create_table(
        "triage_case_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer,
                  sa.ForeignKey("triage_cases.id", ondelete="CASCADE", name="fk_triage_notes_case"),
                  nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, server_default="note"),
        sa.Column("old_status", sa.String(16), nullable=True),
        sa.Column("new_status", sa.String(16), nullable=True),
        sa.Column("text", sa.Text, nullable=True),
    )
    op.create_index("ix_triage_case_notes_case_id", "triage_case_notes", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_triage_case_notes_case_id", table_name="triage_case_notes")
    op.drop_table("triage_case_notes")
    for name in ("status", "department", "updated_at", "created_at"):
        op.drop_index(f"ix_triage_cases_{name}", table_name="triage_cases")
    op.drop_table("triage_cases")
