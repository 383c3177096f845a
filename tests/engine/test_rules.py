"""Eligibility rules: the readable cases of tests/cases/eligibility.yml (real referential and
classifier), plus a few unit checks of the aggregation (eligibility, missing order, validity)."""
from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from assistant import Request, assess
from assistant.config import KNOWLEDGE_DIR
from assistant.eligibility.evaluate import _department_findings, Facts
from assistant.eligibility.findings import MET, NOT_MET, UNKNOWN
from assistant.eligibility.labels import collectivity_label, sub_axis_label, SUB_AXIS_LABELS, type_label
from assistant.eligibility.view import knowledge_on, population_cap_scope, rules_date
from assistant.errors import InputError

CASES_FILE = Path(__file__).resolve().parents[1] / "cases" / "eligibility.yml"
CASES = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))["cases"]


def _finding(answer: dict, rule: str) -> dict | None:
    return next((f for f in answer["findings"] if f["rule"] == rule), None)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case, referential, classifier):
    request = Request.from_dict(copy.deepcopy(case["request"]))
    answer = assess(request, referential=referential, classifier=classifier).to_dict()
    exp = case["expect"]
    ctx = f"\nsummary: {answer['summary']}\nfindings: {[(f['rule'], f['status']) for f in answer['findings']]}"
    if "eligibility" in exp:
        assert answer["eligibility"] == exp["eligibility"], ctx
    for rule, status in (exp.get("findings") or {}).items():
        f = _finding(answer, rule)
        assert f is not None, f"no finding {rule}" + ctx
        assert f["status"] == status, f"{rule}: {f['status']} ({f['message']})" + ctx
        assert f["message"] and f["source"].get("quote"), f"{rule} without message or source"
    for rule in exp.get("no_findings") or []:
        assert _finding(answer, rule) is None, ctx
    if "missing" in exp:
        assert answer["missing"] == exp["missing"], ctx
    for key, value in (exp.get("amount") or {}).items():
        assert answer["amount"][key] == value, f"amount.{key}: {answer['amount']}" + ctx
    if "excluded_expenses" in exp:
        got = answer["amount"]["excluded_expenses"]
        assert len(got) == len(exp["excluded_expenses"]), got
        for g, e in zip(got, exp["excluded_expenses"]):
            for key, value in e.items():
                assert g[key] == value, g
            assert g["reason"]
    for key, value in (exp.get("collectivity") or {}).items():
        assert answer["collectivity"][key] == value, answer["collectivity"]
    if "candidates_include" in exp:
        codes = [c["code"] for c in answer["collectivity"]["candidates"]]
        assert set(exp["candidates_include"]) <= set(codes), codes
    if "department_settings" in exp:
        ds = answer["department_settings"]
        if exp["department_settings"] is None:
            assert ds is None
        else:
            assert ds["name"] == exp["department_settings"]
            assert ds["source"]["document"] == "prefecture-variants.md" and ds["source"]["url"]
            assert ds["notes"]
    for contact in exp.get("contacts_include") or []:
        assert any(all(c.get(k) == v for k, v in contact.items()) for c in answer["contacts"]), answer["contacts"]
    for text in exp.get("advice_includes") or []:
        assert any(text in a for a in answer["advice"]), answer["advice"]
    for text in exp.get("summary_includes") or []:
        assert text in answer["summary"], answer["summary"]
    for rule, text in (exp.get("messages") or {}).items():
        assert text in _finding(answer, rule)["message"], _finding(answer, rule)["message"]
    assert answer["application_url"] == "https://www.demarches-simplifiees.fr/commencer/fitn7-axe-3-guichets-territoriaux"
    assert answer["summary"]


# --- unit checks with stand-ins (no referential, no model) ---------------------------------------

class FakeClassification:
    def __init__(self, sub_axis=None, is_digital=True, excluded=(), sub_axes=None):
        self.sub_axis = sub_axis
        self.sub_axes = sub_axes if sub_axes is not None else ([sub_axis] if sub_axis else [])
        self.scores = {"3a": 0.0, "3b": 0.0, "3c": 0.0}
        self.evidence = {}
        self.is_digital = is_digital
        self.excluded = list(excluded)


