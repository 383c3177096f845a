"""Issue 13, point 6 and 8: no lost case under database contention, purge in short batches,
transcripts of active conversations kept, secure_delete. The lock is held by another process."""
from __future__ import annotations

import subprocess
import sys
import time

import sqlalchemy as sa
import pytest

import assistant.helpdesk.cases as cases_module
from assistant.db import get_engine
from assistant.helpdesk.cases import CaseStore, cases_table, utcnow

from .helpers import add_event, assessment, events_table

HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")          # the write lock, as a long purge or import holds it
conn.execute("CREATE TABLE IF NOT EXISTS hold_lock(x)")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def hold_write_lock(path, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


@pytest.fixture
def sqlite_store(tmp_path, monkeypatch):
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT", "0.5")
    url = f"sqlite:///{tmp_path / 'contention.sqlite'}"
    from assistant import db
    db._engine.cache_clear()
    store = CaseStore(get_engine(url))
    store.record("warm", "rest", {}, assessment())     # migrated before the lock is taken
    yield store, tmp_path / "contention.sqlite"
    store.engine.dispose()
    db._engine.cache_clear()


def test_a_case_written_during_a_lock_is_retried_not_lost(sqlite_store):
    store, path = sqlite_store
    proc = hold_write_lock(path, 1.5)       # longer than one busy timeout (0.5 s)
    try:
        case_id = store.record("pendant-le-verrou", "rest", {}, assessment(), handoff_reason="demande")
    finally:
        proc.wait(10)
    assert store.get(case_id).handoff_reason == "demande"


def test_a_lock_longer_than_the_retries_raises(sqlite_store, monkeypatch):
    store, path = sqlite_store
    monkeypatch.setattr(cases_module, "WRITE_ATTEMPTS", 2)
    monkeypatch.setattr(cases_module, "WRITE_BACKOFF", 0.1)
    proc = hold_write_lock(path, 4)
    try:
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError):
            store.record("jamais", "rest", {}, assessment())
        assert time.monotonic() - started < 3        # bounded: the user is told quickly
    finally:
        proc.wait(10)
    assert store.get_by_conversation("jamais") is None


def test_purge_writes_in_short_batches(sqlite_store):
    store, path = sqlite_store
    old = utcnow().replace(year=utcnow().year - 2)
    for i in range(25):
        store.record(f"vieux-{i}", "rest", {}, assessment())
    with store.engine.begin() as conn:
        conn.execute(cases_table.update().values(updated_at=old))
    commits = []
    sa.event.listen(store.engine, "commit", lambda conn: commits.append(1))
    result = store.purge(30, batch=10)
    assert result["cases"] == 26
    assert len(commits) >= 3                    # 26 cases in transactions of 10


def test_purge_keeps_the_transcript_of_a_conversation_active_today(store, engine):
    table = events_table(engine)
    old = time.time() - 400 * 86400
    store.record("actif", "rest", {}, assessment())
    store.record("fini", "rest", {}, assessment())
    with engine.begin() as conn:
        conn.execute(cases_table.update().values(updated_at=utcnow().replace(year=utcnow().year - 2)))
    add_event(engine, table, "actif", "user", "ancien message", ts=old)
    add_event(engine, table, "actif", "user", "message d'aujourd'hui")
    add_event(engine, table, "fini", "user", "ancien message", ts=old)
    result = store.purge(180)
    assert result["cases"] == 2
    assert [l.text for l in store.transcript("actif")] == ["ancien message", "message d'aujourd'hui"]
    assert store.transcript("fini") == []


def test_secure_delete_is_on_for_sqlite(sqlite_store):
    import sqlite3

    from assistant.db import sqlite_pragmas

    store, _ = sqlite_store
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    # whatever the build's default: the connect hook turns it on
    raw = sqlite3.connect(":memory:")
    raw.execute("PRAGMA secure_delete=OFF")
    sqlite_pragmas(raw)
    assert raw.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_nul_and_surrogates_are_stored_cleaned(store):
    case_id = store.record("nul\x00id", "rest", {"description": "Projet\x00 de \ud800 portail"},
                           assessment(name="Ma\x00mers"))
    case = store.get(case_id)
    assert "\x00" not in case.description and "\ud800" not in case.description
    assert case.collectivity_name == "Ma mers"
