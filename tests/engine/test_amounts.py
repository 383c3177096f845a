"""Amounts: the 3a grid (strict "< 5 000"), département grids, up to cost, excluded expenses."""
from __future__ import annotations

import datetime as dt

import pytest

from assistant.eligibility import amounts as A
from assistant.fmt import eur
from assistant.eligibility.view import knowledge_on

K = knowledge_on(dt.date(2021, 6, 1))


def compute(sub_axis, **kw):
    args = dict(applicant_type="commune", epci_type=None, population=1000, budget=None, expenses=[],
                knowledge=K, settings=None)
    args.update(kw)
    return A.compute(sub_axis, **args)


@pytest.mark.parametrize("population, expected", [(4999, 5000), (5000, 10000), (5001, 10000), (0, 5000),
                                                   (1, 5000), (2_000_000, 10000)])
def test_3a_boundary_triplet_is_strict(population, expected):
    r = compute("3a", population=population)
    assert r.kind == "flat_rate" and r.eur == expected


def test_3a_commune_without_population_is_to_confirm():
    r = compute("3a", population=None)
    assert r.eur is None and "population" in r.explanation


@pytest.mark.parametrize("type_, epci, expected, reading", [
    ("region", None, 20000, False), ("departement", None, 20000, False),
    ("epci", "CC", 20000, False), ("epci", "CA", 20000, False),
    ("epci", "CU", 20000, True), ("epci", "METRO", 20000, True), ("epci", "MET69", 20000, True),
    ("com", None, 20000, True), ("syndicat", None, None, True), ("personne_morale", None, None, True),
    ("epci", None, None, True),
])
def test_3a_grid_readings(type_, epci, expected, reading):
    r = compute("3a", applicant_type=type_, epci_type=epci, population=50000)
    assert r.eur == expected
    assert bool(r.reading) == reading
    if expected:
        assert eur(expected) in r.explanation


def test_3a_explanation_uses_the_money_formatter():
    r = compute("3a", population=1200)
    assert "5\u202f000\u00a0€" in r.explanation


def test_departement_grid_overrides_the_national_one():
    settings = {"name": "Test", "flat_rate_grid": [
        {"type": "commune", "population_below": 2000, "eur": 3000},
        {"type": "commune", "eur": 8000}]}
    assert compute("3a", population=1999, settings=settings).eur == 3000
    r = compute("3a", population=4000, settings=settings)
    assert r.eur == 8000 and r.department_grid and "Test" in r.explanation
    assert compute("3a", population=4000).eur == 5000  # national grid elsewhere


def test_3a_capped_by_cost():
    assert compute("3a", population=100, budget=3500).eur == 3500


def test_up_to_cost_needs_budget():
    r = compute("3c")
    assert r.kind == "up_to_cost" and r.eur is None and r.needs_budget
    r = compute("3b", budget=12000)
    assert r.eur == 12000 and not r.needs_budget


def test_no_sub_axis_no_amount():
    r = compute(None, budget=1000)
    assert r.kind is None and r.eur is None


def test_expenses_without_budget_sum_up():
    r = compute("3c", expenses=[A.Expense("Développement", 7000), A.Expense("Prestation UX", 3000)])
    assert r.budget_eur == 10000 and r.eur == 10000


def test_equipment_for_agents_is_deducted_with_reason():
    r = compute("3c", budget=20000, expenses=[A.Expense("Achat de 10 ordinateurs pour les agents", 6000),
                                              A.Expense("Développement", 14000)])
    assert r.eur == 14000
    (x,) = r.excluded_expenses
    assert x["category"] == "equipment_agents" and x["amount_eur"] == 6000 and "exclus" in x["reason"]


def test_licence_share_exactly_ten_percent_is_kept():
    # 9 000 € of other costs + 1 000 € of licences: the licences are 10 % of a 10 000 € grant.
    r = compute("3c", budget=10000, expenses=[A.Expense("Licences Salesforce", 1000), A.Expense("Intégration", 9000)])
    assert r.eur == 10000 and r.excluded_expenses == []


def test_licence_share_above_ten_percent_is_cut_to_ten_percent_of_the_grant():
    r = compute("3c", budget=10000, expenses=[A.Expense("Licences Adobe", 4000), A.Expense("Intégration", 6000)])
    # fundable licences: 6 000 / 9 = 666,67 €; grant 6 666,67 €, of which licences are 10 %
    assert r.eur == pytest.approx(6666.67, abs=0.01)
    (x,) = r.excluded_expenses
    assert x["category"] == "licence_non_eu" and x["amount_eur"] == pytest.approx(3333.33, abs=0.01)
    assert "10 %" in x["reason"]
    fundable = 4000 - x["amount_eur"]
    assert fundable / r.eur == pytest.approx(0.10, abs=1e-4)


def test_staff_costs_only_where_the_departement_excludes_them():
    exp = [A.Expense("Salaires du chef de projet", 5000), A.Expense("Prestation", 5000)]
    assert compute("3c", budget=10000, expenses=exp).eur == 10000
    r = compute("3c", budget=10000, expenses=exp, settings=K.settings_for("68"))
    assert r.eur == 5000 and r.excluded_expenses[0]["category"] == "staff"
    assert "Haut-Rhin" in r.excluded_expenses[0]["reason"]


def test_explicit_category_wins_over_the_label():
    r = compute("3c", budget=1000, expenses=[A.Expense("Ordinateurs", 400, "other"), A.Expense("Divers", 600, "equipment_agents")])
    assert [x["amount_eur"] for x in r.excluded_expenses] == [600]


def test_excluded_more_than_budget_gives_zero_not_negative():
    r = compute("3c", budget=1000, expenses=[A.Expense("PC portables pour les agents", 5000)])
    assert r.eur == 0


@pytest.mark.parametrize("label, category", [
    ("Achat de 15 PC portables pour les agents", "equipment_agents"),
    ("Tablettes pour les agents de terrain", "equipment_agents"),
    ("Écrans et postes de travail", "equipment_agents"),
    ("Tablettes en libre-service pour les usagers", "other"),
    ("Bornes interactives dans l'espace public", "other"),
    ("Licences Microsoft 365", "licence_non_eu"),
    ("Abonnement Google Workspace", "licence_non_eu"),
    ("Licence Oracle Database", "licence_non_eu"),
    ("Zoom", "licence_non_eu"),
    ("Licence logiciel de GRC d'un éditeur français", "other"),
    ("Salaire du chef de projet", "staff"),
    ("Prestation de conseil", "other"),
    ("Formation des agents", "other"),
])
def test_categorizer(label, category):
    assert K.categorizer.categorize(label) == category


def test_detailed_expenses_above_the_budget_win():
    r = compute("3c", budget=5000, expenses=[A.Expense("Développement", 7000)])
    assert r.budget_eur == 7000 and r.eur == 7000 and "dépasse le budget" in r.explanation