class FakeClassifier:
    def __init__(self, result):
        self.result = result
        self.calls = 0

    def classify(self, text):
        self.calls += 1
        return self.result

    def classify_many(self, texts):
        return [self.result for _ in texts]


class FakeReferential:
    """Knows no collectivity; départements 72 (Sarthe) and 68 (Haut-Rhin)."""

    class Dep:
        def __init__(self, code, name):
            self.code, self.name = code, name

    def department(self, q):
        return {"72": self.Dep("72", "Sarthe"), "68": self.Dep("68", "Haut-Rhin")}.get(str(q))

    def lookup(self, text, department=None):
        from assistant.eligibility.referential import LookupResult
        return LookupResult("not_found", text)


def _assess(d, result=None):
    return assess(Request.from_dict(d), referential=FakeReferential(),
                  classifier=FakeClassifier(result or FakeClassification("3c"))).to_dict()


def test_missing_follows_dialogue_order():
    a = _assess({"applicant_type": "personne_morale", "as_of": "2021-06-01"})
    # no description: the classifier is not asked; département needed for the prefecture
    assert a["missing"] == ["department", "funded_only_by_local_authorities", "description",
                            "decision_level_sponsor", "results_date"]
    assert a["eligibility"] == "to_confirm"


def test_not_eligible_clears_missing_and_explains():
    a = _assess({"applicant_type": "entreprise", "department": "72", "description": "portail",
                 "as_of": "2021-06-01"})
    assert a["eligibility"] == "not_eligible" and a["missing"] == []
    assert "n'est pas éligible" in a["summary"]


def test_classifier_not_loaded_without_description():
    clf = FakeClassifier(FakeClassification("3c"))
    assess(Request.from_dict({"applicant_type": "syndicat", "department": "72"}),
           referential=FakeReferential(), classifier=clf)
    assert clf.calls == 0


def test_non_digital_project_is_not_met():
    a = _assess({"applicant_type": "syndicat", "department": "72", "description": "toiture",
                 "decision_level_sponsor": True, "results_date": "2022-01-01", "as_of": "2021-06-01"},
                FakeClassification(None, is_digital=False))
    assert a["eligibility"] == "not_eligible"
    assert _finding(a, "digital_project")["status"] == "not_met"


def test_equipment_mentioned_in_a_digital_project_is_a_non_blocking_finding():
    excl = [{"id": "equipment_for_agents", "kind": "exclusion", "evidence": ["achat de tablettes"]}]
    a = _assess({"applicant_type": "syndicat", "department": "72", "description": "x", "budget_eur": 1000,
                 "decision_level_sponsor": True, "results_date": "2022-01-01", "as_of": "2021-06-01"},
                FakeClassification("3c", excluded=excl))
    f = _finding(a, "equipment_agents")
    assert f["status"] == "not_met" and not f["required"]
    assert a["eligibility"] == "eligible"


def test_rules_date_is_clamped_to_the_guichet_window():
    assert rules_date(dt.date(2030, 1, 1)) == dt.date(2022, 12, 31)
    assert rules_date(dt.date(2020, 1, 1)) == dt.date(2021, 1, 25)
    assert rules_date(dt.date(2022, 3, 3)) == dt.date(2022, 3, 3)


def test_after_the_window_the_notice_is_not_blocking():
    base = {"applicant_type": "syndicat", "department": "72", "description": "x", "budget_eur": 1000,
            "decision_level_sponsor": True, "results_date": "2022-01-01"}
    late = _assess({**base, "as_of": "2025-01-01"})
    inside = _assess({**base, "as_of": "2022-01-01"})
    assert late["eligibility"] == inside["eligibility"] == "eligible"
    assert late["rules_date"] == "2022-12-31"
    assert any("encore ouvert" in a for a in late["advice"])
    assert not any("encore ouvert" in a for a in inside["advice"])


