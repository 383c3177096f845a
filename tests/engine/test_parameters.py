"""Rules as data, really: changing a parameter of knowledge/*.yml changes an answer; a misspelt key,
a value of the wrong type or two local settings for the same département are refused in French."""
from __future__ import annotations

import copy
import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from assistant import Request, assess
from assistant.eligibility import knowledge as K
from assistant.eligibility import view
from assistant.eligibility.knowledge import KnowledgeError, load_file

ROOT = Path(__file__).resolve().parents[2]
BASE = {"collectivity": "Mamers", "decision_level_sponsor": True, "results_date": "2022-06-30",
        "as_of": "2021-06-01", "description": "un consultant pour définir notre stratégie numérique"}


def _set(data: dict, path: str, value):
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def _by_id(entries: list, id_: str) -> int:
    return next(i for i, e in enumerate(entries) if e.get("id") == id_)


def _answer(referential, classifier, request: dict, monkeypatch=None, file=None, mutate=None) -> dict:
    view.knowledge_on.cache_clear()
    if monkeypatch is not None:
        original = K.load_cached

        def patched(relpath):
            data = original(relpath)
            if relpath == file:
                data = copy.deepcopy(data)
                mutate(data)
            return data
        monkeypatch.setattr(view, "load_cached", patched)
    try:
        return assess(Request.from_dict(request), referential=referential, classifier=classifier).to_dict()
    finally:
        view.knowledge_on.cache_clear()


def _conditions(data):
    return data["conditions"]


PARAMETERS = [
    # (name, file, mutate, request, what to read in the answer)
    ("funding_rate.max_rate", "rules.yml", lambda d: _set(d, "funding_rate.max_rate", 0.8),
     {**BASE, "sub_axis": "3a", "budget_eur": 4000}, lambda a: a["amount"]["eur"]),
    ("up_to_cost.rate", "amounts.yml", lambda d: _set(d, "up_to_cost.rate", 0.8),
     {**BASE, "sub_axis": "3b", "budget_eur": 10000}, lambda a: a["amount"]["eur"]),
    ("up_to_cost.sub_axes", "amounts.yml", lambda d: _set(d, "up_to_cost.sub_axes", ["3b"]),
     {**BASE, "sub_axis": "3c", "budget_eur": 10000}, lambda a: a["amount"]["eur"]),
    ("flat_rate_3a.sub_axis", "amounts.yml", lambda d: _set(d, "flat_rate_3a.sub_axis", "3c"),
     {**BASE, "sub_axis": "3a"}, lambda a: a["amount"]["kind"]),
    ("flat_rate_3a.grid[].eur", "amounts.yml", lambda d: _set(d, "flat_rate_3a.grid.0.eur", 6000),
     {**BASE, "sub_axis": "3a"}, lambda a: a["amount"]["eur"]),
    ("flat_rate_3a.grid[].population_below", "amounts.yml",
     lambda d: _set(d, "flat_rate_3a.grid.0.population_below", 4000),
     {**BASE, "sub_axis": "3a"}, lambda a: a["amount"]["eur"]),
    ("conditions.results_date.deadline", "rules.yml",
     lambda d: _set(d, f"conditions.{_by_id(d['conditions'], 'results_date')}.deadline", dt.date(2022, 6, 1)),
     {**BASE, "sub_axis": "3a"}, lambda a: a["eligibility"]),
    ("restrictions.licence_non_eu.max_share_of_grant", "rules.yml",
     lambda d: _set(d, f"restrictions.{_by_id(d['restrictions'], 'licence_non_eu')}.max_share_of_grant", 0.3),
     {**BASE, "sub_axis": "3c", "expenses": [{"label": "développement du portail", "amount_eur": 9000},
                                             {"label": "licences Microsoft 365", "amount_eur": 3000}]},
     lambda a: a["amount"]["eur"]),
    ("applicant_types.status", "rules.yml",
     lambda d: _set(d, f"applicant_types.{_by_id(d['applicant_types'], 'applicant_entreprise')}.status", "eligible"),
     {**BASE, "collectivity": None, "applicant_type": "entreprise", "department": "72", "sub_axis": "3a"},
     lambda a: a["eligibility"]),
    ("guichet.opening_date", "rules.yml", lambda d: _set(d, "guichet.opening_date", dt.date(2021, 2, 1)),
     {**BASE, "as_of": "2023-03-01", "sub_axis": "3a"}, lambda a: a["advice"][0]),
    ("budget_limits.max_eur", "amounts.yml", lambda d: _set(d, "budget_limits.max_eur", 1000),
     {**BASE, "sub_axis": "3b", "budget_eur": 5000}, lambda a: a["amount"]["eur"]),
    ("anct_3b.sub_axes", "contacts.yml", lambda d: _set(d, "anct_3b.sub_axes", ["3c"]),
     {**BASE, "sub_axis": "3b", "budget_eur": 5000}, lambda a: [c["kind"] for c in a["contacts"]]),
]


