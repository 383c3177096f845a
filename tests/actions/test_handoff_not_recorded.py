"""Issue 13, point 4/6: a hand-off whose case could not be stored never says "transmise"."""
from __future__ import annotations

import sqlalchemy as sa

from assistant.helpdesk.cases import CaseStore


def _texts(msgs):
    return "\n".join(m.get("text") or "" for m in msgs)


def test_handoff_says_not_recorded_when_the_store_fails(conversation, monkeypatch):
    def locked(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(CaseStore, "record", locked)
    conversation.sender = "handoff-not-recorded"
    conversation.say("mairie de Rodez, on voudrait moderniser le standard téléphonique")
    text = _texts(conversation.say("je veux parler à quelqu'un", "request_human"))
    assert "transmise" not in text
    assert "n'a pas pu être enregistrée" in text
    assert "mailto:" in text        # the prepared message is still given


def test_handoff_says_transmise_when_recorded(conversation, db_engine):
    conversation.sender = "handoff-recorded"
    conversation.say("mairie de Rodez, on voudrait moderniser le standard téléphonique")
    text = _texts(conversation.say("je veux parler à quelqu'un", "request_human"))
    assert "transmise" in text and "n'a pas pu" not in text
