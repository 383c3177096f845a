"""Web server of the assistant (aiohttp): demo pages, the chat widget, a chat proxy to Rasa, triage.

Run: ``python -m web.server --port 8000``. Routes:

- ``/``             demo prefecture page (DSFR look) with the assistant in a non-modal panel
- ``/embed-demo``   neutral town-hall-like page embedding the widget with one ``<script>`` tag
- ``/static/...``   widget.js, widget.css, vendored DSFR
- ``/api/chat``     POST {"sender", "message", "metadata"?} -> the Rasa REST channel's answer
- ``/healthz``      liveness (always 200) and ``"rasa": "ready" | "starting" | "unavailable"``
- ``/accessibilite``, ``/donnees-personnelles``, ``/mentions-legales``  the pages a public site must
                    have (issue 14 part 5), in the demo page's layout
- ``/triage...``    added by ``web.triage.setup(app)`` (issue 5)

Why a proxy rather than the browser calling Rasa directly: the widget has one origin to talk to
(the server that served ``widget.js``), so the prefecture page needs no CORS at all; Rasa can stay
bound to the loopback interface, its HTTP API (when enabled) is never exposed to browsers; the
proxy checks the sender id and the message size, and turns "Rasa is down" into a French JSON
error that the widget shows with a retry button. Cross-origin embeds (a town-hall site) are
allowed only from the origins listed in ``CORS_ORIGINS``.

Configuration (environment variables, safe defaults):

- ``RASA_URL``      base URL of the Rasa server (default ``http://localhost:$RASA_PORT``, 5005)
- ``CORS_ORIGINS``  space-separated origins allowed to call ``/api/chat`` from another site
                    (default ``http://localhost:$WEB_PORT http://127.0.0.1:$WEB_PORT``)
- ``WEB_PORT``      port (default 8000; ``--port`` wins); ``WEB_HOST`` interface (default 127.0.0.1)
- ``RASA_TIMEOUT``  seconds to wait for Rasa's answer (default 60)
- ``TRUST_PROXY``   1 behind a reverse proxy that terminates HTTPS: read X-Forwarded-Proto/-Host
                    for the same-origin checks (web/origin.py) and X-Forwarded-For's last hop as
                    the client address (aiohttp-remotes); off by default
- ``CHAT_RATE_PER_CLIENT`` / ``CHAT_RATE_PER_CONVERSATION`` (60/minute, 20/minute), ``CHAT_MAX_TURNS``
  (200), ``CHAT_SECRET_FILE``, ``PURGE_EVERY_HOURS`` (24; the retention purge, 0 disables)
- ``STARTUP_GRACE_SECONDS`` (300): while Rasa has not answered once since this web server started,
  for at most this long, a failed turn is "the assistant is starting" (``"starting": true`` in the
  error, see below), not "unavailable"; 0 turns this off

Issue 14 part 7 (start-up): the error of a failed turn keeps its status and French text and adds
``"starting": true`` while the assistant is starting (the widget then says "L'assistant démarre…",
polls ``/healthz`` and sends the message again once ``"rasa"`` is ``"ready"``).

Issue 13 (README, "Security"): a "/..." message passes only if it is a button of the bot's last
answer; each message id is answered once; Rasa's empty answer is "unavailable"; control
characters and lone surrogates are cleaned; Rasa sees a keyed hash of the browser's id.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import html
import json
import logging
import os
import re
import secrets
import time
from collections import OrderedDict
from pathlib import Path

import aiohttp
from aiohttp import web

from assistant.config import VAR_DIR, env_int, load_env_file, secret_from_file
from web import triage
from web.origin import TRUST_PROXY_KEY, is_same_origin, public_origin, trust_proxy_from_env

log = logging.getLogger("web.server")

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGES_DIR = STATIC_DIR / "pages"

SENDER_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")       # fullmatch: no trailing newline
MESSAGE_ID_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")
MAX_MESSAGE_CHARS = 2000
MAX_BODY_BYTES = 16 * 1024
MAX_CONVERSATIONS = 10_000   # conversations whose buttons / answers / turns the proxy remembers
MAX_IDS_PER_CONVERSATION = 4      # answers kept per conversation, for retries ...
MAX_ANSWERED_CONVERSATIONS = 2_000  # ... of the most recent conversations (bounded memory)
# Characters removed from the text before it reaches Rasa: NUL and the other C0/C1 controls
# (PostgreSQL refuses NUL in text), lone surrogates (not encodable as UTF-8) -> U+FFFD.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE_RE = re.compile(r"[\ud800-\udfff]")

RASA_URL_KEY = web.AppKey("rasa_url", str)
CORS_KEY = web.AppKey("cors_origins", frozenset)
TIMEOUT_KEY = web.AppKey("rasa_timeout", float)
SESSION_KEY = web.AppKey("http_session", aiohttp.ClientSession)
CHAT_KEY = web.AppKey("chat_state", object)
CHAT_ID_KEY = web.AppKey("chat_id_key", bytes)
STARTUP_KEY = web.AppKey("startup", object)

# Content-Security-Policy of our own pages: nothing inline, nothing from elsewhere.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'"
)

UNAVAILABLE = (
    "L'assistant ne répond pas pour le moment. Votre message n'est pas perdu : "
    "réessayez dans quelques instants."
)
# Rasa answered, but with nothing: its action server is down or the turn failed.
NO_ANSWER = (
    "L'assistant est momentanément indisponible : votre message n'a pas pu être traité. "
    "Réessayez dans quelques instants."
)
RATE_LIMITED = "Trop de messages en peu de temps : patientez une minute avant de réécrire."
TOO_MANY_TURNS = ("Cette conversation a atteint sa longueur maximale : cliquez sur "
                  "« Nouvelle conversation » pour continuer.")


class Startup:
    """Whether the assistant is still starting: Rasa has not given one answer since this web
    server started, and the start was less than ``grace`` seconds ago (after that, a Rasa that
    never came up is "unavailable", with its retry button)."""

    def __init__(self, grace: float) -> None:
        self.grace = max(0.0, grace)
        self.started = time.monotonic()
        self.answered = False

    def starting(self) -> bool:
        return not self.answered and time.monotonic() - self.started < self.grace


def env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def default_cors_origins(port: int) -> list[str]:
    raw = os.environ.get("CORS_ORIGINS", "").strip()
    if raw:
        return [o.rstrip("/") for o in raw.split() if o]
    return [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


def default_rasa_url() -> str:
    """RASA_URL, else the local Rasa server on RASA_PORT (as scripts/run.sh starts it), else 5005."""
    url = os.environ.get("RASA_URL", "").strip()
    return url or f"http://localhost:{env_int('RASA_PORT', 5005)}"


def _dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)  # French text stays readable in the JSON


def json_error(status: int, message: str, headers: dict | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers,
                             dumps=_dumps)


def own_origin(request: web.Request) -> str:
    return public_origin(request)   # behind a TLS proxy too (TRUST_PROXY, web/origin.py)


def cors_headers(request: web.Request) -> dict | None:
    """CORS headers for an allowed origin, {} without Origin or same origin, None if refused."""
    origin = request.headers.get("Origin")
    if not origin or is_same_origin(request, origin):
        return {}
    if origin.rstrip("/") in request.app[CORS_KEY]:
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }
    return None


async def chat_preflight(request: web.Request) -> web.Response:
    headers = cors_headers(request)
    if headers is None:
        return json_error(403, "Origine non autorisée.", {"Vary": "Origin"})
    return web.Response(status=204, headers=headers)


def clean_bot_message(item: object) -> dict | None:
    """Keep only what the widget renders: text, buttons [{title, payload}] or link buttons
    [{title, url}] (http or https only, e.g. the prefilled dossier), custom.assessment."""
    if not isinstance(item, dict):
        return None
    out: dict = {}
    if isinstance(item.get("text"), str):
        out["text"] = item["text"]
    buttons = []
    for b in item.get("buttons") or []:
        if isinstance(b, dict) and isinstance(b.get("title"), str) and isinstance(b.get("payload"), str):
            buttons.append({"title": b["title"], "payload": b["payload"]})
        elif (isinstance(b, dict) and isinstance(b.get("title"), str) and isinstance(b.get("url"), str)
              and b["url"].startswith(("https://", "http://"))):
            buttons.append({"title": b["title"], "url": b["url"]})
    if buttons:
        out["buttons"] = buttons
    custom = item.get("custom")
    if isinstance(custom, dict) and isinstance(custom.get("assessment"), dict):
        out["custom"] = {"assessment": custom["assessment"]}
    return out or None


def chat_key() -> bytes:
    """Secret of the conversation ids given to Rasa (CHAT_SECRET_FILE, default var/chat-session.key)."""
    return secret_from_file(Path(os.environ.get("CHAT_SECRET_FILE") or VAR_DIR / "chat-session.key"))


def rasa_sender_id(sender: str, key: bytes | None = None) -> str:
    """The conversation id Rasa, the database and the triage know: a keyed hash of the browser's
    random id. The browser's id stays in its sessionStorage; the stored id, if it leaks (a log, a
    dump), cannot be used on the public channel to continue the conversation, since the proxy
    hashes whatever id it receives."""
    return "w" + hmac.new(key or chat_key(), sender.encode("ascii"), hashlib.sha256).hexdigest()[:40]


def clean_text(text: str) -> str:
    """The message as Rasa may store it: no NUL or control characters, no lone surrogate."""
    return _CONTROL_RE.sub(" ", _SURROGATE_RE.sub("\ufffd", text))


def as_text(message: str) -> str:
    """A "/..." message typed by the user (not a button offered by the bot) must not be parsed as
    an intent by Rasa: drop the leading slashes, keep the rest as ordinary text."""
    return message.lstrip().lstrip("/").strip() or "?"


class ChatState:
    """What the proxy remembers per conversation (in memory, bounded, one web process):

    - the payloads of the buttons of the bot's last answer (point 1: only these may start with /);
    - the answers to the last message ids, or the task still computing them (a retried message
      is answered once, with the same answer);
    - a lock, so that the messages of one conversation reach Rasa one after the other;
    - the number of turns (capped);
    - the rate limits per client address and per conversation (the `limits` library)."""

    def __init__(self, per_client: str, per_conversation: str, max_turns: int) -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        self.buttons: OrderedDict[str, frozenset] = OrderedDict()
        self.answers: OrderedDict[str, OrderedDict] = OrderedDict()
        self.locks: OrderedDict[str, asyncio.Lock] = OrderedDict()
        self.turns: OrderedDict[str, int] = OrderedDict()
        self.max_turns = max_turns
        self.storage = MemoryStorage()        # the limiter only keeps a weak reference to it
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.client_limit = parse(per_client)
        self.conversation_limit = parse(per_conversation)

    @staticmethod
    def _touch(table: OrderedDict, key: str, value, bound: int = MAX_CONVERSATIONS) -> None:
        table[key] = value
        table.move_to_end(key)
        while len(table) > bound:
            table.popitem(last=False)

    def allowed(self, client: str, sender: str) -> bool:
        return (self.limiter.hit(self.client_limit, "client", client)
                and self.limiter.hit(self.conversation_limit, "conversation", sender))

    def lock(self, sender: str) -> asyncio.Lock:
        lock = self.locks.get(sender) or asyncio.Lock()
        self._touch(self.locks, sender, lock)
        return lock

    def offered(self, sender: str) -> frozenset:
        return self.buttons.get(sender, frozenset())

    def remember_answer(self, sender: str, messages: list[dict]) -> None:
        payloads = frozenset(b["payload"] for m in messages[-1:] for b in m.get("buttons") or [] if "payload" in b)
        self._touch(self.buttons, sender, payloads)

    def count_turn(self, sender: str) -> bool:
        """Count one turn; False when the conversation is over its cap."""
        n = self.turns.get(sender, 0)
        if n >= self.max_turns:
            return False
        self._touch(self.turns, sender, n + 1)
        return True

    def pending(self, sender: str, message_id: str):
        return self.answers.get(sender, {}).get(message_id)

    def start(self, sender: str, message_id: str, task: "asyncio.Future") -> None:
        ids = self.answers.get(sender) or OrderedDict()
        ids[message_id] = task
        while len(ids) > MAX_IDS_PER_CONVERSATION:
            ids.popitem(last=False)
        self._touch(self.answers, sender, ids, MAX_ANSWERED_CONVERSATIONS)

    def forget(self, sender: str, message_id: str) -> None:
        self.answers.get(sender, {}).pop(message_id, None)


class ChatFailure(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


async def _ask_rasa(app: web.Application, payload: dict) -> list[dict]:
    """One message to Rasa's REST channel: the cleaned messages, or ChatFailure."""
    url = app[RASA_URL_KEY].rstrip("/") + "/webhooks/rest/webhook"
    try:
        async with app[SESSION_KEY].post(url, json=payload,
                                         timeout=aiohttp.ClientTimeout(total=app[TIMEOUT_KEY])) as resp:
            if resp.status != 200:
                log.warning("Rasa answered HTTP %s", resp.status)
                raise ChatFailure(502, UNAVAILABLE)
            answer = await resp.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        log.warning("Rasa unreachable at %s: %s", url, type(exc).__name__)
        raise ChatFailure(503, UNAVAILABLE) from None
    if not isinstance(answer, list):
        raise ChatFailure(502, UNAVAILABLE)
    messages = [m for m in (clean_bot_message(i) for i in answer) if m]
    if not messages:
        # Rasa says nothing when its action server is down or the turn failed (see
        # rasa_plugins/rest_channel.py): not "please rephrase", but "unavailable, retry"
        log.warning("Rasa gave no answer")
        raise ChatFailure(503, NO_ANSWER)
    return messages


