"""Negation in the sub-axis classifier (assistant/eligibility/classify.py, Method step 4b; the words are data:
`negation` in knowledge/sub_axes.yml). A cue in the scope of a negation is not counted, neither for
its sub-axis nor for `is_digital`, and is shown in `negated` / `negated_digital`.

Each case: (description, expected sub_axes, expected negated evidence {sub-axis: [words]}).
A negated word is checked as "appears in one of the negated spans of that sub-axis"; the sub-axes
of `negated` must be exactly the expected ones (no negation found where there is none).
"""
from __future__ import annotations

import json

import pytest

from assistant.eligibility.classify import Classifier


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.load()


CASES = [
    # the brief's own examples
    ("Nous ne voulons pas de formation, nous voulons créer un portail de démarches en ligne",
     ["3c"], {"3b": ["formation"]}),
    ("pas besoin d'un consultant, on veut former nos agents au numérique",
     ["3b"], {"3a": ["consultant"]}),
    # formal letter, negation then a new sentence
    ("Madame, Monsieur, la commune ne souhaite pas recourir à un cabinet de conseil : nous voulons "
     "créer un portail citoyen pour les démarches en ligne.",
     ["3c"], {"3a": ["cabinet de conseil"]}),
    ("Nous n'avons pas besoin d'un consultant. Nous voulons former nos agents au logiciel de gestion du courrier.",
     ["3b"], {"3a": ["consultant"]}),
    # SMS without accents and without "ne", no punctuation at all
    ("on veut pas de formation on veut une appli pr signaler les pb de voirie",
     ["3c"], {"3b": ["formation"]}),
    ("on veut pas de formation, on veut un site internet",
     ["3c"], {"3b": ["formation"]}),
    # elision n' / typographic apostrophe
    ("On n’a pas besoin d’étude, on a déjà choisi : création d'un site internet pour la commune",
     ["3c"], {"3a": ["étude"]}),
    # "ne ... plus" is a negation; "plus de" alone means "more"
    ("Nous ne voulons plus de formation en présentiel, nous voulons un site internet pour les habitants",
     ["3c"], {"3b": ["formation"]}),
    ("plus de services en ligne pour les habitants : paiement de la cantine et inscriptions",
     ["3c"], {}),
    # "pas question de", "aucun(e)", "ni ... ni"
    ("Pas question de faire une étude, il faut créer rapidement un site internet",
     ["3c"], {"3a": ["étude"]}),
    ("Aucune formation n'est prévue ; le projet est la création d'une application mobile pour signaler les incidents",
     ["3c"], {"3b": ["formation"]}),
    ("Ni étude ni consultant : juste un site internet avec les démarches en ligne",
     ["3c"], {"3a": ["étude", "consultant"]}),
    # negation in one clause, positive cue in the next: "mais", list continued by "de"/"ni"
    ("Pas de formation des agents mais un portail de démarches en ligne pour les usagers",
     ["3c"], {"3b": ["formation des agents"]}),
    ("Nous ne voulons pas de formation, de conseil ni d'étude : seulement un portail de démarches en ligne",
     ["3c"], {"3a": ["étude"], "3b": ["formation"]}),
    # "ne ... pas" is one negation, not a double one that would cancel; negative concord neither
    ("Les agents ne seront pas formés : le logiciel de paie en ligne est très simple",
     ["3c"], {"3b": ["formés"]}),
    ("Nous n'avons jamais eu aucune formation au numérique et nous voulons former tous nos agents au numérique",
     ["3b"], {"3b": ["formation"]}),
    # "plutôt que": what follows is not wanted
    ("Plutôt que de payer un consultant, nous voulons former nos agents au numérique",
     ["3b"], {"3a": ["consultant"]}),
    # "sans": narrow scope (the words it governs), and never "sans papier" / "zéro papier"
    ("Nous créerons le site internet nous-mêmes, sans prestataire ni consultant",
     ["3c"], {"3a": ["prestataire", "consultant"]}),
    ("Création d'un site internet sans l'aide d'un cabinet de conseil",
     ["3c"], {"3a": ["cabinet"]}),
    ("Mise en place d'un guichet numérique sans papier pour les demandes d'urbanisme",
     ["3c"], {}),
    ("Passer au sans papier avec un portail de démarches en ligne",
     ["3c"], {}),
    ("Objectif zéro papier : dématérialisation des demandes d'état civil via un formulaire en ligne",
     ["3c"], {}),
    ("Téléconsultation des dossiers d'urbanisme pour que les habitants fassent leurs démarches en ligne sans se déplacer",
     ["3c"], {}),
    # "non seulement ... mais aussi", "pas seulement", "pas uniquement": both volets count
    ("Non seulement former nos agents mais aussi créer un portail de démarches en ligne",
     ["3b", "3c"], {}),
    ("Nous ne voulons pas seulement former nos agents, nous voulons aussi créer un portail de démarches en ligne",
     ["3b", "3c"], {}),
    ("Le projet ne concerne pas uniquement la formation des agents mais aussi la création d'un portail de démarches en ligne",
     ["3b", "3c"], {}),
    # not negations of the project: "pas à pas", a relative clause describing the people served
    ("Un accompagnement pas à pas des agents pour se former aux outils numériques",
     ["3b"], {}),
    ("Formation des agents qui ne maîtrisent pas le logiciel de gestion du courrier",
     ["3b"], {}),
    ("Les habitants qui n'ont pas d'ordinateur pourront faire leurs démarches en ligne à la médiathèque",
     ["3c"], {}),
    # restrictive "ne ... que" is no negation
    ("Nous ne voulons que former nos agents au numérique",
     ["3b"], {}),
]


