"""Throwaway Redis, PostgreSQL and HAProxy processes for tests and scripts/cluster.py.

Each one runs from Debian's binaries (installed by the Makefile's `cluster-packages` / `redis`
targets), in a temp folder, on a free loopback port, and is stopped (and its folder removed) on
exit. Nothing is left behind, nothing is read from the machine's own services.

    with RedisServer(tmp) as r:      r.port, r.restart(), r.stop(), r.start()
    with PostgresServer(tmp) as pg:  pg.url ("postgresql+psycopg2://..."), pg.stop(), pg.start()
    with HAProxy(tmp, config) as lb: lb.reload(config)

`MissingBinary` is raised (with the command that installs it) when a binary is not installed.
"""
from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class MissingBinary(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def wait_port(port: int, timeout: float = 30.0, proc: subprocess.Popen | None = None,
              log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
    raise RuntimeError(f"port {port} not open after {timeout:g} s\n{tail}")


def _binary(name: str, package: str) -> str:
    path = shutil.which(name) or next(iter(glob.glob(f"/usr/sbin/{name}")), None)
    if not path:
        raise MissingBinary(f"{name} absent: apt-get install {package} (make cluster-packages)")
    return path


class RedisServer:
    """redis-server without persistence: a restart loses every key, like a lost Redis."""

    def __init__(self, tmp: str | os.PathLike, port: int | None = None) -> None:
        self.binary = _binary("redis-server", "redis-server")
        self.dir = Path(tmp) / f"redis-{os.getpid()}-{time.monotonic_ns()}"
        self.dir.mkdir(parents=True)
        self.port = port or free_port()
        self.log = self.dir / "redis.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
        wait_port(self.port, 30, self.proc, self.log)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def restart(self, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def __enter__(self) -> "RedisServer":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresServer:
    """A PostgreSQL cluster made by initdb (trust auth on loopback), as scripts/test_postgres.sh."""

    def __init__(self, tmp: str | os.PathLike | None = None, port: int | None = None,
                 db: str = "fitn7", settings: dict[str, str] | None = None) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise MissingBinary("PostgreSQL absent: apt-get install postgresql (make cluster-packages)")
        self.bin = Path(found[-1]).parent
        # its own folder directly under the system temp dir: the postgres user (when we are root)
        # must reach it, and pytest's temp folders are private to root
        self.dir = Path(tempfile.mkdtemp(prefix="fitn7-pg-"))
        self.port = port or free_port()
        self.db = db
        self.user = "fitn7"
        self.settings = dict(settings or {})
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            os.chmod(self.dir, 0o755)
            shutil.chown(self.dir, "postgres")
        self.log = self.dir / "log"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{self.db}"

    def _run(self, *argv: str) -> None:
        done = subprocess.run([*self.as_postgres, *argv], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        if done.returncode:
            raise subprocess.CalledProcessError(done.returncode, argv, stderr=done.stderr)

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-U", self.user,
                  "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.log), "-w",
                  "-o", f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} "
                        "-c max_connections=200 -c fsync=off"
                        + "".join(f" -c {k}={v}" for k, v in self.settings.items()), "start")

    def stop(self, mode: str = "immediate") -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", mode, "stop")

    def __enter__(self) -> "PostgresServer":
        self.init()
        self.start()
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                  self.user, self.db)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop("fast")
        shutil.rmtree(self.dir, ignore_errors=True)


class HAProxy:
    """haproxy in the foreground (-db), config written to a file; reload() restarts it."""

    def __init__(self, tmp: str | os.PathLike, config: str, ports: list[int]) -> None:
        self.binary = _binary("haproxy", "haproxy")
        self.dir = Path(tmp) / f"haproxy-{os.getpid()}-{time.monotonic_ns()}"
        self.dir.mkdir(parents=True)
        self.cfg = self.dir / "haproxy.cfg"
        self.cfg.write_text(config, encoding="utf-8")
        self.ports = ports
        self.log = self.dir / "haproxy.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        check = subprocess.run([self.binary, "-c", "-f", str(self.cfg)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"invalid HAProxy configuration:\n{check.stdout}{check.stderr}")
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen([self.binary, "-db", "-f", str(self.cfg)], stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        for port in self.ports:
            wait_port(port, 15, self.proc, self.log)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None

    def __enter__(self) -> "HAProxy":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
