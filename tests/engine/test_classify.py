"""Sub-axis classifier (assistant/eligibility/classify.py): the cases of tests/cases/classification.yml and the
behaviour around them (batch = single, accents, typos, bad or huge input, exclusions, sources).

The spaCy model is loaded once for the whole session (`Classifier.load()` is a cached singleton;
the `clf` fixture is module-scoped on top of it).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from assistant.eligibility.classify import SUB_AXES, Classification, Classifier
from assistant.eligibility.knowledge import KnowledgeError, load_file

CASES_PATH = Path(__file__).parent.parent / "cases" / "classification.yml"
CASES = yaml.safe_load(CASES_PATH.read_text(encoding="utf-8"))


def _expected(case: dict) -> tuple[str | None, list[str], bool, list[str]]:
    main = case["sub_axis"]
    axes = case.get("sub_axes") or ([main] if main else [])
    digital = case.get("is_digital", main is not None)
    return main, axes, digital, sorted(case.get("excluded", []))


def _check(case: dict, got: Classification) -> list[str]:
    """The differences between a case and a result, in words (empty: the case passes)."""
    main, axes, digital, excluded = _expected(case)
    errors = []
    if got.sub_axis != main:
        errors.append(f"sous-axe {got.sub_axis!r} au lieu de {main!r}")
    if got.sub_axes != axes:
        errors.append(f"sous-axes {got.sub_axes} au lieu de {axes}")
    if got.is_digital != digital:
        errors.append(f"is_digital {got.is_digital} au lieu de {digital}")
    got_excluded = sorted(e["id"] for e in got.excluded)
    if got_excluded != excluded:
        errors.append(f"exclusions {got_excluded} au lieu de {excluded}")
    if "digital" in case and got.digital != case["digital"]:      # issue 10: three-valued
        errors.append(f"digital {got.digital} au lieu de {case['digital']}")
    if "method" in case and got.method != case["method"]:
        errors.append(f"méthode {got.method!r} au lieu de {case['method']!r}")
    for word in case.get("not_digital_evidence", []):
        if not any(word.lower() in ev.lower() for ev in got.not_digital_evidence):
            errors.append(f"preuve non numérique « {word} » absente de {got.not_digital_evidence}")
    for word in case.get("evidence", []):
        if not any(word.lower() in ev.lower() for ev in got.evidence.get(main, [])):
            errors.append(f"preuve « {word} » absente de {got.evidence}")
    return errors


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.load()


@pytest.fixture(scope="module")
def batch(clf) -> dict[str, Classification]:
    results = clf.classify_many([c["description"] for c in CASES])
    return {c["id"]: r for c, r in zip(CASES, results)}


# ------------------------------------------------------------------ the case file itself
def test_case_file_is_varied_enough():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "identifiants de cas en double"
    assert len(CASES) >= 45
    mains = [c["sub_axis"] for c in CASES]
    for axis in SUB_AXES:
        assert mains.count(axis) >= 8, axis
    assert sum(1 for c in CASES if len(c.get("sub_axes") or []) > 1) >= 4          # mixed projects
    assert sum(1 for c in CASES if c.get("is_digital") is False) >= 4               # not digital
    assert sum(1 for c in CASES if "equipment_for_agents" in c.get("excluded", [])) >= 3
    for c in CASES:
        _, axes, _, _ = _expected(c)
        assert set(axes) <= set(SUB_AXES) and (c["sub_axis"] is None or axes[0] == c["sub_axis"]), c["id"]


# ------------------------------------------------------------------ every case
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case, batch):
    errors = _check(case, batch[case["id"]])
    assert not errors, f"{case['id']} « {case['description'][:80]} » : " + " ; ".join(errors)


def test_accuracy_report(batch, capsys):
    """Prints the accuracy measured on the case file (all cases are required by test_case)."""
    passed = sum(1 for c in CASES if not _check(c, batch[c["id"]]))
    main_ok = sum(1 for c in CASES if batch[c["id"]].sub_axis == c["sub_axis"])
    with capsys.disabled():
        print(f"\nclassification: {passed}/{len(CASES)} cas entièrement justes, "
              f"sous-axe principal juste {main_ok}/{len(CASES)} ({100 * main_ok / len(CASES):.0f} %)")
    assert passed == len(CASES)


# ------------------------------------------------------------------ behaviour
def test_single_and_batch_agree(clf, batch):
    for case in CASES[::5]:
        assert clf.classify(case["description"]).to_dict() == batch[case["id"]].to_dict(), case["id"]


def test_load_is_cached(clf):
    assert Classifier.load() is clf
    assert Classifier.load(lemma_mode=clf.lemma_mode) is clf
    names = clf.nlp.pipe_names
    assert "lemmatizer" in names and "parser" not in names and "ner" not in names
    if clf.lemma_mode == "lookup":
        assert "tok2vec" not in names and "morphologizer" not in names


def test_both_lemma_modes_pass_every_case(clf):
    """The other lemma mode (rule: morphologizer + rule lemmatizer) gives the same answers."""
    other = Classifier.load(lemma_mode="rule" if clf.lemma_mode == "lookup" else "lookup")
    assert other.lemma_mode != clf.lemma_mode
    results = other.classify_many([c["description"] for c in CASES])
    failures = {c["id"]: errs for c, r in zip(CASES, results) if (errs := _check(c, r))}
    assert not failures, failures


@pytest.mark.parametrize("accented, plain", [
    ("Création d'un téléservice de réservation des équipements sportifs",
     "creation d un teleservice de reservation des equipements sportifs"),
    ("Formation des agents à la dématérialisation des marchés publics",
     "FORMATION DES AGENTS A LA DEMATERIALISATION DES MARCHES PUBLICS"),
    ("Élaboration d'une feuille de route numérique", "elaboration dune feuille de route numerique"),
])
def test_accents_and_case_do_not_matter(clf, accented, plain):
    a, b = clf.classify(accented), clf.classify(plain)
    assert a.sub_axis is not None
    assert (a.sub_axis, a.sub_axes, a.is_digital) == (b.sub_axis, b.sub_axes, b.is_digital)


@pytest.mark.parametrize("typo, axis", [
    ("dématérialistion des démarches d'urbanisme en ligne", "3c"),
    ("formaton des agents au logiciel de paie", "3b"),
    ("diagnotsic numérique de la collectivité", "3a"),
    ("aplication mobile pour les habitants", "3c"),
])
def test_typos_one_edit_away_are_read(clf, typo, axis):
    assert clf.classify(typo).sub_axis == axis


def test_typo_rule_does_not_invent_cues(clf):
    # "formel" is a real word one edit away from "former": known words are never corrected.
    c = clf.classify("Un courrier formel a été envoyé au maire")
    assert c.sub_axis is None and not c.evidence


def test_multiword_cue_with_words_between(clf):
    c = clf.classify("formation de l'ensemble de nos agents au numérique")
    assert c.sub_axis == "3b"
    assert any("formation" in e and "agents" in e for e in c.evidence["3b"])


def test_framed_topic_is_not_a_second_project(clf):
    framed = clf.classify("Étude préalable à la création d'un service en ligne de paiement")
    assert framed.sub_axes == ["3a"]
    assert framed.scores["3c"] > 0  # still read, with a low weight
    two = clf.classify("Étude préalable ; puis création d'un service en ligne de paiement")
    assert two.sub_axes == ["3a", "3c"]


@pytest.mark.parametrize("text", [None, "", "   ", "\n\n", "?!", "1234", 42])
def test_empty_or_odd_input_gives_no_sub_axis(clf, text):
    c = clf.classify(text)
    assert c.sub_axis is None and c.sub_axes == [] and not c.is_digital
    assert c.scores == {"3a": 0.0, "3b": 0.0, "3c": 0.0}
    json.dumps(c.to_dict())


def test_huge_input_is_capped_and_fast(clf):
    text = "Création d'un site internet pour les habitants. " + "blabla " * 200_000
    t = time.perf_counter()
    c = clf.classify(text)
    elapsed = time.perf_counter() - t
    assert c.truncated and c.sub_axis == "3c"
    assert elapsed < 2.0, elapsed
    assert clf.classify_many([text, "", None])[0].to_dict() == c.to_dict()


def test_scores_are_shares_and_to_dict_is_json(clf):
    c = clf.classify("Diagnostic numérique, puis formation des agents et création d'un portail citoyen")
    assert set(c.scores) == set(SUB_AXES)
    assert abs(sum(c.scores.values()) - 1.0) < 0.01
    assert all(0.0 <= v <= 1.0 for v in c.scores.values())
    d = json.loads(json.dumps(c.to_dict(), ensure_ascii=False))
    assert d["sub_axis"] == c.sub_axis and d["sub_axes"] == c.sub_axes == ["3a", "3b", "3c"]
    assert set(d["evidence"]) == {"3a", "3b", "3c"}


def test_non_digital_gets_no_sub_axis_even_with_cues(clf):
    c = clf.classify("Étude de faisabilité pour l'agrandissement de la cantine et formation des cuisiniers à l'hygiène")
    assert not c.is_digital and c.sub_axis is None
    assert c.raw["3a"] > 0  # the cue words were read, but no digital project


def test_exclusion_carries_evidence_and_source(clf):
    c = clf.classify("Acquisition de 12 ordinateurs portables pour les agents du service urbanisme")
    [ex] = c.excluded
    assert ex["id"] == "equipment_for_agents" and ex["kind"] == "exclusion"
    assert any("ordinateurs" in e for e in ex["evidence"])
    assert "exclus" in ex["source"]["quote"]
    # equipment for the public is not the excluded "equipment for agents"
    assert clf.classify("Achat de tablettes pour les élèves de l'école").excluded == []


def test_knowledge_file_cites_sources_and_is_refused_without(tmp_path):
    data = load_file("sub_axes.yml")
    for axis in data["sub_axes"]:
        assert axis["source"]["quote"] and axis["valid_from"]
        for group in axis["groups"]:
            assert group["source"]["section"].split(">")[0].strip() in (axis["id"], "Exemples de projets attendus")
    # the same file with one reference removed is refused by the loader
    base = Path(__file__).resolve().parents[2] / "knowledge"
    (tmp_path / "source").mkdir()
    for name in ("fitn7-axe3-guichet-departemental.txt", "prefecture-variants.md"):
        (tmp_path / "source" / name).write_bytes((base / "source" / name).read_bytes())
    text = (base / "sub_axes.yml").read_text(encoding="utf-8")
    broken = text.replace('quote: "Développement d\'outils CRM multicanal"', 'quote: "Développement de logiciels"')
    assert broken != text
    (tmp_path / "sub_axes.yml").write_text(broken, encoding="utf-8")
    with pytest.raises(KnowledgeError):
        load_file("sub_axes.yml", tmp_path)
