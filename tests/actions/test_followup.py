"""Procedure questions mid-form, second projects, what-ifs and late corrections (issue 11, points 4-5).

The turns run through the real actions and engine (helpers.Conversation); the NLU's choice is
given as Rasa would give it (intent, and the ResponseSelector's `faq/<key>`).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from actions import faq as F
from actions import followup as U
from helpers import Conversation

ROOT = Path(__file__).resolve().parents[2]
NNBSP, NBSP = "\u202f", "\u00a0"


def _eur(n: int) -> str:
    return f"{n:,}".replace(",", NNBSP) + f"{NBSP}€"


def _verdicts(msgs):
    return [m for m in msgs if "assessment" in (m.get("custom") or {})]


def _mamers_3a_verdict(conv: Conversation) -> None:
    conv.say("commune de Mamers : un consultant pour notre stratégie numérique")
    conv.say("oui", "affirm")
    conv.say("juin 2022")
    assert conv.slots["assessment"]["eligibility"] == "eligible" and conv.slots["pending_question"] is None


# --- 4. a procedure question always wins over a description ------------------------------------------

def test_a_question_taken_for_facts_mid_form_gets_the_faq_answer_and_the_question_again(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    before = dict(conversation.slots)
    msgs = conversation.say("À qui écrire pour une formation de nos agents ?", "inform", faq="faq/contacts")
    text = "\n".join(m.get("text") or "" for m in msgs)
    assert "societe.numerique@anct.gouv.fr" in text and "Reprenons" in text
    assert msgs[-1]["buttons"] and conversation.slots["pending_question"] == "decision_level_sponsor"
    assert not _verdicts(msgs)
    for slot in ("description", "agents_count", "decision_level_sponsor"):
        assert conversation.slots[slot] == before[slot]          # nothing recorded from the question


def test_a_question_typed_as_the_description_is_not_taken_as_the_description(conversation):
    conversation.say("Mamers")
    assert conversation.slots["pending_question"] == "description"
    msgs = conversation.say("À qui écrire pour une formation de nos agents ?", "inform", faq="faq/contacts")
    assert conversation.slots["description"] is None and conversation.slots["pending_question"] == "description"
    assert "societe.numerique@anct.gouv.fr" in msgs[0]["text"]


def test_a_question_read_as_a_no_never_gives_a_not_eligible_verdict(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    msgs = conversation.say("Une fois retenus, on signe quoi avec l'État ?", "deny", faq="faq/contracting")
    text = "\n".join(m.get("text") or "" for m in msgs)
    assert "❌" not in text and not _verdicts(msgs)
    assert "CRTE" in text and "convention" in text
    assert conversation.slots["decision_level_sponsor"] is None
    assert conversation.slots["pending_question"] == "decision_level_sponsor"


def test_a_faq_intent_is_answered_by_utter_faq_then_the_pending_question(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    msgs = conversation.say("C'est ouvert depuis quand ?", "faq/opening")
    assert msgs[0]["response"] == "utter_faq/opening" and "25 janvier 2021" in msgs[0]["text"]
    assert "Source" in msgs[0]["text"] and msgs[-1]["buttons"]
    assert conversation.slots["pending_question"] == "decision_level_sponsor"


def test_an_answer_is_still_an_answer_even_with_a_selector_output(conversation):
    """Rasa's ResponseSelector predicts on every message: a plain answer must stay an answer."""
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    conversation.say("oui", "affirm", faq="faq/who")
    assert conversation.slots["decision_level_sponsor"] is True
    conversation.say("juin 2022", "inform", faq="faq/deadline")
    assert conversation.slots["results_date"] == "2022-06-30" and conversation.assessment is not None


@pytest.mark.parametrize("text, question", [
    ("À qui écrire pour une formation de nos agents ?", True),
    ("C'est ouvert depuis quand ?", True),
    ("Une fois retenus, on signe quoi avec l'État ?", True),
    ("combien pour une commune de 800 habitants ?", True),
    ("quel est le lien pour déposer", True),
    ("on voudrait que les habitants demandent leurs actes en ligne", False),
    ("est-ce qu'une appli pour les habitants serait éligible ?", False),
    ("juin 2022", False),
    ("oui, porté par le maire", False),
    ("et avec 30 000 € de budget ?", False),
])
def test_the_form_of_a_question(text, question):
    assert U.is_question(text) is question


# --- the FAQ answers: one source, knowledge/faq.yml ---------------------------------------------------

def test_the_generated_faq_responses_are_up_to_date():
    """data/faq_responses.yml (what utter_faq says) is exactly what knowledge/faq.yml gives."""
    assert (ROOT / F.RESPONSES_FILE).read_text(encoding="utf-8") == F.responses_yaml()
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "faq_responses.py"), "--check"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_a_changed_faq_answer_makes_the_responses_stale(monkeypatch):
    entries = F.entries()
    changed = [{**entries[0], "answer": entries[0]["answer"] + " (modifié)"}] + entries[1:]
    monkeypatch.setattr(F, "entries", lambda: changed)
    assert F.responses_yaml() != (ROOT / F.RESPONSES_FILE).read_text(encoding="utf-8")


