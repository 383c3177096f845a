"""The /triage page and its JSON: closed without configuration, login required, cookie flags,
status and notes through the API, CSV download, text returned as text."""
from __future__ import annotations

import asyncio
import csv
import io
import time

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from assistant.helpdesk.triage import hash_password
from web.triage import COOKIE, STATE, TriageSettings, make_session, setup, valid_session

from .helpers import add_event, assessment, events_table

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def password_hash():
    return hash_password(PASSWORD)


def _run(store, settings, scenario):
    async def main():
        app = web.Application()
        setup(app, store=store, settings=settings)
        async with TestClient(TestServer(app)) as client:
            await scenario(client)
    asyncio.run(main())


async def _login(client, password=PASSWORD):
    return await client.post("/triage/login", data={"password": password}, allow_redirects=False)


PROTECTED = [("get", "/triage/api/cases"), ("get", "/triage/api/cases/1"),
             ("post", "/triage/api/cases/1/status"), ("post", "/triage/api/cases/1/notes"),
             ("get", "/triage/export.csv")]


def test_closed_when_nothing_is_configured(store):
    store.record("c", "rest", {}, assessment())

    async def scenario(client):
        page = await client.get("/triage")
        assert page.status == 503
        text = await page.text()
        assert "aucun mot de passe n'est configuré" in text and "Mamers" not in text
        for method, path in PROTECTED:
            resp = await getattr(client, method)(path, json={} if method == "post" else None)
            assert resp.status == 503, path
            assert "TRIAGE_PASSWORD_HASH" in (await resp.json())["error"]
        assert (await _login(client, "")).status == 503

    _run(store, TriageSettings(password_hash=None, session_secret=None), scenario)


def test_malformed_hash_keeps_triage_closed(monkeypatch):
    monkeypatch.setenv("TRIAGE_PASSWORD_HASH", "mot-de-passe-en-clair")
    assert not TriageSettings.from_env().configured
    monkeypatch.setenv("TRIAGE_PASSWORD_HASH", hash_password("x" * 12))
    monkeypatch.setenv("RETENTION_DAYS", "90")
    settings = TriageSettings.from_env()
    assert settings.configured and settings.retention_days == 90


def test_login_refused_without_the_password(store, password_hash):
    store.record("c", "rest", {"description": "Projet secret"}, assessment())

    async def scenario(client):
        page = await client.get("/triage")
        assert page.status == 200
        html = await page.text()
        assert 'type="password"' in html and "Projet secret" not in html and "Mamers" not in html
        for method, path in PROTECTED:
            resp = await getattr(client, method)(path, json={"status": "traité"} if method == "post" else None)
            assert resp.status == 401, path
            assert "Connexion requise" in (await resp.json())["error"]
        bad = await _login(client, "mauvais mot de passe")
        assert bad.status == 401 and "Mot de passe incorrect" in await bad.text()
        assert COOKIE not in bad.cookies
        # a forged or expired cookie is not a session
        client.session.cookie_jar.update_cookies({COOKIE: "9999999999.abc.def"})
        assert (await client.get("/triage/api/cases")).status == 401
        expired = make_session(TriageSettings(password_hash, None, session_hours=1), now=time.time() - 7200)
        client.session.cookie_jar.update_cookies({COOKIE: expired})
        assert (await client.get("/triage/api/cases")).status == 401

    _run(store, TriageSettings(password_hash=password_hash, session_secret=None), scenario)


