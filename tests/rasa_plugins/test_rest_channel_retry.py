"""rasa_plugins/rest_channel.py: the REST channel's retry check, on Rasa's SQL tracker store.

The whole channel (503 on failure, a retried message answered once) runs with real Rasa servers in
tests/cluster; here: which stored answer a retried message id gets.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from rasa_plugins import rest_channel as channels

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


def test_a_stored_message_id_gets_the_answers_that_followed_it(domain, tmp_path):
    store = SQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.sqlite"))

    async def scenario():
        t = await store.get_or_create_tracker("conv", append_action_listen=False)
        for n, (text, answers) in enumerate([("Bonjour", ["Bonjour !", "Quelle collectivité ?"]),
                                             ("Mamers", ["Mamers (commune, Sarthe (72))"]),
                                             ("merci", [])]):
            t.update(UserUttered(text, {"name": "inform", "confidence": 1.0}, message_id=f"msg-000{n}"))
            for a in answers:
                t.update(BotUttered(a, {"buttons": [{"title": "Oui", "payload": "/affirm"}]}
                                    if a == "Bonjour !" else {}))
            t.update(ActionExecuted("action_listen"))
        await store.save(t)

    asyncio.run(scenario())
    first = channels.answered(store, "conv", "msg-0000")
    assert first == [{"recipient_id": "conv", "text": "Bonjour !",
                      "buttons": [{"title": "Oui", "payload": "/affirm"}]},
                     {"recipient_id": "conv", "text": "Quelle collectivité ?"}]
    assert channels.answered(store, "conv", "msg-0001") == [
        {"recipient_id": "conv", "text": "Mamers (commune, Sarthe (72))"}]
    assert channels.answered(store, "conv", "msg-0002") == []          # stored, nothing answered
    assert channels.answered(store, "conv", "msg-9999") is None        # never stored: handle it
    assert channels.answered(store, "other", "msg-0000") is None       # ids are per conversation
    assert channels.answered(object(), "conv", "msg-0000") is None     # not an SQL store


def test_rasa_loads_it_as_the_rest_channel():
    from rasa.core.channels.rest import RestInput
    from rasa.shared.utils.common import class_from_module_path

    cls = class_from_module_path("rasa_plugins.rest_channel.RestInput")
    assert issubclass(cls, RestInput) and cls.name() == "rest"
    text = (ROOT / "credentials.yml").read_text(encoding="utf-8")
    assert "\nrasa_plugins.rest_channel.RestInput:" in text and "socketio" not in text.replace("socket.io", "")
    for bad in ("short", "a" * 65, "with space", "é" * 10):
        assert not channels.MESSAGE_ID_RE.match(bad)


def test_a_tracker_store_error_is_raised_not_replaced_by_an_empty_conversation(domain, tmp_path):
    from types import SimpleNamespace

    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

    class Down(InMemoryTrackerStore):          # the database is unreachable
        async def retrieve(self, sender_id):
            raise ConnectionError("PostgreSQL down")

        async def save(self, tracker):
            raise ConnectionError("PostgreSQL down")

    # Rasa's own wrapper: the error is logged and a new, empty conversation handed out
    rasa_default = FailSafeTrackerStore(Down(domain))
    fresh = asyncio.run(rasa_default.get_or_create_tracker("conv"))
    assert fresh.sender_id == "conv" and len(fresh.events) <= 1
    # with the channel's fix: the error reaches the channel (503), nothing is made up
    agent = SimpleNamespace(tracker_store=FailSafeTrackerStore(Down(domain)))
    channels.fail_loudly(agent)
    with pytest.raises(ConnectionError):
        asyncio.run(agent.tracker_store.get_or_create_tracker("conv"))
    # answered() looks through the wrapper at the SQL store
    store = SQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.sqlite"))

    async def one_message():
        t = await store.get_or_create_tracker("conv", append_action_listen=False)
        t.update(UserUttered("Bonjour", {"name": "greet", "confidence": 1.0}, message_id="msg-0000"))
        t.update(BotUttered("Bonjour !"))
        await store.save(t)

    asyncio.run(one_message())
    assert channels.answered(FailSafeTrackerStore(store), "conv", "msg-0000") == [
        {"recipient_id": "conv", "text": "Bonjour !"}]