def client_address(request: web.Request) -> str:
    # request.remote is the proxy's X-Forwarded-For client with TRUST_PROXY=1 (aiohttp-remotes)
    return request.remote or "?"


async def chat(request: web.Request) -> web.Response:
    headers = cors_headers(request)
    if headers is None:
        return json_error(403, "Origine non autorisée.", {"Vary": "Origin"})
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return json_error(413, "Message trop long.", headers)
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError, RecursionError):
        return json_error(400, "Requête illisible : un objet JSON est attendu.", headers)
    if not isinstance(body, dict):
        return json_error(400, "Requête illisible : un objet JSON est attendu.", headers)
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER_RE.fullmatch(sender):
        return json_error(400, "Identifiant de conversation invalide.", headers)
    if not isinstance(message, str):
        return json_error(400, "Le message est vide.", headers)
    message = clean_text(message)
    if not message.strip():
        return json_error(400, "Le message est vide.", headers)
    if len(message) > MAX_MESSAGE_CHARS:
        return json_error(413, f"Message trop long (au plus {MAX_MESSAGE_CHARS} caractères).", headers)
    message_id = body.get("message_id")
    if message_id is not None and (not isinstance(message_id, str) or not MESSAGE_ID_RE.fullmatch(message_id)):
        return json_error(400, "Identifiant de message invalide.", headers)
    state: ChatState = request.app[CHAT_KEY]
    if message_id is not None:
        known = state.pending(sender, message_id)
        if known is not None:   # the same message again (a retry): the same answer, computed once
            try:
                messages = await asyncio.shield(known)
            except ChatFailure as exc:
                return json_error(exc.status, exc.message, headers)
            return web.json_response(messages, headers=headers, dumps=_dumps)
    if not state.allowed(client_address(request), sender):
        return json_error(429, RATE_LIMITED, {**headers, "Retry-After": "60"})
    payload: dict = {"sender": rasa_sender_id(sender, request.app[CHAT_ID_KEY]), "message": message}
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        # Only short string values, to pass the page's département to the assistant.
        payload["metadata"] = {clean_text(k): clean_text(v) for k, v in metadata.items()
                               if isinstance(k, str) and isinstance(v, str) and len(k) < 40 and len(v) < 200
                               and k != "message_id"}
    if message_id is not None:
        # Rasa's REST channel (rasa_plugins/rest_channel.py) answers a stored message id again
        # instead of handling it twice: a retry that reaches another web or Rasa instance
        payload.setdefault("metadata", {})["message_id"] = message_id

    async def turn() -> list[dict]:
        async with state.lock(sender):
            if message.lstrip().startswith("/") and message not in state.offered(sender):
                payload["message"] = as_text(message)
            if not state.count_turn(sender):
                raise ChatFailure(429, TOO_MANY_TURNS)
            messages = await _ask_rasa(request.app, payload)
            state.remember_answer(sender, messages)
            return messages

    task = asyncio.ensure_future(turn())
    if message_id is not None:
        state.start(sender, message_id, task)
    startup: Startup = request.app[STARTUP_KEY]
    try:
        messages = await asyncio.shield(task)
    except ChatFailure as exc:
        if message_id is not None:
            state.forget(sender, message_id)   # a failed message may be sent again
        if exc.status in (502, 503) and exc.message in (UNAVAILABLE, NO_ANSWER) and startup.starting():
            return web.json_response({"error": exc.message, "starting": True}, status=exc.status,
                                     headers={**headers, "Retry-After": "5"}, dumps=_dumps)
        return json_error(exc.status, exc.message, headers)
    startup.answered = True
    return web.json_response(messages, headers=headers, dumps=_dumps)