@pytest.mark.parametrize("name, file, mutate, request_, read", PARAMETERS, ids=[p[0] for p in PARAMETERS])
def test_changing_a_parameter_changes_the_answer(name, file, mutate, request_, read, referential, classifier,
                                                 monkeypatch):
    before = read(_answer(referential, classifier, request_))
    try:
        after = read(_answer(referential, classifier, request_, monkeypatch, file, mutate))
    except Exception as exc:   # budget_limits: the new limit refuses the request, in French
        after = f"{type(exc).__name__}: {exc}"
    assert after != before, name


def _copy_knowledge(tmp_path: Path) -> Path:
    base = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", base, ignore=shutil.ignore_patterns("referential"))
    return base


@pytest.mark.parametrize("file, path, value, message", [
    ("departements/68-haut-rhin.yml", "settings.populaton_below", 3500, "clé inconnue « settings.populaton_below »"),
    ("sub_axes.yml", "settings.vector_margn", 0.1, "clé inconnue « settings.vector_margn »"),
    ("amounts.yml", "up_to_cost.rat", 0.8, "clé inconnue « up_to_cost.rat »"),
    ("rules.yml", "funding_rate.max_rate", "beaucoup", "valeur invalide pour « funding_rate.max_rate »"),
    ("inputs.yml", "inputs.0.type", "nombre", "valeur invalide pour « inputs[collectivity].type »"),
])
def test_a_misspelt_key_or_a_wrong_value_is_refused_naming_the_file_and_the_key(tmp_path, file, path, value,
                                                                              message):
    base = _copy_knowledge(tmp_path)
    data = yaml.safe_load((base / file).read_text(encoding="utf-8"))
    _set(data, path, value)
    (base / file).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(KnowledgeError) as exc:
        load_file(file, base)
    assert str(exc.value).startswith(file) and message in str(exc.value)


def test_every_knowledge_file_fits_its_schema():
    for path in sorted((ROOT / "knowledge").rglob("*.yml")):
        rel = path.relative_to(ROOT / "knowledge").as_posix()
        assert load_file(rel) is not None, rel


def _settings(id_: str, departments: list, start: str, end: str | None) -> dict:
    return {"id": id_, "name": id_, "departments": departments, "valid_from": dt.date.fromisoformat(start),
            "valid_to": dt.date.fromisoformat(end) if end else None}


def test_two_settings_in_force_for_the_same_departement_are_refused():
    a = _settings("a", ["68"], "2021-01-25", "2022-12-31")
    with pytest.raises(KnowledgeError) as exc:
        view.refuse_overlaps({"departements/a.yml": a, "departements/b.yml": _settings("b", ["68"], "2022-01-01", None)})
    assert "departements/b.yml et departements/a.yml" in str(exc.value) and "68" in str(exc.value)
    view.refuse_overlaps({"departements/a.yml": a, "departements/b.yml": _settings("b", ["68"], "2023-01-01", None),
                          "departements/c.yml": _settings("c", ["67"], "2021-01-25", None)})   # in turn, or elsewhere: fine
