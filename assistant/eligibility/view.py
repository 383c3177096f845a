"""The knowledge YAML in force on one date: `knowledge_on(rules_date(as_of)) -> Knowledge`."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from ..config import KNOWLEDGE_DIR
from .amounts import ExpenseCategorizer
from .knowledge import KnowledgeError, in_force, load_cached

def text(k: "Knowledge", key: str, **values: Any) -> str:
    """An advice text of knowledge/texts.yml, with its {placeholders} filled, on one line."""
    return " ".join(k.texts[key].split()).format(**values)



class Knowledge:
    """The knowledge YAML in force on one date (entries filtered with knowledge.in_force)."""

    def __init__(self, on: dt.date):
        self.on = on
        rules = load_cached("rules.yml")
        amounts = load_cached("amounts.yml")
        contacts = load_cached("contacts.yml")
        self.guichet = rules["guichet"]
        self.funding_rate = self._one(rules["funding_rate"])
        self.applicant_types = {e["type"]: e for e in rules["applicant_types"] if in_force(e, on)}
        self.conditions = {e["id"]: e for e in rules["conditions"] if in_force(e, on)}
        self.restrictions = {e["category"]: e for e in rules["restrictions"] if in_force(e, on)}
        self.procedure = {e["id"]: e for e in rules["procedure"] if in_force(e, on)}
        self.grid_entry = self._one(amounts["flat_rate_3a"])
        self.grid_3a = self.grid_entry["grid"] if self.grid_entry else []
        self.up_to_cost = self._one(amounts["up_to_cost"])
        self.max_budget = float(amounts["budget_limits"]["max_eur"])
        self.categorizer = ExpenseCategorizer(amounts["expense_categories"])
        self.contact_anct = self._one(contacts["anct_3b"])
        self.contact_prefecture = contacts["prefecture"]
        self.prefecture_articles = contacts["prefecture_articles"]
        self.faq = [e for e in load_cached("faq.yml")["faq"] if in_force(e, on)]
        self.texts = {e["id"]: e["text"] for e in load_cached("texts.yml")["advice"] if in_force(e, on)}
        self.prefecture_names = contacts.get("prefecture_names") or {}
        self.departments: dict[str, dict] = {}
        self.regions: dict[str, dict] = {}
        known_types = {e["type"] for e in rules["applicant_types"]}
        files = {f"departements/{p.name}": load_cached(f"departements/{p.name}")["settings"]
                 for p in sorted((KNOWLEDGE_DIR / "departements").glob("*.yml"))}
        refuse_overlaps(files)
        for where, settings in files.items():
            population_cap_scope(settings, known_types, where=where)  # refuse a bad scope
            if in_force(settings, on):
                for code in settings["departments"]:
                    self.departments[str(code)] = settings
                for code in settings.get("regions") or []:
                    self.regions[str(code)] = settings

    def _one(self, entry: dict) -> dict | None:
        return entry if in_force(entry, self.on) else None

    def settings_for(self, department: str | None, region: str | None = None) -> dict | None:
        """Local settings of a département (or, for a région applicant, of its région)."""
        if department:
            return self.departments.get(department)
        return self.regions.get(region) if region else None


def refuse_overlaps(files: dict[str, dict]) -> None:
    """Two settings files in force for the same département (or région) on the same date would let
    one win by file-name order: refused (KnowledgeError naming both files and the code)."""
    seen: dict[tuple[str, str], list[tuple[str, dict]]] = {}
    for where, settings in files.items():
        for kind, codes in (("département", settings.get("departments") or []), ("région", settings.get("regions") or [])):
            for code in codes:
                for other_where, other in seen.get((kind, str(code)), []):
                    start = max(settings["valid_from"], other["valid_from"])
                    ends = [e for e in (settings.get("valid_to"), other.get("valid_to")) if e is not None]
                    if not ends or start <= min(ends):
                        raise KnowledgeError(f"{where} et {other_where} : deux réglages en vigueur le "
                                             f"{start.isoformat()} pour le {kind} {code} ; un seul peut s'appliquer "
                                             "(ajustez valid_from / valid_to).")
                seen.setdefault((kind, str(code)), []).append((where, settings))


def population_cap_scope(settings: dict, known_types: set[str] | None = None,
                         where: str = "departements") -> frozenset[str] | None:
    """The applicant types a département's `population_below` cap applies to.

    `population_below_applies_to: [commune, epci]` (read from the quote that publishes the cap)
    limits it to those types; without the key the cap applies to every applicant type eligible
    nationally (None): a cap published without a scope is not dropped. Raises KnowledgeError for a
    value that is not a list of applicant types (of knowledge/rules.yml when `known_types` is given)."""
    scope = settings.get("population_below_applies_to")
    if scope is None:
        return None
    if not isinstance(scope, list) or not scope or not all(isinstance(t, str) for t in scope):
        raise KnowledgeError(f"{where}: population_below_applies_to doit être une liste non vide de types de "
                             "candidat (par exemple [commune, epci])")
    unknown = [t for t in scope if known_types is not None and t not in known_types]
    if unknown:
        raise KnowledgeError(f"{where}: population_below_applies_to : type de candidat inconnu "
                             f"« {', '.join(unknown)} »")
    return frozenset(scope)


def guichet_dates() -> tuple[dt.date, dt.date]:
    g = load_cached("rules.yml")["guichet"]
    return g["valid_from"], g["valid_to"]


def rules_date(as_of: dt.date) -> dt.date:
    """The date whose rules apply: as_of clamped to the guichet's window (latest rules after it)."""
    start, end = guichet_dates()
    return min(max(as_of, start), end)


@lru_cache(maxsize=8)
def knowledge_on(on: dt.date) -> Knowledge:
    return Knowledge(on)
