"""Start the whole assistant (action server, Rasa server, web server) for tests, on free ports.

Usage::

    from tests.stack import running_stack

    with running_stack(tmp_path) as stack:
        requests.post(stack.rest_webhook, json={"sender": "abc...", "message": "Bonjour"})
        # stack.web_url, stack.rasa_url, stack.actions_url, stack.database_url, stack.logs

What it does, in ``tmp_dir``:

- ``fitn7.sqlite``: a fresh SQLite database (``DATABASE_URL`` of every process), the committed
  referential loaded into it with ``assistant referential load`` (set ``load_referential=False``
  to skip, or pass ``database_url=`` to use an existing database);
- ``tracker.sqlite``: Rasa's SQL tracker store (a separate file, so that Rasa's tables never
  touch the one under test; pass ``tracker_db=`` to share a file, ``memory_tracker=True`` for
  Rasa's in-memory store instead);
- ``endpoints.yml`` (action endpoint on the chosen port, that tracker store) and
  ``credentials.yml`` (the REST channel only);
- ``actions.log``, ``rasa.log``, ``web.log``: the output of each process (``stack.logs``).

Processes: ``.venv/bin/rasa run actions``, ``.venv/bin/rasa run --enable-api --cors <web origins>``
(the HTTP API is open on the loopback interface only: tests may read trackers), and, when
``web=True``, ``python -m web.server`` with ``RASA_URL`` pointing at that Rasa server. Each one is
waited for (bounded by ``timeout`` seconds, default 300: loading the model takes a while on a
busy 2-core machine); if one dies or does not answer in time, a ``StackError`` carries the end of
its log. All are stopped (SIGTERM, then SIGKILL) when the block exits, also on failure.
"""
from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "fitn7.tar.gz"


class StackError(RuntimeError):
    """A process of the stack did not start; the message holds the end of its log."""


@dataclasses.dataclass
class Stack:
    actions_url: str
    rasa_url: str
    web_url: str | None
    database_url: str
    tmp_dir: Path
    logs: dict[str, Path]

    @property
    def rest_webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(pas de journal)"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return 200 <= resp.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (urllib.error.URLError, OSError):
        return False


def _wait(name: str, proc: subprocess.Popen, url: str, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"{name} s'est arrêté (code {proc.returncode}) :\n{_tail(log)}")
        if _answers(url):
            return
        time.sleep(0.5)
    raise StackError(f"{name} ne répond pas sur {url} :\n{_tail(log)}")


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


@contextlib.contextmanager
def running_stack(tmp_dir: str | os.PathLike, *, web: bool = True, model: str | os.PathLike = MODEL,
                  database_url: str | None = None, load_referential: bool = True,
                  tracker_db: str | os.PathLike | None = None, memory_tracker: bool = False,
                  extra_cors: tuple[str, ...] = (),
                  env: dict[str, str] | None = None, timeout: float = 300.0) -> Iterator[Stack]:
    tmp = Path(tmp_dir).resolve()
    tmp.mkdir(parents=True, exist_ok=True)
    model = Path(model)
    if not model.is_file():
        raise StackError(f"Modèle Rasa absent : {model} (lancer `make train`).")
    database_url = database_url or f"sqlite:///{tmp / 'fitn7.sqlite'}"
    tracker = Path(tracker_db) if tracker_db else tmp / "tracker.sqlite"
    actions_port, rasa_port = free_port(), free_port()
    web_port = free_port() if web else None
    web_origins = [f"http://127.0.0.1:{web_port}", f"http://localhost:{web_port}"] if web else []
    cors = web_origins + list(extra_cors)

    tracker_store = ("" if memory_tracker else  # nothing: Rasa's default InMemoryTrackerStore
                     f'tracker_store:\n  type: rasa_plugins.tracker_store.CachedSQLTrackerStore\n  dialect: "sqlite"\n  db: "{tracker}"\n')
    (tmp / "endpoints.yml").write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n' + tracker_store,
        encoding="utf-8")
    (tmp / "credentials.yml").write_text("rasa_plugins.rest_channel.RestInput:\n", encoding="utf-8")

    base_env = dict(os.environ)
    base_env.update({
        "DATABASE_URL": database_url,
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
        "CORS_ORIGINS": " ".join(cors),
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
    })
    if web_port:
        base_env["WEB_PORT"] = str(web_port)
    base_env.update(env or {})

    logs = {name: tmp / f"{name}.log" for name in ("referential", "actions", "rasa", "web")}
    if load_referential:
        with open(logs["referential"], "wb") as out:
            done = subprocess.run([str(BIN / "assistant"), "referential", "load"], cwd=ROOT, env=base_env,
                                  stdout=out, stderr=subprocess.STDOUT, timeout=timeout)
        if done.returncode != 0:
            raise StackError(f"Chargement du référentiel en échec :\n{_tail(logs['referential'])}")

    procs: list[subprocess.Popen] = []

    def start(name: str, argv: list[str], extra_env: dict | None = None) -> subprocess.Popen:
        out = open(logs[name], "wb")
        try:
            proc = subprocess.Popen(argv, cwd=ROOT, env={**base_env, **(extra_env or {})}, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            out.close()
        procs.append(proc)
        return proc

    try:
        deadline = time.monotonic() + timeout
        # as scripts/run.sh: the action server refuses a tracker above ACTION_MAX_BYTES (HTTP 413)
        actions = start("actions", [str(BIN / "rasa"), "run", "actions", "--port", str(actions_port),
                                    "--actions", "actions"],
                        {"SANIC_REQUEST_MAX_SIZE": base_env.get("ACTION_MAX_BYTES", "4000000")})
        rasa = start("rasa", [str(BIN / "rasa"), "run", "--model", str(model), "--port", str(rasa_port),
                              "--interface", "127.0.0.1", "--enable-api",
                              "--endpoints", str(tmp / "endpoints.yml"),
                              "--credentials", str(tmp / "credentials.yml"),
                              "--cors", *(cors or ["http://127.0.0.1"])])
        web_proc = None
        if web:
            web_proc = start("web", [sys.executable, "-m", "web.server", "--port", str(web_port),
                                     "--host", "127.0.0.1"])
        _wait("Le serveur d'actions", actions, f"http://127.0.0.1:{actions_port}/health", logs["actions"], deadline)
        _wait("Le serveur Rasa", rasa, f"http://127.0.0.1:{rasa_port}/", logs["rasa"], deadline)
        if web_proc:
            _wait("Le serveur web", web_proc, f"http://127.0.0.1:{web_port}/healthz", logs["web"], deadline)
        yield Stack(
            actions_url=f"http://127.0.0.1:{actions_port}",
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            web_url=f"http://127.0.0.1:{web_port}" if web else None,
            database_url=database_url, tmp_dir=tmp, logs=logs,
        )
    finally:
        _stop(procs)
