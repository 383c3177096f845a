"""Thin adapter between the dialogue slots and the engine (assistant.eligibility.assess), plus the case store.

No rule lives here: the engine decides eligibility, sub-axis, amount, what is missing and whom to
contact; this module only moves values between slots and the engine's request/answer dicts.
"""
from __future__ import annotations

import logging
from typing import Any

from assistant.eligibility import inputs
from assistant.eligibility.assess import Request, assess
from assistant.errors import InputError

log = logging.getLogger(__name__)

# The engine's inputs kept in slots of the same name: declared once, in knowledge/inputs.yml.
REQUEST_SLOTS = inputs.slot_keys()
BOOL_SLOTS = tuple(k for k in REQUEST_SLOTS if inputs.by_key()[k].type == "bool")
INT_SLOTS = tuple(k for k in REQUEST_SLOTS if inputs.by_key()[k].type == "count")  # Rasa keeps floats
# Slots of the dialogue's own state (not inputs of the engine); domain.yml declares both kinds.
STATE_SLOTS = ("role", "assessment", "assessments", "pending_question", "fallback_count", "handoff_pending",
               "offer", "prefilled")   # issue 14: the pending offer (prefill, satisfaction), the prefilled dossier


def request_from_slots(slots: dict[str, Any]) -> dict:
    """The engine request from the slot values (None and empty values left out)."""
    out: dict[str, Any] = {}
    for key in REQUEST_SLOTS:
        value = slots.get(key)
        if value is None or value == "" or value == []:
            continue
        if key in INT_SLOTS and isinstance(value, float) and value.is_integer():
            value = int(value)
        out[key] = value
    return out


def run_assessment(request: dict) -> dict:
    """`assess(Request.from_dict(request)).to_dict()`; raises InputError (French) on bad input."""
    return assess(Request.from_dict(request)).to_dict()


def check_request(request: dict) -> str | None:
    """The engine's French message if the request is refused, else None."""
    try:
        Request.from_dict(request)
    except InputError as exc:
        return str(exc)
    return None


def record_case(conversation_id: str, channel: str | None, request: dict, assessment: dict | None,
                handoff_reason: str | None = None) -> int | None:
    """Record (upsert) the case of this conversation for the triage queue; never raises.

    Logs carry no personal data: only the outcome and the exception class on failure.
    """
    try:
        from assistant.helpdesk.cases import CaseStore
        case_id = CaseStore.default().record(conversation_id=conversation_id, channel=channel or "rest",
                                             request=request, assessment=assessment,
                                             handoff_reason=handoff_reason)
        log.info("case recorded (id %s, hand-off %s)", case_id, bool(handoff_reason))
        return case_id
    except Exception as exc:  # the conversation goes on even if the case store is down
        log.warning("case not recorded: %s", type(exc).__name__)
        return None


def warm_up() -> None:
    """Load the referential and the classifier once, so that the first user does not wait."""
    try:
        run_assessment({"collectivity": "72180", "description": "former les agents au numérique"})
    except Exception as exc:  # pragma: no cover - a broken install shows up at the first request
        log.warning("warm-up failed: %s", type(exc).__name__)
