"""assistant/reading/parsing.py: amounts, dates, counts, yes/no, roles and spans said in words or digits."""
from __future__ import annotations

import datetime as dt

import pytest

from assistant.reading import parsing as P


@pytest.mark.parametrize("text, expected", [
    ("8 000 euros", 8000), ("8k€", 8000), ("8 k€", 8000), ("douze mille euros", 12000),
    ("12 000 €", 12000), ("12\u202f000\u00a0€", 12000), ("12.000€", 12000), ("24 000 euros HT", 24000),
    ("1,5 M€", 1_500_000), ("deux mille cinq cents euros", 2500), ("quatre-vingt-dix mille euros", 90000),
    ("en fait le budget est de 12 000 €", 12000), ("environ 30k", 30000), ("7 500,50 €", 7500.5),
])
def test_amounts(text, expected):
    assert P.parse_amount(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["20 agents", "5 000 habitants", "en 2022", "juin 2022", "50 %", "bonjour"])
def test_not_amounts(text):
    assert P.parse_amount(text) is None


def test_bare_number_only_when_the_cost_was_asked():
    assert P.parse_amount("12000") is None
    assert P.parse_amount("12000", bare=True) == 12000
    assert P.parse_amount("12000 agents", bare=True) is None
    assert P.parse_amount("2022", bare=True) is None


def test_a_lone_e_is_euros_only_when_the_cost_was_asked():
    assert P.parse_amount("12 000 e") is None
    assert P.parse_amount("12 000 e", bare=True) == 12000
    assert P.parse_amount("500 ttc") == 500


def test_expenses_with_total():
    items = P.parse_expenses("24 000 € dont 4 000 € d'ordinateurs et 20 000 € de prestation")
    assert [(i["label"], i["amount_eur"]) for i in items] == [("ordinateurs", 4000), ("prestation", 20000)]
    assert P.parse_expenses("le budget est de 12 000 €") == []


@pytest.mark.parametrize("text, expected", [
    ("juin 2022", "2022-06-30"), ("fin 2022", "2022-12-31"), ("31/12/2022", "2022-12-31"),
    ("le 15 juin 2022", "2022-06-15"), ("mi-2022", "2022-06-30"), ("2022-06-15", "2022-06-15"),
    ("en 2023", "2023-12-31"), ("décembre 22", "2022-12-31"), ("T3 2022", "2022-09-30"),
    ("premier semestre 2022", "2022-06-30"), ("fin d'année 2022", "2022-12-31"), ("06/2022", "2022-06-30"),
    ("début 2023", "2023-03-31"), ("fevrier 2022", "2022-02-28"), ("l'été 2022", "2022-09-22"),
])
def test_dates(text, expected):
    assert P.parse_date(text) == expected


def test_relative_dates_and_bare_years():
    today = dt.date(2021, 3, 15)
    assert P.parse_date("dans 6 mois", today=today) == "2021-09-15"
    assert P.parse_date("d'ici un an", today=today) == "2022-03-15"
    assert P.parse_date("2022") is None
    assert P.parse_date("2022", bare_year=True) == "2022-12-31"
    assert P.parse_date("31/02/2022") is None
    assert P.parse_date("12 000 €") is None


@pytest.mark.parametrize("text, bare, expected", [
    ("20 agents", False, 20), ("vingt agents", False, 20), ("une quinzaine d'agents", False, 15),
    ("cent vingt personnes", False, 120), ("vingt nouveaux agents", False, 20), ("trois", True, 3),
    ("trois", False, None), ("15", True, 15),
])
def test_counts(text, bare, expected):
    assert P.parse_count(text, bare=bare) == expected


@pytest.mark.parametrize("text, expected", [
    ("oui", True), ("ouais", True), ("tout à fait", True), ("bien sûr", True), ("non", False),
    ("pas du tout", False), ("nan", False), ("non, c'est Sainte-Colombe", False), ("peut-être", None),
])
def test_yes_no(text, expected):
    assert P.parse_yes_no(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("Bonjour, je suis le maire de Mamers, on aimerait un consultant", "maire"),
    ("en tant que DGS", "direction générale des services"),
    ("je suis secrétaire de mairie à Gourin", "secrétaire de mairie"),
    ("Maire de Rodez ici", "maire"), ("je suis adjointe au numérique", "adjoint au maire"),
    ("on veut un site internet", None),
])
def test_roles(text, expected):
    assert P.parse_role(text) == expected


def test_collectivity_spans():
    assert P.collectivity_spans("Bonjour, je suis le maire de Mamers, on aimerait un consultant")[0] == "Mamers"
    assert P.collectivity_spans("non, c'est Sainte-Colombe dans le Rhône") == ["Sainte-Colombe"]
    assert P.collectivity_spans("la communauté de communes du Pays Fléchois souhaite")[0] == \
        "la communauté de communes du Pays Fléchois"
    assert P.collectivity_spans("en fait le budget est de 12 000 €") == []
    assert P.collectivity_spans("ca marche") == []


def test_department_spans():
    assert P.department_spans("non, c'est Sainte-Colombe dans le Rhône") == ["Rhône"]
    assert "69" in P.department_spans("Sainte-Colombe (69)")
    assert P.department_spans("commune de Vienne") == []


@pytest.mark.parametrize("text, direct, expected", [
    ("nous sommes une association", False, "association"), ("je représente une entreprise", False, "entreprise"),
    ("syndicat mixte", True, "syndicat"), ("la mairie", True, "commune"), ("on veut un site", False, None),
])
def test_applicant_type(text, direct, expected):
    assert P.parse_applicant_type(text, direct=direct) == expected


def test_project_text_and_gibberish():
    assert P.project_text("Bonjour, je suis le maire de Mamers, on aimerait un consultant pour notre stratégie") \
        == "On aimerait un consultant pour notre stratégie"
    assert P.looks_like_project("refaire le site internet")
    assert not P.looks_like_project("le budget est de 12 000 €")
    assert not P.looks_like_words("qsdfqsdf")
    assert P.looks_like_words("former les agents")


def test_never_raises_on_odd_input():
    for text in ("", None, "€€€", "9" * 5000, "\x00", "[]{}()", "é" * 3000):
        P.parse_amount(text or "")
        P.parse_date(text or "")
        P.parse_count(text or "", bare=True)
        P.collectivity_spans(text or "")
        P.parse_role(text or "")
