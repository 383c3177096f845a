"""`assistant triage list|show|status|note|export|hash-password` on a temporary database."""
from __future__ import annotations

import csv
import io
import json

import pytest

from assistant.helpdesk.cases import CaseStore
from assistant.cli import main
from assistant.db import get_engine
from assistant.helpdesk.triage import verify_password

from .helpers import add_event, assessment, events_table


@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    yield CaseStore(get_engine(url))
    get_engine(url).dispose()


def test_list_in_priority_order_with_reasons(cli_store, capsys):
    cli_store.record("big", "rest", {}, assessment(name="Le Mans", population=145000))
    cli_store.record("small", "rest", {}, assessment(name="Mamers", population=5000, eligibility="to_confirm"))
    assert main(["triage", "list"]) == 0
    out = capsys.readouterr().out
    assert out.index("Mamers") < out.index("Le Mans")
    assert "Vérification humaine nécessaire" in out and "Collectivité moyenne" in out
    assert "3c – projet de transformation numérique" in out     # the engine's words, not "3c" alone
    assert main(["triage", "list", "--json", "--eligibility", "to_confirm"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["collectivity"]["name"] for c in data] == ["Mamers"]
    assert main(["triage", "list", "--department", "61"]) == 0
    assert "Aucun dossier" in capsys.readouterr().out


def test_show_status_note(cli_store, capsys):
    case_id = cli_store.record("conv-s", "rest", {"description": "Téléphonie"}, assessment())
    table = events_table(cli_store.engine)
    add_event(cli_store.engine, table, "conv-s", "user", "Bonjour l'assistant")
    assert main(["triage", "status", str(case_id), "en cours", "--note", "Appel lundi"]) == 0
    assert "« en cours »" in capsys.readouterr().out
    assert main(["triage", "note", str(case_id), "Pièces reçues"]) == 0
    assert main(["triage", "show", str(case_id)]) == 0
    out = capsys.readouterr().out
    assert "Téléphonie" in out and "Usager : Bonjour l'assistant" in out
    from assistant.eligibility.labels import SUB_AXIS_LABELS
    assert SUB_AXIS_LABELS["3c"] in out and "Type" in out and "commune" in out
    assert "statut nouveau → en cours : Appel lundi" in out and "Pièces reçues" in out
    assert "« L'enveloppe à la main des préfets" in out or "5000 habitants" in out
    assert main(["triage", "show", str(case_id), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "en_cours" and data["transcript"][0]["text"] == "Bonjour l'assistant"


def test_errors_are_french_not_tracebacks(cli_store, capsys):
    assert main(["triage", "show", "42"]) == 2
    assert "dossier n° 42 introuvable" in capsys.readouterr().err
    case_id = cli_store.record("c", "rest", {}, assessment())
    assert main(["triage", "status", str(case_id), "fini"]) == 2
    assert "statut inconnu" in capsys.readouterr().err
    assert main(["triage", "list", "--since", "hier"]) == 2
    assert "illisible" in capsys.readouterr().err


def test_export_to_a_file(cli_store, tmp_path, capsys):
    cli_store.record("c", "rest", {}, assessment(name="Saint-Étienne", department="42"))
    out = tmp_path / "file.csv"
    assert main(["triage", "export", "--department", "42", "-o", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 2 and "Saint-Étienne" in rows[1]


def test_hash_password(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("un mot de passe solide\n"))
    assert main(["triage", "hash-password", "--stdin"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("scrypt:") and "$" not in line
    assert verify_password("un mot de passe solide", line)
    assert not verify_password("un mot de passe faux", line)
    monkeypatch.setattr("sys.stdin", io.StringIO("court\n"))
    assert main(["triage", "hash-password", "--stdin"]) == 2
    assert "trop court" in capsys.readouterr().err
