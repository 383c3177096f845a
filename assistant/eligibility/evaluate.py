"""Eligibility findings of FITN7 axe 3, from the knowledge YAML (no rule is written in code).

`evaluate(facts, knowledge) -> [Finding]`: the facts are what assess.py resolved from the request,
the referential and the classifier; the knowledge is the dated view (view.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..fmt import integer
from .digital import digital_findings
from .findings import MET, NOT_APPLICABLE, NOT_MET, UNKNOWN, Finding, _jsonable, _src
from .inputs import label as input_label
from .labels import TYPE_LABELS, collectivity_label, fr_date
from .referential import TYPES as REFERENTIAL_TYPES
from .view import Knowledge, population_cap_scope

@dataclass
class Facts:
    """What assess.py resolved from the request, the referential and the classifier."""
    collectivity_query: str | None = None
    lookup_status: str | None = None           # found | ambiguous | not_found | None (not asked)
    match: Any = None                          # Collectivity
    candidates: list = field(default_factory=list)
    department_query: str | None = None
    department_code: str | None = None
    department_name: str | None = None
    department_invalid: bool = False
    region_code: str | None = None             # for a région applicant (no département)
    region_name: str | None = None
    declared_type: str | None = None           # applicant_type given by the request
    applicant_type: str | None = None          # effective type
    epci_type: str | None = None
    population: int | None = None
    description: str | None = None
    is_digital: bool | None = None
    excluded: Any = None                       # Classification.excluded
    sub_axis: str | None = None
    inputs: dict = field(default_factory=dict)   # the request's values by input key
    unknown: frozenset = frozenset()            # inputs the user said they do not know
    # issue 10: the digital criterion, three-valued (assistant/eligibility/digital.py)
    digital: bool | None = None                # True / False (positive evidence) / None (unknown)
    not_digital_evidence: list = field(default_factory=list)
    not_digital_kinds: list = field(default_factory=list)
    no_project: bool = False                   # the description describes no project
    digital_change: str | None = None          # answer to "En quoi votre projet est-il numérique ?"
    user_says_not_digital: bool = False        # that answer says it is not
    sub_axis_method: str | None = None         # "cues" | "model" | None
    model: dict | None = None                  # the statistical reading, when it ran



def evaluate(f: Facts, k: Knowledge) -> list[Finding]:
    out: list[Finding] = []
    app_src = _src(k.applicant_types.get("commune"))
    type_entry = k.applicant_types.get(f.applicant_type or "")
    declared_only = f.applicant_type is not None and f.applicant_type not in REFERENTIAL_TYPES

    # 1. the collectivity, from the referential
    if f.lookup_status == "found":
        out.append(Finding("collectivity", MET, f"Candidat identifié dans le référentiel : {collectivity_label(f.match)}.",
                           app_src, {"query": f.collectivity_query, "code": f.match.code}, required=False))
    elif f.lookup_status == "ambiguous":
        names = "; ".join(collectivity_label(c) for c in f.candidates[:6])
        more = f" (et {len(f.candidates) - 6} autres)" if len(f.candidates) > 6 else ""
        dep_known = f.department_query is not None and not f.department_invalid
        ask = ("Le département ne suffit pas à les distinguer : précisez le nom exact ou le code INSEE."
               if dep_known else "Précisez le département (nom ou numéro) ou le code INSEE.")
        out.append(Finding("collectivity", UNKNOWN,
                           f"Plusieurs collectivités correspondent à « {f.collectivity_query} » : {names}{more}. {ask}",
                           app_src, {"query": f.collectivity_query, "candidates": [c.code for c in f.candidates]},
                           missing=["collectivity"] if dep_known else ["department"]))
    elif f.lookup_status == "not_found":
        if declared_only:
            out.append(Finding("collectivity", NOT_APPLICABLE,
                               f"« {f.collectivity_query} » n'est pas dans le référentiel des collectivités, ce qui "
                               f"est normal pour un candidat de type {TYPE_LABELS[f.applicant_type]}.",
                               app_src, {"query": f.collectivity_query}, required=False))
        else:
            where = (f" dans le département {f.department_name or f.department_code}"
                     if f.department_code and not f.department_invalid else "")
            out.append(Finding("collectivity", UNKNOWN,
                               f"Collectivité introuvable dans le référentiel{where} : « {f.collectivity_query} ». "
                               "Vérifiez l'orthographe ou donnez le code INSEE, le numéro SIREN ou le code postal.",
                               app_src, {"query": f.collectivity_query}, missing=["collectivity"]))
    elif declared_only:
        out.append(Finding("collectivity", NOT_APPLICABLE,
                           f"Un candidat de type {TYPE_LABELS[f.applicant_type]} n'est pas recherché dans le "
                           "référentiel des collectivités.", app_src, {}, required=False))
    else:
        out.append(Finding("collectivity", UNKNOWN, "Le nom de la collectivité candidate n'est pas encore connu.",
                           app_src, {}, missing=["collectivity"]))

    # 2. the département (for homonyms, local settings and the prefecture to contact)
    if f.department_invalid:
        out.append(Finding("department", UNKNOWN, f"Département inconnu : « {f.department_query} ». Donnez son "
                           "numéro (par exemple 72) ou son nom.", _src(k.contact_prefecture), {"query": f.department_query},
                           missing=["department"], required=False))
    elif declared_only and not f.department_code and f.applicant_type in _eligible_types(k):
        out.append(Finding("department", UNKNOWN, "Le département du candidat n'est pas connu : il désigne la "
                           "préfecture qui instruit le dossier et ses règles locales.", _src(k.contact_prefecture), {},
                           missing=["department"], required=False))

    # 3. applicant type
    if f.applicant_type is None:
        if f.lookup_status in ("found", "ambiguous"):
            pass  # found: always typed; ambiguous: the département will tell
        else:
            out.append(Finding("applicant_type", UNKNOWN, "Le type de candidat n'est pas connu (commune, EPCI, "
                               "syndicat, département, région, association…).", app_src, {},
                               missing=[] if f.collectivity_query is None else ["applicant_type"]))
    elif type_entry is None:
        out.append(Finding("applicant_type", UNKNOWN, f"Type de candidat non prévu : {f.applicant_type}.", app_src,
                           {"applicant_type": f.applicant_type}, missing=["applicant_type"]))
    else:
        label = type_entry["label"]
        status = type_entry["status"]
        values = {"applicant_type": f.applicant_type, "epci_type": f.epci_type}
        if status in ("eligible", "needs_funding_check"):
            msg = f"Type de candidat éligible : {label}."
            if status == "needs_funding_check":
                msg = f"Type de candidat : {label}, éligible seulement si ses financements ne proviennent que de collectivités locales."
            out.append(Finding("applicant_type", MET, msg, _src(type_entry), values))
        elif status == "not_eligible":
            out.append(Finding("applicant_type", NOT_MET,
                               f"Un candidat de type « {label} » n'est pas éligible : seuls une collectivité, un "
                               "groupement de collectivités ou une personne morale financée uniquement par des "
                               "collectivités locales peuvent candidater.", _src(type_entry), values))
        else:  # to_confirm (laboratoire d'innovation territoriale)
            out.append(Finding("applicant_type", UNKNOWN,
                               "Projet porté par un laboratoire d'innovation territoriale : les critères généraux "
                               "d'éligibilité ne s'appliquent pas ; l'éligibilité est à confirmer avec la préfecture.",
                               _src(type_entry), values))

    # 4. conditions on the applicant (e.g. funding only from local authorities)
    status = type_entry["status"] if type_entry else None
    for cond in k.conditions.values():
        if cond.get("applies_to_status"):
            out.append(_applicant_condition(f, cond, status))

    # 5. per-département settings
    settings = k.settings_for(f.department_code, f.region_code)
    if settings:
        out.extend(_department_findings(f, settings, type_entry))

    # 6. conditions on the project (some are not applicable to an innovation lab)
    for cond in k.conditions.values():
        if cond.get("applies_to_status"):
            continue
        if f.applicant_type in (cond.get("not_for_types") or []):
            out.append(Finding(cond["id"], NOT_APPLICABLE, " ".join(cond["not_for_message"].split()),
                               _src(cond), {}, required=False))
        else:
            out.extend(CONDITION_KINDS[cond["kind"]](f, cond, k))
    return out


def _eligible_types(k: Knowledge) -> set[str]:
    return {t for t, e in k.applicant_types.items() if e["status"] != "not_eligible"}


def _department_findings(f: Facts, s: dict, type_entry: dict | None) -> list[Finding]:
    out = []
    src = _src(s)
    name = s["name"]
    out.append(Finding("department_settings", MET,
                       f"Règles locales publiées par la préfecture ({name}) prises en compte : "
                       + " ".join(s.get("notes") or []), src,
                       {"department": f.department_code, "region": f.region_code, "settings": s["id"]},
                       required=False))
    rules = {r["id"]: r for r in s.get("rules") or []}
    at = s.get("applicant_types")
    t = f.applicant_type
    if at and t and type_entry and type_entry["status"] != "not_eligible":
        label = type_entry["label"]
        allowed, excluded = at.get("allowed") or [], at.get("excluded") or []
        rsrc = _src(rules.get(f"{s['id']}_exclusions") or s) if t in excluded else _src(rules.get(f"{s['id']}_applicants") or s)
        values = {"department": f.department_code, "allowed": allowed, "excluded": excluded, "applicant_type": t}
        if t in excluded:
            out.append(Finding("department_applicant_types", NOT_MET,
                               f"Règle locale ({name}) : un candidat de type « {label} » n'est pas éligible dans ce "
                               "département.", rsrc, values))
        elif t in allowed:
            out.append(Finding("department_applicant_types", MET,
                               f"Règle locale ({name}) : ce type de candidat ({label}) fait partie de ceux que la "
                               "préfecture retient.", rsrc, values))
        elif at.get("only") and allowed:
            # a plain local restriction to the listed types (knowledge/departements/README.md)
            allowed_txt = ", ".join(TYPE_LABELS.get(a, a) for a in allowed)
            out.append(Finding("department_applicant_types", NOT_MET,
                               f"Règle locale ({name}) : « {at['only']} ». Un candidat de type « {label} » "
                               f"n'est donc pas éligible dans ce département (candidats retenus : {allowed_txt}).",
                               rsrc, {**values, "only": at["only"]}))
        else:
            allowed_txt = ", ".join(TYPE_LABELS.get(a, a) for a in allowed)
            out.append(Finding("department_applicant_types", UNKNOWN,
                               f"Règle locale ({name}) : la préfecture ne cite que les candidats suivants : "
                               f"{allowed_txt}. Pour un candidat de type « {label} », l'éligibilité est à confirmer "
                               "avec la préfecture.", rsrc, values))
    cap = s.get("population_below")
    scope = population_cap_scope(s)   # None: every applicant type (see knowledge/departements/README.md)
    if cap and t and type_entry and type_entry["status"] != "not_eligible" and (scope is None or t in scope):
        rsrc = _src(rules.get(f"{s['id']}_applicants") or s)
        values = {"department": f.department_code, "population_below": cap, "population": f.population,
                  "applies_to": sorted(scope) if scope is not None else None}
        if f.population is None:
            out.append(Finding("department_population_cap", UNKNOWN,
                               f"Règle locale ({name}) : la population INSEE doit être inférieure à "
                               f"{integer(cap)} habitants ; elle n'est pas connue.", rsrc, values))
        elif f.population < cap:
            out.append(Finding("department_population_cap", MET,
                               f"Règle locale ({name}) : population INSEE de {integer(f.population)} habitants, "
                               f"inférieure à {integer(cap)}.", rsrc, values))
        else:
            out.append(Finding("department_population_cap", NOT_MET,
                               f"Règle locale ({name}) : la population INSEE ({integer(f.population)} habitants) "
                               f"doit être inférieure à {integer(cap)} habitants.", rsrc, values))
    if "staff" in (s.get("excluded_expense_categories") or []):
        rsrc = _src(rules.get(f"{s['id']}_exclusions") or s)
        out.append(Finding("department_staff_costs", MET,
                           f"Règle locale ({name}) : les frais de personnel ne sont pas financés ; ils sont retirés "
                           "du montant.", rsrc, {"department": f.department_code}, required=False))
    return out


def _message(cond: dict, key: str, **values) -> str:
    return " ".join(cond["messages"][key].split()).format(**values)


def _declared_unknown(f: Facts, cond: dict) -> Finding:
    """The user said they do not know (knowledge/inputs.yml, `unknown_ok`): not asked again, "à confirmer"."""
    return Finding(cond["id"], UNKNOWN, f"Réponse pas encore connue pour {input_label(cond['input'])} : à confirmer "
                   "avec la préfecture avant le dépôt.", _src(cond), {"value": "unknown"})


def _yes_required(f: Facts, cond: dict, k: Knowledge) -> list[Finding]:
    """A yes/no input that must be yes (knowledge/rules.yml, `kind: yes_required`)."""
    key = cond["input"]
    value = f.inputs.get(key)
    if value is True:
        return [Finding(cond["id"], MET, _message(cond, "met"), _src(cond), {"value": True})]
    if value is False:
        return [Finding(cond["id"], NOT_MET, _message(cond, "not_met"), _src(cond), {"value": False})]
    if key in f.unknown:
        return [_declared_unknown(f, cond)]
    return [Finding(cond["id"], UNKNOWN, _message(cond, "unknown"), _src(cond), {}, missing=[key])]


def _applicant_condition(f: Facts, cond: dict, status: str | None) -> Finding:
    """A condition that only some kinds of applicant must meet (`applies_to_status`)."""
    if status not in cond["applies_to_status"]:
        return Finding(cond["id"], NOT_APPLICABLE, _message(cond, "not_applicable"), _src(cond), {}, required=False)
    return _yes_required(f, cond, None)[0]


def _date_before(f: Facts, cond: dict, k: Knowledge) -> list[Finding]:
    """A date input that must not be later than `deadline` (`kind: date_before`)."""
    key, deadline = cond["input"], cond["deadline"]
    value = f.inputs.get(key)
    values = {"deadline": deadline.isoformat()}
    if value is None:
        if key in f.unknown:
            return [_declared_unknown(f, cond)]
        return [Finding(cond["id"], UNKNOWN, _message(cond, "unknown", year=deadline.year), _src(cond), values,
                        missing=[key])]
    values[key] = value.isoformat()
    status = MET if value <= deadline else NOT_MET
    return [Finding(cond["id"], status, _message(cond, status, date=fr_date(value), year=deadline.year,
                                                 deadline=fr_date(deadline)), _src(cond), values)]


def _digital(f: Facts, e: dict, k: Knowledge) -> list[Finding]:
    """The project is digital, judged on the description by the classifier (`kind: digital`):
    three-valued (issue 10), assistant/eligibility/digital.py."""
    return digital_findings(f, e, k)


# The kinds of condition of knowledge/rules.yml (`kind:`): one function each.
CONDITION_KINDS = {"yes_required": _yes_required, "date_before": _date_before, "digital": _digital}


