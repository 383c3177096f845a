"""The French labels of the engine: kinds of applicant, EPCI kinds, sub-axes, collectivities, dates.

The one home of these words: the actions, the widget, the triage page, its CSV and the CLI print
what the engine gives them.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..fmt import integer
from .knowledge import load_cached

def _load() -> tuple[dict, dict, dict, dict]:
    rules = load_cached("rules.yml")
    labels = load_cached("labels.yml")
    types = {e["type"]: e["label"] for e in rules["applicant_types"]}
    axes = {e["id"]: f"{e['id']} ({e['label'][0].lower()}{e['label'][1:]})"
            for e in load_cached("sub_axes.yml")["sub_axes"]}
    return types, dict(labels["epci_kinds"]), axes, dict(labels["eligibility"])


# Applicant types (knowledge/rules.yml), EPCI kinds and verdicts (knowledge/labels.yml), sub-axes
# ("3b (formation au numérique des agents)", from the headings in knowledge/sub_axes.yml).
TYPE_LABELS, EPCI_LABELS, SUB_AXIS_LABELS, ELIGIBILITY_LABELS = _load()


def eligibility_label(code: str | None) -> str | None:
    """ "à confirmer"; None for None or an unknown code."""
    return ELIGIBILITY_LABELS.get(code) if isinstance(code, str) else None


def sub_axis_label(code: str | None) -> str | None:
    """"3c (projet de transformation numérique …)"; None for None or an unknown code."""
    return SUB_AXIS_LABELS.get(code) if isinstance(code, str) else None


def type_label(applicant_type: str | None, epci_type: str | None = None) -> str | None:
    """The French name of a kind of applicant; for an EPCI the precise kind when known
    ("communauté de communes"), else "groupement de collectivités (EPCI)"; None for None or an unknown code."""
    if applicant_type == "epci" and epci_type in EPCI_LABELS:
        return EPCI_LABELS[epci_type]
    return TYPE_LABELS.get(applicant_type) if isinstance(applicant_type, str) else None


def fr_date(d: dt.date) -> str:
    months = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
              "octobre", "novembre", "décembre")
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {months[d.month - 1]} {d.year}"



def collectivity_label(c: Any) -> str | None:
    """ "Mamers (commune, Sarthe (72), 4 996 habitants)": the one label of a collectivity of the
    referential (a Collectivity or its `to_dict()`); None without a name."""
    get = c.get if isinstance(c, dict) else (lambda key: getattr(c, key, None))
    if not c or not get("name"):
        return None
    kind, dep = get("type"), get("department")
    parts = [type_label(kind, get("epci_type")) or "collectivité"]
    if kind in ("departement", "com") and dep:
        parts[0] += f" {dep}"                     # "Sarthe (département 72, …)", not "Sarthe (…, Sarthe (72))"
    elif get("department_name") and kind != "region":
        parts.append(f"{get('department_name')} ({dep})")
    if get("population") is not None:
        parts.append(f"{integer(get('population'))} habitants")
    return f"{get('name')} ({', '.join(parts)})"
