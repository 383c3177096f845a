"""rasa_plugins/rest_channel.py (issue 13): French 400 for bad bodies, 503 for a failed turn,
cleaned text, and no user text in Rasa's logs or warning registry."""
from __future__ import annotations

import asyncio
import io
import sys
import warnings

import pytest

from rasa_plugins import rest_channel
from rasa_plugins.rest_channel import handle

SECRET = "Mamers-projet-confidentiel-4242"


def run(coro):
    return asyncio.run(coro)


async def _answer(message):
    await message.output_channel.send_text_message(message.sender_id, f"reçu : {message.text}")


@pytest.mark.parametrize("body", [None, [], "texte", {"message": "Bonjour"},
                                  {"sender": "abc\n", "message": "x"}, {"sender": "abc", "message": 3}])
def test_bad_bodies_get_a_french_400(body):
    status, answer = run(handle(body, _answer))
    assert status == 400
    assert "Requête illisible" in answer["error"] or "Identifiant" in answer["error"] \
        or "texte" in answer["error"]


def test_text_is_cleaned_and_answered():
    status, answer = run(handle({"sender": "abc", "message": "a\x00b\ud800c"}, _answer))
    assert status == 200
    assert answer[0]["text"] == "reçu : a b\ufffdc"


def test_a_failed_turn_is_a_503_logged_without_text(caplog):
    async def failing(message):
        raise RuntimeError(f"save failed for {message.text}")

    with caplog.at_level("DEBUG"):
        status, answer = run(handle({"sender": "abc", "message": SECRET}, failing))
    assert status == 503 and "n'est pas enregistré" in answer["error"]
    assert "RuntimeError" in caplog.text and SECRET not in caplog.text


def test_a_failed_custom_action_fails_the_turn_before_it_is_saved(caplog):
    """Action server unreachable mid-turn (tests/cluster kills one): 503, nothing saved, so that the
    retried message is handled again instead of being answered an empty answer for ever."""
    import socket

    from rasa.core.actions.action import RemoteAction
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.exceptions import RasaException
    from rasa.utils.endpoints import EndpointConfig

    with socket.socket() as s:          # a port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    action = RemoteAction("action_evaluer", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    saved = []

    async def turn(message):
        tracker = DialogueStateTracker(message.sender_id, [])
        try:        # as Rasa's MessageProcessor._run_action: "the actions events are lost", go on
            await action.run(message.output_channel, TemplatedNaturalLanguageGenerator({}), tracker,
                             Domain.empty())
        except Exception:
            pass
        saved.append(message.sender_id)             # Rasa then saves the tracker
        await message.output_channel.send_text_message(message.sender_id, "suite")

    with caplog.at_level("ERROR"):
        status, answer = run(handle({"sender": "abc", "message": SECRET,
                                     "metadata": {"message_id": "msg-00001"}}, turn))
    assert status == 503 and "Réessayez" in answer["error"]
    assert saved == []
    assert "action_evaluer" in caplog.text and SECRET not in caplog.text
    # outside a turn of the channel, Rasa's behaviour is unchanged (its own error)
    with pytest.raises(RasaException):
        run(action.run(None, TemplatedNaturalLanguageGenerator({}), DialogueStateTracker("x", []),
                       Domain.empty()))


def test_rasa_structlog_events_are_masked(caplog, capsys):
    from rasa.utils.log_utils import configure_structlog
    import structlog

    configure_structlog(10)          # as the Rasa server does at start, before loading channels
    rest_channel.quiet_user_text()
    with caplog.at_level("DEBUG"):
        structlog.get_logger().error("rest.message.received.failure", text=SECRET, sender_id="s1")
    out = capsys.readouterr()
    logged = caplog.text + out.out + out.err
    assert "rest.message.received.failure" in logged
    assert SECRET not in logged


def test_warnings_quoting_a_message_are_not_kept():
    import rasa.shared.utils.io as rio

    rest_channel.quiet_user_text()
    module = sys.modules[__name__]
    before = len(getattr(module, "__warningregistry__", {}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        rest_channel.quiet_user_text()          # catch_warnings reset the filters: again
        for i in range(50):
            rio.raise_warning(f"Parsed an intent '{SECRET}{i}' which is not defined in the domain.")
    assert caught == []
    assert len(getattr(module, "__warningregistry__", {})) - before < 5


def test_the_channel_is_named_rest():
    assert rest_channel.RestInput.name() == "rest"
    blueprint = rest_channel.RestInput().blueprint(_answer)
    assert blueprint.name == "fitn7_rest_webhook"
