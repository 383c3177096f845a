"""Procedure questions: the FAQ entry (knowledge/faq.yml) chosen by Rasa's ResponseSelector.

The NLU data holds the questions as retrieval intents `faq/<key>` (data/nlu/faq.yml); the
ResponseSelector of config.yml picks the key of every message, and `faq/<key>` answers the entry
`faq_<key>` of knowledge/faq.yml. The answer texts live only in knowledge/faq.yml (each citing the
source text); the responses `utter_faq/<key>` that Rasa's `utter_faq` says (rule "procedure
question at any time") are generated from it into data/faq_responses.yml
(`python scripts/faq_responses.py`), and tests/actions/test_faq.py fails when that file is stale.
The actions use the same entries when a question reached them under another intent (answer_faq).
"""
from __future__ import annotations

import json
from typing import Any

from assistant.eligibility.knowledge import load_cached

RETRIEVAL_INTENT = "faq"
RESPONSES_FILE = "data/faq_responses.yml"


def entries() -> list[dict]:
    data = load_cached("faq.yml") or {}
    return list(data.get("faq") or [])


def key_of(entry_id: str) -> str:
    """"faq_who" -> "faq/who" (the retrieval intent of the entry)."""
    return RETRIEVAL_INTENT + "/" + entry_id[len(RETRIEVAL_INTENT) + 1:]


def entry_for_key(key: str | None) -> dict | None:
    """The entry of a retrieval intent ("faq/who") or of an id ("faq_who"), None when unknown."""
    if not isinstance(key, str) or not key.startswith(RETRIEVAL_INTENT):
        return None
    wanted = RETRIEVAL_INTENT + "_" + key[len(RETRIEVAL_INTENT) + 1:]
    return next((e for e in entries() if e.get("id") == wanted), None)


def selected(message: dict | None) -> tuple[str | None, float]:
    """(retrieval intent, confidence) the ResponseSelector chose for this message, or (None, 0).

    Rasa puts it in the parse data under `response_selector.faq.response` for every message,
    whatever the intent, so an action can still answer a question the intent classifier missed.
    """
    try:
        response = ((message or {}).get("response_selector") or {}).get(RETRIEVAL_INTENT, {}).get("response") or {}
        key = response.get("intent_response_key")
        confidence = float(response.get("confidence") or 0.0)
    except (AttributeError, TypeError, ValueError):
        return None, 0.0
    return (key, confidence) if isinstance(key, str) and entry_for_key(key) else (None, 0.0)


def answer_text(entry: dict) -> str:
    src = entry.get("source") or {}
    where = src.get("section") or src.get("document") or ""
    text = " ".join((entry.get("answer") or "").split())
    return text + (f"\n(Source : texte du guichet, « {where} ».)" if where else "")


def topics_text() -> str:
    questions = [e.get("question") for e in entries() if e.get("question")]
    return ("Je peux répondre à ces questions sur la procédure : " + " ; ".join(questions[:12]) + "."
            if questions else "")


def responses_yaml() -> str:
    """The text of data/faq_responses.yml: one `utter_faq/<key>` response per entry."""
    lines: list[Any] = ['version: "3.1"', "",
                        "# Generated from knowledge/faq.yml by scripts/faq_responses.py: do not edit by hand.",
                        "# utter_faq says the one of the key the ResponseSelector picks (actions/faq.py).",
                        "responses:"]
    for entry in entries():
        if not str(entry.get("id", "")).startswith(RETRIEVAL_INTENT + "_"):
            continue
        lines.append(f"  utter_{key_of(entry['id'])}:")
        lines.append(f"  - text: {json.dumps(answer_text(entry), ensure_ascii=False)}")
    return "\n".join(lines) + "\n"
