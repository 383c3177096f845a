"""Amounts of FITN7 axe 3: the 3a flat rate, "up to cost" for 3b/3c, and the excluded expenses.

Pure functions over the knowledge of knowledge/amounts.yml and knowledge/rules.yml (restrictions)
and the optional per-département settings. Money is formatted only by assistant.fmt.eur.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..fmt import eur, integer
from ..text import fold
from .labels import EPCI_LABELS

CATEGORIES = ("equipment_agents", "licence_non_eu", "staff", "other")


@dataclass
class Expense:
    label: str
    amount_eur: float
    category: str | None = None  # given by the request; else inferred from the label

    def to_dict(self) -> dict:
        return {"label": self.label, "amount_eur": self.amount_eur, "category": self.category}


def _phrase_pattern(words: list[str]) -> re.Pattern:
    alts = sorted({fold(w) for w in words if fold(w)}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(a) for a in alts) + r")\b")


class ExpenseCategorizer:
    """Infers an expense category from its label with the keyword lists of knowledge/amounts.yml."""

    def __init__(self, keywords: dict):
        self.equipment = _phrase_pattern(keywords["equipment_agents"])
        self.public = _phrase_pattern(keywords["equipment_public_markers"])
        self.licence = _phrase_pattern(keywords["licence_words"])
        self.vendor = _phrase_pattern(keywords["non_eu_vendors"])
        self.staff = _phrase_pattern(keywords["staff"])

    def categorize(self, label: str) -> str:
        text = fold(label or "")
        if self.vendor.search(text) and (self.licence.search(text) or not self.equipment.search(text)):
            return "licence_non_eu"
        if self.equipment.search(text) and not self.public.search(text):
            return "equipment_agents"
        if self.staff.search(text):
            return "staff"
        return "other"


def _round(x: float) -> float:
    r = round(x, 2)
    return int(r) if r == int(r) else r


def flat_rate_row(grid: list[dict], applicant_type: str | None, epci_type: str | None,
                  population: int | None) -> tuple[dict | None, bool]:
    """The first grid row matching the applicant; returns (row, population_needed)."""
    for row in grid:
        if row.get("type") != applicant_type:
            continue
        if "epci_type" in row and row["epci_type"] != epci_type:
            continue
        if "population_below" in row:
            if population is None:
                return None, True
            if not population < row["population_below"]:
                continue
        return row, False
    return None, False


@dataclass
class AmountResult:
    kind: str | None
    eur: float | None
    explanation: str
    excluded_expenses: list[dict] = field(default_factory=list)
    eligible_cost_eur: float | None = None
    budget_eur: float | None = None
    reading: str | None = None
    department_grid: bool = False
    needs_budget: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = {"kind": self.kind, "eur": self.eur, "explanation": self.explanation,
             "excluded_expenses": self.excluded_expenses,
             "eligible_cost_eur": self.eligible_cost_eur, "budget_eur": self.budget_eur}
        if self.reading:
            d["reading"] = self.reading
        if self.department_grid:
            d["department_grid"] = True
        return d


def eligible_cost(budget: float | None, expenses: list[Expense], categorizer: ExpenseCategorizer,
                  restrictions: dict[str, dict], staff_excluded: bool,
                  department_name: str | None = None) -> tuple[float | None, list[dict], float | None]:
    """(eligible cost, excluded expenses, budget used) for a budget and its detailed expenses.

    The budget is the project's total cost; when absent, the sum of the expenses stands for it.
    Excluded: IT equipment for agents; staff where the département excludes it; non-EU licences
    above the marginal share (max_share_of_grant of the amount granted).
    """
    detailed = float(sum(e.amount_eur for e in expenses))
    if expenses and (budget is None or detailed > budget):
        budget = detailed  # the detailed expenses stand for the cost when they exceed the stated budget
    if budget is None:
        return None, [], None
    excluded: list[dict] = []
    categories = [e.category or categorizer.categorize(e.label) for e in expenses]  # each label read once
    equipment = [e for e, c in zip(expenses, categories) if c == "equipment_agents"]
    staff = [e for e, c in zip(expenses, categories) if c == "staff"]
    licences = [e for e, c in zip(expenses, categories) if c == "licence_non_eu"]
    eq_reason = restrictions["equipment_agents"]["reason"]
    for e in equipment:
        excluded.append({"label": e.label, "amount_eur": _round(e.amount_eur), "category": "equipment_agents",
                         "reason": eq_reason})
    if staff_excluded:
        where = f" ({department_name})" if department_name else ""
        for e in staff:
            excluded.append({"label": e.label, "amount_eur": _round(e.amount_eur), "category": "staff",
                             "reason": f"Les frais de personnel ne sont pas financés par la préfecture de ce département{where}."})
    removed = sum(x["amount_eur"] for x in excluded)
    lic_total = float(sum(e.amount_eur for e in licences))
    if lic_total:
        share = float(restrictions["licence_non_eu"]["max_share_of_grant"])
        base = max(0.0, budget - removed - lic_total)
        fundable = min(lic_total, base * share / (1 - share))
        excess = lic_total - fundable
        if excess > 0.005:
            names = ", ".join(e.label for e in licences)
            excluded.append({
                "label": names if len(licences) > 1 else licences[0].label,
                "amount_eur": _round(excess), "category": "licence_non_eu",
                "reason": (f"Licences d'éditeurs extra-communautaires : {eur(lic_total)} au total, dont "
                           f"{eur(fundable)} au plus peuvent être financés (part marginale lue comme "
                           f"{int(share * 100)} % du montant accordé) ; le reste, {eur(excess)}, n'est pas financé."),
            })
            removed += excess
    return _round(max(0.0, budget - removed)), excluded, _round(budget)


def compute(sub_axis: str | None, *, applicant_type: str | None, epci_type: str | None,
            population: int | None, budget: float | None, expenses: list[Expense],
            knowledge: Any, settings: dict | None) -> AmountResult:
    """The amount for one request. `knowledge` is an assistant.eligibility.view.Knowledge."""
    staff_excluded = bool(settings and "staff" in (settings.get("excluded_expense_categories") or []))
    dept_name = settings.get("name") if settings else None
    cost, excluded, budget_used = eligible_cost(budget, expenses, knowledge.categorizer,
                                               knowledge.restrictions, staff_excluded, dept_name)
    removed_txt = ""
    if budget is not None and budget_used is not None and budget_used > budget:
        removed_txt = (f" Le total des dépenses détaillées ({eur(budget_used)}) dépasse le budget indiqué "
                       f"({eur(budget)}) : c'est ce total qui est retenu.")
    if excluded:
        removed_txt += " Dépenses non financées retirées : " + " ; ".join(
            f"{x['label']} ({eur(x['amount_eur'])})" for x in excluded) + "."
    if sub_axis is None:
        return AmountResult(None, None, "Le montant dépend du volet (3a, 3b ou 3c), qui n'est pas encore déterminé.",
                            excluded, cost, budget_used)
    if knowledge.grid_entry and sub_axis == knowledge.grid_entry["sub_axis"]:
        grid = knowledge.grid_3a
        department_grid = False
        if settings and settings.get("flat_rate_grid"):
            grid = settings["flat_rate_grid"]
            department_grid = True
        row, needs_pop = flat_rate_row(grid, applicant_type, epci_type, population)
        origin = (f"grille de la préfecture ({dept_name})" if department_grid
                  else "grille de forfaits recommandée aux préfets")
        if needs_pop:
            return AmountResult("flat_rate", None, "Le forfait 3a dépend de la population de la commune, "
                                "qui n'est pas connue : montant à confirmer.", excluded, cost, budget_used,
                                department_grid=department_grid)
        if row is None or row.get("eur") is None:
            reading = row.get("reading") if row else None
            text = reading or "La grille de forfaits 3a ne prévoit pas ce type de candidat : le montant est fixé par la préfecture."
            return AmountResult("flat_rate", None, text, excluded, cost, budget_used, reading=reading,
                                department_grid=department_grid)
        amount = float(row["eur"])
        who = _who(applicant_type, epci_type, population, row)
        text = f"Forfait 3a de {eur(amount)} pour {who} ({origin})."
        max_rate = float(knowledge.funding_rate["max_rate"]) if knowledge.funding_rate else 1.0
        if cost is not None and cost * max_rate < amount:
            cap = _round(cost * max_rate)
            text += (f" Le financement ne pouvant dépasser {percent(max_rate)} du coût, il est limité à "
                     + ("au coût éligible" if max_rate == 1 else f"{percent(max_rate)} du coût éligible")
                     + f", soit {eur(cap)}.")
            amount = cap
        if row.get("reading"):
            text += " Lecture retenue : " + row["reading"]
        text += removed_txt
        return AmountResult("flat_rate", _round(amount), text, excluded, cost, budget_used,
                            reading=row.get("reading"), department_grid=department_grid)
    # 3b, 3c: up to `up_to_cost.rate` (100 %) of the eligible cost
    if not knowledge.up_to_cost or sub_axis not in knowledge.up_to_cost["sub_axes"]:
        return AmountResult(None, None, f"Aucune règle de montant n'est connue pour le volet {sub_axis} : la "
                            "préfecture fixe le montant.", excluded, cost, budget_used)
    rate = float(knowledge.up_to_cost["rate"])
    if cost is None:
        return AmountResult("up_to_cost", None, f"Pour le volet {sub_axis}, le financement peut atteindre "
                            f"{percent(rate)} du coût éligible du projet : indiquez le budget pour l'estimer.",
                            excluded, None, None, needs_budget=True)
    amount = _round(cost * rate)
    text = (f"Pour le volet {sub_axis}, le financement peut atteindre {percent(rate)} du coût éligible, soit au plus "
            f"{eur(amount)} pour un budget de {eur(budget_used)}.{removed_txt} La préfecture fixe le montant accordé.")
    return AmountResult("up_to_cost", amount, text, excluded, cost, budget_used)


def percent(rate: float) -> str:
    """0.8 -> "80 %" (as the source text writes "100 %")."""
    return f"{round(rate * 100):g} %"


def _who(applicant_type: str | None, epci_type: str | None, population: int | None, row: dict) -> str:
    if applicant_type == "commune":
        pop = f" ({integer(population)} habitants)" if population is not None else ""
        if "population_below" in row:
            return f"une commune de moins de {integer(row['population_below'])} habitants{pop}"
        return f"une commune{pop}"
    labels = {"region": "une région", "departement": "un département", "com": "une collectivité d'outre-mer",
              "syndicat": "un syndicat", "personne_morale": "une personne morale"}
    if applicant_type == "epci":
        kind = EPCI_LABELS.get(epci_type or "")
        if kind is None:
            return "un EPCI"
        return f"la {kind}" if kind[0].isupper() else f"une {kind}"   # every kind is feminine
    return labels.get(applicant_type or "", "ce candidat")