def test_default_as_of_is_today():
    a = _assess({"applicant_type": "syndicat", "department": "72"})
    assert a["as_of"] == dt.date.today().isoformat()


def test_every_finding_cites_a_source_or_is_local():
    a = _assess({"applicant_type": "syndicat", "department": "68", "description": "x",
                 "decision_level_sponsor": "non", "results_date": "2023-05-01", "as_of": "2021-06-01"})
    for f in a["findings"]:
        if f["rule"] != "department":
            assert f["source"].get("quote"), f
    assert _finding(a, "department_applicant_types")["source"]["document"] == "prefecture-variants.md"


@pytest.mark.parametrize("bad", [
    {"budget_eur": -1}, {"budget_eur": 0}, {"budget_eur": 1e9}, {"budget_eur": "beaucoup"},
    {"budget_eur": True}, {"budget_eur": float("nan")}, {"results_date": "31/12/2022"},
    {"decision_level_sponsor": "peut-être"}, {"applicant_type": "martien"},
    {"expenses": "ordinateurs"}, {"expenses": [{"label": "x", "amount_eur": -5}]},
    {"expenses": [{"label": "x"}]}, {"expenses": [{"label": "x", "amount_eur": 5, "category": "autre"}]},
    {"sub_axis": "4d"}, {"agents_count": -3}, {"collectivity": {"a": 1}},
])
def test_bad_input_is_a_french_input_error(bad):
    with pytest.raises(InputError) as exc:
        Request.from_dict(bad)
    msg = str(exc.value)
    assert msg and "Traceback" not in msg
    assert any(w in msg for w in ("doit", "inconnu", "invalide", "manque", "hors de proportion", "Trop"))


def test_request_normalisation():
    r = Request.from_dict({"decision_level_sponsor": "Oui", "funded_only_by_local_authorities": "non",
                           "budget_eur": "12 000,50 €", "results_date": "2022-06-30", "department": 1,
                           "applicant_type": "Communauté de communes", "unknown_key": 3,
                           "description": "x" * 100_000, "collectivity": "  Mamers  "})
    assert r.decision_level_sponsor is True and r.funded_only_by_local_authorities is False
    assert r.budget_eur == 12000.5
    assert r.results_date == dt.date(2022, 6, 30)
    assert r.department == "01" and r.applicant_type == "epci" and r.collectivity == "Mamers"
    assert len(r.description) == 5000
    with pytest.raises(InputError):
        Request.from_dict(["not", "an", "object"])


def test_assess_many_matches_assess_and_classifies_once(referential, classifier):
    cases = [c for c in CASES if "expenses" not in c["request"]][:12]
    requests = [Request.from_dict(copy.deepcopy(c["request"])) for c in cases]
    calls = []

    class Spy:
        def classify(self, text):
            raise AssertionError("assess_many must batch")

        def classify_many(self, texts):
            texts = list(texts)
            calls.append(len(texts))
            return classifier.classify_many(texts)

    from assistant import assess_many
    many = [a.to_dict() for a in assess_many(requests, referential=referential, classifier=Spy())]
    one = [assess(r, referential=referential, classifier=classifier).to_dict() for r in requests]
    assert calls == [sum(1 for r in requests if r.description)]
    assert [(a["eligibility"], a["missing"], a["amount"]["eur"]) for a in many] == \
           [(a["eligibility"], a["missing"], a["amount"]["eur"]) for a in one]


def test_local_settings_are_said_in_the_findings(referential, classifier):
    a = assess(Request.from_dict({"collectivity": "Amboise", "sub_axis": "3a", "as_of": "2021-06-01"}),
               referential=referential, classifier=classifier).to_dict()
    f = _finding(a, "department_settings")
    assert f["status"] == "met" and "Indre-et-Loire" in f["message"]
    assert f["source"]["document"] == "prefecture-variants.md"


REF_CASES = Path(__file__).resolve().parents[1] / "cases" / "referential.yml"


