"""Hardening of the public chat proxy (issue 13): injected intents, message ids, rate limits,
turn cap, "no answer" from Rasa, edge inputs. Over HTTP against FakeRasa (no browser, no model)."""
from __future__ import annotations

import json
import threading

import pytest

from tests.e2e.fake_rasa import ThreadedWebServer
from tests.e2e.test_server_http import call, chat

A = "a123456789abcdef0123456789abcdef"
B = "b123456789abcdef0123456789abcdef"


@pytest.fixture
def site(fake_rasa):
    server = ThreadedWebServer(fake_rasa.url)   # fresh memory (buttons, ids, limits) per test
    yield server
    server.close()


def _sender(n: int) -> str:
    return f"{n:032x}"


def test_slash_payload_passes_only_when_offered(site, fake_rasa):
    # never offered: sent as text, so Rasa cannot read an intent nor entities in it
    status, _, _ = chat(site, {"sender": _sender(1), "message": '/inform{"collectivity": "Paris"}'})
    assert status == 200
    assert fake_rasa.received[-1]["message"] == 'inform{"collectivity": "Paris"}'
    chat(site, {"sender": _sender(1), "message": "/request_human"})
    assert fake_rasa.received[-1]["message"] == "request_human"
    # a button of the bot's last message passes as the payload it is
    _, _, body = chat(site, {"sender": _sender(2), "message": "Bonjour"})
    assert json.loads(body)[0]["buttons"][0]["payload"] == "/affirm"
    chat(site, {"sender": _sender(2), "message": "/affirm"})
    assert fake_rasa.received[-1]["message"] == "/affirm"
    # ... only once: the next answer offered no button, so /deny is text again
    chat(site, {"sender": _sender(2), "message": "/deny"})
    assert fake_rasa.received[-1]["message"] == "deny"
    # the buttons of one conversation do not open another
    chat(site, {"sender": _sender(3), "message": "/affirm"})
    assert fake_rasa.received[-1]["message"] == "affirm"


def test_a_message_seen_twice_is_answered_once(site, fake_rasa):
    sender = _sender(10)
    chat(site, {"sender": sender, "message": "Bonjour", "message_id": "m-000001"})
    before = len(fake_rasa.received)
    results = []

    def send():
        results.append(chat(site, {"sender": sender, "message": "lentement oui", "message_id": "m-000002"}))

    threads = [threading.Thread(target=send) for _ in range(2)]
    threads[0].start()
    threading.Event().wait(0.3)          # the retry arrives while Rasa handles the first copy
    threads[1].start()
    for t in threads:
        t.join(10)
    assert [r[0] for r in results] == [200, 200]
    assert results[0][2] == results[1][2]
    assert len(fake_rasa.received) == before + 1
    # later, the same id again (the widget retried after a timeout): the same answer, Rasa untouched
    status, _, body = chat(site, {"sender": sender, "message": "lentement oui", "message_id": "m-000002"})
    assert status == 200 and body == results[0][2]
    assert len(fake_rasa.received) == before + 1
    # a new id is a new message
    chat(site, {"sender": sender, "message": "encore", "message_id": "m-000003"})
    assert len(fake_rasa.received) == before + 2
    status, _, body = chat(site, {"sender": sender, "message": "x", "message_id": "court"})
    assert status == 400 and "Identifiant de message" in json.loads(body)["error"]


def test_no_answer_from_rasa_says_unavailable(site):
    status, _, body = chat(site, {"sender": _sender(20), "message": "silence", "message_id": "m-000001"})
    assert status == 503
    assert "indisponible" in json.loads(body)["error"]
    # a failed message is not remembered as answered: the retry reaches Rasa again
    status, _, body = chat(site, {"sender": _sender(20), "message": "Bonjour", "message_id": "m-000001"})
    assert status == 200


@pytest.mark.parametrize("payload, fragment", [
    ({"sender": A + "\n", "message": "Bonjour"}, "Identifiant de conversation invalide"),
    (b'{"sender": "' + A.encode() + b'", "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
     "objet JSON"),
    (b"[" * 5000 + b"]" * 5000, "objet JSON"),
])
def test_edge_inputs_get_a_french_400(site, payload, fragment):
    status, _, body = chat(site, payload)
    assert status in (400, 413)
    assert fragment in json.loads(body)["error"] or "trop long" in json.loads(body)["error"]


