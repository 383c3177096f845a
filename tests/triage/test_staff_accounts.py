"""Issue 14, part 6: named staff accounts (`assistant triage user add|remove|list`), a login field
once accounts exist, the author of notes and status changes, the shared password kept for a
one-person prefecture when no account exists."""
from __future__ import annotations

import asyncio
import io

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from assistant.cli import main
from assistant.db import get_engine
from assistant.helpdesk import triage as triage_module
from assistant.helpdesk.cases import SHARED_AUTHOR, CaseStore
from assistant.helpdesk.triage import hash_password, verify_password
from web.triage import COOKIE, STATE, TriageSettings, make_session, setup

from .helpers import assessment

SHARED = "mot de passe commun de la préfecture"
MARIE = "le mot de passe de Marie"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch):
    # the stored hash carries its parameters; a lower cost keeps the suite fast (the production
    # cost is checked in test_security.py)
    monkeypatch.setattr(triage_module, "SCRYPT_N", 2 ** 12)


@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'users.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    yield CaseStore(get_engine(url))
    get_engine(url).dispose()


# --------------------------------------------------------------------------- CLI

def test_user_add_list_remove(cli_store, monkeypatch, capsys):
    assert main(["triage", "user", "list"]) == 0
    assert "Aucun compte nominatif" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(MARIE + "\n"))
    assert main(["triage", "user", "add", "Marie.Durand", "--stdin"]) == 0
    assert "demande désormais un identifiant" in capsys.readouterr().out
    stored = cli_store.user_hash("marie.durand")
    assert stored.startswith("scrypt:") and MARIE not in stored
    assert verify_password(MARIE, stored) and not verify_password("autre chose", stored)
    assert main(["triage", "user", "list"]) == 0
    assert "marie.durand · créé le" in capsys.readouterr().out
    # the same login twice, a short password, a bad login: French errors, nothing written
    monkeypatch.setattr("sys.stdin", io.StringIO(MARIE + "\n"))
    assert main(["triage", "user", "add", "marie.durand", "--stdin"]) == 2
    assert "existe déjà" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("court\n"))
    assert main(["triage", "user", "add", "paul", "--stdin"]) == 2
    assert "trop court" in capsys.readouterr().err
    assert main(["triage", "user", "add", "paul dupont", "--stdin"]) == 2
    assert "invalide" in capsys.readouterr().err
    assert [u["login"] for u in cli_store.list_users()] == ["marie.durand"]
    assert main(["triage", "user", "remove", "marie.durand"]) == 0
    assert "mot de passe commun" in capsys.readouterr().out
    assert main(["triage", "user", "remove", "marie.durand"]) == 2
    assert "aucun compte" in capsys.readouterr().err


def test_password_is_read_without_echo_on_a_terminal(cli_store, monkeypatch, capsys):
    class Tty(io.StringIO):
        def isatty(self):
            return True
    monkeypatch.setattr("sys.stdin", Tty(""))
    asked = []
    monkeypatch.setattr("getpass.getpass", lambda prompt="": asked.append(prompt) or MARIE)
    assert main(["triage", "user", "add", "marie"]) == 0
    assert asked == ["Mot de passe de marie : ", "Répéter : "]
    assert MARIE not in capsys.readouterr().out


def test_cli_note_author(cli_store, capsys):
    case_id = cli_store.record("c", "rest", {}, assessment())
    assert main(["triage", "note", str(case_id), "Rappelé", "--author", "paul"]) == 0
    assert main(["triage", "status", str(case_id), "traité"]) == 0
    capsys.readouterr()
    assert main(["triage", "show", str(case_id)]) == 0
    out = capsys.readouterr().out
    assert "(paul) Rappelé" in out and f"({SHARED_AUTHOR}) statut" in out


# --------------------------------------------------------------------------- web

def _run(store, settings, scenario):
    async def go():
        app = web.Application()
        setup(app, store=store, settings=settings)
        async with TestClient(TestServer(app)) as client:
            return await scenario(client)
    return asyncio.run(go())


async def _login(client, password, login=None):
    data = {"password": password}
    if login is not None:
        data["login"] = login
    return await client.post("/triage/login", data=data, allow_redirects=False)


def test_shared_password_without_accounts_records_the_team(store):
    case_id = store.record("c", "rest", {}, assessment())
    settings = TriageSettings(password_hash=hash_password(SHARED), session_secret=None)

    async def scenario(client):
        page = await client.get("/triage")
        assert 'name="login"' not in await page.text()          # no login field
        assert (await _login(client, SHARED)).status == 303
        resp = await client.post(f"/triage/api/cases/{case_id}/notes",
                                 json={"text": "vu", "_author": "usurpateur"})
        data = await resp.json()
        assert data["notes"][0]["author"] == SHARED_AUTHOR       # the client cannot choose it

    _run(store, settings, scenario)
    assert store.get(case_id).notes[0].author is None


def test_named_accounts_ask_a_login_and_sign_the_changes(store):
    case_id = store.record("c", "rest", {}, assessment())
    store.add_user("marie", hash_password(MARIE))
    store.add_user("paul", hash_password("le mot de passe de Paul"))
    settings = TriageSettings(password_hash=hash_password(SHARED), session_secret=None)

    async def scenario(client):
        page = await client.get("/triage")
        html = await page.text()
        assert 'id="login"' in html and 'autocomplete="username"' in html
        assert '<label for="login">Identifiant</label>' in html
        # the shared password no longer opens: every change must have a named author
        assert (await _login(client, SHARED)).status == 401
        assert (await _login(client, SHARED, login="")).status == 401
        bad = await _login(client, "le mot de passe de Paul", login="marie")
        assert bad.status == 401 and "Identifiant ou mot de passe incorrect" in await bad.text()
        assert (await _login(client, MARIE, login="inconnu")).status == 401
        ok = await _login(client, MARIE, login="Marie")
        assert ok.status == 303
        cookie = ok.cookies[COOKIE].value
        cookies = {COOKIE: cookie}
        assert (await client.get("/triage/api/cases", cookies=cookies)).status == 200
        resp = await client.post(f"/triage/api/cases/{case_id}/status", cookies=cookies,
                                 json={"status": "en cours", "note": "je prends"})
        assert (await resp.json())["notes"][-1]["author"] == "marie"
        # a session of the shared password made before the accounts existed is refused
        shared = make_session(client.app[STATE].settings)
        assert (await client.get("/triage/api/cases", cookies={COOKIE: shared})).status == 401
        # a forged login inside marie's cookie breaks the signature
        parts = cookie.split(".")
        import base64
        parts[2] = base64.urlsafe_b64encode(b"paul").decode().rstrip("=")
        assert (await client.get("/triage/api/cases", cookies={COOKIE: ".".join(parts)})).status == 401
        # removing the account ends its sessions at once
        store.remove_user("marie")
        assert (await client.get("/triage/api/cases", cookies=cookies)).status == 401

    _run(store, settings, scenario)
    case = store.get(case_id)
    assert [(n.kind, n.author) for n in case.notes] == [("status", "marie")]


def test_accounts_alone_open_the_triage(store):
    store.add_user("seule", hash_password(MARIE))

    async def scenario(client):
        page = await client.get("/triage")
        assert page.status == 200 and 'id="login"' in await page.text()
        ok = await _login(client, MARIE, login="seule")
        assert ok.status == 303
        assert (await client.get("/triage/api/cases", cookies={COOKIE: ok.cookies[COOKIE].value})).status == 200

    _run(store, TriageSettings(password_hash=None, session_secret=None), scenario)
