"""The schema of the knowledge files (pydantic 1.10): unknown keys refused, in French.

A misspelt key ("populaton_below" in a département's settings, "vector_margn" in the classifier's)
would otherwise be silently ignored and give a wrong answer. `check(relpath, data)` raises
`SchemaError` naming the file and the key. The references of each entry (source, dates) are checked
by knowledge.py; here only the shape.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Literal, Optional, Union

from pydantic import BaseModel, Extra, ValidationError

Number = Union[int, float]


class SchemaError(ValueError):
    """A knowledge file does not have the expected keys or types (French message)."""


class Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        smart_union = True


class Source(Strict):
    section: Optional[str] = None
    quote: str
    document: Optional[str] = None
    url: Optional[str] = None


class Entry(Strict):
    id: str
    source: Source
    valid_from: dt.date
    valid_to: Optional[dt.date] = None
    interpretation: Optional[str] = None


# --------------------------------------------------------------------------- inputs.yml

class InputButton(Strict):
    title: str
    value: str


class InputDecl(Strict):
    id: Optional[str] = None
    key: str
    type: Literal["text", "bool", "date", "amount", "count", "choice", "expenses"]
    ask: Optional[int] = None
    label: Optional[str] = None
    question: Optional[str] = None
    buttons: Union[Literal["yes_no"], List[InputButton], None] = None
    max_length: Optional[int] = None
    values: Optional[List[str]] = None
    synonyms: Optional[Dict[str, str]] = None
    slot: bool = True
    unknown_ok: bool = False
    source: Optional[Source] = None
    valid_from: Optional[dt.date] = None
    valid_to: Optional[dt.date] = None


class InputsFile(Strict):
    inputs: List[InputDecl]


# --------------------------------------------------------------------------- rules.yml

class Guichet(Entry):
    opening_date: dt.date
    results_deadline: dt.date
    message: str


class FundingRate(Entry):
    max_rate: float
    message: str


class ApplicantType(Entry):
    type: str
    label: str
    status: Literal["eligible", "not_eligible", "needs_funding_check", "to_confirm"]


class ConditionMessages(Strict):
    met: str
    not_met: str
    unknown: str
    not_applicable: Optional[str] = None


class ConditionAdvice(Strict):
    met: str
    otherwise: str


class Condition(Entry):
    input: str
    advice: Optional[ConditionAdvice] = None
    kind: Literal["yes_required", "date_before", "digital"]
    label: str
    messages: ConditionMessages
    deadline: Optional[dt.date] = None
    applies_to_status: Optional[List[str]] = None
    not_for_types: Optional[List[str]] = None
    not_for_message: Optional[str] = None


class Restriction(Entry):
    category: str
    label: str
    reason: str
    max_share_of_grant: Optional[float] = None
    non_agents: Optional[str] = None          # issue 10: reading of a silent text (equipment for non-agents)
    beyond_marginal: Optional[str] = None     # issue 10: licences beyond the marginal part


class Procedure(Entry):
    text: Optional[str] = None
    url: Optional[str] = None


class RulesFile(Strict):
    guichet: Guichet
    funding_rate: FundingRate
    applicant_types: List[ApplicantType]
    conditions: List[Condition]
    restrictions: List[Restriction]
    procedure: List[Procedure]


# --------------------------------------------------------------------------- amounts.yml

class GridRow(Strict):
    type: str
    epci_type: Optional[str] = None
    population_below: Optional[int] = None
    eur: Optional[Number] = None
    reading: Optional[str] = None


class FlatRate(Entry):
    sub_axis: str
    grid: List[GridRow]


class UpToCost(Entry):
    sub_axes: List[str]
    rate: float


class ExpenseCategories(Entry):
    equipment_agents: List[str]
    equipment_public_markers: List[str]
    licence_words: List[str]
    non_eu_vendors: List[str]
    staff: List[str]
    equipment_elected_markers: Optional[List[str]] = None   # issue 10


class BudgetLimits(Strict):
    max_eur: Number


class AmountsFile(Strict):
    flat_rate_3a: FlatRate
    up_to_cost: UpToCost
    expense_categories: ExpenseCategories
    budget_limits: BudgetLimits


# --------------------------------------------------------------------------- departements/*.yml

class LocalApplicantTypes(Strict):
    allowed: Optional[List[str]] = None
    excluded: Optional[List[str]] = None
    # issue 10: the prefecture's own words when `allowed` is exhaustive ("seuls les communes et les
    # EPCI peuvent candidater"): an unlisted type is then not_met, with these words as the reason
    only: Optional[str] = None


class LocalRule(Entry):
    pass


class Settings(Entry):
    name: str
    departments: List[str]
    regions: Optional[List[str]] = None
    url: Optional[str] = None
    prefecture_url: Optional[str] = None
    envelope_eur: Optional[Number] = None
    notes: Optional[List[str]] = None
    applicant_types: Optional[LocalApplicantTypes] = None
    population_below: Optional[int] = None
    population_below_applies_to: Optional[List[str]] = None
    excluded_expense_categories: Optional[List[Literal["equipment_agents", "licence_non_eu", "staff", "other"]]] = None
    flat_rate_grid: Optional[List[GridRow]] = None
    rules: Optional[List[LocalRule]] = None


class DepartementFile(Strict):
    settings: Settings


# --------------------------------------------------------------------------- contacts, faq, texts, labels

class Contact(Entry):
    kind: str
    name: Optional[str] = None
    email: Optional[str] = None
    why: Optional[str] = None
    sub_axes: Optional[List[str]] = None
    directory_url: Optional[str] = None


class ContactsFile(Strict):
    anct_3b: Contact
    prefecture: Contact
    prefecture_articles: Dict[str, str]
    prefecture_names: Dict[str, str]


class Faq(Entry):
    question: str
    answer: str
    sub_axis: Optional[str] = None


class FaqFile(Strict):
    faq: List[Faq]


class Advice(Entry):
    text: str


class TextsFile(Strict):
    advice: List[Advice]


class LabelsFile(Strict):
    eligibility: Dict[Literal["eligible", "to_confirm", "not_eligible"], str]
    epci_kinds: Dict[str, str]


# --------------------------------------------------------------------------- triage.yml

class TierWhen(Strict):
    eligibility: Optional[List[Optional[str]]] = None
    handoff: Optional[bool] = None


class Tier(Entry):
    label: str
    rank: int
    note: Optional[str] = None
    when: Optional[TierWhen] = None


class SizeRule(Entry):
    label: str
    points: Number
    max_population: Optional[int] = None
    unknown: Optional[bool] = None
    note: Optional[str] = None


class Beneficiaries(Entry):
    label: str
    points: Number
    min_count: int


class TriageFile(Strict):
    version: Union[int, str]
    tiers: List[Tier]
    size: List[SizeRule]
    beneficiaries: List[Beneficiaries]


# --------------------------------------------------------------------------- sub_axes.yml (classifier)

class ClassifierSettings(Strict):
    exclusion_window: int
    framed_factor: Number
    lemmas: Literal["lookup", "rule"]
    main_min_raw: Number
    max_chars: int
    max_gap: int
    secondary_min_ratio: Number
    secondary_min_raw: Number
    typo_min_length: int
    vector_fallback: bool
    vector_margin: Number
    model_corpus: Optional[str] = None           # issue 10: statistical reading (description_model.py)
    model_min_probability: Optional[Number] = None
    model_none_min: Optional[Number] = None
    backward_frame_min_weight: Optional[Number] = None
    typo_two_edits_min_length: Optional[int] = None       # issue 10: two-edit typos of long words   # issue 10: a strong frame frames backwards too


class Cue(Strict):
    cue: str
    weight: Number


class CueGroup(Entry):
    weight: Optional[Number] = None
    cues: List[Union[str, Cue]]
    frames: Optional[bool] = None
    digital: Optional[bool] = None
    audience_boost: Optional[Number] = None


class Learners(Entry):
    """Issue 10: an audience word next to a learning word is one cue (classify.py, step 4c)."""
    weight: Number
    window: int
    frames: Optional[bool] = None
    audience: List[str]
    words: List[str]


class SubAxis(Entry):
    label: str
    definition: str
    groups: List[CueGroup]
    audience: Optional[List[str]] = None
    audience_min_weight: Optional[Number] = None
    learners: Optional[Learners] = None


class Negation(Strict):
    markers: List[str]
    ne: List[str]
    with_ne: List[str]
    not_negations: List[str]
    sans: List[str]
    sans_scope: Optional[Number] = None
    scope_breaks: List[str]
    list_continuers: List[str]
    relative: List[str]
    relative_window: int


class DigitalProject(Entry):
    cues: List[str]


class Exclusion(Entry):
    kind: str
    equipment: Optional[List[str]] = None
    agents: Optional[List[str]] = None
    public: Optional[List[str]] = None
    purchase: Optional[List[str]] = None
    frames: Optional[bool] = None


class NotDigitalGroup(Strict):
    label: str
    cues: List[str]


class NotDigital(Entry):
    """Positive evidence of a non-digital project (issue 10)."""
    groups: Dict[str, NotDigitalGroup]
    statements: List[str]
    negative_answers: List[str]
    min_words: int
    empty_words: List[str]


class SubAxesFile(Strict):
    settings: ClassifierSettings
    clause_starters: List[str]
    sub_axes: List[SubAxis]
    neutral_phrases: List[str]
    negation: Negation
    digital_project: DigitalProject
    not_digital: Optional[NotDigital] = None
    exclusions: List[Exclusion]


# --------------------------------------------------------------------------- applicant_kinds.yml, how_to_change.yml (issue 10)

class ApplicantKind(Entry):
    kind: str
    applicant_type: str
    label: str
    names: List[str]


class ApplicantKindsFile(Strict):
    collectivity_words: List[str]
    kinds: List[ApplicantKind]


class HowToChangeFile(Strict):
    __root__: Dict[str, Dict[str, str]]


# --------------------------------------------------------------------------- ds_prefill.yml

class DsField(Strict):
    value: Literal["collectivity_name", "collectivity_insee", "collectivity_epci", "collectivity_department",
                   "applicant_type_label", "sub_axis", "amount_eur", "description", "digital_change",
                   "budget_eur", "results_date", "decision_level_sponsor", "funded_only_by_local_authorities",
                   "agents_count", "users_count"]
    champ: str
    format: Literal["text", "integer", "boolean", "date", "commune", "epci", "departement"]
    label: str
    max_length: Optional[int] = None


class DsPrefillFile(Strict):
    draft_kept_days: int
    fields: List[DsField]


FILES: dict[str, type[Strict]] = {
    "inputs.yml": InputsFile, "rules.yml": RulesFile, "amounts.yml": AmountsFile, "contacts.yml": ContactsFile,
    "faq.yml": FaqFile, "texts.yml": TextsFile, "labels.yml": LabelsFile, "triage.yml": TriageFile,
    "sub_axes.yml": SubAxesFile, "applicant_kinds.yml": ApplicantKindsFile, "how_to_change.yml": HowToChangeFile,
    "ds_prefill.yml": DsPrefillFile,
}


def _where(loc: tuple, data: Any) -> str:
    """ "conditions[2].messages.met" (entry ids instead of indexes where there is one)."""
    out, node = "", data
    for part in loc:
        if isinstance(part, int):
            entry = node[part] if isinstance(node, list) and part < len(node) else None
            label = entry.get("id") or entry.get("key") if isinstance(entry, dict) else None
            out += f"[{label}]" if label else f"[{part}]"
            node = entry
        else:
            if part == "__root__":
                continue
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(racine)"


def model_for(relpath: str, data: Any) -> type[Strict] | None:
    name = relpath.replace("\\", "/").rsplit("/", 1)[-1]
    if relpath.replace("\\", "/").startswith("departements/") or (
            name not in FILES and isinstance(data, dict) and "settings" in data and len(data) == 1):
        return DepartementFile
    return FILES.get(name)


def check(relpath: str, data: Any) -> None:
    """Raise SchemaError (French, naming the file and the key) if `data` does not fit its schema."""
    model = model_for(relpath, data)
    if model is None:
        return
    if not isinstance(data, dict):
        raise SchemaError(f"{relpath} : le fichier doit contenir des paires « clé : valeur ».")
    try:
        model.parse_obj(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors()[:5]:
            where = _where(err["loc"], data)
            if err["type"] == "value_error.extra":
                problems.append(f"clé inconnue « {where} »")
            elif err["type"] == "value_error.missing":
                problems.append(f"clé manquante « {where} »")
            else:
                problems.append(f"valeur invalide pour « {where} » ({err['msg']})")
        raise SchemaError(f"{relpath} : " + " ; ".join(problems)) from None
