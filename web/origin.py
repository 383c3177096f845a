"""The origin a browser sees for this server, directly or behind a TLS-terminating reverse proxy.

Both same-origin checks use it: the chat proxy (`/api/chat`: same origin needs no CORS, another
origin must be in CORS_ORIGINS) and the triage's state-changing requests (login, status, notes).
An origin is scheme + host + port, compared whole ("http://x" is not "https://x").

Behind a reverse proxy that terminates HTTPS (a prefecture's site), this server sees
`http://127.0.0.1:8000` while the browser says `Origin: https://www.example.gouv.fr`: set
``TRUST_PROXY=1`` and have the proxy send ``X-Forwarded-Proto`` (and ``X-Forwarded-Host``, or pass
the Host header through). Only then are those headers read: without a proxy in front, anybody
could send them. (They cannot widen what a browser may do: a cross-site page cannot add them to a
request without a CORS preflight, which the chat refuses for unknown origins.)
"""
from __future__ import annotations

import os

from aiohttp import web

TRUST_PROXY_KEY = web.AppKey("trust_proxy", bool)


def trust_proxy_from_env() -> bool:
    return os.environ.get("TRUST_PROXY", "").strip().lower() in ("1", "true", "yes", "oui")


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip()


def public_origin(request: web.Request) -> str:
    """scheme://host[:port] as the browser sees this server."""
    scheme, host = request.scheme, request.host
    trusted = request.app.get(TRUST_PROXY_KEY)
    if trusted is None:
        trusted = trust_proxy_from_env()
    if trusted:
        proto = _first(request.headers.get("X-Forwarded-Proto")).lower()
        if proto in ("http", "https"):
            scheme = proto
        forwarded_host = _first(request.headers.get("X-Forwarded-Host"))
        if forwarded_host and all(c.isalnum() or c in ".-:[]" for c in forwarded_host):
            host = forwarded_host
    return f"{scheme}://{host}".lower()


def is_same_origin(request: web.Request, origin: str) -> bool:
    return origin.strip().rstrip("/").lower() == public_origin(request)
