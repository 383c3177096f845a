"""A local fake of the demarches-simplifiees prefill API (there is no sandbox; no test reaches the internet).

The documented contract:
    POST /api/public/v1/demarches/{id}/dossiers   JSON body {"champ_<field id>": value, ...}
    201 {"dossier_url": ".../commencer/<path>?prefill_token=…", "state": "prefilled",
         "dossier_id": "<base64>", "dossier_number": <int>, "dossier_prefill_token": "…"}
and its error answers: 400 {"errors": [...]} for a body that is not a JSON object of champs or a value
in the wrong format; 404 {"errors": [...]} for an unknown démarche; `mode` forces 500, 503 without
JSON, a slow answer (timeout) or a 201 without dossier_url.

The fake knows the procedure's fields (id -> format) and checks the value formats the API
documents: commune [postcode, INSEE], epci [département, SIREN], boolean "true"/"false", ISO dates,
integers as digit strings. Unknown field ids are ignored, as DS does.
"""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import re
import socket
import threading
from typing import Any

from aiohttp import web


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _valid(fmt: str, value: Any) -> bool:
    if fmt == "commune":
        return (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
                and bool(re.fullmatch(r"\d{5}", value[0])) and bool(re.fullmatch(r"[0-9][0-9AB]\d{3}", value[1])))
    if fmt == "epci":
        return (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
                and bool(re.fullmatch(r"\d{9}", value[1])))
    if fmt == "boolean":
        return value in ("true", "false")
    if fmt == "date":
        try:
            return isinstance(value, str) and dt.date.fromisoformat(value).isoformat() == value
        except ValueError:
            return False
    if fmt == "integer":
        return isinstance(value, str) and bool(re.fullmatch(r"-?\d+", value))
    return isinstance(value, str) and bool(value)


class FakeDS:
    def __init__(self, demarche_id: str = "12345", fields: dict[str, str] | None = None, delay: float = 3.0):
        self.demarche_id = demarche_id
        self.fields = dict(fields or {})      # champ id -> format
        self.mode = "ok"                      # ok | server_error | unavailable | slow | no_url
        self.delay = delay
        self.requests: list[dict] = []
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._next = 1000
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()

    async def create(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except Exception:
            body = None
        self.requests.append({"demarche": request.match_info["id"], "body": body,
                              "content_type": request.content_type})
        if request.match_info["id"] != self.demarche_id:
            return web.json_response({"errors": [f"procedure {request.match_info['id']} is not found"]}, status=404)
        if self.mode == "server_error":
            return web.json_response({"errors": ["internal server error"]}, status=500)
        if self.mode == "unavailable":
            return web.Response(text="<html>maintenance</html>", status=503, content_type="text/html")
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if not isinstance(body, dict) or not all(isinstance(k, str) and k.startswith("champ_") for k in body):
            return web.json_response({"errors": ["the body must be a JSON object of champ_<id> keys"]}, status=400)
        errors = [f"{key}: invalid value for a {self.fields[key[6:]]} field"
                  for key, value in body.items() if key[6:] in self.fields and not _valid(self.fields[key[6:]], value)]
        if errors:
            return web.json_response({"errors": errors}, status=400)
        self._next += 1
        token = base64.urlsafe_b64encode(f"token-{self._next}".encode()).decode().rstrip("=")
        answer = {"dossier_url": f"{self.url}/commencer/fitn7-axe-3?prefill_token={token}",
                  "state": "prefilled", "dossier_id": base64.b64encode(f"Dossier-{self._next}".encode()).decode(),
                  "dossier_number": self._next, "dossier_prefill_token": token}
        if self.mode == "no_url":
            answer.pop("dossier_url")
        return web.json_response(answer, status=201)

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_post("/api/public/v1/demarches/{id}/dossiers", self.create)
        self._runner = web.AppRunner(app)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def __enter__(self) -> "FakeDS":
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake DS server did not start")
        return self

    def __exit__(self, *exc) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def last_body(self) -> dict:
        return self.requests[-1]["body"] if self.requests else {}


def fields_of_mapping() -> dict[str, str]:
    """The procedure's fields as our knowledge/ds_prefill.yml maps them (id -> format)."""
    from assistant import prefill as DS
    return {f["champ"]: f["format"] for f in DS.mapping()["fields"]}


def dumps(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)
