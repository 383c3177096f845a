"""Whole conversations through the real actions and engine (tests/actions/scenarios.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

import scenarios as S
from helpers import Conversation

STORIES = Path(__file__).resolve().parents[1] / "rasa" / "test_stories.yml"


def _outcome(turns: list[dict]) -> dict:
    out = {"assessment": None, "handoff": None, "faq": [], "asked": []}
    for t in turns:
        for m in t["messages"]:
            custom = m.get("custom") or {}
            if "assessment" in custom:
                out["assessment"] = custom["assessment"]
            if "handoff" in custom:
                out["handoff"] = custom["handoff"]
            if "faq" in custom:
                out["faq"].append(custom["faq"]["id"])
            if str(m.get("response") or "").startswith("utter_faq/"):     # said by utter_faq
                out["faq"].append("faq_" + m["response"].split("/", 1)[1])
        if t["pending"]:
            out["asked"].append(t["pending"])
    return out


@pytest.mark.parametrize("scenario", S.SCENARIOS, ids=[s["name"][:50] for s in S.SCENARIOS])
def test_scenario(scenario, referential):
    turns = S.replay(scenario, Conversation)
    out = _outcome(turns)
    exp = scenario["expect"]
    assert out["asked"] == exp["asked"]
    a = out["assessment"]
    if "eligibility" in exp:
        assert a is not None, "no verdict was given"
        assert a["eligibility"] == exp["eligibility"]
    if "sub_axis" in exp:
        assert a["sub_axis"] == exp["sub_axis"]
    if "amount_eur" in exp:
        assert a["amount"]["eur"] == exp["amount_eur"]
    if exp.get("excluded"):
        assert a["amount"]["excluded_expenses"], "the computers should be excluded"
    if "reason" in exp:
        assert any(f["rule"] == exp["reason"] and f["status"] == "not_met" for f in a["findings"])
        verdict = next(m["text"] for t in turns for m in t["messages"] if (m.get("custom") or {}).get("assessment"))
        assert "ne semble pas éligible" in verdict and "source" in verdict
        if "reason_text" in exp:
            assert exp["reason_text"] in verdict
    if "collectivity_code" in exp:
        assert a["collectivity"]["code"] == exp["collectivity_code"]
    if "contact_email" in exp:
        assert exp["contact_email"] in [c.get("email") for c in a["contacts"]]
    if "faq" in exp:
        assert exp["faq"] in out["faq"]
    if exp.get("handoff"):
        assert out["handoff"] and out["handoff"]["mailto"].startswith("mailto:")
    # every bot message is French text, never empty
    for t in turns:
        for m in t["messages"]:
            assert (m.get("text") or "").strip()


def test_stories_file_is_up_to_date(referential):
    """tests/rasa/test_stories.yml is what the actions really do (regenerate: see scenarios.py)."""
    assert STORIES.read_text(encoding="utf-8") == S.render_stories(Conversation)
