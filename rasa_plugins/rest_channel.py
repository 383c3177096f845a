"""Rasa's REST channel, hardened (issue 13), and Rasa's logging without the users' words.

credentials.yml names it `rasa_plugins.rest_channel.RestInput`; its name is still "rest", so the
URL stays `/webhooks/rest/webhook` (on the loopback: the public side is web/server.py).
Differences from `rasa.core.channels.rest.RestInput`:

- a body that is not a JSON object (empty, malformed), or without a sender id / a text message,
  gets a French HTTP 400 (Rasa: a 500 with an English message);
- NUL and the other control characters of the text become spaces, lone surrogates U+FFFD;
- a turn whose handling failed (tracker not saved, a crash) answers HTTP 503 with a French error
  instead of a 200 with whatever was collected: the turn is never reported as done;
- failures are logged by exception class, never with the message text (Rasa logs the text);
- Rasa's `FailSafeTrackerStore`, which on a database error goes on with an empty in-memory
  conversation (a fresh "Bonjour", the turn kept in one process's memory only), is made to raise
  (`fail_loudly`): the message is answered 503 and nothing is applied;
- a custom action that fails during a turn (action server killed or unreachable, its answer lost,
  a 5xx) fails the whole turn: HTTP 503, the tracker not saved (`ActionFailed`). Rasa itself logs
  "Bot will continue, but the actions events are lost" and saves the user's message with no
  answer: a retry of that message id would then be answered that empty answer for ever, and a new
  message would follow a turn that never happened. A rejection (ActionExecutionRejection, a form
  refusing a value) is Rasa's ordinary flow and unchanged;
- a retried message is not handled twice when the client names it: with `metadata.message_id`
  (8 to 64 characters `[A-Za-z0-9_-]`, the same on every retry of one message) the channel takes
  the conversation's lock itself, looks in the SQL tracker store for a user message with that id
  and, if one is stored, answers the bot messages that followed it instead of handling it again
  (a first attempt saved just before its instance died, or whose answer was lost on the way back).
  Without an id: Rasa's behaviour (each POST is a new message).

Importing this module (Rasa does, when it reads credentials.yml) also calls `quiet_user_text()`:
a structlog processor masks the keys Rasa uses for user text (the list of its own anonymiser), and
the Rasa warnings that quote a message ("Parsed an intent '...'") are ignored, so that nothing is
printed and Python's warning registry (which keeps every distinct warning text of a module
forever) does not grow with each distinct hostile message.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import sys
import warnings
from typing import Any, Awaitable, Callable

log = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
MESSAGE_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
LOOK_BACK = 200   # stored user/bot events searched for a retried message id
BOT_KEYS = ("text", "image", "buttons", "attachment", "custom", "elements", "quick_replies")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")

BAD_BODY = "Requête illisible : un objet JSON {\"sender\", \"message\"} est attendu."
BAD_SENDER = "Identifiant de conversation invalide."
BAD_MESSAGE = "Le message doit être un texte."
FAILED = ("L'assistant n'a pas pu traiter ce message (erreur interne) : il n'est pas enregistré. "
          "Réessayez dans quelques instants.")

# Keys of structlog events that may carry what users wrote (rasa.utils.log_utils._anonymizer).
USER_TEXT_KEYS = frozenset((
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states",
    "old_states", "successes", "current_entity", "next_entity", "states", "entity", "token_text",
    "user_message", "json_message", "parse_data", "events", "tracker",
))
# Rasa warnings whose text quotes a message, an intent or entities sent by a user.
USER_TEXT_WARNINGS = (
    r"Parsed an intent", r"Parsed an entity", r"Invalid entity specification",
    r"Failed to parse", r"Event from parameters", r"Intent '.*' not in domain",
)


def clean_text(text: str) -> str:
    return _CONTROL_RE.sub(" ", _SURROGATE_RE.sub("\ufffd", text))


def _mask(_logger: Any, _name: str, event_dict: dict) -> dict:
    for key in USER_TEXT_KEYS & event_dict.keys():
        event_dict[key] = "[masqué]"
    return event_dict


def quiet_user_text() -> None:
    """Idempotent: mask user text in structlog events, ignore the warnings that quote it."""
    for pattern in USER_TEXT_WARNINGS:
        warnings.filterwarnings("ignore", message=f"(?s).*{pattern}")
    try:
        import structlog
    except ImportError:  # pragma: no cover - Rasa always has it
        return
    config = structlog.get_config()
    processors = list(config.get("processors") or [])
    if _mask not in processors:
        structlog.configure(processors=[_mask] + processors)


class ActionFailed(BaseException):
    """A custom action failed inside a REST turn: the turn is abandoned before Rasa saves it.

    A BaseException so that Rasa's `MessageProcessor._run_action` (`except Exception`: "the
    actions events are lost", then the tracker is saved) lets it through to the channel."""


