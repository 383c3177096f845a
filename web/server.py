"""Web server of the assistant (aiohttp): demo pages, the chat widget, a chat proxy to Rasa, triage.

Run: ``python -m web.server --port 8000``. Routes:

- ``/``             demo prefecture page (DSFR look) with the assistant in a non-modal panel
- ``/embed-demo``   neutral town-hall-like page embedding the widget with one ``<script>`` tag
- ``/static/...``   widget.js, widget.css, vendored DSFR
- ``/api/chat``     POST {"sender", "message", "metadata"?} -> the Rasa REST channel's answer
- ``/healthz``      liveness
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
                    for the same-origin checks (web/origin.py); off by default
"""
from __future__ import annotations

import argparse
import asyncio
import html
import json
import logging
import os
import re
from pathlib import Path

import aiohttp
from aiohttp import web

from assistant.config import env_int
from web import triage
from web.origin import TRUST_PROXY_KEY, is_same_origin, public_origin, trust_proxy_from_env

log = logging.getLogger("web.server")

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGES_DIR = STATIC_DIR / "pages"

SENDER_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_MESSAGE_CHARS = 2000
MAX_BODY_BYTES = 16 * 1024

RASA_URL_KEY = web.AppKey("rasa_url", str)
CORS_KEY = web.AppKey("cors_origins", frozenset)
TIMEOUT_KEY = web.AppKey("rasa_timeout", float)
SESSION_KEY = web.AppKey("http_session", aiohttp.ClientSession)

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
    """Keep only what the widget renders: text, buttons [{title, payload}], custom.assessment."""
    if not isinstance(item, dict):
        return None
    out: dict = {}
    if isinstance(item.get("text"), str):
        out["text"] = item["text"]
    buttons = []
    for b in item.get("buttons") or []:
        if isinstance(b, dict) and isinstance(b.get("title"), str) and isinstance(b.get("payload"), str):
            buttons.append({"title": b["title"], "payload": b["payload"]})
    if buttons:
        out["buttons"] = buttons
    custom = item.get("custom")
    if isinstance(custom, dict) and isinstance(custom.get("assessment"), dict):
        out["custom"] = {"assessment": custom["assessment"]}
    return out or None


async def chat(request: web.Request) -> web.Response:
    headers = cors_headers(request)
    if headers is None:
        return json_error(403, "Origine non autorisée.", {"Vary": "Origin"})
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return json_error(413, "Message trop long.", headers)
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return json_error(400, "Requête illisible : un objet JSON est attendu.", headers)
    if not isinstance(body, dict):
        return json_error(400, "Requête illisible : un objet JSON est attendu.", headers)
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not SENDER_RE.match(sender):
        return json_error(400, "Identifiant de conversation invalide.", headers)
    if not isinstance(message, str) or not message.strip():
        return json_error(400, "Le message est vide.", headers)
    if len(message) > MAX_MESSAGE_CHARS:
        return json_error(413, f"Message trop long (au plus {MAX_MESSAGE_CHARS} caractères).", headers)
    payload: dict = {"sender": sender, "message": message}
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        # Only short string values, to pass the page's département to the assistant.
        payload["metadata"] = {k: v for k, v in metadata.items()
                               if isinstance(k, str) and isinstance(v, str) and len(k) < 40 and len(v) < 200}
    url = request.app[RASA_URL_KEY].rstrip("/") + "/webhooks/rest/webhook"
    session = request.app[SESSION_KEY]
    try:
        async with session.post(url, json=payload,
                                timeout=aiohttp.ClientTimeout(total=request.app[TIMEOUT_KEY])) as resp:
            if resp.status != 200:
                log.warning("Rasa answered HTTP %s", resp.status)
                return json_error(502, UNAVAILABLE, headers)
            answer = await resp.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        log.warning("Rasa unreachable at %s: %r", url, exc)
        return json_error(503, UNAVAILABLE, headers)
    if not isinstance(answer, list):
        return json_error(502, UNAVAILABLE, headers)
    messages = [m for m in (clean_bot_message(i) for i in answer) if m]
    return web.json_response(messages, headers=headers, dumps=_dumps)


def page_handler(filename: str):
    """Serve a page of PAGES_DIR, read once here (not on every request); only {{SERVER}} varies."""
    template = (PAGES_DIR / filename).read_text(encoding="utf-8")

    async def handler(request: web.Request) -> web.Response:
        text = template.replace("{{SERVER}}", html.escape(own_origin(request), quote=True))
        return web.Response(text=text, content_type="text/html", charset="utf-8",
                            headers={"Content-Security-Policy": PAGE_CSP,
                                     "X-Content-Type-Options": "nosniff",
                                     "Referrer-Policy": "same-origin"})
    return handler


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


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


async def _open_session(app: web.Application):
    app[SESSION_KEY] = aiohttp.ClientSession()
    yield
    await app[SESSION_KEY].close()


def create_app(*, rasa_url: str | None = None, cors_origins: list[str] | None = None,
               port: int | None = None) -> web.Application:
    port = port or env_int("WEB_PORT", 8000)
    app = web.Application(middlewares=[french_errors, static_headers], client_max_size=MAX_BODY_BYTES)
    app[RASA_URL_KEY] = rasa_url or default_rasa_url()
    app[CORS_KEY] = frozenset(o.rstrip("/") for o in (cors_origins or default_cors_origins(port)))
    app[TIMEOUT_KEY] = env_float("RASA_TIMEOUT", 60.0)
    app[TRUST_PROXY_KEY] = trust_proxy_from_env()
    app.cleanup_ctx.append(_open_session)
    app.router.add_get("/", page_handler("prefecture.html"))
    app.router.add_get("/embed-demo", page_handler("embed-demo.html"))
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/api/chat", chat)
    app.router.add_route("OPTIONS", "/api/chat", chat_preflight)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False)
    triage.setup(app)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serveur web de l'assistant FITN7 axe 3")
    parser.add_argument("--port", type=int, default=env_int("WEB_PORT", 8000))
    parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(create_app(port=args.port), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
