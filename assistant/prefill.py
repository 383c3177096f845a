"""Prefilling the application on demarches-simplifiees (DS), issue 14 part 1. No Rasa, no aiohttp.

    settings = Settings.from_env()           # None without DS_DEMARCHE_ID: no offer at all
    champs = build_champs(request, assessment, referential)   # {"champ_<id>": value}
    result = create_dossier(settings, champs)                 # Prefilled | PrefillFailure, never raises

The call is the one DS documents (knowledge/ds_prefill.yml): POST
`{DS_PREFILL_URL}/api/public/v1/demarches/{DS_DEMARCHE_ID}/dossiers` with the champs as JSON; the
answer holds `dossier_url`, `dossier_id`, `dossier_number`. The client is urllib (standard library)
with a timeout; the action server runs it in a thread so that a slow DS never blocks other users.
Logs carry no personal data: the HTTP status and the error class only.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_URL = "https://www.demarches-simplifiees.fr"
DEFAULT_TIMEOUT = 10.0
UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True)
class Settings:
    base_url: str
    demarche_id: str
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_env(cls, env: dict | None = None) -> "Settings | None":
        """DS_PREFILL_URL (default https://www.demarches-simplifiees.fr; the service is moving to
        another domain), DS_DEMARCHE_ID (None without it: the assistant offers nothing),
        DS_TIMEOUT (seconds, default 10)."""
        env = os.environ if env is None else env
        demarche = str(env.get("DS_DEMARCHE_ID") or "").strip()
        if not demarche:
            return None
        if not demarche.isdigit():
            log.warning("DS_DEMARCHE_ID is not a number: prefilling disabled")
            return None
        base = str(env.get("DS_PREFILL_URL") or DEFAULT_URL).strip().rstrip("/")
        if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
            log.warning("DS_PREFILL_URL is not an http(s) URL: prefilling disabled")
            return None
        try:
            timeout = float(env.get("DS_TIMEOUT") or DEFAULT_TIMEOUT)
        except ValueError:
            timeout = DEFAULT_TIMEOUT
        return cls(base_url=base, demarche_id=demarche, timeout=max(0.5, min(timeout, 60.0)))

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/api/public/v1/demarches/{self.demarche_id}/dossiers"


@dataclasses.dataclass(frozen=True)
class Prefilled:
    dossier_url: str
    dossier_id: str
    dossier_number: int | None
    ok: bool = True


@dataclasses.dataclass(frozen=True)
class PrefillFailure:
    reason: str             # timeout | unreachable | refused | not_found | server_error | bad_answer
    status: int | None = None
    errors: tuple[str, ...] = ()
    ok: bool = False


def mapping() -> dict:
    """knowledge/ds_prefill.yml, checked (schema and loader)."""
    from assistant.eligibility.knowledge import load_cached
    return load_cached("ds_prefill.yml")


def draft_kept_days() -> int:
    return int(mapping()["draft_kept_days"])


# --------------------------------------------------------------------------- values

def _facts(request: dict, assessment: dict, referential=None) -> dict[str, Any]:
    """The values the mapping can send, by `value` name (None: nothing to send)."""
    c = assessment.get("collectivity") or {}
    facts: dict[str, Any] = {k: v for k, v in request.items() if v not in (None, "", [], UNKNOWN)}
    facts["collectivity_name"] = c.get("name")
    facts["collectivity_department"] = c.get("department") or (
        request.get("department") if isinstance(request.get("department"), str)
        and len(request["department"]) <= 3 else None)
    facts["applicant_type_label"] = c.get("type_label") if c.get("code") else None
    facts["sub_axis"] = assessment.get("sub_axis")
    facts["amount_eur"] = (assessment.get("amount") or {}).get("eur")
    facts["collectivity_insee"] = facts["collectivity_epci"] = None
    if c.get("type") == "commune" and c.get("code"):
        postcode = _postcode(c["code"], referential)
        if postcode:
            facts["collectivity_insee"] = [postcode, c["code"]]
    elif c.get("type") == "epci" and c.get("siren") and c.get("department"):
        facts["collectivity_epci"] = [c["department"], c["siren"]]
    return facts


def _postcode(insee: str, referential=None) -> str | None:
    """The commune's first postcode in the referential (None if the referential is unavailable)."""
    try:
        if referential is None:
            from assistant.eligibility.referential import Referential
            referential = Referential.open()
        found = referential.get("commune", insee)
        return found.postcodes[0] if found and found.postcodes else None
    except Exception as exc:  # the other champs are still worth sending
        log.warning("postcode lookup failed: %s", type(exc).__name__)
        return None