def _html_response(text: str) -> web.Response:
    return web.Response(text=text, content_type="text/html", charset="utf-8",
                        headers={"Content-Security-Policy": PAGE_CSP,
                                 "X-Content-Type-Options": "nosniff",
                                 "Referrer-Policy": "same-origin"})


def page_handler(filename: str):
    """Serve a page of PAGES_DIR, read once here (not on every request); only {{SERVER}} varies."""
    template = (PAGES_DIR / filename).read_text(encoding="utf-8")

    async def handler(request: web.Request) -> web.Response:
        return _html_response(template.replace("{{SERVER}}", html.escape(own_origin(request), quote=True)))
    return handler


# The pages a public site must have (issue 14 part 5): a fragment of PAGES_DIR in the layout of
# the demo prefecture page (pages/layout.html). Path -> (fragment, title).
LEGAL_PAGES = {
    "/accessibilite": ("accessibilite.html", "Déclaration d'accessibilité"),
    "/donnees-personnelles": ("donnees-personnelles.html", "Données personnelles"),
    "/mentions-legales": ("mentions-legales.html", "Mentions légales"),
}


def legal_page_handler(path: str):
    fragment, title = LEGAL_PAGES[path]
    layout = (PAGES_DIR / "layout.html").read_text(encoding="utf-8")
    body = (PAGES_DIR / fragment).read_text(encoding="utf-8")
    template = layout.replace("{{TITLE}}", html.escape(title)).replace("{{CONTENT}}", body)

    async def handler(request: web.Request) -> web.Response:
        from assistant.commands.purge import retention_days   # RETENTION_DAYS, as the purge reads it

        text = (template.replace("{{SERVER}}", html.escape(own_origin(request), quote=True))
                .replace("{{RETENTION_DAYS}}", str(retention_days()))
                .replace('href="' + path + '"', 'href="' + path + '" aria-current="page"'))
        return _html_response(text)
    return handler