@pytest.mark.parametrize("commune", yaml.safe_load(REF_CASES.read_text(encoding="utf-8")).get("population_boundary") or [],
                         ids=lambda c: f"{c['name']}-{c['population']}")
def test_flat_rate_of_the_real_communes_around_5000(commune, referential, classifier):
    """The communes the referential lists as closest to 5 000 inhabitants, through the engine."""
    a = assess(Request.from_dict({"collectivity": commune["code"], "sub_axis": "3a", "as_of": "2021-06-01"}),
               referential=referential, classifier=classifier).to_dict()
    assert a["collectivity"]["population"] == commune["population"]
    assert a["amount"]["eur"] == (5000 if commune["population"] < 5000 else 10000)


def test_results_date_unknown_names_the_deadline_year_of_the_knowledge():
    a = _assess({"applicant_type": "syndicat", "department": "72", "as_of": "2021-06-01"})
    f = _finding(a, "results_date")
    deadline = knowledge_on(dt.date(2021, 6, 1)).conditions["results_date"]["deadline"]
    assert f["status"] == UNKNOWN and f"avant fin {deadline.year}" in f["message"], f
    assert "results_date" in a["missing"]


def test_excluded_expenses_are_listed_in_the_finding_and_the_advice():
    a = _assess({"applicant_type": "syndicat", "department": "72", "as_of": "2021-06-01", "budget_eur": 20000,
                 "expenses": [{"label": "Portail", "amount_eur": 15000, "category": "other"},
                              {"label": "PC agents", "amount_eur": 5000, "category": "equipment_agents"}]})
    listed = "PC agents (5\u202f000\u00a0€)"
    f = _finding(a, "excluded_expenses")
    assert f is not None and listed in f["message"] and f["values"]["excluded_eur"] == 5000, f
    assert any(listed in advice and advice.startswith("Retirez") for advice in a["advice"]), a["advice"]


# --- labels: the engine is the one source of the French names (sub-axes, kinds of collectivity) ---

def test_sub_axis_labels_follow_the_source_headings_and_align_with_sub_axes():
    a = _assess({"applicant_type": "syndicat", "department": "72", "description": "x", "as_of": "2021-06-01"},
                FakeClassification("3c", sub_axes=["3c", "3b"]))
    assert a["sub_axes"] == ["3c", "3b"]
    assert a["sub_axis_label"] == SUB_AXIS_LABELS["3c"] == a["sub_axis_labels"][0]
    assert a["sub_axis_labels"][1] == SUB_AXIS_LABELS["3b"]
    assert f"Volet {a['sub_axis_label']}" in a["summary"]
    source = (Path(KNOWLEDGE_DIR) / "source" / "fitn7-axe3-guichet-departemental.txt").read_text(encoding="utf-8")
    headings = {line[:2]: line.lower() for line in source.splitlines() if line[:4] in ("3a -", "3b -", "3c -")}
    for code, label in SUB_AXIS_LABELS.items():       # each wording is taken from its heading
        words = label.split("(", 1)[1].rstrip(")").replace("usager", "utilisateur").replace("des agents", "")
        assert words.replace("projet", "", 1).strip() in headings[code], (code, label)
    none = _assess({"applicant_type": "syndicat", "department": "72", "as_of": "2021-06-01"})
    assert none["sub_axis"] is None and none["sub_axis_label"] is None and none["sub_axis_labels"] == []


def test_sub_axis_labels_are_those_of_the_classifier_data():
    # knowledge/sub_axes.yml names each sub-axis too: one wording, not two that drift apart
    import yaml

    data = yaml.safe_load((Path(KNOWLEDGE_DIR) / "sub_axes.yml").read_text(encoding="utf-8"))
    labels = {e["id"]: e["label"] for e in data["sub_axes"]}
    assert set(labels) == set(SUB_AXIS_LABELS) == {"3a", "3b", "3c"}
    for code, label in labels.items():
        assert SUB_AXIS_LABELS[code] == f"{code} ({label[0].lower()}{label[1:]})"


