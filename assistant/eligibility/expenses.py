"""Expense findings that keep the verdict consistent with the amount (issue 10).

- Nothing fundable: when the excluded expenses leave an eligible cost of 0 €, the verdict is not
  "eligible, up to 0 €": a required `fundable_cost` finding is not_met (with what would change it).
- Licences of non-EU publishers beyond the marginal part: the verdict says so and is "to confirm"
  (`licence_non_eu_share` unknown), never plain "eligible". Readings: knowledge/rules.yml,
  restrictions (`non_agents`, `beyond_marginal`).
"""
from __future__ import annotations

from ..fmt import eur
from .findings import NOT_MET, UNKNOWN, Finding, _src


def expense_findings(amount, k) -> list[Finding]:
    out: list[Finding] = []
    excluded = amount.excluded_expenses or []
    if not excluded:
        return out
    eq = k.restrictions.get("equipment_agents")
    lic = k.restrictions.get("licence_non_eu")
    if amount.eligible_cost_eur is not None and amount.eligible_cost_eur <= 0:
        items = "; ".join(f"{x['label']} ({eur(x['amount_eur'])})" for x in excluded)
        cats = sorted({x["category"] for x in excluded})
        entry = eq if "equipment_agents" in cats or lic is None else lic
        out.append(Finding("fundable_cost", NOT_MET,
                           f"Toutes les dépenses indiquées sont exclues ({items}) : il ne reste rien que le guichet "
                           "puisse financer.", _src(entry), {"eligible_cost_eur": 0, "categories": cats,
                                                             "reading": (entry or {}).get("non_agents")}))
    lic_x = [x for x in excluded if x["category"] == "licence_non_eu"]
    if lic_x and lic is not None:
        share = int(float(lic["max_share_of_grant"]) * 100)
        over = sum(x["amount_eur"] for x in lic_x)
        out.append(Finding("licence_non_eu_share", UNKNOWN,
                           f"Les licences d'éditeurs extra-communautaires dépassent la partie marginale du "
                           f"financement (lue comme {share} % du montant accordé) : {eur(over)} au-delà. Ce n'est "
                           "plus une partie marginale ; la préfecture dira si le projet reste recevable, et cette "
                           "part n'est pas comptée dans le montant indicatif.", _src(lic),
                           {"excess_eur": over, "max_share": lic["max_share_of_grant"],
                            "reading": lic.get("beyond_marginal")}))
    return out
