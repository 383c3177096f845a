"""Issue 14, part 3: « Cette réponse vous a-t-elle aidé ? » after each verdict and each FAQ answer,
an optional comment after « Non », stored with the case; it never blocks the conversation."""
from __future__ import annotations

import asyncio
import uuid

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import feedback as FB
from assistant.helpdesk.cases import CaseStore
from helpers import SLOT_DEFAULTS, Conversation, parse_message

QUESTION = "Cette réponse vous a-t-elle aidé ?"
YES = '/feedback{"helpful": "oui"}'
NO = '/feedback{"helpful": "non"}'
MAMERS = [("Bonjour, je suis le maire de Mamers, on aimerait un consultant pour définir notre stratégie numérique",
           "inform", [{"entity": "collectivity", "value": "Mamers"}]),
          ("oui", "affirm", None), ("juin 2022", "inform", None)]


@pytest.fixture(autouse=True)
def no_prefill(monkeypatch):
    monkeypatch.delenv("DS_DEMARCHE_ID", raising=False)     # the satisfaction question right after the verdict


@pytest.fixture()
def conv(referential):
    return Conversation(sender=f"test-feedback-{uuid.uuid4().hex}")


def _verdict(conv):
    for text, intent, entities in MAMERS:
        msgs = conv.say(text, intent, entities=entities)
    return msgs


def _click(conv, payload):
    helpful = "oui" in payload
    return conv.say(payload, "feedback", entities=[{"entity": "helpful", "value": "oui" if helpful else "non"}])


def _stored(conv):
    return CaseStore.default().feedback_for(conv.sender)


def test_after_a_verdict_the_question_is_last_with_oui_non_buttons(conv):
    msgs = _verdict(conv)
    assert msgs[-1]["text"] == QUESTION
    assert [(b["title"], b["payload"]) for b in msgs[-1]["buttons"]] == [("Oui", YES), ("Non", NO)]
    assert _stored(conv) == []                     # nothing stored before an answer


def test_oui_is_stored_with_the_case(conv):
    _verdict(conv)
    msgs = _click(conv, YES)
    assert msgs[0]["text"] == FB.THANKS_YES
    rows = _stored(conv)
    assert [(r["about"], r["helpful"]) for r in rows] == [("verdict", True)]
    assert conv.slots["offer"] is None


def test_non_then_a_free_comment_is_stored(conv):
    _verdict(conv)
    msgs = _click(conv, NO)
    assert "ce qui vous a manqué" in msgs[0]["text"]
    msgs = conv.say("c'était trop long à lire, je voulais juste le montant", "nlu_fallback")
    assert msgs[0]["text"] == FB.COMMENT_SAVED
    rows = _stored(conv)
    assert [(r["about"], r["helpful"]) for r in rows] == [("verdict", False)]
    assert rows[0]["comment"] == "c'était trop long à lire, je voulais juste le montant"
    assert conv.slots["offer"] is None
    # the message after is no comment any more: an ordinary misunderstanding
    msgs = conv.say("bof bof", "nlu_fallback")
    assert FB.COMMENT_SAVED not in [m.get("text") for m in msgs]


def test_after_non_a_question_is_answered_not_taken_as_comment(conv):
    _verdict(conv)
    _click(conv, NO)
    msgs = conv.say("À qui dois-je envoyer mon dossier ?", "inform", faq="faq/who")
    assert FB.COMMENT_SAVED not in [m.get("text") for m in msgs]
    assert _stored(conv)[0]["comment"] is None


def test_after_non_facts_are_read_not_taken_as_comment(conv):
    _verdict(conv)
    _click(conv, NO)
    msgs = conv.say("en fait le budget est de 12 000 €", "inform")
    assert FB.COMMENT_SAVED not in [m.get("text") for m in msgs]
    assert conv.slots["budget_eur"] == 12000
    assert _stored(conv)[0]["comment"] is None


def test_the_question_never_blocks_other_messages_are_handled_as_usual(conv):
    _verdict(conv)
    msgs = conv.say("en fait le budget est de 12 000 €", "inform")          # ignores the question
    assert conv.slots["budget_eur"] == 12000 and _stored(conv) == []
    assert msgs[-1]["text"] == QUESTION                                     # a new verdict: asked again
    msgs = conv.say("Est-ce que je peux demander autre chose ?", "nlu_fallback")
    assert _stored(conv) == []


