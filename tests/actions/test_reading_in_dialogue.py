"""What people actually write, through the actions: names as written, misspelt names, answers in
sentences, "je ne sais pas" (assistant/reading/names.py and answers.py via actions/extract.py)."""
from __future__ import annotations

from actions.extract import extract


def _texts(messages):
    return "\n".join(m.get("text") or "" for m in messages)


def test_plougastel_daoulas_is_not_daoulas_even_when_the_nlu_says_so(conversation):
    conversation.say("secrétaire de mairie à Plougastel-Daoulas, on veut former nos agents au numérique",
                     entities=[{"entity": "collectivity", "value": "Daoulas"}])
    assert conversation.slots["collectivity"] == "insee 29189"
    assert conversation.slots["assessment"]["collectivity"]["population"] == 13434


def test_a_misspelt_name_gets_did_you_mean_buttons_that_work(conversation):
    msgs = conversation.say("commune de Plougastel-Daoulaz : on voudrait former nos agents au numérique")
    note = next(m for m in msgs if "Vouliez-vous dire" in (m.get("text") or ""))
    assert "Plougastel-Daoulas (29)" in note["text"]
    assert note["buttons"][0] == {"title": "Plougastel-Daoulas (29)",
                                  "payload": '/inform{"collectivity": "insee 29189"}'}
    assert conversation.slots["collectivity"] is None                # nothing taken silently
    assert conversation.slots["pending_question"] == "collectivity"
    conversation.say('/inform{"collectivity": "insee 29189"}',
                     entities=[{"entity": "collectivity", "value": "insee 29189"}])
    assert conversation.slots["collectivity"] == "insee 29189"


def test_a_misspelt_homonym_is_one_button_then_the_homonym_question(conversation):
    conversation.say("on voudrait refaire notre site internet")
    msgs = conversation.say("Sainte-Colombes")
    note = next(m for m in msgs if "Vouliez-vous dire" in (m.get("text") or ""))
    assert note["buttons"][0]["payload"] == '/inform{"collectivity": "Sainte-Colombe"}'
    msgs = conversation.say('/inform{"collectivity": "Sainte-Colombe"}',
                            entities=[{"entity": "collectivity", "value": "Sainte-Colombe"}])
    assert "Il existe 12 communes nommées Sainte-Colombe" in _texts(msgs)
    conversation.say("celle du 77")
    assert conversation.slots["assessment"]["collectivity"]["code"] == "77404"


def test_homonym_chosen_by_rank(conversation):
    conversation.say("commune de Sainte-Colombe, nous voulons former nos agents à la messagerie")
    conversation.say("la deuxième")
    assert conversation.slots["collectivity"].startswith("insee ")
    assert conversation.slots["pending_question"] == "decision_level_sponsor"


def test_funding_answered_with_a_sentence(conversation):
    conversation.say("nous sommes une association, on veut former des bénévoles et des agents au numérique")
    # issue 10: the funding (whose "no" ends the assessment) is asked before the département
    assert conversation.slots["pending_question"] == "funded_only_by_local_authorities"
    msgs = conversation.say("Non, on vit des cotisations de nos membres", "out_of_scope")
    assert conversation.slots["funded_only_by_local_authorities"] is False
    assert "compris" not in _texts(msgs)


