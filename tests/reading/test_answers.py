"""assistant/reading/answers.py: answers read for the question asked (yes/no in sentences, don't know)."""
from __future__ import annotations

import pytest

from assistant.reading.answers import is_dont_know, read_sentence, read_yes_no

FUNDING = "funded_only_by_local_authorities"
SPONSOR = "decision_level_sponsor"


@pytest.mark.parametrize("text, expected", [
    ("oui", True), ("Oui !", True), ("ouais", True), ("yes", True), ("bien sûr", True), ("tout à fait", True),
    ("absolument", True), ("c'est exact", True), ("en effet", True), ("alors oui", True), ("euh oui", True),
    ("non", False), ("Non.", False), ("nan", False), ("pas du tout", False), ("absolument pas", False),
    ("je ne pense pas", False), ("malheureusement non", False), ("pas encore", False),
    ("peut-être", None), ("bonjour", None), ("", None),
])
def test_yes_no_in_all_their_forms(text, expected):
    assert read_yes_no(text, SPONSOR) is expected


@pytest.mark.parametrize("text, expected", [
    ("Non, on vit des cotisations de nos membres", False),
    ("on vit des cotisations de nos membres", False),
    ("on a aussi du mécénat", False),
    ("oui, et aussi des dons", False),                 # not only local authorities
    ("en partie", False),
    ("pas uniquement, il y a des recettes propres", False),
    ("uniquement par la commune", True),
    ("on est financés par les communes", True),
    ("pas de dons, que des subventions des communes", True),
    ("c'est une belle association", None),
])
def test_funding_sentences(text, expected):
    assert read_yes_no(text, FUNDING) is expected


@pytest.mark.parametrize("text, expected", [
    ("c'est le maire qui porte", True),
    ("le maire porte le projet", True),
    ("le président soutient à fond", True),
    ("le conseil municipal a voté une délibération", True),
    ("l'idée vient du maire", True),
    ("le maire n'est pas au courant", False),
    ("pas encore validé par le conseil", False),
    ("c'est une initiative des agents", False),
    ("on a un budget de 5 000 €", None),
])
def test_sponsor_sentences(text, expected):
    assert read_yes_no(text, SPONSOR) is expected


def test_a_sentence_is_read_for_its_question_only():
    assert read_sentence("on vit des cotisations", SPONSOR) is None
    assert read_sentence("c'est le maire qui porte", FUNDING) is None


@pytest.mark.parametrize("text", ["je ne sais pas", "Je sais pas", "jsp", "aucune idée", "pas encore décidé",
                                  "ce n'est pas encore fixé", "on verra", "à voir avec le maire",
                                  "je dois vérifier", "je ne suis pas sûre"])
def test_dont_know(text):
    assert is_dont_know(text)
    assert read_yes_no(text, SPONSOR) is None          # never a no


@pytest.mark.parametrize("text", ["non", "oui", "pas encore", "on veut former nos agents", "",
                                  "je ne sais pas " + "vraiment " * 30])
def test_not_dont_know(text):
    assert not is_dont_know(text)


@pytest.mark.parametrize("text", [
    "je sais pa trop",
    "jsai pa encore",
    "Je ne suis pas en mesure de le dire pour l'instant.",
    "Le dossier devra d'abord être présenté aux élus, je n'ai pas la réponse.",
    "ça doit encore être discuté en bureau communautaire",
])
def test_dont_know_in_typos_and_letters(text):
    assert is_dont_know(text)


@pytest.mark.parametrize("text", ["pas encore validé", "non", "le maire passe en mairie"])
def test_not_dont_know(text):
    assert not is_dont_know(text)