def test_a_typed_oui_after_the_verdict_answers_the_question(conv):
    _verdict(conv)
    conv.say("oui", "affirm")
    assert [(r["about"], r["helpful"]) for r in _stored(conv)] == [("verdict", True)]


def test_after_an_faq_answer_the_question_comes_after_the_pending_question_and_asks_it_again(conv):
    conv.say("Bonjour, je suis le maire de Mamers, on aimerait un consultant pour définir notre stratégie numérique",
             "inform", entities=[{"entity": "collectivity", "value": "Mamers"}])
    pending = conv.slots["pending_question"]
    assert pending == "decision_level_sponsor"
    msgs = conv.say("qui peut candidater ?", "faq/who")
    texts = [m.get("text") for m in msgs]
    assert texts[-1] == QUESTION and "Reprenons :" in texts
    assert conv.slots["offer"]["about"] == "faq" and conv.slots["offer"]["faq_key"] == "faq/who"
    # a typed "oui" answers the form's yes/no question, not the satisfaction question
    conv.say("oui", "affirm")
    assert conv.slots["decision_level_sponsor"] is True and _stored(conv) == []


def test_the_faq_question_answered_by_button_then_the_form_question_again(conv):
    conv.say("Bonjour, je suis le maire de Mamers, on aimerait un consultant pour définir notre stratégie numérique",
             "inform", entities=[{"entity": "collectivity", "value": "Mamers"}])
    conv.say("qui peut candidater ?", "faq/who")
    msgs = _click(conv, YES)
    assert msgs[0]["text"] == FB.THANKS_YES
    assert "Reprenons :" in [m.get("text") for m in msgs] and msgs[-1]["buttons"]      # the form question again
    assert [(r["about"], r["helpful"], r["faq_key"]) for r in _stored(conv)] == [("faq", True, "faq/who")]
    assert conv.slots["pending_question"] == "decision_level_sponsor"


def test_the_faq_answered_by_the_actions_also_asks(conv):
    msgs = conv.say("À qui dois-je écrire pour candidater ?", "inform", faq="faq/who")
    assert msgs[-1]["text"] == QUESTION


def test_the_store_down_the_user_is_not_told_it_was_recorded(conv, monkeypatch):
    _verdict(conv)
    from assistant.helpdesk import cases

    def down(cls):
        raise RuntimeError("store down")
    monkeypatch.setattr(cases.CaseStore, "default", classmethod(down))
    msgs = _click(conv, NO)
    assert msgs[0]["text"] == FB.THANKS_NO                 # no invitation to a comment it cannot keep
    assert conv.slots["offer"] is None


def test_a_comment_that_cannot_be_stored_says_so(conv, monkeypatch):
    _verdict(conv)
    _click(conv, NO)
    monkeypatch.setattr(CaseStore, "comment_feedback", lambda self, *a, **k: False)
    msgs = conv.say("vraiment pas clair", "nlu_fallback")
    assert msgs[0]["text"] == FB.COMMENT_NOT_SAVED


def test_only_the_very_next_message_can_be_the_comment(referential):
    """In the Rasa server the tracker holds every user message: a "merci" in between ends the offer."""
    state = {"stage": "comment", "about": "verdict", "feedback_id": 1, "turn": 3}
    def tracker(n_user):
        events = [{"event": "user", "text": f"m{i}", "parse_data": {}} for i in range(n_user)]
        return Tracker.from_dict({"sender_id": "x", "slots": {**SLOT_DEFAULTS, "offer": state},
                                  "latest_message": parse_message("vraiment pas clair", "nlu_fallback"),
                                  "events": events, "paused": False, "followup_action": None,
                                  "active_loop": {}, "latest_action_name": "action_listen"})
    assert FB.is_comment(tracker(4))
    assert not FB.is_comment(tracker(5))        # one message in between
    assert not FB.is_comment(tracker(1))        # a new session: not the same turn count


def test_the_helpful_value_is_read_from_the_payload_or_the_text():
    assert FB.helpful_of({"text": YES, "entities": []}) is True
    assert FB.helpful_of({"text": NO, "entities": []}) is False
    assert FB.helpful_of({"text": "votre réponse ne m'a pas aidé", "entities": []}) is False
    assert FB.helpful_of({"text": "cette réponse m'a aidé", "entities": []}) is True
