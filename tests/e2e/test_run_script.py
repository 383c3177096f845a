"""Issue 14 part 7: scripts/run.sh waits on the action server, Rasa and the web server, and says in
French which one failed (with its log) instead of printing the addresses. The commands are stubs
(FITN7_BIN): `rasa run actions` a tiny HTTP server, `rasa run` one that never answers, or that
stops, or that answers; `python` is the real one (the web server is the real one); short waits
through RUN_WAIT_SECONDS; logs in a temporary RUN_DIR."""
from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_SH = ROOT / "scripts" / "run.sh"

# A stub of the rasa command. Its behaviour comes from STUB_RASA: "hang" (never answers: a model
# that never loads), "exit" (stops with an error), "serve" (answers on its port).
RASA_STUB = f"""#!{sys.executable}
import os, sys, time
from http.server import BaseHTTPRequestHandler, HTTPServer

args = sys.argv[1:]
port = int(args[args.index("--port") + 1])
actions = args[:2] == ["run", "actions"]
mode = os.environ.get("STUB_ACTIONS" if actions else "STUB_RASA", "serve")
if mode == "hang":
    print("Loading model...", flush=True)
    time.sleep(600)
if mode == "exit":
    print("rasa: erreur simulée, modèle illisible", file=sys.stderr, flush=True)
    sys.exit(3)

class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"Hello from stub")
    def log_message(self, *a):
        pass

HTTPServer(("127.0.0.1", port), Hello).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@pytest.fixture
def stubs(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    rasa = bin_dir / "rasa"
    rasa.write_text(RASA_STUB, encoding="utf-8")
    assistant = bin_dir / "assistant"
    assistant.write_text("#!/bin/sh\necho 'purge (stub)'\n", encoding="utf-8")
    python = bin_dir / "python"   # the venv's own python (a symlink elsewhere would leave the venv)
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")
    for f in (rasa, assistant, python):
        f.chmod(f.stat().st_mode | stat.S_IXUSR)
    return tmp_path


def run(stubs, *, rasa: str, actions: str = "serve", wait: int = 4, timeout: int = 60):
    ports = {"ACTIONS_PORT": free_port(), "RASA_PORT": free_port(), "WEB_PORT": free_port()}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()},
           "FITN7_BIN": str(stubs / "bin"), "RUN_DIR": str(stubs / "run"), "RUN_WAIT_SECONDS": str(wait),
           "STUB_RASA": rasa, "STUB_ACTIONS": actions, "PYTHONPATH": str(ROOT),
           "PURGE_EVERY_HOURS": "0", "CHAT_SECRET_FILE": str(stubs / "chat.key")}
    proc = subprocess.Popen(["bash", str(RUN_SH)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    return proc, ports


def finish(proc, timeout=60):
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 15)
        out, err = proc.communicate(timeout=10)
        raise AssertionError(f"run.sh ne s'est pas arrêté :\n{out}\n{err}")
    return proc.returncode, out, err


def test_rasa_that_never_answers_is_named_with_its_log(stubs):
    proc, ports = run(stubs, rasa="hang", wait=3)
    rc, out, err = finish(proc)
    assert rc == 1
    assert "Échec du démarrage : Rasa ne répond pas" in err
    assert f"http://localhost:{ports['RASA_PORT']}/ après 3 s (RUN_WAIT_SECONDS)" in err
    assert f"Journal à lire : {stubs / 'run' / 'rasa.log'}" in err
    assert "  | Loading model..." in err                # the end of its log
    assert "[2/4] Serveur d'actions" in out and "prêt" in out   # the steps before it
    # no addresses printed as if it worked, and the other servers are stopped
    assert "http://localhost:" + str(ports["WEB_PORT"]) not in out
    assert "L'assistant est prêt" not in out
    assert not answers(ports["ACTIONS_PORT"])
    assert not answers(ports["WEB_PORT"])


def test_a_server_that_stops_is_named_at_once(stubs):
    proc, ports = run(stubs, rasa="serve", actions="exit", wait=30)
    rc, out, err = finish(proc, timeout=25)   # well before the 30 s wait: it noticed the exit
    assert rc == 1
    assert "Échec du démarrage : le serveur d'actions s'est arrêté (code de sortie 3)" in err
    assert "actions.log" in err and "erreur simulée, modèle illisible" in err
    assert "L'assistant est prêt" not in out
    assert not answers(ports["RASA_PORT"])


def test_all_servers_answer_then_the_addresses(stubs):
    proc, ports = run(stubs, rasa="serve", wait=60)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        out = "".join(lines)
        assert "[3/4] Rasa" in out and "[4/4] Serveur web" in out
        assert out.count("prêt (") == 3
        assert f"Page de démonstration et tchat : http://localhost:{ports['WEB_PORT']}/" in out
        assert answers(ports["WEB_PORT"])
    finally:
        os.killpg(proc.pid, 2)    # Ctrl-C: everything stops
        proc.communicate(timeout=30)
    assert not answers(ports["RASA_PORT"]) and not answers(ports["WEB_PORT"])


STEP_SH = ROOT / "scripts" / "step.sh"


def test_step_shows_progress_and_its_result(tmp_path):
    log = tmp_path / "logs" / "train.log"
    # a slow command with a progress bar (\r), as `rasa train` prints its epochs
    cmd = "for i in $(seq 1 16); do printf 'Epochs: %s/16\\r' $i; sleep 1; done; echo 'Modèle entraîné'"
    done = subprocess.run(["bash", str(STEP_SH), "3/3", "Entraînement du modèle", str(log), "--", "bash", "-c", cmd],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("  [3/3] Entraînement du modèle… ")
    # not a terminal: a progress line every 15 s, with the log's last progress bar
    assert re.search(r"\n      1[5-7] s : Epochs: 1[3-6]/16\n", done.stdout), done.stdout
    assert re.search(r"fait \(1[6-9] s\)\n$", done.stdout), done.stdout
    assert "Modèle entraîné" in log.read_text()          # the output is in the log, not on the screen
    assert "Modèle entraîné" not in done.stdout


def test_step_failure_names_the_step_and_its_log(tmp_path):
    log = tmp_path / "install.log"
    done = subprocess.run(["bash", str(STEP_SH), "1/3", "Installation des dépendances", str(log), "--",
                           "bash", "-c", "echo 'Collecting rasa'; echo 'ERROR: No matching distribution' >&2; exit 4"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 4
    assert done.stdout.strip() == "[1/3] Installation des dépendances… échec"
    assert "Échec de l'étape « Installation des dépendances » (code de sortie 4)." in done.stderr
    assert f"Journal à lire : {log}" in done.stderr
    assert "  | ERROR: No matching distribution" in done.stderr
    bad = subprocess.run(["bash", str(STEP_SH), "1/3", "x"], capture_output=True, text=True, timeout=10)
    assert bad.returncode == 2 and bad.stderr.startswith("usage : ")
