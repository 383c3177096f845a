"""assistant/reading/forms.py: the form of a message (question, what-if, second project, late
yes/no corrections, a sponsor said in passing). Plain pytest, no Rasa; sentences written here."""
from __future__ import annotations

import pytest

from assistant.reading import forms as F


@pytest.mark.parametrize("text, question", [
    ("Auprès de qui faut-il déposer le dossier ?", True),
    ("le comité se réunit quand ?", True),
    ("Combien peut toucher une communauté de communes ?", True),
    ("c koi les critères pour le volet 3c", True),
    ("nous souhaitons équiper la médiathèque de liseuses numériques", False),
    ("est-ce que notre projet de wifi public passerait ?", False),
    ("septembre 2022", False),
    ("oui le président de la CC soutient", False),
])
def test_is_question(text, question):
    assert F.is_question(text) is question


@pytest.mark.parametrize("text, what_if", [
    ("et si le budget montait à 40 000 € ?", True),
    ("Mais avec 2 000 habitants de moins ?", True),
    ("supposons que le projet finisse en 2023", True),
    ("nous voulons une application de signalement", False),
    ("le budget est de 40 000 €", False),
])
def test_is_what_if(text, what_if):
    assert F.is_what_if(text) is what_if


@pytest.mark.parametrize("text, new", [
    ("Et un portail pour les inscriptions à la cantine, c'est possible ?", True),
    ("autre idée : un logiciel pour les demandes de subventions des associations", True),
    ("on voudrait aussi équiper les agents de tablettes", False),        # adds to the project
    ("en fait le projet est une plateforme de prise de rendez-vous", False),   # a correction
    ("et si le budget était de 9 000 € ?", False),                        # a what-if
    ("merci beaucoup", False),
])
def test_is_new_project(text, new):
    assert F.is_new_project(text) is new


@pytest.mark.parametrize("text, population, words", [
    ("et si la commune franchissait les 10 000 habitants", 10001, "plus de 10\u202f000 habitants"),
    ("avec moins de 3 500 habitants ?", 3499, "moins de 3\u202f500 habitants"),
    ("et pour une commune de 800 habitants", 800, "800 habitants"),
    ("et avec 12 000 € ?", None, None),
])
def test_population_hypothesis(text, population, words):
    assert F.population_hypothesis(text) == (population, words)


def test_yes_no_corrections_outside_their_question():
    assert F.yes_no_corrections("au fait le projet n'est pas porté par le maire", None) == \
        {"decision_level_sponsor": False}
    assert F.yes_no_corrections("nous sommes financés aussi par des dons de particuliers", None) == \
        {"funded_only_by_local_authorities": False}
    assert F.yes_no_corrections("nous sommes financés uniquement par les communes membres", None) == \
        {"funded_only_by_local_authorities": True}
    # inside its own question the answer is read by answers.py, not here
    assert F.yes_no_corrections("le projet n'est pas porté par le maire", "decision_level_sponsor") == {}
    assert F.yes_no_corrections("on refait le site de la mairie", None) == {}


@pytest.mark.parametrize("text, stated", [
    ("Le projet est piloté par le DGS et validé par le maire", True),
    ("le conseil communautaire a voté le projet en mars", True),
    ("une délibération est prévue", True),
    ("le maire n'est pas encore au courant", False),
    ("on veut former les agents", False),
])
def test_sponsor_stated(text, stated):
    assert F.sponsor_stated(text) is stated


@pytest.mark.parametrize("text, new", [
    ("Et pour équiper l'accueil d'une borne de paiement, ça passe ?", True),   # "et pour" + a project
    ("Nous avons également un projet de portail famille, est-il éligible ?", True),
    ("Finalement le président soutient le projet.", False),                   # an answer, not a project
    ("en fait le projet coûte 28 000 €", False),
])
def test_second_projects_asked_as_questions(text, new):
    assert F.is_new_project(text) is new
    if new:
        assert not F.is_what_if(text)


def test_what_if_with_et_pour_needs_a_figure_or_a_kind_of_collectivity():
    assert F.is_what_if("et pour 25 000 € ?")
    assert F.is_what_if("et pour une commune de 6 000 habitants ?")
    assert not F.is_what_if("et pour dématérialiser l'état civil ?")


def test_what_if_hypotheses_of_a_sponsor_and_of_a_population_in_short():
    assert F.yes_no_corrections("et si le président ne validait finalement pas le projet ?", None) == \
        {"decision_level_sponsor": False}
    assert F.yes_no_corrections("et si le conseil ne votait pas ?", None) == {"decision_level_sponsor": False}
    assert F.population_hypothesis("et si on passait sous 3 500 hab ?") == (3499, "moins de 3\u202f500 habitants")
    assert F.population_hypothesis("et si on était 6 000 habitués ?") == (None, None)
