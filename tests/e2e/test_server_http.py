"""The web server over HTTP (no browser): chat proxy, CORS allow-list, French errors, headers."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.e2e.fake_rasa import ThreadedWebServer
from web import server as web_server

SENDER = "0123456789abcdef0123456789abcdef"


def call(url: str, *, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8")


def chat(site, payload, origin=None):
    headers = {"Content-Type": "application/json"}
    if origin:
        headers["Origin"] = origin
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return call(site.url + "/api/chat", method="POST", body=body, headers=headers)


def test_proxy_passes_the_conversation_and_filters_the_answer(fake_site, fake_rasa):
    status, headers, body = chat(fake_site, {"sender": SENDER, "message": "Bonjour", "metadata": {"departement": "72", "x": 1}})
    assert status == 200
    answer = json.loads(body)
    assert answer == [{"text": "Le projet est-il porté par le maire ou l'exécutif ?",
                       "buttons": [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]}]
    assert fake_rasa.received[-1] == {"sender": web_server.rasa_sender_id(SENDER), "message": "Bonjour",
                                      "metadata": {"departement": "72"}}
    chat(fake_site, {"sender": SENDER, "message": "oui"})
    status, _, body = chat(fake_site, {"sender": SENDER, "message": "juin 2022"})
    answer = json.loads(body)
    assert answer[1]["custom"]["assessment"]["eligibility"] == "eligible"
    assert "recipient_id" not in answer[0]


def test_proxy_keeps_http_link_buttons_only(fake_site):
    status, _, body = chat(fake_site, {"sender": SENDER, "message": "mon dossier"})
    assert status == 200
    assert json.loads(body) == [{"text": "Votre dossier est prérempli.",
                                 "buttons": [{"title": "Ouvrir mon dossier",
                                              "url": "https://www.demarches-simplifiees.fr/dossiers/123"}]}]


@pytest.mark.parametrize("payload, status, fragment", [
    (b"pas du json", 400, "objet JSON"),
    ([1, 2], 400, "objet JSON"),
    ({"sender": "court", "message": "Bonjour"}, 400, "Identifiant de conversation invalide"),
    ({"sender": SENDER + "<script>", "message": "Bonjour"}, 400, "Identifiant de conversation invalide"),
    ({"sender": SENDER, "message": "   "}, 400, "vide"),
    ({"sender": SENDER, "message": "x" * 2001}, 413, "trop long"),
    ({"sender": SENDER, "message": "x" * 20000}, 413, "trop long"),
])
def test_bad_requests_get_a_french_message(fake_site, payload, status, fragment):
    got, headers, body = chat(fake_site, payload)
    assert got == status
    assert fragment in json.loads(body)["error"]
    assert "Traceback" not in body


def test_cors_only_for_configured_origins(fake_site):
    url = fake_site.url + "/api/chat"
    status, headers, _ = call(url, method="OPTIONS", headers={
        "Origin": "http://allowed.example", "Access-Control-Request-Method": "POST"})
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "http://allowed.example"
    status, headers, _ = call(url, method="OPTIONS", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert status == 403
    assert "Access-Control-Allow-Origin" not in headers
    status, headers, body = chat(fake_site, {"sender": SENDER, "message": "Bonjour"}, origin="http://evil.example")
    assert status == 403 and "Origine non autorisée" in json.loads(body)["error"]
    status, headers, _ = chat(fake_site, {"sender": SENDER, "message": "Bonjour"}, origin="http://allowed.example")
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "http://allowed.example"
    status, headers, _ = chat(fake_site, {"sender": SENDER, "message": "Bonjour"}, origin=fake_site.url)
    assert status == 200 and "Access-Control-Allow-Origin" not in headers  # same origin: no CORS needed


def test_rasa_down_gives_503_in_french():
    site = ThreadedWebServer("http://127.0.0.1:9")  # nothing listens on the discard port
    try:
        status, _, body = chat(site, {"sender": SENDER, "message": "Bonjour"})
    finally:
        site.close()
    assert status == 503
    assert "ne répond pas" in json.loads(body)["error"]


def test_pages_headers_and_health(fake_site):
    status, headers, body = call(fake_site.url + "/")
    assert status == 200 and "script-src 'self'" in headers["Content-Security-Policy"]
    assert "Préfet<br>de la Sarthe" in body and 'data-theme="dsfr"' in body
    status, headers, body = call(fake_site.url + "/embed-demo")
    assert status == 200
    assert f'<script src="{fake_site.url}/static/widget.js" data-server="{fake_site.url}"' in body
    assert "dsfr" not in body.lower().replace("design système de l'état", "")
    status, _, body = call(fake_site.url + "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok", "rasa": "ready"}
    status, headers, _ = call(fake_site.url + "/static/widget.js")
    assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"
    status, _, body = call(fake_site.url + "/nulle-part")
    assert status == 404 and body == "Page introuvable."
    status, _, _ = call(fake_site.url + "/static/vendor/dsfr/fonts/Marianne-Regular.woff2")
    assert status == 404  # the font is not shipped (not MIT)


def test_configuration_from_environment(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", "https://www.mairie.example  https://pref.example/")
    assert web_server.default_cors_origins(8000) == ["https://www.mairie.example", "https://pref.example"]
    monkeypatch.delenv("CORS_ORIGINS")
    assert web_server.default_cors_origins(8123) == ["http://localhost:8123", "http://127.0.0.1:8123"]
    monkeypatch.delenv("RASA_URL", raising=False)
    monkeypatch.setenv("RASA_PORT", "6005")
    assert web_server.create_app()[web_server.RASA_URL_KEY] == "http://localhost:6005"
    monkeypatch.setenv("RASA_URL", "http://rasa.internal:5005")
    app = web_server.create_app()
    assert app[web_server.RASA_URL_KEY] == "http://rasa.internal:5005"
    monkeypatch.setenv("WEB_PORT", "pas un nombre")
    assert web_server.env_int("WEB_PORT", 8000) == 8000


def test_widget_source_never_parses_strings_as_html():
    source = (web_server.STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, sink
    assert "crypto.getRandomValues" in source and "sessionStorage" in source


@pytest.mark.parametrize("trusted", [False, True])
def test_same_origin_behind_a_tls_proxy(fake_rasa, monkeypatch, trusted):
    """A prefecture's HTTPS proxy in front: the browser's origin is https://<public host>."""
    from assistant.helpdesk.triage import hash_password

    if trusted:
        monkeypatch.setenv("TRUST_PROXY", "1")
    else:
        monkeypatch.delenv("TRUST_PROXY", raising=False)
    monkeypatch.setenv("TRIAGE_PASSWORD_HASH", hash_password("le bon mot de passe"))
    public = "https://chat.prefecture.example"
    proxied = {"Origin": public, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "chat.prefecture.example"}
    body = json.dumps({"sender": SENDER, "message": "Bonjour"}).encode()
    json_post = {**proxied, "Content-Type": "application/json"}
    login = {**proxied, "Content-Type": "application/x-www-form-urlencoded"}

    site = ThreadedWebServer(fake_rasa.url)   # reads TRUST_PROXY when it builds the app
    try:
        status, headers, _ = call(site.url + "/api/chat", method="POST", body=body, headers=json_post)
        assert status == (200 if trusted else 403)
        assert "Access-Control-Allow-Origin" not in headers
        # the headers only name this server: another origin is still refused, a bad proto ignored
        status, _, _ = call(site.url + "/api/chat", method="POST", body=body,
                            headers={**json_post, "Origin": "https://evil.example"})
        assert status == 403
        status, _, _ = call(site.url + "/api/chat", method="POST", body=body,
                            headers={**json_post, "X-Forwarded-Proto": "javascript",
                                     "Origin": "javascript://chat.prefecture.example"})
        assert status == 403
        _, _, page = call(site.url + "/embed-demo", headers=proxied)
        assert (public in page) is trusted    # the snippet names the public URL
        # the triage's state-changing requests use the same check (login here)
        status, _, _ = call(site.url + "/triage/login", method="POST", body=b"password=x", headers=login)
        assert (status == 403) is not trusted
        status, _, _ = call(site.url + "/triage/login", method="POST", body=b"password=x",
                            headers={**login, "Origin": "http://chat.prefecture.example"})
        assert status == 403   # scheme counts: http:// is not the https:// site
    finally:
        site.close()
