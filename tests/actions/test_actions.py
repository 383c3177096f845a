"""Each custom action with rasa_sdk's Tracker and CollectingDispatcher (real engine and referential)."""
from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlparse

import pytest

from actions import actions as A
from actions import engine as E
from actions import faq as F
from helpers import Conversation, make_tracker, run


def _texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def test_first_message_fills_everything_said_and_asks_the_first_missing(conversation):
    msgs = conversation.say("Bonjour, je suis le maire de Mamers, on aimerait un consultant pour définir notre "
                            "stratégie numérique")
    assert conversation.slots["collectivity"] == "insee 72180"
    assert conversation.slots["role"] == "maire"
    assert "consultant" in conversation.slots["description"]
    assert conversation.slots["pending_question"] == "decision_level_sponsor"
    assert "Mamers" in _texts(msgs)                      # what was understood is said back
    assert msgs[-1]["buttons"] == [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]
    assert len([m for m in msgs if "?" in (m.get("text") or "")]) == 1   # one question at a time


def test_verdict_carries_the_assessment_and_what_to_do(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    conversation.say("oui", "affirm")
    msgs = conversation.say("juin 2022")
    a = conversation.assessment
    assert a["eligibility"] == "eligible" and a["sub_axis"] == "3a"
    text = _texts(msgs)
    for needle in ("semble éligible", "source", "3a", "5\u202f000\u00a0€", "demarches-simplifiees.fr",
                   "Préfecture de la Sarthe", "À préparer"):
        assert needle in text
    assert conversation.slots["pending_question"] is None
    assert conversation.slots["assessment"]["eligibility"] == "eligible"


def test_homonyms_are_offered_as_buttons_with_insee_codes(conversation):
    msgs = conversation.say("commune de Sainte-Colombe, nous voulons former nos agents à la messagerie")
    question = msgs[-1]
    assert question["text"] == "Il existe 12 communes nommées Sainte-Colombe : laquelle ?"
    payloads = [b["payload"] for b in question["buttons"]]
    assert '/inform{"collectivity": "69189"}' in payloads
    conversation.say('/inform{"collectivity": "69189"}', entities=[{"entity": "collectivity", "value": "69189"}])
    assert conversation.slots["collectivity"] == "insee 69189"
    assert conversation.slots["pending_question"] == "decision_level_sponsor"


def test_homonym_chosen_by_department_name(conversation):
    conversation.say("commune de Sainte-Colombe, nous voulons former nos agents à la messagerie")
    conversation.say("celle du Rhône")
    assert conversation.slots["department"] == "69"
    assert conversation.slots["pending_question"] == "decision_level_sponsor"


def test_correction_recomputes_the_verdict(conversation):
    conversation.say("mairie de Sablé-sur-Sarthe : former les agents au numérique, porté par le maire, "
                     "résultats en juin 2022, budget 8 000 euros")
    assert conversation.assessment["amount"]["eur"] == 8000
    conversation.say("en fait le budget est de 12 000 €")
    assert conversation.assessment["amount"]["eur"] == 12000
    conversation.say("non, c'est Sainte-Colombe dans le Rhône")
    assert conversation.assessment["collectivity"]["code"] == "69189"


def test_bad_value_is_refused_in_french_and_not_kept(conversation):
    conversation.say("mairie de Sablé-sur-Sarthe : former les agents au numérique, porté par le maire, "
                     "résultats en juin 2022")
    msgs = conversation.say("900 millions d'euros")
    assert "hors de proportion" in _texts(msgs)
    assert conversation.slots["budget_eur"] is None
    assert conversation.slots["pending_question"] == "budget_eur"


def test_unknown_name_is_said_and_asked_again(conversation):
    conversation.say("on voudrait refaire notre site internet")
    assert conversation.slots["pending_question"] == "collectivity"
    msgs = conversation.say("Zorglubville-sur-Mer")
    assert "Je ne trouve pas « Zorglubville-sur-Mer »" in _texts(msgs)
    assert conversation.slots["pending_question"] == "collectivity"


def test_dont_know_skips_the_question_and_hands_off_a_to_confirm_verdict(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    conversation.say("oui", "affirm")
    msgs = conversation.say("je ne sais pas")
    custom = [m.get("custom") or {} for m in msgs]
    assert any(c.get("assessment", {}).get("eligibility") == "to_confirm" for c in custom)
    assert any("handoff" in c for c in custom)


def test_faq_answers_from_knowledge_and_resumes(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    msgs = conversation.say("quand se réunit le comité de sélection ?", "faq/committee")
    text = _texts(msgs)
    assert "une fois par mois" in text and "10 dossiers" in text and "Source" in text
    assert "Reprenons" in text and msgs[-1]["buttons"]
    assert conversation.slots["pending_question"] == "decision_level_sponsor"


def test_every_retrieval_intent_answers_its_entry_of_the_faq():
    """faq/<key> (the ResponseSelector's label) <-> faq_<key> (knowledge/faq.yml), both ways."""
    ids = [e["id"] for e in F.entries()]
    assert len(ids) >= 15 and len(set(ids)) == len(ids)
    for entry_id in ids:
        assert F.entry_for_key(F.key_of(entry_id))["id"] == entry_id
        assert F.entry_for_key(entry_id)["id"] == entry_id
    for bad in (None, "", "faq/nope", "inform", 3, "faq"):
        assert F.entry_for_key(bad) is None


def test_the_selector_output_is_read_from_rasa_parse_data():
    from helpers import parse_message
    assert F.selected(parse_message("on signe quoi ?", "faq/contracting")) == ("faq/contracting", 0.9)
    assert F.selected(parse_message("juin 2022", "inform", faq="faq/deadline"))[0] == "faq/deadline"
    for damaged in ({}, {"response_selector": None}, {"response_selector": {"faq": {"response": "x"}}},
                    {"response_selector": {"faq": {"response": {"intent_response_key": "faq/unknown"}}}}):
        assert F.selected(damaged) == (None, 0.0)


def test_handoff_gives_a_mailto_with_the_summary_and_records_the_case(conversation, db_engine):
    conversation.sender = "handoff-test-1"
    conversation.say("mairie de Rodez, on voudrait moderniser le standard téléphonique")
    msgs = conversation.say("je veux parler à quelqu'un", "request_human")
    handoff = next(m["custom"]["handoff"] for m in msgs if (m.get("custom") or {}).get("handoff"))
    url = urlparse(handoff["mailto"])
    assert url.scheme == "mailto"
    query = parse_qs(url.query)
    assert "Rodez" in query["subject"][0]
    assert "Rodez" in query["body"][0] and "Projet" in query["body"][0]
    assert " " not in handoff["mailto"]                  # URL-encoded
    assert "Préfecture de l'Aveyron" in _texts(msgs) or "Aveyron" in unquote(handoff["mailto"])
    from assistant.helpdesk.cases import CaseStore
    import sqlalchemy as sa
    from assistant.helpdesk.cases import cases_table
    CaseStore.default()
    with db_engine.connect() as conn:
        row = conn.execute(sa.select(cases_table).where(cases_table.c.conversation_id == "handoff-test-1")).first()
    assert row is not None and row.handoff_reason == A.HANDOFF_USER


def test_3b_handoff_goes_to_the_anct_address(conversation):
    conversation.say("mairie de Sablé-sur-Sarthe : former les agents au numérique, porté par le maire, "
                     "résultats en juin 2022, budget 8 000 euros")
    msgs = conversation.say("je veux parler à quelqu'un", "request_human")
    handoff = next(m["custom"]["handoff"] for m in msgs if (m.get("custom") or {}).get("handoff"))
    assert handoff["mailto"].startswith("mailto:societe.numerique@anct.gouv.fr?subject=")


def test_two_fallbacks_in_a_row_lead_to_a_human(conversation):
    msgs = conversation.say("azerqsdf wxcv", "nlu_fallback")
    assert "reformuler" in _texts(msgs) and conversation.slots["fallback_count"] == 1
    msgs = conversation.say("poiuyt mlkj", "nlu_fallback")
    assert any("handoff" in (m.get("custom") or {}) for m in msgs)
    assert conversation.slots["fallback_count"] == 0


def test_fallback_still_takes_a_plain_answer_to_the_pending_question(conversation):
    conversation.say("on voudrait refaire notre site internet")
    conversation.say("Mamers", "nlu_fallback")
    assert conversation.slots["collectivity"] == "insee 72180"
    assert conversation.slots["fallback_count"] == 0


def test_resume_asks_the_pending_question_again(referential):
    msgs, events = run(A.ActionResume(), make_tracker({"pending_question": "results_date"}, "que peux-tu faire", "help"))
    assert events == [] and "Reprenons" in msgs[0]["text"] and "résultats" in msgs[1]["text"]
    msgs, _ = run(A.ActionResume(), make_tracker({}, "bonjour", "greet"))
    assert msgs == []


def test_restart_resets_the_slots(referential):
    msgs, events = run(A.ActionRestartConversation(), make_tracker({"collectivity": "insee 72180"}, "recommencer",
                                                                   "start_over"))
    assert events == [{"event": "reset_slots", "timestamp": None}]
    assert "zéro" in msgs[0]["text"]


@pytest.mark.parametrize("text", ["", "   ", "x" * 20000, "🙂🙂🙂", "/inform{\"budget_eur\": \"abc\"}",
                                  "Bonjour " * 3000])
def test_odd_messages_get_a_french_answer(text, referential):
    msgs, _ = run(A.ActionProcess(), make_tracker({}, text, "inform"))
    assert msgs and all((m.get("text") or "").strip() for m in msgs)


def test_guard_answers_in_french_and_logs_no_personal_data(monkeypatch, caplog, referential):
    def boom(_request):
        raise RuntimeError("secret user text Mamers")
    monkeypatch.setattr(E, "run_assessment", boom)
    msgs, events = run(A.ActionProcess(), make_tracker({}, "commune de Mamers, un site internet", "inform"))
    assert events == [] and "incident technique" in msgs[0]["text"]
    assert "RuntimeError" in caplog.text and "secret user text" not in caplog.text


def test_request_from_slots_keeps_only_engine_keys():
    req = E.request_from_slots({"collectivity": "insee 72180", "role": "maire", "agents_count": 20.0,
                                "budget_eur": None, "expenses": []})
    assert req == {"collectivity": "insee 72180", "agents_count": 20}


def test_empty_message_says_what_the_assistant_does_without_counting_a_misunderstanding(conversation):
    conversation.say("on voudrait refaire notre site internet")
    for _ in range(3):
        msgs = conversation.say("   ", "nlu_fallback")
        assert "vide" in msgs[0]["text"] and "Pour quelle collectivité" in msgs[-1]["text"]
    assert conversation.slots["fallback_count"] == 0


def test_handoff_without_a_place_asks_the_collectivity_then_names_the_prefecture(conversation):
    msgs = conversation.say("je veux parler à quelqu'un", "request_human")
    assert "Préfecture de votre département" in _texts(msgs) and "collectivité" in msgs[-1]["text"]
    assert conversation.slots["handoff_pending"] is True
    msgs = conversation.say("Mamers")
    assert "Préfecture de la Sarthe" in _texts(msgs)
    assert any("handoff" in (m.get("custom") or {}) for m in msgs)
    assert conversation.slots["handoff_pending"] is False


def test_homonyms_of_different_kinds_keep_their_kind(conversation):
    msgs = conversation.say("Bretagne", "inform")
    question = msgs[-1]
    assert question["text"].startswith("Il existe")
    region = next(b for b in question["buttons"] if "région" in b["title"])
    code = region["payload"].split('"collectivity": "')[1].split('"')[0]
    conversation.say(region["payload"], entities=[{"entity": "collectivity", "value": code}])
    a = conversation.slots["assessment"]
    assert a["collectivity"]["type"] == "region" and a["collectivity"]["name"] == "Bretagne"


def test_off_topic_message_still_answers_the_pending_question(conversation):
    conversation.say("mairie de Sablé-sur-Sarthe : former les agents au numérique, porté par le maire, "
                     "résultats en juin 2022")
    assert conversation.slots["pending_question"] == "budget_eur"
    conversation.say("9k€", "out_of_scope")
    assert conversation.slots["budget_eur"] == 9000
    msgs = conversation.say("Hello, can you help me?", "out_of_scope")
    assert "qu'en français" in msgs[0]["text"]
    assert conversation.slots["fallback_count"] == 0


def test_off_topic_text_is_not_taken_as_the_description(conversation):
    conversation.say("Mamers")
    assert conversation.slots["pending_question"] == "description"
    conversation.say("Hello, can you help me?", "out_of_scope")
    assert conversation.slots["description"] is None
    conversation.say("on veut refaire le site internet", "nlu_fallback")
    assert conversation.slots["description"] == "On veut refaire le site internet"


def test_the_assessment_slot_stays_small_and_the_verdict_carries_the_full_answer(conversation):
    import json
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    conversation.say("oui", "affirm")
    conversation.say("juin 2022")
    full, slot = conversation.assessment, conversation.slots["assessment"]
    assert {"findings", "advice", "application_url", "sub_axis_evidence"} <= set(full)
    assert slot["eligibility"] == full["eligibility"] and slot["contacts"] == full["contacts"]
    assert len(json.dumps(slot)) < len(json.dumps(full)) / 2


@pytest.mark.parametrize("candidate, query", [
    ({"type": "commune", "code": "69189", "name": "Sainte-Colombe"}, "insee 69189"),
    ({"type": "region", "code": "52", "name": "Pays de la Loire"}, "région Pays de la Loire"),
    ({"type": "epci", "code": "200072106", "siren": "200072106", "name": "CC Maine Saosnois"}, "200072106"),
    ({"type": "epci", "code": "X1", "siren": None, "name": "CC sans SIREN"}, "X1"),
    ({"type": "departement", "code": "72", "name": "Sarthe"}, "72"),
])
def test_a_homonym_button_gives_a_query_that_finds_it_again(candidate, query):
    from actions.extract import canonical_from_candidate
    assert canonical_from_candidate(candidate) == query


# --- acknowledgement typography and the engine's labels -------------------------------------------

NNBSP, NBSP = "\u202f", "\u00a0"


def test_acknowledgement_writes_numbers_with_french_typography():
    text = A.acknowledge({"agents_count": 1200, "budget_eur": 12000.0, "results_date": "2022-06-01"}, {})
    assert text == f"C'est noté : budget 12{NNBSP}000{NBSP}€, résultats le 1er juin 2022, 1{NNBSP}200 agents."
    assert A.acknowledge({"agents_count": 1}, {}) == "C'est noté : 1 agent."
    assert A.acknowledge({"agents_count": "beaucoup"}, {}) is None      # a bad slot value never crashes


def test_first_message_acknowledges_the_engine_label_and_the_agents_count(conversation):
    msgs = conversation.say("communauté de communes Maine Saosnois : nous voulons former 1200 agents au numérique")
    ack = msgs[0]["text"]
    label = conversation.slots["assessment"]["collectivity"]["label"]
    assert "communauté de communes" in label and label in ack
    assert f"1{NNBSP}200 agents" in ack and "1200" not in ack
    assert "intercommunalité" not in ack


def _to_verdict(conversation, first: str) -> list[dict]:
    """First message, then yes to the decision level, a date and (when asked) a budget: the verdict."""
    conversation.say(first)
    conversation.say("oui", "affirm")
    msgs = conversation.say("juin 2022")
    if conversation.slots["pending_question"] == "budget_eur":
        msgs = conversation.say("20 000 €")
    return msgs


def test_verdict_renders_the_engine_labels(conversation):
    msgs = _to_verdict(conversation, "communauté de communes Maine Saosnois : créer un service en ligne de "
                                     "prise de rendez-vous pour les habitants et former les agents à l'outil")
    a = conversation.assessment
    text = _texts(msgs)
    assert a["collectivity"]["label"] in text
    assert f"Volet : {a['sub_axis_label']}" in text
    assert a["sub_axis_label"].startswith(a["sub_axis"] + " (")
    for code, label in zip(a["sub_axes"], a["sub_axis_labels"]):
        if code != a["sub_axis"]:
            assert label in text
    assert "intercommunalité" not in text
    slot = conversation.slots["assessment"]
    assert slot["sub_axis_label"] == a["sub_axis_label"] and slot["sub_axis_labels"] == a["sub_axis_labels"]


def test_an_old_answer_without_labels_still_renders_with_the_engine_wording():
    from actions import render
    from assistant.eligibility import labels as L
    old = {"eligibility": "eligible", "sub_axis": "3c", "sub_axes": ["3c", "3b"],
           "collectivity": {"code": "72180", "name": "Mamers", "type": "commune", "epci_type": None,
                            "population": 4996, "department": "72", "department_name": "Sarthe"},
           "findings": [], "contacts": []}
    text = render.verdict_text(old)
    assert f"Mamers (commune, Sarthe (72), 4{NNBSP}996 habitants)" in text
    assert f"Volet : {L.SUB_AXIS_LABELS['3c']}." in text and L.SUB_AXIS_LABELS["3b"] in text
    homonyms = {"collectivity": {"query": "Bretagne", "candidates": [
        {"code": "53", "name": "Bretagne", "type": "region"},
        {"code": "X", "name": "Bretagne", "type": ["bad"], "population": "many"}]}}
    _, buttons = render.homonym_question(homonyms)
    assert [b["title"] for b in buttons] == ["Bretagne (région)", "Bretagne"]
    broken = {**old, "collectivity": {"name": "Mamers", "type": ["bad"], "population": "many"},
              "sub_axis_labels": ["3c (x)"]}                  # damaged: not aligned with sub_axes
    text = render.verdict_text(broken)                                 # never crashes on a damaged slot
    assert "Mamers" in text and L.SUB_AXIS_LABELS["3b"] in text


def test_verdict_says_which_negated_words_were_set_aside(conversation):
    msgs = _to_verdict(conversation, "commune de Mamers : nous ne voulons pas de formation, nous voulons "
                                     "créer un portail de démarches en ligne pour les habitants")
    a = conversation.assessment
    assert a["sub_axes"] == ["3c"] and a["sub_axis_negated"] == {"3b": ["formation"]}
    text = _texts(msgs)
    assert "Je n'ai pas tenu compte de ce que vous écartez : « formation »." in text
    assert "3b" not in text.split("Montant")[0]          # the training is not offered as a sub-axis


def test_negated_cues_render_safely():
    from actions import render
    assert render.negated_cues({"sub_axis_negated": {"3b": ["formation", "formation"], "3a": ["étude", 3]}}) == \
        ["« formation »", "« étude »"]
    for damaged in (None, "x", {"3b": "formation"}, {"3b": [None, ""]}):
        assert render.negated_cues({"sub_axis_negated": damaged}) == []
    assert "écartez" not in render.verdict_text({"eligibility": "eligible", "findings": [], "contacts": []})


def test_verdict_shows_what_would_change_a_not_met_finding(conversation):
    """Issue 10: the engine's how_to_change is shown under its not_met / unknown finding."""
    msgs = conversation.say("commune de Mamers : réfection de la toiture de l'école")
    a = conversation.assessment
    digital = next(f for f in a["findings"] if f["rule"] == "digital_project")
    assert a["eligibility"] == "not_eligible" and digital["status"] == "not_met" and digital["how_to_change"]
    text = render_verdict(a)
    lines = text.split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith("• ") and digital["message"].strip() in line)
    assert lines[i + 1] == "  → Pour que cela change : " + digital["how_to_change"]
    assert "Pour que cela change : " + digital["how_to_change"] in _texts(msgs)   # what the chat said


def render_verdict(a):
    from actions import render
    return render.verdict_text(a)


def test_how_to_change_only_under_not_met_or_unknown_findings_and_damage_is_ignored():
    from actions import render
    findings = [
        {"rule": "a", "status": "not_met", "message": "Non.", "how_to_change": "Faites ceci."},
        {"rule": "b", "status": "unknown", "message": "Peut-être.", "how_to_change": "  Dites cela. "},
        {"rule": "c", "status": "met", "message": "Oui.", "how_to_change": "Jamais montré."},
        {"rule": "d", "status": "unknown", "message": "Abîmé.", "how_to_change": ["x"]},
        {"rule": "e", "status": "unknown", "message": "Vide.", "how_to_change": None},
    ]
    text = render.verdict_text({"eligibility": "to_confirm", "findings": findings, "contacts": []})
    assert "• Non.\n  → Pour que cela change : Faites ceci.\n" in text
    assert "• Peut-être.\n  → Pour que cela change : Dites cela.\n" in text
    assert "Jamais montré" not in text and text.count("Pour que cela change") == 2
    eligible = render.verdict_text({"eligibility": "eligible", "findings": findings[2:3], "contacts": []})
    assert "Oui." in eligible and "Pour que cela change" not in eligible