def test_collectivity_label_is_the_one_of_the_summary_and_the_finding(referential):
    a = assess(Request.from_dict({"collectivity": "Mamers", "as_of": "2021-06-01"}), referential=referential).to_dict()
    label = a["collectivity"]["label"]
    assert label == "Mamers (commune, Sarthe (72), 4\u202f996 habitants)"
    assert a["summary"].startswith(label + " :")
    assert label in _finding(a, "collectivity")["message"]
    assert a["collectivity"]["type_label"] == "commune"


@pytest.mark.parametrize("query, kind, label_part", [
    ("200072106", "communauté de communes", "Hautes-Pyrénées (65)"),
    ("246800726", "communauté d'agglomération", "Haut-Rhin (68)"),
    ("72", "département", "département 72,"),          # not "Sarthe (département, Sarthe (72), …)"
    ("région Bretagne", "région", "(région, "),
])
def test_collectivity_labels_name_the_precise_kind(query, kind, label_part, referential):
    c = assess(Request.from_dict({"collectivity": query}), referential=referential).to_dict()["collectivity"]
    assert c["type_label"] == kind
    assert c["label"].startswith(f"{c['name']} ({kind}") and label_part in c["label"], c["label"]
    assert "EPCI" not in c["label"] and "intercommunalité" not in c["label"]
    assert c["label"].count(c["name"]) == 1


def test_homonym_candidates_carry_their_labels(referential):
    c = assess(Request.from_dict({"collectivity": "Bretagne"}), referential=referential).to_dict()["collectivity"]
    assert c["label"] is None and c["candidates"]
    kinds = {x["type"]: x["type_label"] for x in c["candidates"]}
    assert kinds["region"] == "région" and kinds["commune"] == "commune"
    assert all(x["label"].startswith(x["name"] + " (") for x in c["candidates"])


def test_labels_of_a_collectivity_dict_and_of_unknown_kinds():
    assert collectivity_label(None) is None and collectivity_label({"name": None}) is None
    d = {"name": "CC X", "type": "epci", "epci_type": None, "population": 1200, "department": "72",
         "department_name": "Sarthe"}
    assert collectivity_label(d) == "CC X (groupement de collectivités (EPCI), Sarthe (72), 1\u202f200 habitants)"
    assert type_label("epci", "METRO") == "métropole" and type_label(None) is None
    assert sub_axis_label("3d") is None and sub_axis_label(None) is None


# --- the Haut-Rhin population cap: its scope is data (population_below_applies_to) ----------------

def test_haut_rhin_cap_scope_is_read_from_the_settings():
    k = knowledge_on(dt.date(2021, 6, 1))
    s = k.departments["68"]
    assert s["population_below"] == 100000
    assert population_cap_scope(s) == {"commune", "epci"}
    assert "population_below_applies_to" in s["interpretation"]
    quote = next(r for r in s["rules"] if r["id"] == "departement_68_applicants")["source"]["quote"]
    assert "communes and EPCI" in quote and "100 000" in quote


@pytest.mark.parametrize("query", ["Mulhouse", "246800726"])
def test_haut_rhin_cap_refuses_a_commune_and_an_epci_over_100000(query, referential):
    a = assess(Request.from_dict({"collectivity": query, "sub_axis": "3a", "as_of": "2021-06-01"}),
               referential=referential).to_dict()
    assert a["collectivity"]["population"] >= 100000 and a["collectivity"]["type"] in ("commune", "epci")
    f = _finding(a, "department_population_cap")
    assert f["status"] == "not_met" and f["required"] and f["values"]["applies_to"] == ["commune", "epci"]
    assert a["eligibility"] == "not_eligible" and f["message"] in a["summary"]


