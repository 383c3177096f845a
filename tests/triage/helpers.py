"""Helpers of the triage suite: Rasa's events table as SQLTrackerStore creates it, and engine
answers shaped like the contract of docs/ARCHITECTURE.md."""
from __future__ import annotations

import json
import time

import sqlalchemy as sa


def events_table(engine) -> sa.Table:
    md = sa.MetaData()
    table = sa.Table(
        "events", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("type_name", sa.String(255), nullable=False),
        sa.Column("timestamp", sa.Float),
        sa.Column("intent_name", sa.String(255)),
        sa.Column("action_name", sa.String(255)),
        sa.Column("data", sa.Text),
    )
    md.create_all(engine)
    return table


def add_event(engine, table, sender, type_name, text=None, ts=None, action=None):
    ts = time.time() if ts is None else ts
    data = {"event": type_name, "timestamp": ts}
    if text is not None:
        data["text"] = text
    if action:
        data["name"] = action
    with engine.begin() as conn:
        conn.execute(table.insert().values(sender_id=sender, type_name=type_name, timestamp=ts,
                                           action_name=action, data=json.dumps(data)))


def assessment(eligibility="eligible", sub_axis="3c", code="72180", name="Mamers",
               ctype="commune", population=5000, department="72", eur=5000.0, missing=None):
    return {
        "eligibility": eligibility,
        "findings": [{"rule": "applicant_type", "status": "met",
                      "message": "Une commune peut candidater.",
                      "source": {"section": "Pour qui ?", "quote": "les communes"}, "values": {}}],
        "missing": list(missing or []),
        "sub_axis": sub_axis,
        "amount": {"kind": "flat_rate", "eur": eur, "explanation": "Forfait du département.",
                   "excluded_expenses": []},
        "collectivity": {"code": code, "siren": "217201802", "name": name, "type": ctype,
                         "epci_type": None, "population": population, "department": department,
                         "department_name": "Sarthe", "candidates": []},
        "contacts": [{"kind": "prefecture", "name": "Préfecture", "email": "pref@example.org"}],
        "advice": ["Déposer le dossier."],
        "summary": f"{name} : projet {sub_axis}, {eligibility}.",
    }
