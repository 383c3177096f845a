"""CSV export opened back, purge of cases and transcripts, migrations empty -> head -> base."""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from assistant.helpdesk.cases import CaseStore, cases_table, current_revision, head_revision, migrate, metadata, notes_table
from assistant.helpdesk.triage import CSV_COLUMNS, Filter, queue, to_csv

from .helpers import add_event, assessment, events_table

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- CSV

def test_csv_opens_back_with_bom_and_accents(store):
    store.record("c1", "rest", {"description": "Dématérialiser l'état civil ; « urgent »\nligne 2",
                                "agents_count": 12},
                 assessment(name="Saint-Étienne-du-Grès", population=2400, department="13",
                            eligibility="to_confirm", eur=5000.0))
    store.record("c2", "rest", {"description": "=HYPERLINK(\"http://x\")"},
                 assessment(name="Évreux", population=47000, department="27", eur=12500.5))
    items = queue(store)
    data = to_csv(items)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == [label for _, label in CSV_COLUMNS]
    assert len(rows) == 1 + len(items)
    col = {label: i for i, (_, label) in enumerate(CSV_COLUMNS)}
    first, second = rows[1], rows[2]
    assert first[col["Collectivité"]] == "Saint-Étienne-du-Grès"
    assert first[col["Description du projet"]] == "Dématérialiser l'état civil ; « urgent »\nligne 2"
    assert first[col["Éligibilité"]] == "à confirmer"
    assert first[col["Rang"]] == "1" and first[col["Montant (€)"]] == "5000"
    assert "Petite collectivité" in first[col["Raisons de la priorité"]]
    assert second[col["Collectivité"]] == "Évreux" and second[col["Montant (€)"]] == "12500,50"
    # a formula in free text is neutralised for the spreadsheet
    assert second[col["Description du projet"]] == "'=HYPERLINK(\"http://x\")"
    assert [r[col["Dossier"]] for r in rows[1:]] == [str(it.case.id) for it in items]


def test_csv_follows_the_filter(store):
    store.record("a", "rest", {}, assessment(department="72"))
    store.record("b", "rest", {}, assessment(department="61"))
    data = to_csv(queue(store, Filter.from_mapping({"department": "61"})))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 2 and rows[1][[l for _, l in CSV_COLUMNS].index("Département")] == "61"


# --------------------------------------------------------------------------- purge

def _age(engine, case_id, days):
    when = dt.datetime.utcnow() - dt.timedelta(days=days)
    with engine.begin() as conn:
        conn.execute(cases_table.update().where(cases_table.c.id == case_id)
                     .values(created_at=when, updated_at=when))
    return when


def test_purge_removes_old_cases_notes_and_their_transcripts(store, engine):
    events = events_table(engine)
    old = store.record("old-conv", "rest", {}, assessment())
    store.add_note(old, "note ancienne")
    recent = store.record("new-conv", "rest", {}, assessment())
    when = _age(engine, old, 200).replace(tzinfo=dt.timezone.utc).timestamp()
    add_event(engine, events, "old-conv", "user", "Bonjour, je suis le maire", ts=when)
    add_event(engine, events, "old-conv", "bot", "Bonjour", ts=when + 1)
    add_event(engine, events, "new-conv", "user", "Bonjour", ts=when)  # old event, recent case: kept
    add_event(engine, events, "new-conv", "user", "Encore là")
    add_event(engine, events, "orphan-old", "user", "sans dossier", ts=when)
    add_event(engine, events, "orphan-new", "user", "sans dossier, récent")

    dry = store.purge(180, dry_run=True)
    assert (dry["cases"], dry["notes"], dry["events"]) == (1, 1, 3)
    assert store.get(old).id == old  # nothing removed by a dry run

    result = store.purge(180)
    assert (result["cases"], result["notes"], result["events"]) == (1, 1, 3)
    with engine.connect() as conn:
        senders = sorted(conn.execute(sa.select(events.c.sender_id).distinct()).scalars())
        ids = list(conn.execute(sa.select(cases_table.c.id)).scalars())
        notes = conn.execute(sa.select(sa.func.count()).select_from(notes_table)).scalar_one()
    assert senders == ["new-conv", "orphan-new"]
    assert ids == [recent] and notes == 0
    assert len(store.transcript("new-conv")) == 2


