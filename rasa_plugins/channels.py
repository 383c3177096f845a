"""Rasa's REST channel, answering an error when a message could not be handled.

Rasa 3.6's `RestInput` catches every exception raised while handling a message (lock store
unreachable, database down, lock not acquired in time) and answers HTTP 200 with the bot messages
collected so far, usually none: the client cannot tell "the assistant has nothing to say" from
"your message was not handled". This channel answers HTTP 503 with a JSON error instead; the web
proxy (web/server.py) turns any non-200 answer into its French "réessayez" message, which the
widget shows with a retry button. Nothing else changes: same name ("rest"), same routes
(``/webhooks/rest/`` and ``/webhooks/rest/webhook``), same answer on success.

Rasa also wraps the tracker store in a `FailSafeTrackerStore` that, when the database fails,
logs the error and goes on with an empty in-memory conversation: the user would get a fresh
"Bonjour" and the turn would be kept in that process's memory only. The channel turns this off
(`fail_loudly`): a tracker store error is raised, the message is answered 503, nothing is applied.

A retried message is not handled twice when the client names it: with ``metadata.message_id``
(8 to 64 characters ``[A-Za-z0-9_-]``, the same on every retry of one message), the channel takes
the conversation's lock itself, looks in the SQL tracker store for a user message with that id,
and if one is stored answers the bot messages that followed it instead of handling it again
(a message whose first attempt was saved just before its instance died, or whose answer was lost
on the way back). The id is stored as the user event's ``message_id``. Without it: Rasa's
behaviour (each POST is a new message).

credentials.yml::

    rasa_plugins.channels.RestInput:

Like the stores, the class is defined on first access (the action server imports every module of
this package and must not import Rasa's core).
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any

log = logging.getLogger(__name__)

NOT_HANDLED = "Message non traité : réessayez dans quelques instants."
MESSAGE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
LOOK_BACK = 200   # stored user/bot events searched for a retried message id
BOT_KEYS = ("text", "image", "buttons", "attachment", "custom", "elements", "quick_replies")


def _raise(error: Exception) -> None:
    raise error


def fail_loudly(agent: Any) -> None:
    """Make Rasa's FailSafeTrackerStore raise its store's errors instead of using memory."""
    store = getattr(agent, "tracker_store", None)
    if store is not None and hasattr(store, "_on_tracker_store_error") \
            and store._on_tracker_store_error is None:
        store._on_tracker_store_error = _raise


def answered(store: Any, sender_id: str, message_id: str) -> list[dict] | None:
    """The REST answer already given to `message_id` (bot events after it), or None if not stored.

    Reads the SQL tracker store's `events` table (newest LOOK_BACK user/bot rows of the sender);
    None for a store that is not SQL.
    """
    store = getattr(store, "_tracker_store", store)        # under Rasa's FailSafeTrackerStore
    table = getattr(getattr(store, "SQLEvent", None), "__table__", None)
    if table is None:
        return None
    import sqlalchemy as sa

    query = (sa.select(table.c.type_name, table.c.data)
             .where(table.c.sender_id == sender_id, table.c.type_name.in_(("user", "bot")))
             .order_by(table.c.id.desc()).limit(LOOK_BACK))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    replies: list[dict] = []
    for type_name, data in rows:          # newest first
        event = json.loads(data)
        if type_name == "bot":
            message = {"recipient_id": sender_id}
            payload = {"text": event.get("text"), **(event.get("data") or {})}
            message.update({k: payload[k] for k in BOT_KEYS if payload.get(k) is not None})
            replies.append(message)
        elif event.get("message_id") == message_id:
            return list(reversed(replies))
        else:
            replies = []
    return None


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
                message_id = (metadata or {}).get("message_id")
                if not (isinstance(message_id, str) and MESSAGE_ID_RE.match(message_id)):
                    message_id = None
                agent = getattr(request.app.ctx, "agent", None)
                fail_loudly(agent)
                message = UserMessage(text, collector, sender_id, input_channel=input_channel,
                                      metadata=metadata, message_id=message_id)
                try:
                    if message_id and agent is not None and agent.is_ready():
                        # what Agent.handle_message does, with the retry check inside the lock
                        async with agent.lock_store.lock(sender_id):
                            before = answered(agent.tracker_store, sender_id, message_id)
                            if before is not None:
                                log.info("message %s of %s already handled: answer replayed",
                                         message_id, sender_id)
                                return response.json(before)
                            await agent.processor.handle_message(message)
                    else:
                        await on_new_message(message)
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
