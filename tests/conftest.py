"""Root fixtures shared by every test suite. Keep this file small: put a suite's own fixtures in
the conftest.py of its subdirectory.

Database: for the whole session, DATABASE_URL points at a temporary SQLite file (never the
developer's var/fitn7.sqlite), set before collection so that code using the defaults
(`assistant.db.get_engine()`, `Referential.open()`) hits it too. Set FITN7_TEST_DATABASE_URL to
use another database instead (e.g. PostgreSQL in CI).

Fixtures:
- `db_engine` (session): the SQLAlchemy engine of that database.
- `referential` (session): `Referential.open(db_engine)`, the committed extract loaded once.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
import shutil
import tempfile

import pytest

# The project root on the path, so that suites may import scripts.* (evaluation and cluster scripts)
# when pytest runs without PYTHONPATH, as in CI.
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

_saved_url: str | None = None
_tmp_dir: str | None = None


def pytest_configure(config):
    global _saved_url, _tmp_dir
    _saved_url = os.environ.get("DATABASE_URL")
    url = os.environ.get("FITN7_TEST_DATABASE_URL")
    _tmp_dir = tempfile.mkdtemp(prefix="fitn7-tests-")
    if not url:
        url = f"sqlite:///{_tmp_dir}/test.sqlite"
    os.environ["DATABASE_URL"] = url
    # the triage's session secret and revoked sessions: never the developer's var/ files
    os.environ["TRIAGE_SECRET_FILE"] = f"{_tmp_dir}/triage-session.key"
    os.environ["TRIAGE_REVOKED_FILE"] = f"{_tmp_dir}/triage-revoked.txt"
    os.environ["CHAT_SECRET_FILE"] = f"{_tmp_dir}/chat-session.key"
    os.environ.setdefault("PURGE_EVERY_HOURS", "0")   # the web server's retention: tests turn it on


def pytest_unconfigure(config):
    from assistant.db import get_engine

    get_engine().dispose()
    if _saved_url is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = _saved_url
    if _tmp_dir:
        shutil.rmtree(_tmp_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def db_engine():
    from assistant.db import get_engine

    return get_engine()  # the session URL set above


@pytest.fixture(scope="session")
def referential(db_engine):
    from assistant.eligibility.referential import Referential

    return Referential.open(db_engine)
