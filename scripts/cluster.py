#!/usr/bin/env python
"""The national topology on one machine: `make cluster` (docs/DEPLOYMENT.md).

    .venv/bin/python scripts/cluster.py [--instances 2] [--port 8080]

Starts, in a temporary folder, on loopback ports, and stops on Ctrl-C (or SIGTERM), all of:

- PostgreSQL (throwaway cluster, referential loaded) and Redis (no persistence);
- N action servers and N Rasa servers (`endpoints.cluster.yml`, REST channel of credentials.yml);
- the web server (page, widget, /api/chat, triage);
- HAProxy with health checks, three front ends: the public one (-> web), the one the web server
  calls for Rasa (-> the N Rasa servers) and the one the Rasa servers call for actions (-> the N
  action servers). A dead instance is skipped (connection refused: retried on another instance at
  once; health checks take it out within 2 s and back in when it answers again).

Then it prints the public URL. Every process gets its configuration from environment variables
only (DATABASE_URL, DB_*, REDIS_*, ACTION_ENDPOINT_URL, RASA_URL, ...), the same ones a machine of
a real deployment sets (deploy/). `Cluster` is also what tests/cluster and scripts/bench_cluster.py
start.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.cluster.services import HAProxy, PostgresServer, RedisServer, free_port  # noqa: E402

BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "fitn7.tar.gz"


def haproxy_config(public_port: int, rasa_lb_port: int, actions_lb_port: int, web: list[int],
                   rasa: list[int], actions: list[int], host: str = "127.0.0.1",
                   public_host: str = "127.0.0.1", stats_port: int | None = None,
                   admin_socket: str | None = None) -> str:
    """HAProxy configuration: health-checked back ends, no sticky sessions (none is needed)."""
    def servers(prefix: str, ports: list[int]) -> str:
        return "".join(f"  server {prefix}{n + 1} {host}:{p} check\n" for n, p in enumerate(ports))

    stats = (f"frontend stats\n  bind {host}:{stats_port}\n  stats enable\n  stats uri /stats\n"
             "  stats refresh 5s\n\n") if stats_port else ""
    admin = f"  stats socket {admin_socket} mode 600 level admin\n" if admin_socket else ""
    return f"""global
  maxconn 4096
{admin}  log stdout format raw local0 info

defaults
  mode http
  log global
  option httplog
  timeout connect 2s
  timeout client 90s
  timeout server 90s
  timeout check 5s
  default-server inter 2s fall 3 rise 2
  # a refused connection is retried on another server at once (the request never reached one)
  retries 3
  option redispatch 1

{stats}frontend public
  bind {public_host}:{public_port}
  default_backend web

backend web
  balance roundrobin
  option httpchk GET /healthz
  retry-on conn-failure
{servers("web", web)}
frontend rasa_internal
  bind {host}:{rasa_lb_port}
  default_backend rasa

backend rasa
  # any instance takes any message: state is in PostgreSQL, locks in Redis (no stickiness)
  balance leastconn
  # health check = TCP connect: a Rasa server listens only once its model is loaded, a dead one
  # refuses at once. Not HTTP: under load Rasa answers "GET /" behind every turn in progress
  # (measured: 5 to 14 s at 50 users on one instance), and an HTTP check with any timeout below
  # that took the only instance out of rotation (every message answered 503).
  # only a refused connection is retried: a message that reached a Rasa instance may have been
  # handled, so it is never sent twice by the load balancer (the widget asks the user to retry)
  retry-on conn-failure
{servers("rasa", rasa)}
frontend actions_internal
  bind {host}:{actions_lb_port}
  default_backend actions

