"""Queue: priority order from the selection criteria, reasons citing the text, each filter."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from assistant.helpdesk.cases import cases_table
from assistant.errors import InputError
from assistant.eligibility.knowledge import load_file
from assistant.text import fold
from assistant.helpdesk.triage import Filter, PriorityRules, queue

from .helpers import assessment

SOURCE = Path(__file__).resolve().parents[2] / "knowledge/source/fitn7-axe3-guichet-departemental.txt"


def _add(store, conv, eligibility="eligible", population=5000, department="72", sub_axis="3c",
         agents=None, users=None, handoff=None, name=None):
    return store.record(conv, "rest", {"agents_count": agents, "users_count": users},
                        assessment(eligibility=eligibility, population=population,
                                   department=department, sub_axis=sub_axis, name=name or conv),
                        handoff_reason=handoff)


def _ids(items):
    return [it.case.conversation_id for it in items]


def test_priority_order_follows_the_selection_criteria(store):
    _add(store, "small-eligible", population=1200, agents=20)              # tier 1, 30 + 6
    _add(store, "large-to-confirm", eligibility="to_confirm", population=80000)  # tier 0, 0
    _add(store, "small-not-eligible", eligibility="not_eligible", population=300, users=5000)  # tier 2
    _add(store, "large-many-users", population=150000, users=5000)         # tier 1, 0 + 20
    _add(store, "medium-handoff", population=20000, handoff="Demande un agent")  # tier 0, 20
    _add(store, "medium-many-users", population=30000, users=2000)         # tier 1, 20 + 20
    items = queue(store)
    assert items[0].priority.reasons[0].label == (
        "Vérification humaine nécessaire (mise en relation demandée)")
    order = _ids(items)
    assert order == ["medium-handoff", "large-to-confirm", "medium-many-users", "small-eligible",
                     "large-many-users", "small-not-eligible"]


def test_small_before_medium_before_large_at_equal_everything_else(store):
    _add(store, "large", population=200000)
    _add(store, "medium", population=12000)
    _add(store, "small", population=800)
    assert _ids(queue(store)) == ["small", "medium", "large"]


def test_more_beneficiaries_first_at_equal_size(store):
    _add(store, "few", agents=5)
    _add(store, "many-users", users=1500)
    _add(store, "some-agents", agents=150)
    assert _ids(queue(store)) == ["many-users", "some-agents", "few"]


def test_closed_cases_go_last_and_ties_keep_arrival_order(store):
    first = _add(store, "first")
    _add(store, "second")
    store.set_status(first, "traité")
    _add(store, "third")
    assert _ids(queue(store)) == ["second", "third", "first"]


def test_reasons_are_shown_and_cite_the_source_text(store):
    _add(store, "c", eligibility="to_confirm", population=3000, agents=250)
    (item,) = queue(store)
    labels = [r.label for r in item.priority.reasons]
    assert labels[0] == "Vérification humaine nécessaire (verdict à confirmer)"
    assert "Petite collectivité (moins de 5 000 habitants)" in labels
    assert "De 100 à 999 bénéficiaires" in labels
    assert item.priority.score == 30 + 12
    text = fold(SOURCE.read_text(encoding="utf-8"))
    for reason in item.priority.reasons:
        assert fold(reason.quote) in text
    size = next(r for r in item.priority.reasons if r.rule_id == "triage_size_small")
    assert "5000 habitants" in size.quote
    benef = next(r for r in item.priority.reasons if r.rule_id.startswith("triage_beneficiaries"))
    assert benef.quote.startswith("Nombre d'agents ou d'utilisateurs bénéficiaires")


def test_priority_weights_are_data(tmp_path, store):
    """Changing knowledge/triage.yml changes the order, without touching the code."""
    base = Path(__file__).resolve().parents[2] / "knowledge"
    data = load_file("triage.yml", base)
    _add(store, "small", population=800)
    _add(store, "large-many", population=200000, users=5000)
    assert _ids(queue(store, rules=PriorityRules(data))) == ["small", "large-many"]
    data["beneficiaries"][0]["points"] = 100
    assert _ids(queue(store, rules=PriorityRules(data))) == ["large-many", "small"]


def test_unknown_population_sits_between_small_and_large(store):
    _add(store, "large", population=90000)
    _add(store, "unknown", population=None)
    _add(store, "small", population=90)
    assert _ids(queue(store)) == ["small", "unknown", "large"]


def test_filter_by_department(store):
    _add(store, "sarthe", department="72")
    _add(store, "corse", department="2A")
    assert _ids(queue(store, Filter.from_mapping({"department": "2a"}))) == ["corse"]
    assert _ids(queue(store, Filter.from_mapping({"department": "72"}))) == ["sarthe"]


def test_filter_by_sub_axis(store):
    _add(store, "a", sub_axis="3a")
    _add(store, "b", sub_axis="3b")
    assert _ids(queue(store, Filter.from_mapping({"sub_axis": "3B"}))) == ["b"]


def test_filter_by_eligibility(store):
    _add(store, "ok")
    _add(store, "tc", eligibility="to_confirm")
    _add(store, "no", eligibility="not_eligible")
    assert _ids(queue(store, Filter.from_mapping({"eligibility": "to_confirm"}))) == ["tc"]
    assert _ids(queue(store, Filter.from_mapping({"eligibility": "not_eligible"}))) == ["no"]


def test_filter_by_status(store):
    a = _add(store, "a")
    _add(store, "b")
    store.set_status(a, "en cours")
    assert _ids(queue(store, Filter.from_mapping({"status": "en cours"}))) == ["a"]
    assert _ids(queue(store, Filter.from_mapping({"status": "nouveau"}))) == ["b"]
    assert _ids(queue(store, Filter.from_mapping({"status": "traité"}))) == []


def test_filter_by_date_in_paris_time(store, engine):
    old = _add(store, "old")
    late = _add(store, "late")
    _add(store, "now")
    with engine.begin() as conn:
        conn.execute(cases_table.update().where(cases_table.c.id == old)
                     .values(created_at=dt.datetime(2026, 3, 1, 12, 0)))
        # 23:30 UTC on 14 June is 01:30 on 15 June in Paris (summer time)
        conn.execute(cases_table.update().where(cases_table.c.id == late)
                     .values(created_at=dt.datetime(2026, 6, 14, 23, 30)))
    assert _ids(queue(store, Filter.from_mapping({"until": "2026-03-31"}))) == ["old"]
    assert _ids(queue(store, Filter.from_mapping({"since": "2026-06-15", "until": "15/06/2026"}))) == ["late"]
    assert _ids(queue(store, Filter.from_mapping({"since": "2026-06-14", "until": "2026-06-14"}))) == []
    assert set(_ids(queue(store, Filter.from_mapping({"since": "2026-03-02"})))) == {"late", "now"}


def test_filters_combine(store):
    _add(store, "hit", department="68", sub_axis="3a", eligibility="to_confirm")
    _add(store, "other-dept", department="67", sub_axis="3a", eligibility="to_confirm")
    _add(store, "other-axis", department="68", sub_axis="3c", eligibility="to_confirm")
    f = Filter.from_mapping({"department": "68", "sub_axis": "3a", "eligibility": "to_confirm",
                             "status": "nouveau"})
    assert _ids(queue(store, f)) == ["hit"]


@pytest.mark.parametrize("data, message", [
    ({"department": "999"}, "département"),
    ({"sub_axis": "4"}, "sous-axe"),
    ({"eligibility": "peut-être"}, "éligibilité"),
    ({"status": "fini"}, "statut"),
    ({"since": "hier"}, "date"),
    ({"since": "2026-02-01", "until": "2026-01-01"}, "après"),
])
def test_bad_filters_are_refused_in_french(data, message):
    with pytest.raises(InputError, match=message):
        Filter.from_mapping(data)