@pytest.mark.parametrize("text, axes, negated", CASES, ids=[c[0][:40] for c in CASES])
def test_negated_cues_are_shown_not_counted(clf, text, axes, negated):
    c = clf.classify(text)
    assert c.sub_axes == axes, (c.sub_axes, c.evidence, c.negated)
    assert set(c.negated) == set(negated), c.negated
    for axis, words in negated.items():
        for word in words:
            assert any(word.lower() in span.lower() for span in c.negated[axis]), (word, c.negated)
    # a negated cue is never also the evidence of the same span
    for axis, spans in c.negated.items():
        assert not set(spans) & set(c.evidence.get(axis, [])), (axis, spans, c.evidence)
    d = json.loads(json.dumps(c.to_dict(), ensure_ascii=False))
    assert d["negated"] == c.negated and d["negated_digital"] == c.negated_digital


def test_before_negation_the_brief_examples_were_read_wrongly(clf):
    """The negated cue weighed before; now it weighs nothing (scores show only the wanted volet)."""
    c = clf.classify("Nous ne voulons pas de formation, nous voulons créer un portail de démarches en ligne")
    assert c.raw["3b"] == 0.0 and c.scores["3c"] == 1.0 and c.sub_axis == "3c"
    c = clf.classify("pas besoin d'un consultant, on veut former nos agents au numérique")
    assert c.raw["3a"] == 0.0 and c.sub_axis == "3b"


@pytest.mark.parametrize("text", [
    "nous ne voulons pas d'application",
    "Pas de site internet pour l'instant, aucun logiciel",
    "on veut pas d'appli",
])
def test_a_negated_digital_cue_does_not_make_a_digital_project(clf, text):
    c = clf.classify(text)
    assert not c.is_digital and c.sub_axis is None and c.digital_evidence == []
    assert c.negated_digital, c.to_dict()


def test_negated_digital_cue_is_shown_and_other_cues_still_count(clf):
    c = clf.classify("Nos agents n'ont jamais utilisé d'ordinateur. Nous voulons organiser des ateliers pour "
                     "qu'ils sachent consulter leur fiche de paie dématérialisée.")
    assert c.negated_digital == ["ordinateur"]
    assert c.is_digital and c.sub_axis == "3b"


def test_cue_carrying_its_own_negation_word_is_not_negated(clf):
    # "sans ordinateur individuel" is a 3b cue (agents without a computer): "sans" is part of it
    c = clf.classify("Ateliers d'inclusion numérique pour les agents sans ordinateur individuel")
    assert c.sub_axis == "3b"
    assert any("sans ordinateur individuel" in e for e in c.evidence["3b"])
    assert "3b" not in c.negated


def test_a_negated_study_does_not_frame_the_next_cue(clf):
    # without negation "étude : site internet" in one clause is a study about a site (3a)
    assert clf.classify("Étude préalable : création d'un site internet").sub_axes == ["3a"]
    c = clf.classify("Pas d'étude préalable : création d'un site internet")
    assert c.sub_axes == ["3c"] and c.raw["3c"] >= 4 and "3a" in c.negated


def test_batch_and_single_agree_on_negations(clf):
    texts = [t for t, _, _ in CASES]
    for single, batched in zip((clf.classify(t) for t in texts), clf.classify_many(texts)):
        assert single.to_dict() == batched.to_dict()


def test_negation_words_are_data(clf):
    neg = clf.knowledge["negation"]
    assert "pas" in neg["markers"] and "sans" in neg["sans"] and "mais" in neg["scope_breaks"]
    assert "non seulement" in neg["not_negations"] and "sans papier" in neg["not_negations"]
    # the other lemma mode reads negation the same way
    other = Classifier.load(lemma_mode="rule" if clf.lemma_mode == "lookup" else "lookup")
    for text, axes, negated in CASES[::3]:
        c = other.classify(text)
        assert c.sub_axes == axes and set(c.negated) == set(negated), (text, c.to_dict())
