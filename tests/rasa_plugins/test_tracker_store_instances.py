"""The cached tracker store with several Rasa instances, and across a session expiry.

The reference is always Rasa's own SQLTrackerStore reading the same database: what the cached
store hands out must be what Rasa's store would have handed out (same events, same slots), so that
the dialogue, the action server and the triage transcript see the same conversation whichever
instance answers. Rasa's store returns only the last session (events from the latest
SessionStarted on).
"""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered

from rasa_plugins import tracker_store
from store_helpers import cached, rasa_store, turn  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))




def new_session(tracker, domain):
    """What Rasa's processor adds when the session expired (action_session_start, no carry-over)."""
    tracker.update(ActionExecuted("action_session_start"), domain)
    tracker.update(SessionStarted(), domain)
    tracker.update(ActionExecuted("action_listen"), domain)


def dicts(tracker) -> list[dict]:
    return [e.as_dict() for e in tracker.events]


def stored_rows(db: Path, sender: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0]


async def message(store, domain, sender: str, text: str, role: str | None = None, expire: bool = False):
    """One message as Rasa's processor handles it: get (or create), maybe a new session, a turn, save."""
    t = await store.get_or_create_tracker(sender, append_action_listen=False)
    if expire:
        new_session(t, domain)
    turn(t, domain, text, role=role)
    await store.save(t)
    return t


def test_two_instances_alternating_on_one_conversation_match_rasa(domain, tmp_path):
    # instances A and B (each its own cache) answer the messages of one conversation in turn,
    # as a load balancer without sticky sessions does; after each message both hand out what
    # Rasa's store reads, and every event is stored exactly once
    db = tmp_path / "t.sqlite"
    a, b, reference = cached(domain, db), cached(domain, db), rasa_store(domain, db)
    texts = ["Bonjour", "je suis le maire de Mamers", "oui", "juin 2022", "12 000 €", "merci"]

    async def scenario():
        for n, text in enumerate(texts):
            instance = (a, b)[n % 2] if n < 4 else a    # A, B, A, B, then A twice
            await message(instance, domain, "conv", text, role="maire" if n == 1 else None)
            ref = await reference.retrieve("conv")
            for other in (a, b):
                got = await other.retrieve("conv")
                assert dicts(got) == dicts(ref)
                assert got.get_slot("role") == ref.get_slot("role")
                # (a read not followed by a save, as here, must not break the next message)
        return await reference.retrieve("conv")

    final = asyncio.run(scenario())
    assert [e.get("text") for e in dicts(final) if e["event"] == "user"] == texts
    assert stored_rows(db, "conv") == len(final.events) == 3 * len(texts) + 1


def test_after_a_session_expiry_it_hands_out_only_the_last_session(domain, tmp_path):
    db = tmp_path / "t.sqlite"
    store, reference = cached(domain, db), rasa_store(domain, db)

    async def scenario():
        await message(store, domain, "s", "Bonjour, je suis le maire de Rodez", role="maire")
        await message(store, domain, "s", "oui")
        t = await message(store, domain, "s", "re-bonjour", expire=True)   # an hour later
        ref = await reference.retrieve("s")
        mine = await store.retrieve("s")
        return t, ref, mine

    t, ref, mine = asyncio.run(scenario())
    assert [e["event"] for e in dicts(ref)][0] == "session_started"     # Rasa: the last session only
    assert dicts(mine) == dicts(ref)
    assert mine.get_slot("role") is None and ref.get_slot("role") is None
    assert stored_rows(db, "s") == len(t.events)                       # every session kept in SQL


def test_session_expiry_on_another_instance(domain, tmp_path):
    # B starts a new session; A, holding the old one in memory, must not hand it out again
    db = tmp_path / "t.sqlite"
    a, b, reference = cached(domain, db), cached(domain, db), rasa_store(domain, db)

    async def scenario():
        await message(a, domain, "x", "Bonjour", role="secrétaire")
        await message(b, domain, "x", "re-bonjour", expire=True)
        got = await a.retrieve("x")
        ref = await reference.retrieve("x")
        assert dicts(got) == dicts(ref)
        turn(got, domain, "on veut former nos agents")
        await a.save(got)
        return await reference.retrieve("x"), await b.retrieve("x")

    ref, from_b = asyncio.run(scenario())
    assert dicts(from_b) == dicts(ref)
    assert [e.get("text") for e in dicts(ref) if e["event"] == "user"] == ["re-bonjour",
                                                                         "on veut former nos agents"]
    assert stored_rows(db, "x") == 4 + 6 + 3


def test_a_conversation_kept_from_a_new_session_is_still_served_from_memory(domain, tmp_path):
    # the cache is still used after a session start, once the tracker is the one Rasa would read
    db = tmp_path / "t.sqlite"
    store = cached(domain, db)

    async def scenario():
        await message(store, domain, "m", "Bonjour")
        await message(store, domain, "m", "re-bonjour", expire=True)
        first = await store.retrieve("m")        # rebuilt once (last session only)
        turn(first, domain, "oui")
        await store.save(first)
        return first, await store.retrieve("m")

    first, second = asyncio.run(scenario())
    assert second is first
