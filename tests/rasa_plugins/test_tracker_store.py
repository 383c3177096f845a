"""rasa_plugins/tracker_store.py: Rasa's SQL rows, without rebuilding the conversation it just saved.

Every test checks the database with Rasa's own SQLTrackerStore (what a restarted server, another
instance or the triage transcript reads), never only the cache.
"""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

from rasa_plugins import tracker_store
from store_helpers import cached, rasa_store, turn  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


def run(coro):
    return asyncio.run(coro)




async def first_turn(store, domain, sender: str, text: str, role: str | None = None):
    """A new conversation as Rasa starts it (get_or_create_tracker), one turn, saved."""
    t = await store.get_or_create_tracker(sender, append_action_listen=False)
    turn(t, domain, text, role=role)
    await store.save(t)
    return t


def rows(db: Path, sender: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT type_name, action_name, intent_name FROM events "
                            "WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()


def dicts(tracker) -> list[dict]:
    return [e.as_dict() for e in tracker.events]


def test_same_rows_as_rasa_and_no_reload_of_a_saved_conversation(domain, tmp_path):
    mine, theirs = tmp_path / "mine.sqlite", tmp_path / "theirs.sqlite"
    store, reference = cached(domain, mine), rasa_store(domain, theirs)

    async def conversation(s):
        t = await first_turn(s, domain, "maire", "Bonjour, je suis le maire de Mamers", role="maire")
        for text in ("oui", "juin 2022", "12 000 €"):
            t = await s.retrieve("maire")
            turn(t, domain, text)
            await s.save(t)
        return t

    mine_tracker, their_tracker = run(conversation(store)), run(conversation(reference))
    assert rows(mine, "maire") == rows(theirs, "maire")
    assert len(rows(mine, "maire")) == len(mine_tracker.events) == 13
    # the database holds the whole conversation, as Rasa reads it after a restart
    reread = run(rasa_store(domain, mine).retrieve("maire"))
    assert dicts(reread) == dicts(mine_tracker)
    assert reread.get_slot("role") == "maire"
    # the conversation just saved is handed out again without being rebuilt from SQL
    assert run(store.retrieve("maire")) is mine_tracker
    assert run(reference.retrieve("maire")) is not their_tracker


def test_another_writer_makes_it_reload_and_nothing_is_duplicated(domain, tmp_path):
    db = tmp_path / "t.sqlite"
    store, other = cached(domain, db), rasa_store(domain, db)   # other: a second Rasa instance

    async def scenario():
        t = await first_turn(store, domain, "s1", "Bonjour")
        elsewhere = await other.retrieve("s1")
        turn(elsewhere, domain, "je suis la secrétaire de mairie", role="secrétaire")
        await other.save(elsewhere)
        again = await store.retrieve("s1")
        assert again is not t and again.get_slot("role") == "secrétaire"
        turn(again, domain, "on veut former nos agents")
        await store.save(again)
        return again

    final = run(scenario())
    assert len(rows(db, "s1")) == len(final.events) == 10
    assert dicts(run(other.retrieve("s1"))) == dicts(final)


def test_a_failed_turn_leaves_the_stored_conversation(domain, tmp_path):
    db = tmp_path / "t.sqlite"
    store = cached(domain, db)

    async def scenario():
        t = await first_turn(store, domain, "s2", "Bonjour")
        t = await store.retrieve("s2")
        turn(t, domain, "message whose handling fails", role="maire")   # never saved
        return await store.retrieve("s2")

    after = run(scenario())
    assert [e.get("text") for e in dicts(after) if e["event"] == "user"] == ["Bonjour"]
    assert after.get_slot("role") is None
    assert len(rows(db, "s2")) == 3


def test_a_tracker_it_did_not_hand_out_is_saved_the_rasa_way(domain, tmp_path):
    db = tmp_path / "t.sqlite"
    store = cached(domain, db)

    async def scenario():
        t = await first_turn(store, domain, "s3", "Bonjour")
        # e.g. Rasa's HTTP API: a tracker rebuilt from the stored events, then one more turn
        rebuilt = await rasa_store(domain, db).retrieve("s3")
        turn(rebuilt, domain, "Mamers")
        await store.save(rebuilt)
        return rebuilt

    rebuilt = run(scenario())
    assert len(rows(db, "s3")) == len(rebuilt.events) == 6
    assert run(store.retrieve("s3")) is rebuilt


@pytest.mark.parametrize("cache_size", [0, 2])
def test_cache_is_bounded(domain, tmp_path, cache_size):
    db = tmp_path / "t.sqlite"
    store = cached(domain, db, cache_size=cache_size)

    async def scenario():
        saved = {}
        for sender in ("a", "b", "c"):
            t = await first_turn(store, domain, sender, f"Bonjour de {sender}")
            saved[sender] = t
        return saved, {s: await store.retrieve(s) for s in saved}

    saved, again = run(scenario())
    kept = {s for s in saved if again[s] is saved[s]}
    assert kept == ({"b", "c"} if cache_size == 2 else set())
    assert all(dicts(again[s]) == dicts(saved[s]) for s in saved)
    assert len(store._kept) + len(store._lent) <= 2 * cache_size


def test_reads_of_unknown_conversations_stay_bounded(domain, tmp_path):
    # e.g. Rasa's HTTP API asked for conversations that were never started: nothing piles up,
    # and a conversation started afterwards is stored whole
    db = tmp_path / "t.sqlite"
    store = cached(domain, db, cache_size=2)

    async def scenario():
        for n in range(5):
            assert await store.retrieve(f"unknown-{n}") is None
        return await first_turn(store, domain, "unknown-4", "Bonjour")

    t = run(scenario())
    assert len(store._new) <= 2
    assert len(rows(db, "unknown-4")) == len(t.events) == 3


def test_restart_resumes_from_the_database_with_wal(domain, tmp_path):
    db = tmp_path / "t.sqlite"

    async def before():
        s = cached(domain, db)
        t = await first_turn(s, domain, "s4", "Je suis le maire de Rodez", role="maire")
        return t

    first = run(before())
    restarted = run(cached(domain, db).retrieve("s4"))     # a new process: nothing in memory
    assert dicts(restarted) == dicts(first) and restarted is not first
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_endpoint_files_name_this_store():
    # Rasa silently falls back to an in-memory store when it cannot import a custom one
    for name in ("endpoints.yml", "endpoints.postgres.yml"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "type: rasa_plugins.tracker_store.CachedSQLTrackerStore" in text
    from rasa.shared.utils.common import class_from_module_path

    cls = class_from_module_path("rasa_plugins.tracker_store.CachedSQLTrackerStore")
    assert issubclass(cls, SQLTrackerStore)
    with pytest.raises(AttributeError):
        tracker_store.NoSuchStore  # noqa: B018


def _pg_url() -> str | None:
    import os

    for name in ("FITN7_TEST_DATABASE_URL", "TRIAGE_TEST_PG_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgresql"):
            return url
    return None


def test_postgresql_same_behaviour(domain):
    """scripts/test_postgres.sh runs this one on a throwaway PostgreSQL cluster."""
    url = _pg_url()
    if not url:
        pytest.skip("PostgreSQL non configuré (FITN7_TEST_DATABASE_URL=postgresql+psycopg2://…)")
    import uuid

    store = tracker_store.CachedSQLTrackerStore(domain=domain, dialect="postgresql", host=url)
    other = SQLTrackerStore(domain=domain, dialect="postgresql", host=url)
    sender = f"pg-{uuid.uuid4().hex}"

    async def scenario():
        t = await first_turn(store, domain, sender, "Bonjour, je suis le maire de Mende", role="maire")
        assert await store.retrieve(sender) is t
        turn(t, domain, "oui")
        await store.save(t)
        elsewhere = await other.retrieve(sender)
        turn(elsewhere, domain, "juin 2022")
        await other.save(elsewhere)
        again = await store.retrieve(sender)
        assert again is not t and len(again.events) == 10
        turn(again, domain, "12 000 €")
        await store.save(again)
        return again

    final = run(scenario())
    reread = run(other.retrieve(sender))
    assert dicts(reread) == dicts(final) and len(final.events) == 13


HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def test_a_write_lock_elsewhere_does_not_stop_the_event_loop(domain, tmp_path):
    """Issue 13, point 6: the store's database calls run off Rasa's event loop."""
    import subprocess
    import sys

    db = tmp_path / "t.sqlite"
    store = cached(domain, db)
    ticks = []

    async def scenario():
        await first_turn(store, domain, "s-lock", "Bonjour")
        t = await store.retrieve("s-lock")     # lent: saved by the store's own insert
        turn(t, domain, "oui")
        proc = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db), "1.5"],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "locked"
        done = asyncio.Event()

        async def ticker():
            while not done.is_set():
                ticks.append(1)
                await asyncio.sleep(0.05)

        tick = asyncio.ensure_future(ticker())
        try:
            await store.save(t)          # waits for the lock, in a worker thread
        finally:
            done.set()
            await tick
            proc.wait(10)

    run(scenario())
    assert len(rows(db, "s-lock")) == 6       # saved once the lock was released
    assert len(ticks) >= 15                   # the loop kept running meanwhile (1.5 s / 0.05 s)


def test_a_purged_conversation_is_not_handed_out_again(domain, tmp_path):
    """Issue 13, point 8: after `assistant purge`, the cache does not bring the transcript back;
    and a conversation idle for cache_ttl is dropped from memory."""
    db = tmp_path / "t.sqlite"
    store = cached(domain, db, cache_ttl=3600)

    async def scenario():
        t = await first_turn(store, domain, "s-purge", "Bonjour, mairie de Mamers", role="maire")
        with sqlite3.connect(db) as conn:          # what CaseStore.purge does to Rasa's rows
            conn.execute("DELETE FROM events WHERE sender_id = 's-purge'")
        again = await store.retrieve("s-purge")
        assert again is None or again.get_slot("role") is None
        old = await first_turn(store, domain, "s-idle", "Bonjour")
        for e in old.events:
            e.timestamp -= 7200                    # idle for two hours
        store._swept = 0.0
        await store.retrieve("autre")
        assert "s-idle" not in store._kept

    run(scenario())