def test_purge_without_tracker_table(store, engine):
    old = store.record("old", "rest", {}, None, "x")
    _age(engine, old, 400)
    assert store.purge(365)["cases"] == 1 and store.purge(365)["events"] == 0


def test_purge_command(tmp_path, monkeypatch, capsys):
    from assistant.cli import main
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    from assistant.db import get_engine
    store = CaseStore(get_engine(url))
    keep = store.record("keep", "rest", {}, assessment())
    gone = store.record("gone", "rest", {}, assessment())
    _age(store.engine, gone, 181)
    assert main(["purge", "--older-than", "180d"]) == 0
    out = capsys.readouterr().out
    assert "1 dossier(s)" in out and "gone" not in out
    assert [it.case.id for it in queue(store)] == [keep]
    assert main(["purge", "--older-than", "six mois"]) == 2
    assert "illisible" in capsys.readouterr().err
    monkeypatch.setenv("RETENTION_DAYS", "1")
    _age(store.engine, keep, 2)
    assert main(["purge"]) == 0 and queue(store) == []


# --------------------------------------------------------------------------- migrations

def test_migration_from_empty_database_to_head_and_back(engine):
    assert current_revision(engine) is None
    assert migrate(engine, "head") == head_revision()
    inspector = sa.inspect(engine)
    for table in metadata.sorted_tables:  # the tables of the code agree with the migrations
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
    uniques = inspector.get_unique_constraints("triage_cases")
    assert any(u["column_names"] == ["conversation_id"] for u in uniques)
    assert migrate(engine, "base", downgrade=True) is None
    names = set(sa.inspect(engine).get_table_names())
    assert not names & {"triage_cases", "triage_case_notes"}
    assert migrate(engine, "head") == head_revision()
    CaseStore(engine).record("after", "rest", {}, assessment())


def test_alembic_command_line_uses_database_url(tmp_path):
    db = tmp_path / "cli.sqlite"
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db}")
    alembic = Path(sys.executable).with_name("alembic")
    run = subprocess.run([str(alembic), "-c", "migrations/alembic.ini", "upgrade", "head"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-800:]
    from assistant.db import get_engine
    eng = get_engine(env["DATABASE_URL"])
    assert current_revision(eng) == head_revision()
    assert "triage_cases" in sa.inspect(eng).get_table_names()
    eng.dispose()


def test_migrate_command(tmp_path, monkeypatch, capsys):
    from assistant.cli import main
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'm.sqlite'}")
    assert main(["triage", "migrate"]) == 0
    assert head_revision() in capsys.readouterr().out
    assert main(["triage", "migrate", "--downgrade"]) == 0
    assert "base" in capsys.readouterr().out


def test_upgrade_from_0001_keeps_the_cases_and_adds_the_epci_kind(engine):
    migrate(engine, "0001_cases")
    with engine.begin() as conn:   # a case stored by the first version of the schema
        conn.execute(sa.text("INSERT INTO triage_cases (conversation_id, channel, created_at, updated_at, "
                             "status, collectivity_name, collectivity_type) VALUES ('v1', 'rest', "
                             "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'nouveau', 'CC Ancienne', 'epci')"))
    assert migrate(engine, "head") == head_revision()
    store = CaseStore(engine)
    old = store.get_by_conversation("v1")
    assert old.collectivity_name == "CC Ancienne" and old.collectivity_epci_type is None
    a = assessment(ctype="epci")
    a["collectivity"]["epci_type"] = "CA"
    new = store.get(store.record("v2", "rest", {}, a))
    assert new.collectivity_epci_type == "CA"
    assert migrate(engine, "0001_cases", downgrade=True) == "0001_cases"   # and back: cases kept
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM triage_cases")).scalar() == 2