async def _rasa_answers(app: web.Application) -> bool:
    """Rasa's root answers 200 (it opens its port once the model is loaded)."""
    try:
        async with app[SESSION_KEY].get(app[RASA_URL_KEY].rstrip("/") + "/",
                                        timeout=aiohttp.ClientTimeout(total=2)) as resp:
            return resp.status == 200
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        return False


async def healthz(request: web.Request) -> web.Response:
    """Liveness of the web server (always 200: the load balancer's check), and whether Rasa
    answers: "ready", "starting" (not yet, during the start-up grace) or "unavailable"."""
    startup: Startup = request.app[STARTUP_KEY]
    # Rasa is asked only until it has answered a turn: under load its "GET /" waits behind the
    # turns in progress (scripts/cluster.py), and the load balancer calls this every 2 s
    if startup.answered or await _rasa_answers(request.app):
        rasa = "ready"
    else:
        rasa = "starting" if startup.starting() else "unavailable"
    headers = cors_headers(request) or {}
    headers.pop("Access-Control-Allow-Methods", None)
    headers.pop("Access-Control-Allow-Headers", None)
    return web.json_response({"status": "ok", "rasa": rasa}, headers={**headers, "Cache-Control": "no-store"})


@web.middleware
async def static_headers(request: web.Request, handler):
    resp = await handler(request)
    if request.path.startswith("/static/"):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Cache-Control", "no-cache")
    return resp


