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