def format_value(value: Any, fmt: str, max_length: int | None = None) -> Any:
    """One value in the format the DS API documents; None when it cannot be sent."""
    if value is None or value == UNKNOWN:
        return None
    if fmt == "boolean":
        if isinstance(value, bool):
            return "true" if value else "false"
        return None
    if fmt == "integer":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return str(int(round(number))) if number == number and abs(number) < 1e12 else None
    if fmt == "date":
        try:
            return dt.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            return None
    if fmt in ("commune", "epci"):
        return [str(value[0]), str(value[1])] if isinstance(value, (list, tuple)) and len(value) == 2 else None
    text = " ".join(str(value).split())
    if not text:
        return None
    return text[:max_length] if max_length else text


def build_champs(request: dict, assessment: dict, referential=None) -> dict[str, Any]:
    """{"champ_<id>": value} for every mapped field that has a value."""
    facts = _facts(request, assessment, referential)
    out: dict[str, Any] = {}
    for f in mapping()["fields"]:
        value = format_value(facts.get(f["value"]), f["format"], f.get("max_length"))
        if value is not None:
            out[f"champ_{f['champ']}"] = value
    return out


def sent_labels(champs: dict[str, Any]) -> list[str]:
    """The French labels of the fields present in `champs` (what the offer lists)."""
    keys = set(champs)
    return [f["label"] for f in mapping()["fields"] if f"champ_{f['champ']}" in keys]


# --------------------------------------------------------------------------- the call

def _errors(body: Any) -> tuple[str, ...]:
    if isinstance(body, dict):
        errs = body.get("errors", body.get("error"))
        if isinstance(errs, str):
            return (errs[:300],)
        if isinstance(errs, list):
            return tuple(str(e)[:300] for e in errs[:5])
    return ()


def create_dossier(settings: Settings, champs: dict[str, Any]) -> Prefilled | PrefillFailure:
    """POST the champs; a Prefilled on success, a PrefillFailure otherwise. Never raises."""
    data = json.dumps(champs, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(settings.endpoint, data=data, method="POST",
                                 headers={"Content-Type": "application/json", "Accept": "application/json",
                                          "User-Agent": "fitn7-assistant"})
    try:
        with urllib.request.urlopen(req, timeout=settings.timeout) as resp:
            status = resp.status
            raw = resp.read(100_000)
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read(100_000) or b"null")
        except Exception:
            body = None
        reason = ("not_found" if exc.code == 404 else "server_error" if exc.code >= 500 else "refused")
        log.warning("DS prefill answered HTTP %s", exc.code)
        return PrefillFailure(reason=reason, status=exc.code, errors=_errors(body))
    except (socket.timeout, TimeoutError) as exc:
        log.warning("DS prefill timed out: %s", type(exc).__name__)
        return PrefillFailure(reason="timeout")
    except urllib.error.URLError as exc:
        timed_out = isinstance(getattr(exc, "reason", None), (socket.timeout, TimeoutError))
        log.warning("DS prefill unreachable: %s", type(getattr(exc, "reason", exc)).__name__)
        return PrefillFailure(reason="timeout" if timed_out else "unreachable")
    except Exception as exc:  # pragma: no cover - a bug here must not reach the user
        log.warning("DS prefill failed: %s", type(exc).__name__)
        return PrefillFailure(reason="unreachable")
    try:
        body = json.loads(raw)
        url = body["dossier_url"]
        number = body.get("dossier_number")
        if not isinstance(url, str) or urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("dossier_url")
        return Prefilled(dossier_url=url, dossier_id=str(body.get("dossier_id") or ""),
                         dossier_number=int(number) if number is not None else None)
    except Exception as exc:
        log.warning("DS prefill: unexpected answer (HTTP %s, %s)", status, type(exc).__name__)
        return PrefillFailure(reason="bad_answer", status=status)