@web.middleware
async def french_errors(request: web.Request, handler):
    try:
        return await handler(request)
    except web.HTTPNotFound:
        if request.path.startswith("/api/"):
            return json_error(404, "Adresse inconnue.")
        return web.Response(status=404, text="Page introuvable.", content_type="text/plain", charset="utf-8")
    except web.HTTPMethodNotAllowed:
        return web.Response(status=405, text="Méthode non autorisée.", content_type="text/plain", charset="utf-8")
    except web.HTTPException:
        raise
    except Exception:  # never a stack trace to the visitor
        log.exception("Unhandled error on %s", request.path)
        return web.Response(status=500, text="Erreur interne du serveur.", content_type="text/plain", charset="utf-8")


async def _retention(app: web.Application):
    """Retention that runs by itself: `assistant purge` (RETENTION_DAYS) every PURGE_EVERY_HOURS
    (24; 0 disables), in a worker thread, first run one minute after start (PURGE_FIRST_DELAY)."""
    hours = env_float("PURGE_EVERY_HOURS", 24.0)
    task = None
    if hours > 0:
        async def loop() -> None:
            from assistant.commands.purge import retention_days
            from assistant.helpdesk.cases import CaseStore

            await asyncio.sleep(env_float("PURGE_FIRST_DELAY", 60.0))
            while True:
                try:
                    result = await asyncio.get_running_loop().run_in_executor(
                        None, lambda: CaseStore.default().purge(retention_days()))
                    log.info("retention: %s case(s), %s event(s) purged", result["cases"], result["events"])
                except Exception as exc:   # logged by class: the next run tries again
                    log.error("retention: purge failed (%s)", type(exc).__name__)
                await asyncio.sleep(hours * 3600)

        task = asyncio.ensure_future(loop())
    yield
    if task is not None:
        task.cancel()


