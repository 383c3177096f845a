"""The inputs registry (knowledge/inputs.yml): one declaration per input, everything else derived."""
from __future__ import annotations

import datetime as dt

import pytest

from assistant import Request, assess
from assistant.eligibility import inputs
from assistant.errors import InputError


def test_every_asked_input_has_its_label_its_question_and_a_unique_place():
    asked = [i for i in inputs.registry() if i.ask is not None]
    assert asked, "no input is asked"
    places = [i.ask for i in asked]
    assert len(places) == len(set(places)), places
    for i in asked:
        assert i.label and i.question_text, i.key
    assert inputs.asking_order()[0] == "collectivity"
    assert list(inputs.asking_order()) == [i.key for i in sorted(asked, key=lambda i: i.ask)]


def test_the_request_has_exactly_the_registry_keys():
    r = Request()
    keys = {i.key for i in inputs.registry()}
    assert set(r.to_dict()) == keys
    assert all(hasattr(r, k) for k in keys)
    with pytest.raises(TypeError):
        Request(not_an_input=1)


def test_each_key_is_coerced_by_its_declared_type():
    r = Request.from_dict({"collectivity": " Mamers ", "department": 72, "applicant_type": "Mairie",
                           "funded_only_by_local_authorities": "Non", "decision_level_sponsor": "oui",
                           "results_date": "2022-06-30", "budget_eur": "12 000 €", "agents_count": "20",
                           "users_count": 3000.0, "sub_axis": "3A", "expenses": [{"label": "x", "amount_eur": "5"}]})
    assert r.collectivity == "Mamers" and r.department == "72" and r.applicant_type == "commune"
    assert r.funded_only_by_local_authorities is False and r.decision_level_sponsor is True
    assert r.results_date == dt.date(2022, 6, 30) and r.budget_eur == 12000.0
    assert r.agents_count == 20 and r.users_count == 3000 and r.sub_axis == "3a"
    assert r.expenses[0].amount_eur == 5.0


@pytest.mark.parametrize("bad", [
    {"decision_level_sponsor": "peut-être"}, {"results_date": "demain"}, {"budget_eur": "beaucoup"},
    {"applicant_type": "club de foot"}, {"sub_axis": "3d"}, {"users_count": -3}, {"budget_eur": -5},
])
def test_a_value_of_the_wrong_type_is_refused_in_french(bad):
    with pytest.raises(InputError) as exc:
        Request.from_dict(bad)
    assert f"« {next(iter(bad))} »" in str(exc.value)


def test_an_unknown_answer_is_recorded_not_asked_again_and_to_confirm(referential, classifier):
    base = {"collectivity": "Mamers", "description": "un consultant pour définir notre stratégie numérique",
            "results_date": "2022-06-30", "as_of": "2021-06-01"}
    asked = assess(Request.from_dict(base), referential=referential, classifier=classifier).to_dict()
    assert asked["missing"] == ["decision_level_sponsor"]
    a = assess(Request.from_dict({**base, "decision_level_sponsor": "je ne sais pas"}),
               referential=referential, classifier=classifier).to_dict()
    assert a["missing"] == [] and a["eligibility"] == "to_confirm"
    finding = next(f for f in a["findings"] if f["rule"] == "decision_level_sponsor")
    assert finding["status"] == "unknown" and "à confirmer" in finding["message"]
    assert a["request"]["decision_level_sponsor"] == "unknown"


def test_unknown_is_refused_for_an_input_that_must_be_given():
    with pytest.raises(InputError):
        Request.from_dict({"applicant_type": "unknown"})
    assert Request.from_dict({"description": "unknown"}).description == "unknown"   # a text is a text


def test_missing_labels_come_from_the_registry(referential, classifier):
    a = assess(Request.from_dict({}), referential=referential, classifier=classifier).to_dict()
    assert a["missing"] and a["missing_labels"] == [inputs.label(k) for k in a["missing"]]
    assert a["missing_labels"][0] == "la collectivité candidate"
