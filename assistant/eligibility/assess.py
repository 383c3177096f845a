"""The engine's one entry: `assess(Request.from_dict({...})) -> Assessment` (see docs/ARCHITECTURE.md).

Request.from_dict validates and normalises the input (French InputError); assess() resolves the
collectivity in the referential, classifies the description, evaluates the rules of knowledge/
(assistant.eligibility.evaluate), computes the amount (assistant.eligibility.amounts) and writes the advice and a summary.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterable

import copy
import re

from . import amounts as amounts_mod
from . import applicant_kind
from .expenses import expense_findings
from .explain import explain
from .evaluate import evaluate, Facts
from .inputs import Request, label as input_label
from .findings import _src, Finding, MET, missing_inputs, NOT_MET, UNKNOWN, verdict
from .labels import collectivity_label, eligibility_label, fr_date, sub_axis_label, type_label
from .referential import TYPES as REFERENTIAL_TYPES
from .view import Knowledge, knowledge_on, rules_date, text
from ..fmt import eur
from ..text import fold

# --------------------------------------------------------------------------- output


@dataclass
class Assessment:
    eligibility: str
    findings: list[Finding]
    missing: list[str]
    sub_axis: str | None
    sub_axes: list[str]
    sub_axis_scores: dict
    sub_axis_evidence: dict
    is_digital_project: bool | None
    amount: dict
    collectivity: dict | None
    department_settings: dict | None
    application_url: str
    contacts: list[dict]
    advice: list[str]
    summary: str
    as_of: str = ""
    rules_date: str = ""
    request: dict = field(default_factory=dict)
    sub_axis_negated: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "eligibility": self.eligibility,
            "eligibility_label": eligibility_label(self.eligibility),
            "findings": [f.to_dict() for f in self.findings],
            "missing": list(self.missing),
            "missing_labels": [input_label(m) for m in self.missing],
            "sub_axis": self.sub_axis,
            "sub_axis_label": sub_axis_label(self.sub_axis),
            "sub_axes": list(self.sub_axes),
            "sub_axis_labels": [sub_axis_label(s) for s in self.sub_axes],
            "sub_axis_scores": dict(self.sub_axis_scores),
            "sub_axis_evidence": dict(self.sub_axis_evidence),
            "sub_axis_negated": dict(self.sub_axis_negated),
            "is_digital_project": self.is_digital_project,
            "amount": self.amount,
            "collectivity": self.collectivity,
            "department_settings": self.department_settings,
            "application_url": self.application_url,
            "contacts": self.contacts,
            "advice": list(self.advice),
            "summary": self.summary,
            "as_of": self.as_of,
            "rules_date": self.rules_date,
            "request": self.request,
        }


# --------------------------------------------------------------------------- engine


def _default_referential():
    from .referential import Referential
    return Referential.open()


def _default_classifier():
    from .classify import Classifier
    return Classifier.load()


def assess(request: Request, *, referential: Any = None, classifier: Any = None) -> Assessment:
    """Assess one request (defaults: the cached Referential.open() and Classifier.load())."""
    if not isinstance(request, Request):
        request = Request.from_dict(request)
    classification = None
    if request.description:
        clf = classifier or _default_classifier()
        classification = clf.classify(_project_text(request, clf))
    return _assess(request, referential or _default_referential(), classification, classifier)


def assess_many(requests: Iterable[Request], *, referential: Any = None, classifier: Any = None) -> list[Assessment]:
    """Assess several requests, classifying their descriptions in one batch."""
    requests = list(requests)
    results: list = []
    if any(r.description for r in requests):
        clf = classifier or _default_classifier()
        results = list(clf.classify_many([_project_text(r, clf) for r in requests if r.description]))
    ref = referential or _default_referential()
    it = iter(results)
    return [_assess(r, ref, next(it) if r.description else None, classifier) for r in requests]


def _says_not_digital(req: Request, clf: Any) -> bool:
    """The answer to "En quoi votre projet est-il numérique ?" says it is not ("non", "rien")."""
    check = getattr(clf, "is_negative_answer", None)
    return bool(req.digital_change) and callable(check) and bool(check(req.digital_change))


def _project_text(req: Request, clf: Any) -> str:
    """What is classified: the description, and the answer to `digital_change` read like it."""
    if req.digital_change and not _says_not_digital(req, clf):
        return f"{req.description}\n{req.digital_change}"
    return req.description


def _recognised_kind(req: Request) -> "applicant_kind.Kind | None":
    """The kind of applicant its name says ("Syndicat mixte …", "PETR du …", "CCAS de …") when the
    request gives no applicant_type (issue 10; assistant/eligibility/applicant_kind.py)."""
    if req.applicant_type is not None or not req.collectivity:
        return None
    return applicant_kind.recognise(req.collectivity)


_PLACE = re.compile(r"^\s*(?:de la|de l'|de l’|du|des|de|d'|d’|à|a)\s*", re.I)


def _department_of_place(ref: Any, name: str, kind: "applicant_kind.Kind") -> Any:
    """"CCAS de Colmar": the département of the place the name ends with, when the referential
    finds exactly one collectivity of that name (else None: the département is asked)."""
    words = name.split()
    n = len(kind.matched.split())
    for i in range(len(words)):
        if fold(" ".join(words[i:i + n])) == kind.matched:
            place = _PLACE.sub("", " ".join(words[i + n:])).strip()
            if len(place) < 2:
                return None
            try:
                res = ref.lookup(place)
            except Exception:  # a stand-in referential without lookups
                return None
            m = res.match if res.status == "found" else None
            if m is not None and m.department and m.type in ("commune", "epci", "departement"):
                return ref.department(m.department)
            return None
    return None


def _kind_finding(kind: "applicant_kind.Kind", name: str, dep: Any = None) -> Finding:
    where = (f" Département lu dans le nom : {dep.name} ({dep.code}) ; précisez-le s'il est autre."
             if dep is not None else "")
    return Finding("applicant_kind", MET,
                   f"Type de candidat reconnu dans son nom « {name} » : {kind.label}, lu comme "
                   f"{type_label(kind.applicant_type)}" + (f" ({kind.interpretation})" if kind.interpretation else "")
                   + "." + where, dict(kind.source),
                   {**kind.to_dict(), "department_from_name": dep.code if dep is not None else None}, required=False)


def _digital_facts(f: Facts, cls: Any, req: Request, clf: Any) -> None:
    """The three-valued digital facts of a classification (issue 10); a stand-in classification
    without them (tests) reads as before: is_digital True/False."""
    f.digital = getattr(cls, "digital", f.is_digital)
    f.not_digital_evidence = list(getattr(cls, "not_digital_evidence", None) or [])
    f.not_digital_kinds = list(getattr(cls, "not_digital_kinds", None) or [])
    f.no_project = bool(getattr(cls, "no_project", False))
    f.sub_axis_method = getattr(cls, "method", None)
    f.model = getattr(cls, "model", None)
    f.digital_change = req.digital_change
    f.user_says_not_digital = _says_not_digital(req, clf or _default_classifier()) if req.digital_change else False


def _assess(req: Request, ref: Any, cls: Any, clf: Any = None) -> Assessment:
    asked = req
    kind = _recognised_kind(req)
    if kind is not None:
        req = copy.copy(req)
        req.applicant_type = kind.applicant_type
    today = dt.date.today()
    as_of = req.as_of or today
    on = rules_date(as_of)
    k = knowledge_on(on)
    f = Facts(collectivity_query=req.collectivity, department_query=req.department,
              declared_type=req.applicant_type, description=req.description,
              inputs=req.values(), unknown=req.unknown)

    dep = None
    if req.department:
        dep = ref.department(req.department)
        f.department_invalid = dep is None
    elif kind is not None:
        dep = _department_of_place(ref, req.collectivity, kind)
    declared_only = req.applicant_type is not None and req.applicant_type not in REFERENTIAL_TYPES
    result = None
    if req.collectivity:
        result = ref.lookup(req.collectivity, department=dep.code if dep else None)
        f.lookup_status = result.status
        f.candidates = list(result.candidates)
    match = result.match if result is not None and result.status == "found" else None
    if declared_only:
        f.applicant_type = req.applicant_type
        if match is not None:  # e.g. "association de Mamers": the commune only tells the département
            f.lookup_status = "not_found"
            if dep is None and match.type in ("commune", "departement", "com", "epci") and match.department:
                dep = ref.department(match.department)
            match = None
    elif match is not None:
        f.match = match
        f.applicant_type = match.type
        f.epci_type = match.epci_type
        f.population = match.population if req.population is None else req.population   # what-if
    else:
        f.applicant_type = req.applicant_type  # declared (a referential type) when not found or not asked
        if result is not None and result.status == "ambiguous" and f.applicant_type is None:
            types = {c.type for c in result.candidates}
            if len(types) == 1:
                f.applicant_type = types.pop()

    if match is not None:
        if match.type == "region":
            f.region_code, f.region_name = match.code, match.name
        else:
            f.department_code = match.department or (match.code if match.type in ("departement", "com") else None)
            f.department_name = match.department_name
    elif dep is not None:
        f.department_code, f.department_name = dep.code, dep.name
    if f.department_code and not f.department_name:
        d2 = ref.department(f.department_code)
        f.department_name = d2.name if d2 else None

    # classification
    scores, evidence, negated, sub_axes = {"3a": 0.0, "3b": 0.0, "3c": 0.0}, {}, {}, []
    if cls is not None:
        f.is_digital = getattr(cls, "is_digital", None)
        f.excluded = getattr(cls, "excluded", None)
        f.sub_axis = getattr(cls, "sub_axis", None)
        sub_axes = list(getattr(cls, "sub_axes", None) or ([f.sub_axis] if f.sub_axis else []))
        scores = dict(getattr(cls, "scores", None) or scores)
        evidence = {a: list(v) for a, v in (getattr(cls, "evidence", None) or {}).items()}
        negated = {a: list(v) for a, v in (getattr(cls, "negated", None) or {}).items() if v}
        _digital_facts(f, cls, req, clf)
    if req.sub_axis:
        f.sub_axis = req.sub_axis
        f.sub_axis_method = "request"
        if req.sub_axis not in sub_axes:
            sub_axes = [req.sub_axis] + sub_axes

    findings = evaluate(f, k)
    if kind is not None:
        findings.insert(0, _kind_finding(kind, req.collectivity, dep if not req.department else None))
    settings = k.settings_for(f.department_code, f.region_code)

    amount = amounts_mod.compute(f.sub_axis, applicant_type=f.applicant_type, epci_type=f.epci_type,
                                 population=f.population, budget=req.budget_eur, expenses=req.expenses,
                                 knowledge=k, settings=settings)
    if amount.excluded_expenses:
        findings.append(_expenses_finding(amount, k))
        findings.extend(expense_findings(amount, k))  # issue 10: nothing fundable, licences beyond the marginal part
    explain(findings)  # issue 10: how_to_change of each not_met / unknown finding
    eligibility = verdict(findings)
    missing = missing_inputs(findings, ["budget_eur"] if amount.needs_budget and not req.is_unknown("budget_eur") else [])
    if eligibility == "not_eligible":
        missing = []

    collectivity = None
    if match is not None:
        collectivity = {**_labelled(match), "candidates": []}
    elif req.collectivity:
        collectivity = {"code": None, "siren": None, "name": None, "type": f.applicant_type,
                        "epci_type": None, "population": None, "department": f.department_code,
                        "department_name": f.department_name, "query": req.collectivity,
                        "label": None, "type_label": type_label(f.applicant_type),
                        "candidates": [_labelled(c) for c in f.candidates[:20]]}

    dept_settings = None
    if settings:
        dept_settings = {"department": f.department_code or None, "region": f.region_code,
                         "name": settings["name"], "url": settings.get("url"),
                         "source": _src(settings), "notes": list(settings.get("notes") or []),
                         "envelope_eur": settings.get("envelope_eur")}

    contacts = _contacts(f, k, sub_axes, settings)
    advice = _advice(req, f, k, eligibility, findings, amount, sub_axes, settings, as_of)
    app_url = k.procedure["application_url"]["url"]   # in force on every rules date (rules_date clamps)
    a = Assessment(
        eligibility=eligibility, findings=findings, missing=missing, sub_axis=f.sub_axis, sub_axes=sub_axes,
        sub_axis_scores=scores, sub_axis_evidence=evidence, sub_axis_negated=negated,
        is_digital_project=f.digital if cls is not None else None,
        amount=amount.to_dict(), collectivity=collectivity, department_settings=dept_settings,
        application_url=app_url, contacts=contacts, advice=advice, summary="",
        as_of=as_of.isoformat(), rules_date=on.isoformat(), request=asked.to_dict())
    a.summary = _summary(a, f, match)
    return a


def _labelled(c: Any) -> dict:
    """A collectivity of the referential as in the contract, with its French labels: `label`
    ("Mamers (commune, Sarthe (72), 4 996 habitants)", as in the summary) and `type_label`."""
    return {**c.to_dict(), "label": collectivity_label(c), "type_label": type_label(c.type, c.epci_type)}


def _excluded_items(amount: amounts_mod.AmountResult) -> str:
    """The excluded expenses as "label (5 000 €); label (…)", for the finding and the advice."""
    return "; ".join(f"{x['label']} ({eur(x['amount_eur'])})" for x in amount.excluded_expenses)


def _expenses_finding(amount: amounts_mod.AmountResult, k: Knowledge) -> Finding:
    total = sum(x["amount_eur"] for x in amount.excluded_expenses)
    cats = {x["category"] for x in amount.excluded_expenses}
    src_entry = k.restrictions.get("equipment_agents" if "equipment_agents" in cats else "licence_non_eu")
    names = _excluded_items(amount)
    return Finding("excluded_expenses", MET,
                     f"Des dépenses ne sont pas financées et sont retirées du montant : {names}, soit {eur(total)}."
                     + (" Le reste du projet peut être financé." if (amount.eligible_cost_eur or 0) > 0 else ""),
                     _src(src_entry), {"excluded_eur": total, "categories": sorted(cats)}, required=False)


def prefecture_name(k: Knowledge, code: str | None, name: str | None) -> str:
    if code and code in k.prefecture_names:
        return k.prefecture_names[code]
    if not name:
        return "Préfecture de votre département"
    article = k.prefecture_articles.get(code or "", "de")
    if article.endswith("'"):
        return f"Préfecture {article}{name}"
    return f"Préfecture {article} {name}"


def _contacts(f: Facts, k: Knowledge, sub_axes: list[str], settings: dict | None) -> list[dict]:
    out = []
    directory = k.contact_prefecture["directory_url"]
    if f.department_code or not f.region_code:
        name = prefecture_name(k, f.department_code, f.department_name)
        url = settings.get("prefecture_url") if settings and f.department_code else None
        why = ("Le préfet de votre département gère le guichet de l'axe 3 : c'est l'interlocuteur pour le dépôt, "
               "l'instruction et le montant.")
        if url is None:
            where = f"« {name} »" if f.department_name else "la préfecture de votre département"
            why += f" Coordonnées : cherchez {where} sur l'annuaire de l'administration."
            url = directory
        out.append({"kind": "prefecture", "name": name, "email": None, "url": url, "why": why,
                    "department": f.department_code})
    else:  # a région: the prefecture of région
        region = f" {f.region_name}" if f.region_name else ""
        out.append({"kind": "prefecture", "name": f"Préfecture de la région{region}", "email": None,
                    "url": directory,
                    "why": "Pour une région, le guichet est suivi par la préfecture de région : cherchez-la sur "
                           "l'annuaire de l'administration.", "department": None})
    if k.contact_anct and (set(k.contact_anct["sub_axes"]) & set(sub_axes + [f.sub_axis])):
        c = k.contact_anct
        out.append({"kind": c["kind"], "name": c["name"], "email": c["email"], "url": None, "why": c["why"]})
    # The one to write to (hand-off): the ANCT when the main sub-axis is 3b (source text, 3b: "vous
    # pouvez écrire à societe.numerique@anct.gouv.fr"), the prefecture otherwise.
    main = "anct" if k.contact_anct and f.sub_axis in k.contact_anct["sub_axes"] and len(out) > 1 else "prefecture"
    for c in out:
        c["primary"] = c["kind"] == main
    return out


def _advice(req: Request, f: Facts, k: Knowledge, eligibility: str, findings: list[Finding],
            amount: amounts_mod.AmountResult, sub_axes: list[str], settings: dict | None,
            as_of: dt.date) -> list[str]:
    out: list[str] = []
    g = k.guichet
    dates = {"opening": fr_date(g["opening_date"]), "deadline_year": g["results_deadline"].year}
    if as_of > g["valid_to"]:
        out.append(text(k, "advice_window_closed", **dates))
    elif as_of < g["valid_from"]:
        out.append(text(k, "advice_window_not_open", **dates))
    by_rule = {fd.rule: fd for fd in findings}
    if eligibility == "not_eligible":
        reasons = " ".join(fd.message for fd in findings if fd.status == NOT_MET and fd.required)
        out.append(text(k, "advice_not_eligible", reasons=reasons))
        return out
    if settings:
        out.extend(settings.get("notes") or [])
    for cond in k.conditions.values():   # a condition's advice (knowledge/rules.yml `advice`)
        if cond.get("advice"):
            found = by_rule.get(cond["id"])
            out.append(text(k, cond["advice"]["met" if found is not None and found.status == MET else "otherwise"]))
    out.append(text(k, "advice_planning", **dates))
    if amount.kind == "up_to_cost" or req.budget_eur is None:
        out.append(text(k, "advice_budget"))
    if amount.excluded_expenses:
        out.append(text(k, "advice_remove_excluded", items=_excluded_items(amount)))
    if len(sub_axes) > 1:
        out.append(text(k, "advice_one_file_per_sub_axis", sub_axes=", ".join(sub_axes)))
    if f.sub_axis:
        crit = next((e for e in k.faq if e.get("sub_axis") == f.sub_axis), None)
        if crit:
            criteria = " ".join(crit["answer"].split())
            out.append(text(k, "advice_criteria", sub_axis=f.sub_axis,
                              criteria=criteria[0].lower() + criteria[1:]))
    contracting = k.procedure.get("contracting")
    if contracting:
        out.append(" ".join(contracting["text"].split()))
    committee = k.procedure.get("selection_committee")
    if committee:
        out.append(" ".join(committee["text"].split()))
    return out


def _summary(a: Assessment, f: Facts, match: Any) -> str:
    parts = []
    if match is not None:
        who = collectivity_label(match)
    elif f.collectivity_query:
        who = f"« {f.collectivity_query} »"
        if f.applicant_type:
            who += f" ({type_label(f.applicant_type)})"
    elif f.applicant_type:
        who = f"Un candidat de type {type_label(f.applicant_type)}"
    else:
        who = "Un candidat non identifié"
    if f.department_name and (match is None or match.type in ("region",)):
        who += f", {f.department_name}"
    parts.append(f"{who} : {eligibility_label(a.eligibility)}.")
    if a.sub_axis:
        p = f"Volet {sub_axis_label(a.sub_axis)}"
        if len(a.sub_axes) > 1:
            p += " ; le projet touche aussi " + ", ".join(s for s in a.sub_axes if s != a.sub_axis)
        parts.append(p + ".")
    if f.description:
        d = f.description if len(f.description) <= 160 else f.description[:157].rstrip() + "…"
        parts.append(f"Projet : {d}")
        if not parts[-1].endswith((".", "…", "!", "?")):
            parts[-1] += "."
    failed = [fd.message for fd in a.findings if fd.status == NOT_MET and fd.required]
    if failed:
        parts.append("Motifs : " + " ".join(failed))
    unsure = [fd.message for fd in a.findings if fd.status == UNKNOWN and not fd.missing]
    if unsure and a.eligibility != "not_eligible":
        parts.append("À confirmer : " + " ".join(unsure))
    if a.amount.get("eur") is not None and a.eligibility != "not_eligible":
        kind = "forfait" if a.amount["kind"] == "flat_rate" else "jusqu'à"
        parts.append(f"Montant indicatif : {kind} {eur(a.amount['eur'])}.")
    if a.missing:
        parts.append("Reste à préciser : " + ", ".join(input_label(m) for m in a.missing) + ".")
    if a.department_settings:
        parts.append(f"Règles locales appliquées : {a.department_settings['name']}.")
    return " ".join(parts)
