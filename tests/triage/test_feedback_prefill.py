"""Issue 14 store: satisfaction answers, the prefilled DS dossier on a case, note authors,
staff accounts, migration 0003 from 0002 and back (SQLite; PostgreSQL via scripts/test_postgres.sh)."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from assistant.errors import InputError
from assistant.helpdesk import cases as cases_module
from assistant.helpdesk.cases import (CaseStore, SHARED_AUTHOR, cases_table, feedback_table,
                                      head_revision, migrate, notes_table)
from assistant.helpdesk.triage import CSV_COLUMNS, case_to_dict, iter_queue, to_csv

from .helpers import assessment


# --------------------------------------------------------------------------- feedback

def test_feedback_is_recorded_and_a_comment_goes_to_the_latest_no(store):
    first = store.record_feedback("conv-f", "verdict", False)
    store.record_feedback("conv-f", "faq", True, faq_key="faq_montant")
    second = store.record_feedback("conv-f", "FAQ", False, faq_key="faq_delais")
    assert first < second
    assert store.comment_feedback("conv-f", "  Pas clair sur les délais ; « trop long »  ") is True
    rows = {r["id"]: r for r in store.feedback_for("conv-f")}
    assert rows[second]["comment"] == "Pas clair sur les délais ; « trop long »"
    assert rows[second]["about"] == "faq" and rows[second]["faq_key"] == "faq_delais"
    assert rows[second]["helpful"] is False and rows[first]["comment"] is None
    # the next comment goes to the older "non" still without one, then there is none left
    assert store.comment_feedback("conv-f", "Le verdict aussi") is True
    assert rows[first]["id"] == first and store.feedback_for("conv-f")[0]["comment"] == "Le verdict aussi"
    assert store.comment_feedback("conv-f", "encore") is False


def test_comment_without_a_no_answer_is_not_stored(store, engine):
    store.record_feedback("conv-yes", "verdict", True)
    assert store.comment_feedback("conv-yes", "merci") is False
    assert store.comment_feedback("conv-none", "merci") is False
    with engine.connect() as conn:
        comments = conn.execute(sa.select(feedback_table.c.comment)).scalars().all()
    assert comments == [None]


@pytest.mark.parametrize("kwargs, word", [
    ({"conversation_id": "", "about": "verdict", "helpful": True}, "conversation"),
    ({"conversation_id": "c", "about": "autre", "helpful": True}, "verdict ou faq"),
    ({"conversation_id": "c", "about": "verdict", "helpful": "oui"}, "oui ou non"),
    ({"conversation_id": "c", "about": "verdict", "helpful": None}, "oui ou non"),
])
def test_bad_feedback_is_refused_in_french(store, kwargs, word):
    with pytest.raises(InputError) as err:
        store.record_feedback(**kwargs)
    assert word in str(err.value)


def test_comment_is_clipped_and_cleaned(store):
    store.record_feedback("conv-long", "verdict", False, faq_key="k" * 500)
    with pytest.raises(InputError, match="vide"):
        store.comment_feedback("conv-long", "  \x00 ")
    assert store.comment_feedback("conv-long", "a\x00b" + "é" * 5000)
    row = store.feedback_for("conv-long")[0]
    assert row["comment"].startswith("a b") and len(row["comment"]) == cases_module.COMMENT_MAX
    assert len(row["faq_key"]) == cases_module.FAQ_KEY_MAX


def test_feedback_write_is_retried_then_reported(store, monkeypatch):
    monkeypatch.setattr(cases_module, "WRITE_BACKOFF", 0.0)
    store.record_feedback("warm", "verdict", True)          # schema ready
    real_begin = store.engine.begin
    calls = {"n": 0}

    def flaky():
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return real_begin()

    monkeypatch.setattr(store.engine, "begin", flaky)
    assert store.record_feedback("retry", "faq", False) > 0      # third try succeeds
    calls["n"] = -10
    with pytest.raises(OperationalError):                       # never a silent loss
        store.record_feedback("lost", "faq", False)
    monkeypatch.setattr(store.engine, "begin", real_begin)
    assert [r["conversation_id"] for r in store.feedback_for("retry")] == ["retry"]
    assert store.feedback_for("lost") == []


def test_purge_removes_old_feedback(store, engine):
    store.record_feedback("old", "verdict", False)
    store.comment_feedback("old", "commentaire ancien")
    store.record_feedback("new", "verdict", True)
    with engine.begin() as conn:
        conn.execute(feedback_table.update().where(feedback_table.c.conversation_id == "old")
                     .values(created_at=dt.datetime.utcnow() - dt.timedelta(days=40)))
    assert store.purge(30, dry_run=True)["feedback"] == 1
    assert store.purge(30)["feedback"] == 1
    assert store.feedback_for("old") == [] and len(store.feedback_for("new")) == 1


# --------------------------------------------------------------------------- prefill

def test_prefill_creates_or_updates_the_case_and_shows_the_number(store):
    case_id = store.record("conv-p", "rest", {"description": "Site"}, assessment(eligibility="to_confirm"))
    assert store.record_prefill("conv-p", "rest", 123456, "RG9zc2llci0xMjM0NTY=",
                                "https://www.demarches-simplifiees.fr/dossiers/123456/brouillon?prefill_token=x") == case_id
    case = store.get(case_id)
    assert (case.dossier_number, case.dossier_id) == ("123456", "RG9zc2llci0xMjM0NTY=")
    assert case.dossier_url.startswith("https://") and case.prefilled_at is not None
    assert case.eligibility == "to_confirm" and case.description == "Site"   # nothing else changed
    assert case_to_dict(case)["dossier"]["number"] == "123456"
    rows = list(csv.reader(io.StringIO(to_csv([_item(case)]).decode("utf-8-sig")), delimiter=";"))
    col = [label for _, label in CSV_COLUMNS].index("Dossier démarches-simplifiées")
    assert rows[1][col] == "123456"
    # no case yet: the prefill creates one
    other = store.record_prefill("conv-q", "socketio", "789", "id", "https://ds.example/d/789")
    assert other != case_id and store.get(other).dossier_number == "789"


@pytest.mark.parametrize("number, url, word", [
    ("", "https://x/d", "numéro"), (None, "https://x/d", "numéro"), (True, "https://x/d", "numéro"),
    ("12", "", "adresse"), ("12", "javascript:alert(1)", "adresse"), ("12", "https://a b", "adresse"),
])
def test_bad_prefill_is_refused_in_french(store, number, url, word):
    with pytest.raises(InputError, match=word):
        store.record_prefill("conv-bad", "rest", number, "id", url)
    assert store.get_by_conversation("conv-bad") is None


def _item(case):
    from assistant.helpdesk.triage import PriorityRules, QueueItem
    return QueueItem(case, PriorityRules.default().priority(case))


# --------------------------------------------------------------------------- authors

def test_notes_and_status_changes_record_their_author(store):
    case_id = store.record("conv-a", "rest", {}, assessment())
    store.add_note(case_id, "Appelé la mairie", author="marie.durand")
    case = store.set_status(case_id, "en cours", author="paul")
    assert [(n.kind, n.author, n.author_label) for n in case.notes] == [
        ("note", "marie.durand", "marie.durand"), ("status", "paul", "paul")]
    case = store.add_note(case_id, "sans compte")            # the shared password
    assert case.notes[-1].author is None and case.notes[-1].author_label == SHARED_AUTHOR
    assert case_to_dict(case, with_details=True)["notes"][0]["author"] == "marie.durand"
    chunks = [it for chunk in iter_queue(store) for it in chunk]
    assert chunks[0].case.last_author == SHARED_AUTHOR
    rows = list(csv.reader(io.StringIO(to_csv(chunks).decode("utf-8-sig")), delimiter=";"))
    assert rows[1][[l for _, l in CSV_COLUMNS].index("Dernière intervention par")] == SHARED_AUTHOR


# --------------------------------------------------------------------------- staff accounts

def test_staff_accounts(store):
    assert store.has_users() is False and store.list_users() == []
    store.add_user("Marie.Durand", "scrypt:16:1:1:c2FsdA==:aGFzaA==")
    assert store.has_users() is True
    assert [u["login"] for u in store.list_users()] == ["marie.durand"]
    assert store.user_hash("marie.durand").startswith("scrypt:")
    assert store.user_hash("inconnu") is None and store.user_hash("' OR 1=1 --") is None
    with pytest.raises(InputError, match="existe déjà"):
        store.add_user("marie.durand", "scrypt:16:1:1:c2FsdA==:aGFzaA==")
    with pytest.raises(InputError, match="invalide"):
        store.add_user("marie durand", "scrypt:16:1:1:c2FsdA==:aGFzaA==")
    with pytest.raises(InputError, match="empreinte"):
        store.add_user("paul", "motdepasse")
    assert store.remove_user("marie.durand") is True and store.remove_user("marie.durand") is False
    assert store.has_users() is False


# --------------------------------------------------------------------------- migration

def test_upgrade_from_0002_keeps_cases_and_back(engine):
    migrate(engine, "0002_epci_type")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO triage_cases (conversation_id, channel, created_at, updated_at, "
                             "status) VALUES ('v2', 'rest', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'nouveau')"))
        conn.execute(sa.text("INSERT INTO triage_case_notes (case_id, created_at, kind, text) "
                             "SELECT id, CURRENT_TIMESTAMP, 'note', 'ancienne' FROM triage_cases"))
    assert migrate(engine, "head") == head_revision() == "0003_feedback_prefill_staff"
    store = CaseStore(engine)
    old = store.get_by_conversation("v2")
    assert old.dossier_number is None and old.notes[0].author_label == SHARED_AUTHOR
    store.record_prefill("v2", "rest", 5, "x", "https://ds.example/5")
    store.record_feedback("v2", "verdict", True)
    assert migrate(engine, "0002_epci_type", downgrade=True) == "0002_epci_type"
    names = set(sa.inspect(engine).get_table_names())
    assert "triage_feedback" not in names and "triage_staff_users" not in names
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM triage_cases")).scalar() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM triage_case_notes")).scalar() == 1


def test_downgrade_to_0001_keeps_the_notes(engine):
    # batch mode recreated triage_cases, and the drop cascaded to the notes (foreign_keys=ON)
    migrate(engine, "head")
    store = CaseStore(engine)
    store.add_note(store.record("n1", "rest", {}, assessment()), "à garder", author="paul")
    assert migrate(engine, "0001_cases", downgrade=True) == "0001_cases"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM triage_case_notes")).scalar() == 1