def test_every_faq_entry_has_a_response_and_training_questions():
    import yaml
    responses = yaml.safe_load((ROOT / F.RESPONSES_FILE).read_text(encoding="utf-8"))["responses"]
    nlu = yaml.safe_load((ROOT / "data" / "nlu" / "faq.yml").read_text(encoding="utf-8"))["nlu"]
    trained = {b["intent"]: b["examples"].count("\n- ") + 1 for b in nlu}
    for entry in F.entries():
        key = F.key_of(entry["id"])
        assert f"utter_{key}" in responses and entry["source"]["quote"]
        assert trained.get(key, 0) >= 10, key


# --- 5. after the verdict: a second project --------------------------------------------------------------

def test_a_second_project_starts_a_new_assessment_and_keeps_the_first(referential, db_engine):
    conv = Conversation("followup-second-project")
    _mamers_3a_verdict(conv)
    msgs = conv.say("Et une appli pour les habitants, ça passerait aussi ?")
    assert "nouveau projet (projet 2)" in msgs[0]["text"] and "5" + NNBSP + "000" in msgs[0]["text"]
    past = conv.slots["assessments"]
    assert [p["project"] for p in past] == [1] and past[0]["sub_axis"] == "3a" and past[0]["amount_eur"] == 5000
    assert "appli" in conv.slots["description"] and "consultant" not in conv.slots["description"]
    assert conv.slots["collectivity"] == "insee 72180"                    # same collectivity
    assert conv.slots["pending_question"] == "decision_level_sponsor"    # asked again for this project
    conv.say("oui", "affirm")
    conv.say("septembre 2022")
    msgs = conv.say("20 000 €")
    a = conv.assessment
    assert a["sub_axis"] == "3c" and a["amount"]["eur"] == 20000
    verdict = _verdicts(msgs)[0]["text"]
    assert "Vos autres projets" in verdict and "projet 1" in verdict and "3a, " + _eur(5000) in verdict
    # the case store keeps both projects
    from assistant.helpdesk.cases import CaseStore
    store = CaseStore.default()
    first, second = store.get_by_conversation("followup-second-project"), \
        store.get_by_conversation("followup-second-project#projet-2")
    assert first is not None and second is not None
    assert first.sub_axis == "3a" and second.sub_axis == "3c"


def test_an_addition_or_a_correction_after_the_verdict_is_not_a_second_project(conversation):
    _mamers_3a_verdict(conversation)
    conversation.say("en fait le projet est une étude pour refaire notre site internet")
    assert not conversation.slots["assessments"]
    assert conversation.slots["description"].startswith("En fait le projet est une étude")
    conversation.say("on voudrait aussi former les agents au nouvel outil")
    assert not conversation.slots["assessments"] and "former les agents" in conversation.slots["description"]


def test_the_handoff_summary_carries_every_project(conversation):
    from urllib.parse import unquote
    _mamers_3a_verdict(conversation)
    conversation.say("Et une appli pour les habitants, ça passerait aussi ?")
    msgs = conversation.say("je veux parler à quelqu'un", "request_human")
    mailto = next(m["custom"]["handoff"]["mailto"] for m in msgs if "handoff" in (m.get("custom") or {}))
    body = unquote(mailto)
    assert "Projet 1 : " in body and "consultant" in body and "Projet 2 : " in body


# --- 5. what-if ---------------------------------------------------------------------------------------

def test_what_if_the_population_changes_shows_both_verdicts_and_keeps_the_first(conversation):
    _mamers_3a_verdict(conversation)
    before = dict(conversation.slots)
    msgs = conversation.say("Et si on dépassait les 5 000 habitants ?", "what_if")
    text = msgs[0]["text"]
    assert f"plus de 5{NNBSP}000 habitants" in text
    current, hypothesis = [line for line in text.splitlines() if line.startswith("•")]
    assert "Évaluation actuelle" in current and _eur(5000) in current
    assert "Avec cette hypothèse" in hypothesis and _eur(10000) in hypothesis
    assert msgs[0]["custom"]["what_if"]["assessment"]["amount"]["eur"] == 10000
    assert conversation.slots == {**before, "fallback_count": 0}         # the first evaluation is kept


def test_what_if_the_budget_changes_for_a_project_paid_up_to_its_cost(conversation):
    conversation.say("mairie de Sablé-sur-Sarthe : former les agents au numérique, porté par le maire, "
                     "résultats en juin 2022, budget 12 000 euros")
    assert conversation.assessment["amount"]["eur"] == 12000
    msgs = conversation.say("et avec 30 000 € de budget ?", "what_if")
    current, hypothesis = [line for line in msgs[0]["text"].splitlines() if line.startswith("•")]
    assert _eur(12000) in current and _eur(30000) in hypothesis
    assert f"au lieu de {_eur(12000)}" in msgs[0]["text"]
    assert conversation.slots["budget_eur"] == 12000                      # not changed


