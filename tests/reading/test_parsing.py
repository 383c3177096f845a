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


# --- numbers by text2num, articles and ordinals left alone -------------------------------------------

def test_an_article_is_not_one_euro_nor_one_agent():
    assert P.find_amounts("un budget de 15 000 €", bare=True) == [(15000.0, 13, 21)]
    assert P.parse_amount("on a un budget de quinze mille euros", bare=True) == 15000
    assert P.parse_count("une première promotion d'agents") is None
    assert P.parse_count("une première promotion d'agents", bare=True) is None
    assert P.parse_count("un agent") == 1                     # a count right before the noun still counts


@pytest.mark.parametrize("text, expected", [
    ("trois quatre", None), ("quatre-vingt-dix", 90), ("vingt et un", 21), ("soixante et onze", 71),
    ("deux mille cinq cents", 2500), ("un million", 1_000_000), ("dix-sept mille", 17000), ("zéro", 0),
    ("et", None), ("vingt et", None), ("douze pommes", None),
])
def test_words_to_number_by_text2num(text, expected):
    assert P.words_to_number(text) == expected


def test_two_numbers_in_a_row_are_no_amount():
    assert P.parse_amount("trois quatre euros") is None
    assert P.parse_count("trois quatre", bare=True) is None


# --- dates without a year (our own reading) ------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("30 juin", "2021-06-30"), ("le 10 janvier", "2022-01-10"), ("1er mai", "2021-05-01"),
    ("septembre prochain", "2021-09-30"), ("mars prochain", "2022-03-31"),
    ("en juin", "2021-06-30"), ("fin juin", "2021-06-30"), ("début septembre", "2021-09-10"),
    ("mi-octobre", "2021-10-15"), ("en février", "2022-02-28"),
    ("d'ici la fin de l'année", "2021-12-31"), ("avant la fin de l'année", "2021-12-31"), ("cette année", "2021-12-31"),
    ("l'année prochaine", "2022-12-31"), ("début de l'année prochaine", "2022-03-31"),
    ("le mois prochain", "2021-04-30"), ("avant la fin du mois", "2021-03-31"), ("cet été", "2021-09-22"),
])
def test_dates_without_a_year(text, expected):
    assert P.parse_date(text, today=dt.date(2021, 3, 15)) == expected


def test_dates_without_a_year_roll_over_and_never_steal_numbers():
    assert P.parse_date("le mois prochain", today=dt.date(2021, 12, 5)) == "2022-01-31"
    assert P.parse_date("30 juin", today=dt.date(2021, 7, 1)) == "2022-06-30"
    assert P.parse_date("juin 2022", today=dt.date(2021, 3, 15)) == "2022-06-30"     # a year wins
    assert P.parse_date("sept agents", today=dt.date(2021, 3, 15)) is None
    assert P.parse_date("mardi", today=dt.date(2021, 3, 15)) is None


# --- dates without a year, read within the guichet's calendar (issue 11) -------------------------

WINDOW = (dt.date(2021, 1, 25), dt.date(2022, 12, 31))     # knowledge/rules.yml, guichet


@pytest.mark.parametrize("text, expected", [
    ("le 30 juin", "2021-06-30"),
    ("pour septembre prochain", "2021-09-30"),
    ("d'ici la fin de l'année", "2021-12-31"),
    ("l'année prochaine", "2022-12-31"),
    ("en avril", "2021-04-30"),
    ("dans 6 mois", "2021-07-25"),
    ("juin 2023", "2023-06-30"),            # a written year is never changed
    ("fin 2022", "2022-12-31"),
])
def test_a_date_without_year_after_the_guichet_is_read_from_its_opening(text, expected):
    # today after the results deadline (as on this machine): the year is not taken from today
    assert P.parse_date(text, today=dt.date(2026, 12, 1), window=WINDOW) == expected
    # the old reading, from today, gave a date after the deadline
    if "20" not in text:
        assert P.parse_date(text, today=dt.date(2026, 12, 1)) > "2022-12-31"


def test_inside_the_window_a_date_without_year_is_read_from_today():
    assert P.parse_date("le 30 juin", today=dt.date(2022, 2, 10), window=WINDOW) == "2022-06-30"
    assert P.parse_date("septembre prochain", today=dt.date(2021, 10, 3), window=WINDOW) == "2022-09-30"


@pytest.mark.parametrize("text, today", [
    ("le 30 juin", dt.date(2022, 9, 1)),            # the next 30 June is in 2023: a guess
    ("l'année prochaine", dt.date(2022, 5, 1)),
    ("dans 3 ans", dt.date(2026, 12, 1)),
])
def test_a_guessed_year_after_the_deadline_is_not_read_but_asked(text, today):
    assert P.parse_date(text, today=today, window=WINDOW) is None
    assert P.date_needs_year(text, today=today, window=WINDOW)
    assert P.parse_date(text, today=today) is not None        # without the window: read, after 2022


def test_date_needs_year_only_for_year_less_dates():
    today = dt.date(2022, 9, 1)
    assert not P.date_needs_year("juin 2023", today=today, window=WINDOW)   # written: the verdict says no
    assert not P.date_needs_year("le 30 novembre", today=today, window=WINDOW)
    assert not P.date_needs_year("12 000 €", today=today, window=WINDOW)
    assert not P.date_needs_year("le 30 juin", today=today)                 # no window: old reading


@pytest.mark.parametrize("text, expected", [
    ("en novambre 2022", "2022-11-30"),
    ("vers juillett 2022", "2022-07-31"),
    ("decembr 2021", "2021-12-31"),
    ("fevrie 2022", "2022-02-28"),
    ("pour l'annee 2022", "2022-12-31"),        # "annee" is no month
    ("la mairie 2022", None),                  # nor "mairie"
])
def test_a_misspelt_month_before_a_year(text, expected):
    assert P.parse_date(text) == expected