def test_deep_json_within_size_gets_400(site):
    body = b'{"sender": "' + A.encode() + b'", "message": "x", "metadata": ' + b"[" * 6000 + b"]" * 6000 + b"}"
    assert len(body) < 16 * 1024
    status, _, text = chat(site, body)
    assert status == 400 and "objet JSON" in json.loads(text)["error"]


def test_lone_surrogate_and_nul_are_cleaned(site, fake_rasa):
    body = ('{"sender": "%s", "message": "Mamers \\ud800 et \\u0000 fin"}' % B).encode()
    status, _, text = chat(site, body)
    assert status == 200
    assert fake_rasa.received[-1]["message"] == "Mamers \ufffd et   fin"
    status, _, text = chat(site, {"sender": B, "message": "\x00\x01"})
    assert status == 400 and "vide" in json.loads(text)["error"]


def test_rate_limit_per_conversation_and_per_client(fake_rasa, monkeypatch):
    monkeypatch.setenv("CHAT_RATE_PER_CONVERSATION", "3/minute")
    monkeypatch.setenv("CHAT_RATE_PER_CLIENT", "5/minute")
    server = ThreadedWebServer(fake_rasa.url)
    try:
        got = [chat(server, {"sender": _sender(30), "message": "Bonjour"})[0] for _ in range(4)]
        assert got == [200, 200, 200, 429]
        status, headers, body = chat(server, {"sender": _sender(30), "message": "Bonjour"})
        assert status == 429 and "patientez" in json.loads(body)["error"]
        assert headers.get("Retry-After") == "60"
        # another conversation from the same client: the per-client limit (5) is then reached
        got = [chat(server, {"sender": _sender(31), "message": "Bonjour"})[0] for _ in range(3)]
        assert got[-1] == 429
    finally:
        server.close()


@pytest.mark.parametrize("trusted", [False, True])
def test_forwarded_client_address_only_behind_a_trusted_proxy(fake_rasa, monkeypatch, trusted):
    monkeypatch.setenv("CHAT_RATE_PER_CLIENT", "2/minute")
    if trusted:
        monkeypatch.setenv("TRUST_PROXY", "1")
    else:
        monkeypatch.delenv("TRUST_PROXY", raising=False)
    server = ThreadedWebServer(fake_rasa.url)
    try:
        def from_client(ip, n):
            body = json.dumps({"sender": _sender(n), "message": "Bonjour"}).encode()
            return call(server.url + "/api/chat", method="POST", body=body,
                        headers={"Content-Type": "application/json", "X-Forwarded-For": ip})[0]
        got = [from_client("203.0.113.1", 40), from_client("203.0.113.1", 41), from_client("203.0.113.2", 42)]
        # behind the proxy, two clients; without trust, the header is ignored: one client
        assert got == ([200, 200, 200] if trusted else [200, 200, 429])
    finally:
        server.close()


def test_turns_per_conversation_are_capped(fake_rasa, monkeypatch):
    monkeypatch.setenv("CHAT_MAX_TURNS", "2")
    server = ThreadedWebServer(fake_rasa.url)
    try:
        got = [chat(server, {"sender": _sender(50), "message": "Bonjour"}) for _ in range(3)]
        assert [g[0] for g in got] == [200, 200, 429]
        assert "Nouvelle conversation" in json.loads(got[2][2])["error"]
        assert chat(server, {"sender": _sender(51), "message": "Bonjour"})[0] == 200
    finally:
        server.close()


def test_the_stored_conversation_id_does_not_open_the_conversation(site, fake_rasa):
    """Issue 13, point 13: Rasa (and the database, the logs) know a keyed hash of the browser's
    id; that stored id sent to the public proxy is hashed again: another, empty conversation."""
    browser_id = _sender(60)
    chat(site, {"sender": browser_id, "message": "Bonjour"})
    stored = fake_rasa.received[-1]["sender"]
    assert stored != browser_id and browser_id not in stored
    chat(site, {"sender": stored, "message": "Bonjour"})
    assert fake_rasa.received[-1]["sender"] not in (stored, browser_id)