def test_sponsor_answered_with_a_sentence(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    assert conversation.slots["pending_question"] == "decision_level_sponsor"
    conversation.say("c'est le maire qui porte", "nlu_fallback")
    assert conversation.slots["decision_level_sponsor"] is True
    assert conversation.slots["pending_question"] == "results_date"


def test_a_no_that_starts_a_correction_is_not_a_no_to_the_question(conversation):
    conversation.say("commune de Sainte-Colombe, nous voulons former nos agents à la messagerie")
    conversation.say("celle du Rhône")
    assert conversation.slots["pending_question"] == "decision_level_sponsor"
    conversation.say("non, c'est Plougastel-Daoulas")
    assert conversation.slots["decision_level_sponsor"] is None        # never a silent "not sponsored"
    assert conversation.slots["collectivity"] == "insee 29189"


def test_dont_know_moves_on_and_never_loops(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    conversation.say("oui", "affirm")
    assert conversation.slots["pending_question"] == "results_date"
    msgs = conversation.say("pas encore décidé")
    assert "doit être" not in _texts(msgs)                            # never an engine refusal
    assert conversation.slots["results_date"] == "unknown"
    assert conversation.slots["pending_question"] != "results_date"
    assert "à confirmer" in _texts(msgs)


def test_dont_know_is_recorded_as_unknown_for_the_input(referential):
    from assistant.eligibility import inputs
    from assistant.reading import answers
    assert answers.UNKNOWN == inputs.UNKNOWN
    ex = extract({"text": "je ne sais pas", "intent": {"name": "inform"}}, "results_date", {}, referential)
    assert ex.dont_know and ex.updates == {"results_date": "unknown"} and ex.answered
    ex = extract({"text": "aucune idée", "intent": {"name": "inform"}}, "decision_level_sponsor", {}, referential)
    assert ex.updates == {"decision_level_sponsor": "unknown"}
    ex = extract({"text": "je ne sais pas", "intent": {"name": "inform"}}, "collectivity", {}, referential)
    assert ex.dont_know and "collectivity" not in ex.updates             # a name is never "unknown"
    ex = extract({"text": "aucune idée", "intent": {"name": "inform"}}, "agents_count", {}, referential)
    assert ex.dont_know and "agents_count" not in ex.updates             # not declared unknown_ok: skipped


def test_two_misunderstandings_of_the_same_question_offer_a_human(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    conversation.say("la météo est belle aujourd'hui")
    assert conversation.slots["fallback_count"] == 1
    msgs = conversation.say("les poules ont des dents")
    assert any("handoff" in (m.get("custom") or {}) for m in msgs)


def test_an_article_is_not_a_budget(conversation):
    conversation.say("mairie de Sablé-sur-Sarthe : former les agents au numérique, porté par le maire, "
                     "résultats en juin 2022")
    assert conversation.slots["pending_question"] == "budget_eur"
    conversation.say("un budget de 15 000 €")
    assert conversation.slots["budget_eur"] == 15000


def test_a_date_without_year_is_read_within_the_guichet_and_never_gives_a_not_eligible(conversation):
    # today (2026) is after the results deadline: "30 juin" is not the next 30 June from today
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    conversation.say("oui", "affirm")
    assert conversation.slots["pending_question"] == "results_date"
    conversation.say("pour le 30 juin")
    assert conversation.slots["results_date"] == "2021-06-30"
    assert conversation.slots["assessment"]["eligibility"] != "not_eligible"


def test_a_guessed_year_after_the_deadline_asks_for_the_year(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    conversation.say("oui", "affirm")
    msgs = conversation.say("dans trois ans")
    assert "De quelle année s'agit-il" in _texts(msgs)
    assert conversation.slots["results_date"] is None
    assert conversation.slots["pending_question"] == "results_date"
    assert (conversation.slots.get("assessment") or {}).get("eligibility") != "not_eligible"
    conversation.say("juin 2022")
    assert conversation.slots["results_date"] == "2022-06-30"


def test_homonyms_answered_with_a_preposition(conversation):
    conversation.say("commune de Sainte-Colombe, nous voulons former nos agents à la messagerie")
    conversation.say("dans le 77")
    assert conversation.slots["assessment"]["collectivity"]["code"] == "77404"


def test_a_departement_inside_the_name_is_no_filter(conversation):
    conversation.say("on veut former nos agents au numérique")
    assert conversation.slots["pending_question"] == "collectivity"
    # the trained entity reads "Loire" as a département: it is part of the région's name
    conversation.say("la région Pays de la Loire", entities=[{"entity": "department", "value": "Loire"}])
    assert conversation.slots["collectivity"] == "région Pays de la Loire"
    assert conversation.slots["assessment"]["collectivity"]["type"] == "region"


def test_a_dont_know_taken_for_thanks_answers_the_pending_question(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    conversation.say("oui", "affirm")
    assert conversation.slots["pending_question"] == "results_date"
    msgs = conversation.say("jsp", "thanks")             # the classifier's mistake: SMS for "je ne sais pas"
    assert "Avec plaisir" not in _texts(msgs)
    assert conversation.slots["results_date"] == "unknown"
    assert conversation.slots["pending_question"] != "results_date"


def test_a_departement_taken_for_goodbye_answers_the_pending_question(conversation):
    conversation.say("commune de Sainte-Colombe, nous voulons former nos agents à la messagerie")
    assert conversation.slots["pending_question"] == "department"
    msgs = conversation.say("dans la Seine-et-Marne", "goodbye")
    assert "Au revoir" not in _texts(msgs)
    assert conversation.slots["assessment"]["collectivity"]["code"] == "77404"


def test_thanks_and_goodbye_without_an_answer_are_small_talk(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    assert conversation.slots["pending_question"] == "decision_level_sponsor"
    assert "Avec plaisir" in _texts(conversation.say("merci beaucoup", "thanks"))
    assert conversation.slots["pending_question"] == "decision_level_sponsor"
    assert "Au revoir" in _texts(conversation.say("au revoir", "goodbye"))


def test_an_answer_taken_for_a_procedure_question_answers_the_pending_question(conversation):
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    assert conversation.slots["pending_question"] == "decision_level_sponsor"
    conversation.say("Oui, c'est notre maire qui a voulu ce projet", "faq/criteria_general")
    assert conversation.slots["decision_level_sponsor"] is True
    assert conversation.slots["pending_question"] == "results_date"
    conversation.say("Quand ouvre le guichet ?", "faq/opening")        # a real question: answered, asked again
    assert conversation.slots["pending_question"] == "results_date"
    assert "25 janvier 2021" in conversation.texts


def _to_the_verdict(conversation) -> None:
    """A 3a project of Mamers answered up to its verdict (nothing left to ask)."""
    conversation.say("commune de Mamers : un consultant pour notre stratégie numérique")
    conversation.say("oui", "affirm")
    conversation.say("juin 2022")


def test_a_correction_the_nlu_did_not_understand_after_the_verdict_is_applied(conversation):
    _to_the_verdict(conversation)
    assert conversation.slots["pending_question"] is None and conversation.slots["results_date"]
    conversation.say("rectif, les résultats ce sera plutôt mars 2022", "nlu_fallback")
    assert conversation.slots["results_date"] == "2022-03-31"


def test_a_message_not_understood_after_the_verdict_without_a_fact_changes_nothing(conversation):
    _to_the_verdict(conversation)
    before = dict(conversation.slots)
    conversation.say("blablabla zorg", "nlu_fallback")
    assert {k: conversation.slots[k] for k in ("results_date", "budget_eur", "collectivity")} == \
        {k: before[k] for k in ("results_date", "budget_eur", "collectivity")}
