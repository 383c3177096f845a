"""Issue 13, points 8-10: retention runs by itself in the web server, `make clean` keeps the data
of record (`make delete-data CONFIRM=oui` deletes it), `.env` parsed by python-dotenv everywhere."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from assistant.helpdesk.cases import CaseStore, cases_table, utcnow

from .helpers import assessment

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / ".env.example"


def _uncommented_example(tmp_path: Path) -> Path:
    """.env.example with every `# KEY=value` line uncommented, as an administrator would."""
    lines = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        body = line[2:] if line.startswith("# ") else line
        if "=" in body and body.split("=", 1)[0].isupper() and " " not in body.split("=", 1)[0]:
            lines.append(body)
    env = tmp_path / ".env"
    env.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return env


def test_env_example_uncommented_is_read_by_the_shell_launcher(tmp_path):
    env = _uncommented_example(tmp_path)
    script = ("set -euo pipefail; "
              f"eval \"$({sys.executable} -c 'from assistant.config import shell_exports; print(shell_exports())')\"; "
              "printf '%s|%s|%s\\n' \"$CORS_ORIGINS\" \"$TRIAGE_COOKIE_SECURE\" \"$RETENTION_DAYS\"")
    clean_env = {k: v for k, v in os.environ.items()
                 if k not in ("CORS_ORIGINS", "TRIAGE_COOKIE_SECURE", "RETENTION_DAYS")}
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60,
                         env={**clean_env, "FITN7_ENV_FILE": str(env), "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "http://localhost:8000 http://127.0.0.1:8000|0|180"
    # and scripts/run.sh uses it, never `. ./.env`
    run_sh = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert "shell_exports" in run_sh and ". ./.env" not in run_sh


def test_the_assistant_cli_reads_the_env_file(tmp_path):
    db = tmp_path / "cli.sqlite"
    env = tmp_path / ".env"
    env.write_text(f"DATABASE_URL=sqlite:///{db}   # the cron job's database\nRETENTION_DAYS=7\n",
                   encoding="utf-8")
    clean_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "RETENTION_DAYS")}
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "purge", "--dry-run"], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path,
                         env={**clean_env, "FITN7_ENV_FILE": str(env), "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Plus de 7 jours")
    assert db.is_file()


def test_the_web_server_purges_by_itself(tmp_path, monkeypatch):
    from tests.e2e.fake_rasa import ThreadedWebServer

    url = f"sqlite:///{tmp_path / 'retention.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("RETENTION_DAYS", "30")
    monkeypatch.setenv("PURGE_EVERY_HOURS", "24")
    monkeypatch.setenv("PURGE_FIRST_DELAY", "0")
    store = CaseStore.default()
    old_id = store.record("ancien", "rest", {}, assessment())
    new_id = store.record("recent", "rest", {}, assessment())
    with store.engine.begin() as conn:
        conn.execute(cases_table.update().where(cases_table.c.id == old_id)
                     .values(updated_at=utcnow().replace(year=utcnow().year - 1)))
    server = ThreadedWebServer("http://127.0.0.1:9")
    try:
        deadline = time.monotonic() + 20
        while store.get_by_conversation("ancien") is not None and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        server.close()
    assert store.get_by_conversation("ancien") is None
    assert store.get(new_id).conversation_id == "recent"


def test_make_clean_keeps_the_data_of_record(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    (tmp_path / "var").mkdir()
    (tmp_path / "models").mkdir()
    for name in ("var/fitn7.sqlite", "var/fitn7.sqlite-wal", "var/triage-session.key", "var/web.log",
                 "models/fitn7.tar.gz"):
        (tmp_path / name).write_text("x")
    make = ["make", "-s", "-C", str(tmp_path)]
    assert subprocess.run(make + ["clean"], capture_output=True, timeout=60).returncode == 0
    assert (tmp_path / "var/fitn7.sqlite").exists() and (tmp_path / "var/fitn7.sqlite-wal").exists()
    assert (tmp_path / "var/triage-session.key").exists()
    assert not (tmp_path / "models").exists() and not (tmp_path / "var/web.log").exists()
    refused = subprocess.run(make + ["delete-data"], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "CONFIRM=oui" in refused.stderr
    assert (tmp_path / "var/fitn7.sqlite").exists()
    assert subprocess.run(make + ["delete-data", "CONFIRM=oui"], capture_output=True, timeout=60).returncode == 0
    assert not (tmp_path / "var/fitn7.sqlite").exists() and not (tmp_path / "var/triage-session.key").exists()
