"""Eligibility findings of FITN7 axe 3, from the knowledge YAML (no rule is written in code).

Each finding is three-valued (met / not_met / unknown) or not_applicable, names its rule, says why
in plain French, cites its source and lists the request keys it still needs (`missing`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .amounts import ExpenseCategorizer
from .config import KNOWLEDGE_DIR
from .fmt import integer
from .knowledge import KnowledgeError, in_force, load_cached

MET, NOT_MET, UNKNOWN, NOT_APPLICABLE = "met", "not_met", "unknown", "not_applicable"

# The order in which the dialogue asks for missing inputs (request key names).
MISSING_ORDER = ("collectivity", "department", "applicant_type", "funded_only_by_local_authorities",
                 "description", "decision_level_sponsor", "results_date", "budget_eur")

# Applicant types the referential can identify (the others are declared by the applicant).
REFERENTIAL_TYPES = ("commune", "epci", "departement", "region", "com")

TYPE_LABELS = {
    "commune": "commune", "departement": "département", "region": "région",
    "com": "collectivité d'outre-mer", "epci": "EPCI", "syndicat": "syndicat",
    "personne_morale": "personne morale", "association": "association", "entreprise": "entreprise",
    "etat": "service de l'État", "particulier": "particulier",
    "laboratoire_innovation": "laboratoire d'innovation territoriale",
}
EPCI_LABELS = {"CC": "communauté de communes", "CA": "communauté d'agglomération",
               "CU": "communauté urbaine", "METRO": "métropole", "MET69": "Métropole de Lyon"}
# The one wording of each sub-axis (headings of the three sub-axes in the source text; "usager" as
# in the body of 3c: "la relation entre les usagers et les collectivités locales").
SUB_AXIS_LABELS = {
    "3a": "3a (accompagnement par un expert du numérique)",
    "3b": "3b (formation au numérique des agents)",
    "3c": "3c (projet de transformation numérique ayant un impact concret dans la relation à l'usager)",
}


def sub_axis_label(code: str | None) -> str | None:
    """"3c (projet de transformation numérique …)"; an unknown code as is; None for None."""
    return SUB_AXIS_LABELS.get(code, code) if code else None


def type_label(applicant_type: str | None, epci_type: str | None = None) -> str | None:
    """The French name of a kind of applicant; for an EPCI the precise kind when known
    ("communauté de communes"), else "EPCI"."""
    if not applicant_type:
        return None
    if applicant_type == "epci" and epci_type in EPCI_LABELS:
        return EPCI_LABELS[epci_type]
    return TYPE_LABELS.get(applicant_type, applicant_type)


def text(k: "Knowledge", key: str, **values: Any) -> str:
    """An advice text of knowledge/texts.yml, with its {placeholders} filled, on one line."""
    return " ".join(k.texts[key].split()).format(**values)


def _src(entry: dict | None) -> dict:
    if not entry:
        return {}
    return {k: v for k, v in entry["source"].items() if k in ("section", "quote", "document", "url")}


def fr_date(d: dt.date) -> str:
    months = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
              "octobre", "novembre", "décembre")
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {months[d.month - 1]} {d.year}"


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


# --------------------------------------------------------------------------- knowledge


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
        for path in sorted((KNOWLEDGE_DIR / "departements").glob("*.yml")):
            settings = load_cached(f"departements/{path.name}")["settings"]
            population_cap_scope(settings, known_types, where=f"departements/{path.name}")  # refuse a bad scope
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


# --------------------------------------------------------------------------- facts -> findings


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
    funded_only: bool | None = None
    description: str | None = None
    is_digital: bool | None = None
    excluded: Any = None                       # Classification.excluded
    sub_axis: str | None = None
    decision_level_sponsor: bool | None = None
    results_date: dt.date | None = None


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


def evaluate(f: Facts, k: Knowledge) -> list[Finding]:
    out: list[Finding] = []
    app_src = _src(k.applicant_types.get("commune"))
    lab = f.applicant_type == "laboratoire_innovation"
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

    # 4. funding only from local authorities (personne morale, association)
    pm_entry = k.applicant_types.get("personne_morale")
    if type_entry and type_entry["status"] == "needs_funding_check":
        if f.funded_only is True:
            out.append(Finding("funded_only_by_local_authorities", MET,
                               "Ses financements ne proviennent que de collectivités locales (hors subventions de "
                               "l'État ou européennes) : condition remplie.", _src(pm_entry), {"value": True}))
        elif f.funded_only is False:
            out.append(Finding("funded_only_by_local_authorities", NOT_MET,
                               "Ses financements ne proviennent pas que de collectivités locales : le candidat n'est "
                               "pas éligible.", _src(pm_entry), {"value": False}))
        else:
            out.append(Finding("funded_only_by_local_authorities", UNKNOWN,
                               "Il faut savoir si ses financements proviennent uniquement de collectivités locales "
                               "(hors subventions de l'État ou européennes).", _src(pm_entry), {},
                               missing=["funded_only_by_local_authorities"]))
    else:
        out.append(Finding("funded_only_by_local_authorities", NOT_APPLICABLE,
                           "Question sans objet : elle ne concerne que les personnes morales et associations.",
                           _src(pm_entry), {}, required=False))

    # 5. per-département settings
    settings = k.settings_for(f.department_code, f.region_code)
    if settings:
        out.extend(_department_findings(f, settings, type_entry))

    # 6. conditions (not applicable to an innovation lab)
    cond = k.conditions
    if lab:
        for rid in ("digital_project", "decision_level_sponsor", "results_date"):
            if rid in cond:
                out.append(Finding(rid, NOT_APPLICABLE, "Critère général sans objet pour un laboratoire d'innovation "
                                   "territoriale (à voir avec la préfecture).", _src(cond[rid]), {}, required=False))
    else:
        out.extend(_condition_findings(f, cond, k))
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


def _condition_findings(f: Facts, cond: dict, k: Knowledge) -> list[Finding]:
    out = []
    e = cond.get("digital_project")
    if e:
        exclusions = [x for x in (f.excluded or []) if isinstance(x, dict) and x.get("kind", "exclusion") == "exclusion"]
        excluded_only = bool(exclusions) and f.sub_axis is None
        if not f.description:
            out.append(Finding("digital_project", UNKNOWN, "Décrivez le projet en quelques phrases pour vérifier qu'il "
                               "s'agit d'un projet de transformation, d'innovation ou de modernisation numérique.",
                               _src(e), {}, missing=["description"]))
        elif excluded_only and "equipment_agents" in k.restrictions:
            r = k.restrictions["equipment_agents"]
            out.append(Finding("digital_project", NOT_MET,
                               "Le projet décrit consiste surtout en l'achat d'équipements informatiques pour les "
                               "agents, qui sont exclus du guichet.", _src(r), {"excluded": _jsonable(f.excluded)}))
        elif f.is_digital is True:
            out.append(Finding("digital_project", MET, "Le projet est un projet de transformation, d'innovation ou de "
                               "modernisation numérique.", _src(e), {"is_digital": True}))
            if exclusions and "equipment_agents" in k.restrictions:
                words = ", ".join(w for x in exclusions for w in x.get("evidence") or [])
                out.append(Finding("equipment_agents", NOT_MET,
                                   f"La description mentionne l'achat d'équipements informatiques pour les agents "
                                   f"({words}) : ces achats sont exclus et ne seront pas financés ; le reste du projet "
                                   "peut l'être.", _src(k.restrictions["equipment_agents"]),
                                   {"evidence": words}, required=False))
        elif f.is_digital is False:
            out.append(Finding("digital_project", NOT_MET,
                               "La description ne montre pas un projet de transformation, d'innovation ou de "
                               "modernisation numérique. Si c'en est un, précisez ce que le numérique change pour "
                               "les agents ou les habitants.", _src(e), {"is_digital": False}))
        else:
            out.append(Finding("digital_project", UNKNOWN, "Le caractère numérique du projet n'a pas pu être évalué.",
                               _src(e), {}, missing=["description"]))
    e = cond.get("decision_level_sponsor")
    if e:
        if f.decision_level_sponsor is True:
            out.append(Finding("decision_level_sponsor", MET, "Le projet est porté à un niveau décisionnel (élu ou "
                               "direction) : condition remplie.", _src(e), {"value": True}))
        elif f.decision_level_sponsor is False:
            out.append(Finding("decision_level_sponsor", NOT_MET,
                               "Le projet doit être porté avec un engagement à un niveau décisionnel (maire, "
                               "président, exécutif ou délibération) : ce n'est pas le cas pour l'instant.",
                               _src(e), {"value": False}))
        else:
            out.append(Finding("decision_level_sponsor", UNKNOWN, "Il faut savoir si le projet est porté à un niveau "
                               "décisionnel (engagement du maire, du président ou délibération).", _src(e), {},
                               missing=["decision_level_sponsor"]))
    e = cond.get("results_date")
    if e:
        deadline = e["deadline"]
        if f.results_date is None:
            out.append(Finding("results_date", UNKNOWN, "Il faut connaître la date à laquelle le projet donnera des "
                               f"résultats tangibles (avant fin {deadline.year}).", _src(e), {"deadline": deadline.isoformat()},
                               missing=["results_date"]))
        elif f.results_date <= deadline:
            out.append(Finding("results_date", MET, f"Résultats tangibles attendus le {fr_date(f.results_date)}, "
                               f"avant fin {deadline.year} : condition remplie.", _src(e),
                               {"results_date": f.results_date.isoformat(), "deadline": deadline.isoformat()}))
        else:
            out.append(Finding("results_date", NOT_MET, f"Résultats attendus le {fr_date(f.results_date)} : le projet "
                               f"doit donner des résultats tangibles avant fin {deadline.year} (au plus tard le "
                               f"{fr_date(deadline)}).", _src(e),
                               {"results_date": f.results_date.isoformat(), "deadline": deadline.isoformat()}))
    return out


def _jsonable(x: Any) -> Any:
    if isinstance(x, (str, int, float, bool)) or x is None:
        return x
    if isinstance(x, dict):
        return {str(a): _jsonable(b) for a, b in x.items()}
    if isinstance(x, (list, tuple, set)):
        return [_jsonable(i) for i in x]
    return str(x)


def eligibility(findings: list[Finding]) -> str:
    if any(fd.status == NOT_MET and fd.required for fd in findings):
        return "not_eligible"
    if any(fd.status == UNKNOWN for fd in findings):
        return "to_confirm"
    return "eligible"


def missing(findings: list[Finding], extra: list[str] = ()) -> list[str]:
    keys = {m for fd in findings for m in fd.missing} | set(extra)
    return [k for k in MISSING_ORDER if k in keys]
