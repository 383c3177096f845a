"""Helpers shared by the tracker-store tests (imported as a sibling module, like tests/actions/helpers.py)."""
from __future__ import annotations

from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

from rasa_plugins import tracker_store


def cached(domain, db: Path, **kw):
    return tracker_store.CachedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db), **kw)


def rasa_store(domain, db: Path):
    return SQLTrackerStore(domain=domain, dialect="sqlite", db=str(db))


def turn(tracker, domain, text: str, role: str | None = None):
    """What a message adds: the user's words, an action with a slot, back to listening."""
    tracker.update(UserUttered(text, {"name": "inform", "confidence": 0.99}), domain)
    tracker.update(ActionExecuted("action_process"), domain)
    if role:
        tracker.update(SlotSet("role", role), domain)
    tracker.update(ActionExecuted("action_listen"), domain)