# set by handle() for the turn it runs: RemoteAction.run raises ActionFailed instead of its error
_STRICT_ACTIONS: contextvars.ContextVar[bool] = contextvars.ContextVar("fitn7_strict_actions",
                                                                       default=False)


def strict_actions() -> None:
    """Idempotent: inside a turn run by handle(), a failed custom action raises ActionFailed."""
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction

    if getattr(RemoteAction.run, "_fitn7_strict", False):
        return
    original = RemoteAction.run

    async def run(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await original(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except Exception as exc:
            if _STRICT_ACTIONS.get():
                raise ActionFailed(f"{self.name()}: {type(exc).__name__}") from exc
            raise

    run._fitn7_strict = True  # type: ignore[attr-defined]
    RemoteAction.run = run


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


async def handle(body: Any, on_new_message: Callable[[Any], Awaitable[Any]],
                 channel_name: str = "rest", agent: Any = None) -> tuple[int, Any]:
    """One webhook call: (HTTP status, JSON body). With the Rasa `agent`, a message that names its
    `metadata.message_id` is handled under the conversation's lock, once."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    if not isinstance(body, dict):
        return 400, {"error": BAD_BODY}
    sender, text = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS \
            or sender != sender.strip() or _CONTROL_RE.search(sender):
        return 400, {"error": BAD_SENDER}
    if not isinstance(text, str):
        return 400, {"error": BAD_MESSAGE}
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else None
    message_id = (metadata or {}).get("message_id")
    if not (isinstance(message_id, str) and MESSAGE_ID_RE.match(message_id)):
        message_id = None
    fail_loudly(agent)
    if "rasa.core.actions.action" in sys.modules:   # loaded with Rasa's processor; not imported here
        strict_actions()                            # (heavy, and no custom action runs without it)
    collector = CollectingOutputChannel()
    message = UserMessage(clean_text(text), collector, sender, input_channel=channel_name, metadata=metadata,
                          message_id=message_id)
    strict = _STRICT_ACTIONS.set(True)
    try:
        if message_id and agent is not None and agent.is_ready():
            # what Agent.handle_message does, with the retry check inside the lock
            async with agent.lock_store.lock(sender):
                before = answered(agent.tracker_store, sender, message_id)
                if before is not None:
                    log.info("message %s already handled: answer replayed", message_id)
                    return 200, before
                await agent.processor.handle_message(message)
        else:
            await on_new_message(message)
    except asyncio.CancelledError:
        log.error("rest: message handling cancelled (timeout)")
        return 503, {"error": FAILED}
    except ActionFailed as exc:     # the action's name and error class, never the text
        log.error("rest: custom action failed (%s): turn not saved", exc)
        return 503, {"error": FAILED}
    except Exception as exc:  # never the text, never the arguments of the exception
        log.error("rest: message handling failed: %s", type(exc).__name__)
        return 503, {"error": FAILED}
    finally:
        _STRICT_ACTIONS.reset(strict)
    return 200, collector.messages


def _define_channel() -> type:
    from rasa.core.channels.rest import RestInput as RasaRestInput
    from sanic import Blueprint, response

    strict_actions()

    class RestInput(RasaRestInput):
        @classmethod
        def name(cls) -> str:
            return "rest"

        def blueprint(self, on_new_message):
            webhook = Blueprint("fitn7_rest_webhook", __name__)

            @webhook.route("/", methods=["GET"])
            async def health(request):
                return response.json({"status": "ok"})

            @webhook.route("/webhook", methods=["POST"])
            async def receive(request):
                try:
                    body = request.json
                except Exception:   # malformed JSON: Sanic raises InvalidUsage
                    body = None
                agent = getattr(request.app.ctx, "agent", None)
                status, answer = await handle(body, on_new_message, self.name(), agent)
                return response.json(answer, status=status)

            return webhook

    return RestInput


quiet_user_text()
_defined: dict[str, type] = {}


def __getattr__(name: str) -> type:
    if name == "RestInput":
        if name not in _defined:
            _defined[name] = _define_channel()
        return _defined[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