backend actions
  balance leastconn
  # TCP check as for Rasa: an action server busy with actions answers /health late
  # an action call can be retried on another action server: it gets the whole tracker and
  # writes only upserts (the case of the conversation)
  retry-on conn-failure empty-response response-timeout 502 503
{servers("actions", actions)}"""


@dataclasses.dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    health: str
    log: Path
    popen: subprocess.Popen | None = None


class Cluster:
    """Start with `with Cluster(tmp) as c:`; c.public_url, c.kill("rasa1"), c.start_proc("rasa1")."""

    def __init__(self, tmp: str | os.PathLike, instances: int = 2, public_port: int | None = None,
                 model: Path = MODEL, timeout: float = 900.0, public_host: str = "127.0.0.1",
                 pg_settings: dict[str, str] | None = None) -> None:
        self.tmp = Path(tmp).resolve()
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.instances = instances
        self.model = Path(model)
        self.timeout = timeout
        self.public_host = public_host
        self.public_port = public_port or free_port()
        self.rasa_lb_port, self.actions_lb_port = free_port(), free_port()
        self.stats_port = free_port()
        self.pg_settings = pg_settings
        self.procs: dict[str, Proc] = {}
        self._stack = contextlib.ExitStack()

    @property
    def public_url(self) -> str:
        return f"http://{self.public_host}:{self.public_port}"

    def rasa_id(self, sender: str) -> str:
        """The conversation id Rasa, PostgreSQL (`events`) and the triage know for a widget id sent
        to the public URL (a direct call to a Rasa instance keeps the id as it is)."""
        from web.server import rasa_sender_id

        return rasa_sender_id(sender, self.chat_key)

    def rasa_url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.procs[f'rasa{n}'].port}"

    # ------------------------------------------------------------------ processes
    def _proc(self, name: str, argv: list[str], env: dict[str, str], port: int, health: str) -> None:
        self.procs[name] = Proc(name, argv, env, port, health, self.tmp / f"{name}.log")

    # `timeout`: how long a process may take to answer its health check after it was started.
    # Four processes load spaCy and the model at once: 2 to 3 min on the idle 2-core machine, up to
    # 7.5 min measured at load average 10 (other engineers' jobs), beyond the former 420 s (which
    # passed only because each process's wait starts when the previous one's ends).

    def start_proc(self, name: str) -> None:
        p = self.procs[name]
        with open(p.log, "ab") as out:
            p.popen = subprocess.Popen(p.argv, cwd=ROOT, env=p.env, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_proc(self, name: str, timeout: float | None = None) -> None:
        p = self.procs[name]
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            if p.popen is None or p.popen.poll() is not None:
                raise RuntimeError(f"{name} s'est arrêté :\n{_tail(p.log)}")
            if _answers(f"http://127.0.0.1:{p.port}{p.health}"):
                return
            time.sleep(0.5)
        raise RuntimeError(f"{name} ne répond pas :\n{_tail(p.log)}")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        p = self.procs[name]
        if p.popen and p.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.popen.pid, sig)
            p.popen.wait(30)

    def stop_all(self) -> None:
        running = [p for p in self.procs.values() if p.popen and p.popen.poll() is None]
        for p in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.popen.pid, signal.SIGTERM)
        for p in running:
            try:
                p.popen.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.popen.pid, signal.SIGKILL)
                p.popen.wait(5)

    # ------------------------------------------------------------------ topology
    def __enter__(self) -> "Cluster":
        try:
            self.start()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_all()
        self._stack.close()

    def start(self) -> None:
        if not self.model.is_file():
            raise RuntimeError(f"Modèle Rasa absent : {self.model} (lancer `make train`).")
        self.pg = self._stack.enter_context(PostgresServer(self.tmp, settings=self.pg_settings))
        self.redis = self._stack.enter_context(RedisServer(self.tmp))
        self.database_url = self.pg.url
        base = dict(os.environ)
        base.update({
            "DATABASE_URL": self.database_url, "RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1",
            # this checkout's plugins and actions, whatever the virtualenv was installed from
            "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
            # the variables endpoints.cluster.yml reads
            "DB_HOST": "127.0.0.1", "DB_PORT": str(self.pg.port), "DB_NAME": self.pg.db,
            "DB_USER": self.pg.user, "DB_PASSWORD": "",
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.redis.port),
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_lb_port}/webhook",
        })
        with open(self.tmp / "referential.log", "wb") as out:
            done = subprocess.run([str(BIN / "assistant"), "referential", "load"], cwd=ROOT, env=base,
                                  stdout=out, stderr=subprocess.STDOUT, timeout=self.timeout)
        if done.returncode:
            raise RuntimeError(f"Chargement du référentiel en échec :\n{_tail(self.tmp / 'referential.log')}")
        # the case tables, once, before any action server writes (Alembic, under its lock)
        subprocess.run([str(BIN / "python"), "-c", "from assistant.db import get_engine; "
                        "from assistant.helpdesk.cases import ensure_schema; ensure_schema(get_engine())"],
                       cwd=ROOT, env=base, check=True, timeout=self.timeout)

        web_port = free_port()
        for n in range(1, self.instances + 1):
            port = free_port()
            self._proc(f"actions{n}", [str(BIN / "rasa"), "run", "actions", "--port", str(port),
                                       "--actions", "actions"], base, port, "/health")
        for n in range(1, self.instances + 1):
            port = free_port()
            self._proc(f"rasa{n}", [str(BIN / "rasa"), "run", "--model", str(self.model),
                                    "--port", str(port), "--interface", "127.0.0.1",
                                    "--endpoints", str(ROOT / "endpoints.cluster.yml"),
                                    "--credentials", str(ROOT / "credentials.yml")], base, port, "/")
        origins = f"{self.public_url} http://localhost:{self.public_port}"
        # The web server gives Rasa a keyed hash of the widget's conversation id (issue 13,
        # web/server.py rasa_sender_id): its key is this cluster's own (CHAT_SECRET_FILE, created
        # here unless the caller's environment names one), set explicitly so that a .env cannot
        # point the web server elsewhere, and kept in `chat_key` for rasa_id().
        from assistant.config import secret_from_file

        self.chat_secret_file = Path(os.environ.get("CHAT_SECRET_FILE") or self.tmp / "chat-session.key")
        self.chat_key = secret_from_file(self.chat_secret_file)
        web_env = dict(base, RASA_URL=f"http://127.0.0.1:{self.rasa_lb_port}", WEB_PORT=str(web_port),
                       CORS_ORIGINS=origins, CHAT_SECRET_FILE=str(self.chat_secret_file))
        self._proc("web", [str(BIN / "python"), "-m", "web.server", "--port", str(web_port),
                           "--host", "127.0.0.1"], web_env, web_port, "/healthz")
        for name in self.procs:
            self.start_proc(name)
        self.lb = self._stack.enter_context(HAProxy(self.tmp, haproxy_config(
            self.public_port, self.rasa_lb_port, self.actions_lb_port, [web_port],
            [self.procs[f"rasa{n}"].port for n in range(1, self.instances + 1)],
            [self.procs[f"actions{n}"].port for n in range(1, self.instances + 1)],
            public_host=self.public_host, stats_port=self.stats_port,
            admin_socket=str(self.tmp / "haproxy-admin.sock")),
            [self.public_port, self.rasa_lb_port, self.actions_lb_port, self.stats_port]))
        for name in self.procs:
            self.wait_proc(name)
        self.wait_backends()

    def _stats(self) -> list[dict[str, str]]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/stats;csv", timeout=5) as resp:
            lines = resp.read().decode().lstrip("# ").splitlines()
        head = lines[0].split(",")
        return [r for r in (dict(zip(head, line.split(","))) for line in lines[1:] if line)
                if r["svname"] not in ("FRONTEND", "BACKEND")]

    def backend_status(self) -> dict[str, str]:
        """{"rasa/rasa1": "UP", ...} from HAProxy's statistics (CSV)."""
        return {f"{r['pxname']}/{r['svname']}": r["status"].split()[0] for r in self._stats()}

    def set_server(self, backend: str, server: str, enabled: bool) -> str:
        """Put a server in or out of rotation (HAProxy's runtime API), e.g. ("rasa", "rasa2")."""
        import socket

        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(self.tmp / "haproxy-admin.sock"))
            s.sendall(f"{'enable' if enabled else 'disable'} server {backend}/{server}\n".encode())
            return s.recv(4096).decode()

    def backend_sessions(self) -> dict[str, int]:
        """{"rasa/rasa1": requests sent to it so far, ...}."""
        return {f"{r['pxname']}/{r['svname']}": int(r["stot"] or 0) for r in self._stats()}

    def wait_backends(self, want: str = "UP", names: list[str] | None = None,
                      timeout: float = 30.0) -> None:
        """Until HAProxy's health checks see `names` (default: every server) in state `want`."""
        deadline = time.monotonic() + timeout
        status: dict[str, str] = {}
        while time.monotonic() < deadline:
            status = self.backend_status()
            chosen = [k for k in status if names is None or k.split("/")[1] in names]
            if chosen and all(status[k] == want for k in chosen):
                return
            time.sleep(0.3)
        raise RuntimeError(f"HAProxy: {status} (attendu {want})")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return 200 <= resp.status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (urllib.error.URLError, OSError):
        return False


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(pas de journal)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Grappe FITN7 sur une machine (docs/DEPLOYMENT.md)")
    parser.add_argument("--instances", type=int, default=int(os.environ.get("CLUSTER_INSTANCES", 2)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("CLUSTER_PORT", 8080)))
    args = parser.parse_args(argv)

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)       # SIGINT (Ctrl-C) raises it already
    with tempfile.TemporaryDirectory(prefix="fitn7-cluster-") as tmp:
        print(f"Démarrage de la grappe ({args.instances} instances, journaux dans {tmp})…", flush=True)
        cluster = Cluster(tmp, instances=args.instances, public_port=args.port)
        try:
            cluster.start()
            print(f"\n  Adresse publique (répartiteur HAProxy) : {cluster.public_url}/")
            print(f"  Tchat : {cluster.public_url}/api/chat   File de tri : {cluster.public_url}/triage")
            for name, p in cluster.procs.items():
                print(f"  {name:9} 127.0.0.1:{p.port}")
            print(f"  PostgreSQL 127.0.0.1:{cluster.pg.port}  Redis 127.0.0.1:{cluster.redis.port}")
            print(f"  État du répartiteur : http://127.0.0.1:{cluster.stats_port}/stats")
            print("  Ctrl-C arrête tout.", flush=True)
            reported: set[str] = set()
            while True:
                time.sleep(0.5)
                dead = {n for n, p in cluster.procs.items() if p.popen and p.popen.poll() is not None}
                if dead - reported:
                    print(f"Processus arrêté : {', '.join(sorted(dead - reported))} "
                          "(le répartiteur l'écarte).", flush=True)
                    reported |= dead
        except KeyboardInterrupt:
            print("\nArrêt…", flush=True)
        except RuntimeError as exc:
            print(f"Échec du démarrage : {exc}", file=sys.stderr)
            return 1
        finally:
            # a second Ctrl-C must not leave processes behind
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            cluster.__exit__(None, None, None)
    print("Grappe arrêtée.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
