"""Helpers to run the custom actions with rasa_sdk's Tracker and CollectingDispatcher.

The engine is real: the referential comes from the session fixture `referential` (temporary
SQLite database, see tests/conftest.py). `Conversation` replays a dialogue turn by turn, applying
the SlotSet events the actions return, as the Rasa server would.
"""
from __future__ import annotations

import asyncio
import os
from typing import Any

os.environ.setdefault("FITN7_NO_WARMUP", "1")

from rasa_sdk import Tracker  # noqa: E402
from rasa_sdk.executor import CollectingDispatcher  # noqa: E402

SLOT_DEFAULTS = {
    "collectivity": None, "department": None, "applicant_type": None,
    "funded_only_by_local_authorities": None, "description": None, "decision_level_sponsor": None,
    "results_date": None, "budget_eur": None, "expenses": None, "agents_count": None, "role": None,
    "assessment": None, "pending_question": None, "fallback_count": 0, "handoff_pending": False,
}


def make_tracker(slots: dict, text: str = "", intent: str = "inform", entities: list | None = None,
                 sender: str = "test-user", confidence: float = 0.9) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": confidence},
               "entities": entities or []}
    return Tracker.from_dict({
        "sender_id": sender,
        "slots": {**SLOT_DEFAULTS, **slots},
        "latest_message": message,
        "events": [{"event": "user", "text": text, "parse_data": message,
                    "input_channel": "rest"}],
        "paused": False, "followup_action": None, "active_loop": {},
        "latest_action_name": "action_listen",
    })


def run(action, tracker: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


class Conversation:
    """Replays turns against the actions, keeping the slots like the Rasa server does."""

    def __init__(self, sender: str = "test-user"):
        self.slots: dict[str, Any] = dict(SLOT_DEFAULTS)
        self.sender = sender
        self.messages: list[dict] = []
        self.events: list[dict] = []

    def say(self, text: str, intent: str = "inform", entities: list | None = None, action=None) -> list[dict]:
        message = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities or []}
        name = action or {"ask_faq": "action_answer_faq", "request_human": "action_handoff",
                          "nlu_fallback": "action_fallback",
                          "out_of_scope": "action_out_of_scope"}.get(intent, "action_process")
        return self.say_message(message, name)

    def say_message(self, message: dict, action_name: str) -> list[dict]:
        from actions import actions as A
        classes = {cls().name(): cls for cls in (A.ActionProcess, A.ActionFallback, A.ActionAnswerFaq,
                                                 A.ActionHandoff, A.ActionResume, A.ActionRestartConversation,
                                                 A.ActionOutOfScope)}
        tracker = make_tracker(self.slots, message["text"], message["intent"]["name"], message["entities"],
                               self.sender, message["intent"].get("confidence", 0.95))
        messages, events = run(classes[action_name](), tracker)
        self.events = events
        for e in events:
            if e.get("event") == "slot":
                self.slots[e["name"]] = e["value"]
            elif e.get("event") == "reset_slots":
                self.slots = dict(SLOT_DEFAULTS)
        self.messages = messages
        return messages

    def changed(self, before: dict | None = None) -> list[str]:
        """The slots set by the last action, in order (each once)."""
        names = [e["name"] for e in self.events if e.get("event") == "slot"]
        if any(e.get("event") == "reset_slots" for e in self.events):
            names = [k for k in SLOT_DEFAULTS if k not in names] + names
        return list(dict.fromkeys(names))

    @property
    def texts(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.messages)

    @property
    def assessment(self) -> dict | None:
        for m in self.messages:
            custom = m.get("custom") or {}
            if "assessment" in custom:
                return custom["assessment"]
        return None