def test_haut_rhin_cap_does_not_apply_to_the_departement_nor_a_syndicat(referential):
    dep = assess(Request.from_dict({"collectivity": "68", "sub_axis": "3a", "as_of": "2021-06-01"}),
                 referential=referential).to_dict()
    assert dep["collectivity"]["type"] == "departement" and dep["collectivity"]["population"] > 100000
    assert _finding(dep, "department_population_cap") is None
    assert dep["eligibility"] == "to_confirm"               # the type is not cited, the cap is not a reason
    assert _finding(dep, "department_applicant_types")["status"] == "unknown"
    syn = _assess({"applicant_type": "syndicat", "department": "68", "as_of": "2021-06-01"})
    assert _finding(syn, "department_population_cap") is None
    assert _finding(syn, "department_applicant_types")["status"] == "not_met"


_MADE_UP_SETTINGS = """settings:
  id: departement_99
  departments: ["99"]
  name: Test
  population_below: 100000
{scope}  source:
    document: prefecture-variants.md
    url: "https://example.org"
    quote: "communes and EPCI à fiscalité propre with INSEE population under 100 000"
  valid_from: 2021-01-25
  valid_to: null
"""


def _made_up_settings(tmp_path, scope=""):
    import shutil
    from assistant.config import KNOWLEDGE_DIR
    from assistant.eligibility.knowledge import load_file
    shutil.copytree(KNOWLEDGE_DIR / "source", tmp_path / "source", dirs_exist_ok=True)
    (tmp_path / "99.yml").write_text(_MADE_UP_SETTINGS.format(scope=scope), encoding="utf-8")
    return load_file("99.yml", tmp_path)["settings"]


def _cap(settings, applicant_type, population):
    k = knowledge_on(dt.date(2021, 6, 1))
    f = Facts(applicant_type=applicant_type, population=population, department_code="99")
    found = [x for x in _department_findings(f, settings, k.applicant_types[applicant_type])
             if x.rule == "department_population_cap"]
    return found[0].status if found else None


def test_without_a_scope_the_cap_applies_to_every_type_eligible_nationally(tmp_path):
    s = _made_up_settings(tmp_path)
    assert "population_below_applies_to" not in s and population_cap_scope(s) is None
    assert _cap(s, "departement", 770738) == NOT_MET
    assert _cap(s, "commune", 5000) == MET
    assert _cap(s, "association", None) == UNKNOWN       # population not in the referential: to confirm
    assert _cap(s, "entreprise", None) is None              # not eligible anyway: no cap finding


def test_with_a_scope_the_cap_skips_the_other_types(tmp_path):
    s = _made_up_settings(tmp_path, "  population_below_applies_to: [commune]\n")
    assert _cap(s, "commune", 150000) == NOT_MET
    assert _cap(s, "departement", 770738) is None and _cap(s, "epci", 150000) is None


@pytest.mark.parametrize("bad", ["commune", "[]", "[commune, martien]", "[1, 2]"])
def test_a_bad_cap_scope_is_refused(bad, tmp_path):
    from assistant.eligibility.knowledge import KnowledgeError
    known = set(knowledge_on(dt.date(2021, 6, 1)).applicant_types)
    with pytest.raises(KnowledgeError, match="population_below_applies_to"):   # by the schema or the scope check
        s = _made_up_settings(tmp_path, f"  population_below_applies_to: {bad}\n")
        population_cap_scope(s, known, where="99.yml")


def test_answer_names_the_missing_items_and_the_negated_cues(referential, classifier):
    a = assess(Request.from_dict({"collectivity": "Mamers", "description": "Pas de consultant : nous voulons "
                                  "former nos agents à la messagerie"}),
               referential=referential, classifier=classifier).to_dict()
    assert a["sub_axes"] == ["3b"] and a["sub_axis_negated"] == {"3a": ["consultant"]}
    assert a["missing"] and len(a["missing_labels"]) == len(a["missing"])
    assert a["missing_labels"][0] == "l'engagement à un niveau décisionnel"
    assert "Reste à préciser : " + ", ".join(a["missing_labels"]) in a["summary"]
    plain = assess(Request.from_dict({"collectivity": "Mamers", "description": "former nos agents"}),
                   referential=referential, classifier=classifier).to_dict()
    assert plain["sub_axis_negated"] == {}
