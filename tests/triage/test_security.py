"""Issue 13, points 11-13: login throttle atomic and per real client, sessions signed with a
random secret kept outside the database, revocation across restarts, Secure cookie on HTTPS,
scrypt cost, case numbers instead of conversation ids."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import stat

import pytest
from aiohttp.test_utils import TestClient, TestServer

from assistant.helpdesk.triage import SCRYPT_N, case_to_dict, hash_password
from web.triage import COOKIE, MAX_FAILURES, TriageSettings, valid_session

from .helpers import assessment

PASSWORD = "un mot de passe de test assez long"


@pytest.fixture(scope="module")
def password_hash():
    return hash_password(PASSWORD)


def _app(store, settings, trust_proxy=False, monkeypatch=None):
    from web.server import create_app

    if trust_proxy:
        monkeypatch.setenv("TRUST_PROXY", "1")
    elif monkeypatch:
        monkeypatch.delenv("TRUST_PROXY", raising=False)
    return create_app(rasa_url="http://127.0.0.1:9", triage_store=store, triage_settings=settings)


def _run(app, scenario):
    async def main():
        async with TestClient(TestServer(app)) as client:
            return await scenario(client)
    return asyncio.run(main())


async def _login(client, password, **headers):
    return await client.post("/triage/login", data={"password": password}, allow_redirects=False,
                             headers=headers)


def test_parallel_guesses_do_not_pass_the_limit(store, password_hash, monkeypatch):
    settings = TriageSettings(password_hash=password_hash, session_secret=None)

    async def scenario(client):
        answers = await asyncio.gather(*[_login(client, f"essai {i}") for i in range(40)])
        return [r.status for r in answers]

    statuses = _run(_app(store, settings, monkeypatch=monkeypatch), scenario)
    assert statuses.count(401) <= MAX_FAILURES
    assert statuses.count(429) >= 40 - MAX_FAILURES


@pytest.mark.parametrize("trusted", [True, False])
def test_one_guesser_behind_the_proxy_does_not_lock_out_the_staff(store, password_hash, monkeypatch, trusted):
    settings = TriageSettings(password_hash=password_hash, session_secret=None)

    async def scenario(client):
        for i in range(MAX_FAILURES + 2):
            await _login(client, f"mauvais {i}", **{"X-Forwarded-For": "198.51.100.7"})
        staff = await _login(client, PASSWORD, **{"X-Forwarded-For": "203.0.113.20"})
        return staff.status

    status = _run(_app(store, settings, trust_proxy=trusted, monkeypatch=monkeypatch), scenario)
    # with TRUST_PROXY the clients are told apart; without it the header is ignored (one client)
    assert status == (303 if trusted else 429)


def test_sessions_cannot_be_forged_from_the_hash(password_hash, tmp_path, monkeypatch):
    monkeypatch.setenv("TRIAGE_SECRET_FILE", str(tmp_path / "secret.key"))
    monkeypatch.setenv("TRIAGE_PASSWORD_HASH", password_hash)
    monkeypatch.delenv("TRIAGE_SESSION_SECRET", raising=False)
    settings = TriageSettings.from_env()
    # what an attacker who read the hash (a dump of .env or of the database) could sign before
    old_key = hashlib.sha256(("fitn7-triage-session:" + password_hash).encode()).digest()
    payload = "9999999999.nonce"
    sig = base64.urlsafe_b64encode(hmac.new(old_key, payload.encode(), hashlib.sha256).digest()).decode().rstrip("=")
    assert not valid_session(settings, f"{payload}.{sig}")
    secret_file = tmp_path / "secret.key"
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    assert len(secret_file.read_text()) >= 32
    # generated once: a restart signs with the same key
    assert TriageSettings.from_env().key() == settings.key()


def test_logout_survives_a_restart_and_cookie_is_secure_on_https(store, password_hash, monkeypatch, tmp_path):
    monkeypatch.setenv("TRIAGE_REVOKED_FILE", str(tmp_path / "revoked.txt"))
    settings = TriageSettings(password_hash=password_hash, session_secret=None)

    async def login_logout(client):
        resp = await _login(client, PASSWORD, **{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "pref.example",
                                                 "Origin": "https://pref.example"})
        assert resp.status == 303
        cookie = resp.cookies[COOKIE]
        assert cookie["secure"] and cookie["httponly"]
        value = cookie.value
        ok = await client.get("/triage/api/cases", cookies={COOKIE: value})
        assert ok.status == 200
        await client.post("/triage/logout", cookies={COOKIE: value}, allow_redirects=False)
        return value

    value = _run(_app(store, settings, trust_proxy=True, monkeypatch=monkeypatch), login_logout)

    async def after_restart(client):
        return (await client.get("/triage/api/cases", cookies={COOKIE: value})).status

    fresh = TriageSettings(password_hash=password_hash, session_secret=None)   # a new process
    assert _run(_app(store, fresh, monkeypatch=monkeypatch), after_restart) == 401


def test_cookie_not_secure_on_plain_http(store, password_hash, monkeypatch):
    settings = TriageSettings(password_hash=password_hash, session_secret=None)

    async def scenario(client):
        resp = await _login(client, PASSWORD)
        return resp.cookies[COOKIE]["secure"]

    assert not _run(_app(store, settings, monkeypatch=monkeypatch), scenario)


def test_scrypt_cost_is_owasp_current():
    assert SCRYPT_N == 2 ** 17
    assert hash_password("x" * 12).startswith("scrypt:131072:8:1:")


def test_the_triage_shows_a_case_number_not_the_conversation_id(store):
    case_id = store.record("0123456789abcdef0123456789abcdef", "rest", {}, assessment())
    data = case_to_dict(store.get(case_id), with_details=True)
    assert data["id"] == case_id
    assert "0123456789abcdef0123456789abcdef" not in repr(data)
