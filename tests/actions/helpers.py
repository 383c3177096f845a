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
    "results_date": None, "budget_eur": None, "expenses": None, "agents_count": None, "users_count": None,
    "role": None,
    "assessment": None, "assessments": None, "pending_question": None, "fallback_count": 0, "handoff_pending": False,
}


def parse_message(text: str, intent: str = "inform", entities: list | None = None, faq: str | None = None,
                  confidence: float = 0.95) -> dict:
    """Rasa's parse data for a message: intent, entities and, for "faq/<key>" (or `faq`), the
    ResponseSelector's output as Rasa puts it (`response_selector.faq.response`)."""
    base, _, sub = intent.partition("/")
    message = {"text": text, "intent": {"name": base, "confidence": confidence}, "entities": entities or []}
    key = intent if sub else faq
    if key:
        message["response_selector"] = {"all_retrieval_intents": ["faq"], "faq": {
            "response": {"intent_response_key": key, "confidence": 0.9, "utter_action": f"utter_{key}",
                         "responses": []}, "ranking": []}}
    return message


def utter_faq(message: dict) -> list[dict]:
    """What Rasa's retrieval action `utter_faq` says for this parse data: the response
    `utter_faq/<key>` (data/faq_responses.yml) of the key the ResponseSelector chose."""
    import yaml
    from pathlib import Path
    from actions import faq as F
    responses = yaml.safe_load((Path(__file__).resolve().parents[2] / F.RESPONSES_FILE).read_text(encoding="utf-8"))
    key = (((message.get("response_selector") or {}).get("faq") or {}).get("response") or {}).get("intent_response_key")
    return [{"text": r["text"], "response": f"utter_{key}"} for r in responses["responses"].get(f"utter_{key}", [])]


def make_tracker(slots: dict, text: str = "", intent: str = "inform", entities: list | None = None,
                 sender: str = "test-user", confidence: float = 0.9) -> Tracker:
    message = parse_message(text, intent, entities, confidence=confidence)
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

    def say(self, text: str, intent: str = "inform", entities: list | None = None, action=None,
            faq: str | None = None) -> list[dict]:
        """One user turn. intent "faq/who" is the retrieval intent `faq` with the ResponseSelector
        choosing "faq/who"; `faq` gives the selector's choice for a message of another intent
        (Rasa's selector answers on every message)."""
        message = parse_message(text, intent, entities, faq)
        base = message["intent"]["name"]
        if base == "faq" and action is None:       # rule: utter_faq, then action_resume
            said = utter_faq(message)
            self.say_message(message, "action_resume")
            self.messages = said + self.messages
            return self.messages
        name = action or {"request_human": "action_handoff", "nlu_fallback": "action_fallback",
                          "what_if": "action_what_if",
                          "out_of_scope": "action_out_of_scope",
                          "prefill": "action_prefill", "feedback": "action_feedback",
                          "thanks": "action_small_talk", "goodbye": "action_small_talk"}.get(base, "action_process")
        return self.say_message(message, name)

    def say_message(self, message: dict, action_name: str) -> list[dict]:
        from actions import actions as A
        from actions import prefill as PF
        classes = {cls().name(): cls for cls in (A.ActionProcess, A.ActionFallback, A.ActionWhatIf,
                                                 A.ActionHandoff, A.ActionResume, A.ActionRestartConversation,
                                                 A.ActionOutOfScope, A.ActionSmallTalk, PF.ActionPrefill, PF.ActionFeedback)}
        tracker = make_tracker(self.slots, message["text"], message["intent"]["name"], message["entities"],
                               self.sender, message["intent"].get("confidence", 0.95))
        tracker.latest_message = message
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


