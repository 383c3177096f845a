"""Rasa's REST channel, answering an error when a message could not be handled.

Rasa 3.6's `RestInput` catches every exception raised while handling a message (lock store
unreachable, database down, lock not acquired in time) and answers HTTP 200 with the bot messages
collected so far, usually none: the client cannot tell "the assistant has nothing to say" from
"your message was not handled". This channel answers HTTP 503 with a JSON error instead; the web
proxy (web/server.py) turns any non-200 answer into its French "réessayez" message, which the
widget shows with a retry button. Nothing else changes: same name ("rest"), same routes
(``/webhooks/rest/`` and ``/webhooks/rest/webhook``), same answer on success.

credentials.yml::

    rasa_plugins.channels.RestInput:

Like the stores, the class is defined on first access (the action server imports every module of
this package and must not import Rasa's core).
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

NOT_HANDLED = "Message non traité : réessayez dans quelques instants."


def _define_channel() -> type:
    from asyncio import CancelledError

    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.channels.rest import RestInput as RasaRestInput
    import rasa.utils.endpoints
    from sanic import Blueprint, response

    class RestInput(RasaRestInput):
        """REST channel: 503 with a JSON error when the message was not handled."""

        def blueprint(self, on_new_message: Any) -> Blueprint:
            hook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

            @hook.route("/", methods=["GET"])
            async def health(request: Any) -> Any:
                return response.json({"status": "ok"})

            @hook.route("/webhook", methods=["POST"])
            async def receive(request: Any) -> Any:
                sender_id = await self._extract_sender(request)
                text = self._extract_message(request)
                input_channel = self._extract_input_channel(request)
                metadata = self.get_metadata(request)
                if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                    return response.stream(
                        self.stream_response(on_new_message, text, sender_id, input_channel, metadata),
                        content_type="text/event-stream")
                collector = CollectingOutputChannel()
                try:
                    await on_new_message(UserMessage(text, collector, sender_id,
                                                     input_channel=input_channel, metadata=metadata))
                except CancelledError:
                    log.error("message of %s cancelled", sender_id)
                    return response.json({"error": NOT_HANDLED}, status=503)
                except Exception as exc:  # noqa: BLE001 - every failure is answered, none hidden
                    log.exception("message of %s not handled: %r", sender_id, exc)
                    return response.json({"error": NOT_HANDLED}, status=503)
                return response.json(collector.messages)

            return hook

    return RestInput


_defined: dict[str, type] = {}


def __getattr__(name: str) -> type:
    if name == "RestInput":
        if name not in _defined:
            _defined[name] = _define_channel()
        return _defined[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