def test_login_accepted_with_the_password(store, engine, password_hash):
    case_id = store.record("conv-w", "rest", {"description": "<script>alert(1)</script> téléservice"},
                           assessment(eligibility="to_confirm", population=900))
    store.record("conv-x", "rest", {}, assessment(department="61"))
    table = events_table(engine)
    add_event(engine, table, "conv-w", "user", "Nous sommes une petite commune")
    add_event(engine, table, "conv-w", "bot", "Quel est votre projet ?")

    async def scenario(client):
        resp = await _login(client)
        assert resp.status == 303 and resp.headers["Location"] == "/triage"
        set_cookie = resp.headers["Set-Cookie"]
        assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Path=/triage" in set_cookie
        page = await client.get("/triage")
        html = await page.text()
        assert page.status == 200 and "<caption>" in html and 'scope="col"' in html
        assert '<label for="f-department">' in html and "180</strong> jours" in html
        assert "Content-Security-Policy" in page.headers

        data = await (await client.get("/triage/api/cases")).json()
        assert data["count"] == 2 and data["retention_days"] == 180
        first = data["cases"][0]
        assert first["id"] == case_id and first["rank"] == 1
        assert first["priority"]["tier_label"] == "Vérification humaine nécessaire"
        assert first["description"] == "<script>alert(1)</script> téléservice"  # text, not markup
        assert all(r["source"]["quote"] for r in first["priority"]["reasons"])

        filtered = await (await client.get("/triage/api/cases?department=61")).json()
        assert [c["collectivity"]["department"] for c in filtered["cases"]] == ["61"]
        bad = await client.get("/triage/api/cases?sub_axis=9z")
        assert bad.status == 400 and "sous-axe" in (await bad.json())["error"]

        detail = await (await client.get(f"/triage/api/cases/{case_id}")).json()
        assert [l["text"] for l in detail["transcript"]] == ["Nous sommes une petite commune",
                                                             "Quel est votre projet ?"]
        assert (await client.get("/triage/api/cases/999")).status == 404
        assert (await client.get("/triage/api/cases/abc")).status == 400

        changed = await client.post(f"/triage/api/cases/{case_id}/status",
                                    json={"status": "en cours", "note": "Rappel lundi"})
        body = await changed.json()
        assert changed.status == 200 and body["status"] == "en_cours" and body["status_label"] == "en cours"
        assert body["notes"][-1]["text"] == "Rappel lundi"
        noted = await client.post(f"/triage/api/cases/{case_id}/notes", json={"text": "Dossier complet"})
        assert (await noted.json())["notes"][-1]["text"] == "Dossier complet"
        wrong = await client.post(f"/triage/api/cases/{case_id}/status", json={"status": "fini"})
        assert wrong.status == 400 and "statut inconnu" in (await wrong.json())["error"]
        # not JSON (e.g. a cross-site form): refused
        form = await client.post(f"/triage/api/cases/{case_id}/status", data={"status": "traité"})
        assert form.status == 400
        cross = await client.post(f"/triage/api/cases/{case_id}/status", json={"status": "traité"},
                                  headers={"Origin": "https://evil.example"})
        assert cross.status == 403
        assert store.get(case_id).status == "en_cours"

        export = await client.get("/triage/export.csv?eligibility=to_confirm")
        raw = await export.read()
        assert export.status == 200 and raw.startswith(b"\xef\xbb\xbf")
        assert "attachment" in export.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
        assert len(rows) == 2 and rows[1][1] == str(case_id)
        bad_export = await client.get("/triage/export.csv?sub_axis=9z")  # same filter check as the API
        assert bad_export.status == 400 and "sous-axe" in (await bad_export.json())["error"]

        out = await client.post("/triage/logout", allow_redirects=False)
        assert out.status == 303
        assert (await client.get("/triage/api/cases")).status == 401

    _run(store, TriageSettings(password_hash=password_hash, session_secret=None), scenario)


def test_logout_ends_the_session_even_for_a_copied_cookie(store, password_hash):
    async def scenario(client):
        await _login(client)
        cookie = client.session.cookie_jar.filter_cookies(client.make_url("/triage"))[COOKIE].value
        assert (await client.get("/triage/api/cases")).status == 200
        assert (await client.post("/triage/logout", allow_redirects=False)).status == 303
        replay = await client.get("/triage/api/cases", cookies={COOKIE: cookie})
        assert replay.status == 401  # the cookie is still well signed and unexpired: refused as revoked
        assert valid_session(client.app[STATE].settings, cookie)

    _run(store, TriageSettings(password_hash=password_hash, session_secret=None), scenario)


def test_repeated_failures_are_slowed_down(store, password_hash):
    async def scenario(client):
        for _ in range(5):
            assert (await _login(client, "non")).status == 401
        assert (await _login(client)).status == 429  # even the right one, for a while

    _run(store, TriageSettings(password_hash=password_hash, session_secret=None), scenario)


def test_old_failures_of_other_addresses_are_forgotten(store, password_hash):
    settings = TriageSettings(password_hash=password_hash, session_secret=None)
    settings.failures["203.0.113.7"] = [time.time() - 3600]   # an hour ago: past the window
    settings.failures["203.0.113.8"] = [time.time()]          # just now: kept

    async def scenario(client):
        assert (await _login(client, "non")).status == 401

    _run(store, settings, scenario)
    assert "203.0.113.7" not in settings.failures
    assert "203.0.113.8" in settings.failures and len(settings.failures) == 2


def test_changing_the_password_ends_sessions(password_hash):
    old = TriageSettings(password_hash=password_hash, session_secret=None)
    cookie = make_session(old)
    assert valid_session(old, cookie)
    assert not valid_session(TriageSettings(hash_password("autre mot de passe"), None), cookie)
    assert not valid_session(TriageSettings(None, None), cookie)


def test_assets_are_local(store, password_hash):
    async def scenario(client):
        js = await client.get("/triage/static/triage.js")
        assert js.status == 200 and "textContent" in await js.text()
        assert "innerHTML" not in await js.text()
        assert (await client.get("/triage/static/../triage.py")).status == 404
        await _login(client)
        html = await (await client.get("/triage")).text()
        assert "https://" not in html and "http://" not in html

    _run(store, TriageSettings(password_hash=password_hash, session_secret=None), scenario)


def test_database_errors_are_french_and_logged_without_data(tmp_path, password_hash, caplog):
    from assistant.helpdesk.cases import CaseStore
    from assistant.db import get_engine

    db = tmp_path / "broken.sqlite"
    store = CaseStore(get_engine(f"sqlite:///{db}"))
    store.record("secret-conv", "rest", {"description": "Texte personnel de l'usager"}, assessment())
    with store.engine.begin() as conn:  # simulate a broken database
        conn.exec_driver_sql("DROP TABLE triage_case_notes")

    async def scenario(client):
        await _login(client)
        resp = await client.get("/triage/api/cases/1")
        assert resp.status == 503 and "Base de données indisponible" in (await resp.json())["error"]

    with caplog.at_level("INFO"):
        _run(store, TriageSettings(password_hash=password_hash, session_secret=None), scenario)
    assert "Texte personnel" not in caplog.text and "secret-conv" not in caplog.text
    assert "OperationalError" in caplog.text
