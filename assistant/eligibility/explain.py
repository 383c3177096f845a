"""What would change each not_met / unknown finding (issue 10, point 6): `how_to_change`.

The texts are data (knowledge/how_to_change.yml), keyed by rule and status, optionally
"status:variant" (the finding's first missing key, or a mark of its values).
"""
from __future__ import annotations

from .findings import NOT_MET, UNKNOWN, Finding
from .knowledge import load_cached

KNOWLEDGE_FILE = "how_to_change.yml"
_MARKS = ("user_says_so", "excluded", "evidence", "asked")


def _variant(f: Finding) -> list[str]:
    out = list(f.missing[:1])
    out += [m for m in _MARKS if (f.values or {}).get(m)]
    return out


def how_to_change(f: Finding, texts: dict | None = None) -> str | None:
    if f.status not in (NOT_MET, UNKNOWN):
        return None
    by_rule = (texts if texts is not None else load_cached(KNOWLEDGE_FILE)).get(f.rule) or {}
    for v in _variant(f):
        t = by_rule.get(f"{f.status}:{v}")
        if t:
            return " ".join(str(t).split())
    t = by_rule.get(f.status)
    return " ".join(str(t).split()) if t else None


def explain(findings: list[Finding]) -> list[Finding]:
    """Sets `how_to_change` on every not_met / unknown finding that has none (in place)."""
    texts = load_cached(KNOWLEDGE_FILE)
    for f in findings:
        if f.how_to_change is None:
            f.how_to_change = how_to_change(f, texts)
    return findings
