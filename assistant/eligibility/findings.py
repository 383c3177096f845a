"""Findings: the named, three-valued result of one rule, and how findings add up to a verdict.

Each finding is three-valued (met / not_met / unknown) or not_applicable, names its rule, says why
in plain French, cites its source and lists the request keys it still needs (`missing`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MET, NOT_MET, UNKNOWN, NOT_APPLICABLE = "met", "not_met", "unknown", "not_applicable"

# The order in which the dialogue asks for missing inputs (request key names).


# Applicant types the referential can identify (the others are declared by the applicant).

def _src(entry: dict | None) -> dict:
    if not entry:
        return {}
    return {k: v for k, v in entry["source"].items() if k in ("section", "quote", "document", "url")}



@dataclass
class Finding:
    rule: str
    status: str
    message: str
    source: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    required: bool = True  # a not_met required finding makes the request not eligible

    def to_dict(self) -> dict:
        return {"rule": self.rule, "status": self.status, "message": self.message,
                "source": self.source, "values": self.values, "required": self.required}



def _jsonable(x: Any) -> Any:
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if isinstance(x, dict):
        return {str(a): _jsonable(b) for a, b in x.items()}
    if isinstance(x, (list, tuple, set)):
        return [_jsonable(i) for i in x]
    return str(x)


def verdict(findings: list[Finding]) -> str:
    if any(fd.status == NOT_MET and fd.required for fd in findings):
        return "not_eligible"
    if any(fd.status == UNKNOWN for fd in findings):
        return "to_confirm"
    return "eligible"


def missing_inputs(findings: list[Finding], extra: list[str] = ()) -> list[str]:
    keys = {m for fd in findings for m in fd.missing} | set(extra)
    from .inputs import asking_order
    return [k for k in asking_order() if k in keys]