async def _open_session(app: web.Application):
    app[SESSION_KEY] = aiohttp.ClientSession()
    yield
    await app[SESSION_KEY].close()


def forwarded_for_middleware():
    """request.remote := the last address of X-Forwarded-For (the one our proxy appended), parsed
    by aiohttp-remotes. Scheme and host stay with web/origin.py (which validates them)."""
    from aiohttp_remotes import XForwardedRelaxed
    from aiohttp_remotes.exceptions import RemoteError

    remotes = XForwardedRelaxed()

    @web.middleware
    async def middleware(request: web.Request, handler):
        try:
            addresses = remotes.get_forwarded_for(request.headers)
        except (RemoteError, ValueError):
            addresses = []
        if addresses:
            request = request.clone(remote=str(addresses[-1]))
        return await handler(request)
    return middleware


def create_app(*, rasa_url: str | None = None, cors_origins: list[str] | None = None,
               port: int | None = None, triage_store=None, triage_settings=None,
               startup_grace: float | None = None) -> web.Application:
    port = port or env_int("WEB_PORT", 8000)
    app = web.Application(middlewares=[french_errors, static_headers], client_max_size=MAX_BODY_BYTES)
    app[RASA_URL_KEY] = rasa_url or default_rasa_url()
    app[CORS_KEY] = frozenset(o.rstrip("/") for o in (cors_origins or default_cors_origins(port)))
    app[TIMEOUT_KEY] = env_float("RASA_TIMEOUT", 60.0)
    app[TRUST_PROXY_KEY] = trust_proxy_from_env()
    app[STARTUP_KEY] = Startup(env_float("STARTUP_GRACE_SECONDS", 300.0) if startup_grace is None else startup_grace)
    app[CHAT_ID_KEY] = chat_key()
    app[CHAT_KEY] = ChatState(os.environ.get("CHAT_RATE_PER_CLIENT", "60/minute"),
                              os.environ.get("CHAT_RATE_PER_CONVERSATION", "20/minute"),
                              max(1, env_int("CHAT_MAX_TURNS", 200)))
    if app[TRUST_PROXY_KEY]:
        # request.remote = the client named in X-Forwarded-For by the proxy (rate limits, login
        # throttle); without TRUST_PROXY the header is ignored (anybody could send it)
        app.middlewares.insert(0, forwarded_for_middleware())
    app.cleanup_ctx.append(_open_session)
    app.cleanup_ctx.append(_retention)
    app.router.add_get("/", page_handler("prefecture.html"))
    app.router.add_get("/embed-demo", page_handler("embed-demo.html"))
    for path in LEGAL_PAGES:
        app.router.add_get(path, legal_page_handler(path))
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/api/chat", chat)
    app.router.add_route("OPTIONS", "/api/chat", chat_preflight)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False)
    triage.setup(app, store=triage_store, settings=triage_settings)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serveur web de l'assistant FITN7 axe 3")
    parser.add_argument("--port", type=int, default=env_int("WEB_PORT", 8000))
    parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    load_env_file()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(port=args.port), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
