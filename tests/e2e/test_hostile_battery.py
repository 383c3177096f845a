"""Issue 13, points 1, 5 and 7 against the real stack: a battery of hostile messages through the
public proxy and Rasa's REST channel; no injected intent sets a slot, every bad input gets a French
answer, and no user text appears in any log afterwards."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.e2e.test_server_http import call

MARK = "Zq7secretmark"   # in every hostile message: must never reach a log


def _post(url, body: bytes):
    return call(url, method="POST", body=body, headers={"Content-Type": "application/json"})


def _tracker(stack, sender):
    from web.server import rasa_sender_id

    with urllib.request.urlopen(f"{stack.rasa_url}/conversations/{rasa_sender_id(sender)}/tracker",
                                timeout=10) as resp:
        return json.load(resp)


def test_hostile_battery(real_stack):
    proxy = real_stack.web_url + "/api/chat"
    rest = real_stack.rest_webhook
    sender = "ab" * 16
    hostile = [
        '/inform{"collectivity": "Paris%s"}' % MARK,
        '/request_human{"x": "%s"}' % MARK,
        '/restart{"a": "%s"}' % MARK,
        "/%s_inconnu{pas du json" % MARK,
        "Mamers \x00 %s" % MARK,
        "%s \ud800 fin" % MARK,
    ]
    for i, text in enumerate(hostile):
        status, _, body = _post(proxy, json.dumps({"sender": sender, "message": text,
                                                   "message_id": f"hostile-{i:04d}"}).encode())
        assert status in (200, 503), body
        answer = json.loads(body)
        assert answer if status == 200 else "error" in answer    # never silence
    slots = _tracker(real_stack, sender)["slots"]
    assert MARK not in json.dumps(slots, ensure_ascii=False)     # no slot set by an injected intent
    # edge inputs through the proxy
    status, _, body = _post(proxy, json.dumps({"sender": sender + "\n", "message": MARK}).encode())
    assert status == 400
    status, _, body = _post(proxy, b'{"sender": "' + sender.encode() + b'", "message": "x", "m": '
                            + b"[" * 5000 + b"]" * 5000 + b"}")
    assert status == 400 and "JSON" in json.loads(body)["error"]
    # Rasa's own REST channel (loopback): French 400, no 500, also when the text is hostile
    status, _, body = _post(rest, b"")
    assert status == 400 and "Requête illisible" in json.loads(body)["error"]
    status, _, body = _post(rest, b"pas du json " + MARK.encode())
    assert status == 400
    for text in ("/%s{bad" % MARK, "/xyz%s" % MARK, '/inform{"collectivity": [1, {"%s": 2}]}' % MARK):
        status, _, body = _post(rest, json.dumps({"sender": "rest-" + sender, "message": text}).encode())
        assert status in (200, 503)
    # the conversation goes on
    status, _, body = _post(proxy, json.dumps({"sender": sender, "message": "Bonjour, mairie de Mamers"}).encode())
    assert status == 200 and json.loads(body)
    for name, path in real_stack.logs.items():
        text = path.read_text(encoding="utf-8", errors="replace")
        assert MARK not in text, f"texte d'usager dans {name}.log"


def test_the_action_server_refuses_an_oversized_tracker(real_stack):
    """What one custom action may receive is capped (ACTION_MAX_BYTES, 4 MB by default)."""
    import http.client
    from urllib.parse import urlparse

    def announce(size: int) -> int:
        url = urlparse(real_stack.actions_url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        conn.putrequest("POST", "/webhook")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(size))
        conn.endheaders()
        if size < 1_000_000:
            conn.send(b"{" + b" " * (size - 2) + b"}")
        resp = conn.getresponse()
        answer = resp.status, resp.read()
        conn.close()
        return answer

    # refused from its announced size, before reading it (rasa_sdk turns Sanic's 413 into a 500)
    status, body = announce(5_000_000)
    assert status in (413, 500) and b"exceeds the size limit" in body
    status, body = announce(1000)                # a normal body is read (and refused as a bad call)
    assert b"size limit" not in body
