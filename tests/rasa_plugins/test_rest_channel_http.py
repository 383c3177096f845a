"""rasa_plugins/rest_channel.py served by Sanic, as Rasa serves it (no model: the message handler
echoes the text): an empty or malformed body is a French 400, a failing turn a French 503."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SERVER = """
import sys
from sanic import Sanic
from rasa_plugins.rest_channel import RestInput
from rasa.core.channels.channel import UserMessage

async def on_new_message(message: UserMessage):
    if message.text == "boom":
        raise RuntimeError("tracker not saved")
    await message.output_channel.send_text_message(message.sender_id, "echo " + message.text)

app = Sanic("fitn7_rest_test")
app.blueprint(RestInput().blueprint(on_new_message), url_prefix="/webhooks/rest")
app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False, motd=False)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def webhook():
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/webhooks/rest"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("serveur Sanic de test non démarré")
    yield url + "/webhook"
    proc.terminate()
    proc.wait(10)


def _post(url, body: bytes):
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@pytest.mark.parametrize("body", [b"", b"pas du json", b"[]", b'{"message": "x"}'])
def test_bad_bodies(webhook, body):
    status, answer = _post(webhook, body)
    assert status == 400
    assert answer["error"].startswith(("Requête illisible", "Identifiant"))


def test_a_message_and_a_failing_turn(webhook):
    assert _post(webhook, json.dumps({"sender": "s", "message": "Bonjour"}).encode()) == \
        (200, [{"recipient_id": "s", "text": "echo Bonjour"}])
    status, answer = _post(webhook, json.dumps({"sender": "s", "message": "boom"}).encode())
    assert status == 503 and "pas enregistré" in answer["error"]