def test_what_if_taken_for_facts_after_a_verdict_is_still_a_what_if(conversation):
    _mamers_3a_verdict(conversation)
    msgs = conversation.say("et si les résultats arrivaient en mars 2024 ?", "inform")
    text = msgs[0]["text"]
    assert "✅ éligible" in text.splitlines()[1] and "❌ non éligible" in text.splitlines()[2]
    assert conversation.slots["results_date"] == "2022-06-30"


def test_what_if_before_any_verdict_is_read_as_an_answer(conversation):
    conversation.say("mairie de Sablé-sur-Sarthe : former les agents au numérique, porté par le maire, "
                     "résultats en juin 2022")
    assert conversation.slots["pending_question"] == "budget_eur"
    conversation.say("et avec 30 000 € ?", "what_if")
    assert conversation.slots["budget_eur"] == 30000 and conversation.assessment["amount"]["eur"] == 30000


def test_a_plain_answer_the_nlu_took_for_a_what_if_is_a_correction(conversation):
    _mamers_3a_verdict(conversation)
    msgs = conversation.say("non, c'est Sablé-sur-Sarthe", "what_if")
    assert conversation.slots["collectivity"] == "insee 72264" and _verdicts(msgs)


def test_what_if_with_nothing_to_change_asks_what_to_change(conversation):
    _mamers_3a_verdict(conversation)
    msgs = conversation.say("et si jamais ?", "what_if")
    assert "Quelle information voulez-vous changer" in msgs[0]["text"]


@pytest.mark.parametrize("text, population", [
    ("Et si on dépassait les 5 000 habitants ?", 5001),
    ("si on passait sous les 5000 habitants", 4999),
    ("et si la commune comptait 12 000 habitants ?", 12000),
    ("et avec 30 000 € de budget ?", None),
])
def test_population_hypothesis(text, population):
    assert U.population_hypothesis(text)[0] == population


# --- 5. a correction of any input recomputes --------------------------------------------------------------

def test_a_late_no_to_the_decision_level_recomputes(conversation):
    _mamers_3a_verdict(conversation)
    msgs = conversation.say("en fait ce n'est pas porté par le maire")
    assert conversation.slots["decision_level_sponsor"] is False
    assert conversation.assessment["eligibility"] == "not_eligible" and _verdicts(msgs)


def test_a_late_correction_of_the_funding_recomputes(conversation):
    conversation.say("nous sommes une association, on veut former des bénévoles et des agents au numérique")
    conversation.say("oui", "affirm")
    assert conversation.slots["funded_only_by_local_authorities"] is True
    conversation.say("en fait nous sommes aussi financés par des cotisations de nos membres")
    assert conversation.slots["funded_only_by_local_authorities"] is False
    assert conversation.slots["assessment"]["eligibility"] == "not_eligible"


@pytest.mark.parametrize("first, correction, slot, value", [
    ("commune de Mamers : un consultant pour notre stratégie numérique, porté par le maire, résultats en juin 2022",
     "finalement les résultats seront en mars 2023", "results_date", "2023-03-31"),
    ("mairie de Sablé-sur-Sarthe : former les agents au numérique, porté par le maire, résultats en juin 2022, "
     "budget 8 000 euros", "en fait on formera 45 agents", "agents_count", 45),
    ("mairie de Sablé-sur-Sarthe : former les agents au numérique, porté par le maire, résultats en juin 2022, "
     "budget 8 000 euros", "non, c'est Mamers", "collectivity", "insee 72180"),
])
def test_a_correction_after_the_verdict_recomputes(conversation, first, correction, slot, value):
    conversation.say(first)
    assert conversation.slots["pending_question"] is None
    msgs = conversation.say(correction)
    assert conversation.slots[slot] == value and _verdicts(msgs)
    assert not conversation.slots["assessments"]


# --- issue 11's evaluation: kinds of follow-ups it showed misread (sentences written here) --------

def test_a_cost_correction_after_the_verdict_keeps_the_description(conversation):
    _mamers_3a_verdict(conversation)
    description = conversation.slots["description"]
    conversation.say("en fait le projet coûte 28 000 €")
    assert conversation.slots["budget_eur"] == 28000
    assert conversation.slots["description"] == description      # not replaced by "le projet coûte…"
    assert conversation.slots["pending_question"] != "digital_change"


def test_a_second_project_asked_with_et_pour_is_assessed_not_taken_for_a_what_if(conversation):
    _mamers_3a_verdict(conversation)
    msgs = conversation.say("Et pour équiper l'accueil de la mairie d'une borne de paiement, ça passe ?")
    assert not any("Hypothèse" in (m.get("text") or "") for m in msgs)
    assert "projet 2" in "\n".join(m.get("text") or "" for m in msgs)


def test_a_late_sponsor_answer_after_the_verdict_is_no_second_project(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    conversation.say("je ne sais pas encore")
    conversation.say("juin 2022")
    assert conversation.slots["decision_level_sponsor"] == "unknown"
    msgs = conversation.say("Finalement oui, le maire soutient le projet.")
    assert "projet 2" not in "\n".join(m.get("text") or "" for m in msgs)
    assert conversation.slots["decision_level_sponsor"] is True
