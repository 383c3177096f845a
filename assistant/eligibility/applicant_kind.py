"""Kinds of applicant recognised from their name (issue 10), Rasa-free.

    from assistant.eligibility.applicant_kind import recognise
    recognise("Syndicat mixte du bassin de la Lauch")  -> Kind(kind="syndicat_mixte", applicant_type="syndicat", ...)
    recognise("SIVOM de Mamers"), recognise("PETR du Pays Barrois"), recognise("CCAS de Colmar") ...
    recognise("Mamers") -> None   (a collectivity of the referential, or unknown: the type is asked)

The kinds, their applicant type (knowledge/rules.yml) and the name patterns are data:
knowledge/applicant_kinds.yml, each kind citing the clause of the text it falls under.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .knowledge import load_cached
from ..text import fold

KNOWLEDGE_FILE = "applicant_kinds.yml"


@dataclass(frozen=True)
class Kind:
    kind: str               # petr, syndicat_mixte, syndicat_intercommunal, ccas, sem, spl, ...
    applicant_type: str     # the applicant type of knowledge/rules.yml it falls under
    label: str              # French name of the kind
    matched: str            # the words of the name that showed it
    source: dict            # the clause of the text
    interpretation: str | None = None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "applicant_type": self.applicant_type, "label": self.label,
                "matched": self.matched}


@lru_cache(maxsize=1)
def _collectivity_prefix() -> re.Pattern:
    words = sorted((fold(w) for w in load_cached(KNOWLEDGE_FILE).get("collectivity_words") or []), key=len, reverse=True)
    return re.compile(r"^(?:" + "|".join(re.escape(w) for w in words) + r")\b")


@lru_cache(maxsize=1)
def _kinds() -> tuple:
    out = []
    for e in load_cached(KNOWLEDGE_FILE)["kinds"]:
        rx = [re.compile(p) for p in e["names"]]
        out.append((e, rx))
    return tuple(out)


def recognise(name: str | None) -> Kind | None:
    """The kind a name says ("Syndicat mixte …", "SIVOM de …", "PETR du …", "CCAS de …"), or None."""
    text = fold((name or "")[:300])
    if not text or _collectivity_prefix().search(text):
        return None
    for e, patterns in _kinds():
        for rx in patterns:
            m = rx.search(text)
            if m:
                src = {k: v for k, v in e["source"].items() if k in ("section", "quote", "document", "url")}
                return Kind(e["kind"], e["applicant_type"], e["label"], m.group(0), src, e.get("interpretation"))
    return None


def type_of(answer: str | None) -> str | None:
    """The applicant type of an answer to "quel type de candidat ?" that names a kind ("un CCAS",
    "SEM", "PETR"), or None."""
    k = recognise(answer)
    return k.applicant_type if k else None
