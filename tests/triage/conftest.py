"""Fixtures of the triage suite (issue 5).

`store`: a CaseStore on a fresh database migrated to head, parametrised over
- "sqlite": a temporary SQLite file per test;
- "postgresql": the PostgreSQL database named by FITN7_TEST_DATABASE_URL, TRIAGE_TEST_PG_URL or the
  DATABASE_URL the run started with (the root conftest swaps DATABASE_URL for a temporary SQLite
  file); skipped when none of them is a PostgreSQL URL. The case tables, the version table and a
  test `events` table are dropped before each test there: use a throwaway database.

helpers.py: `events_table(engine)` creates Rasa's tracker-store table with the columns of
rasa.core.tracker_store.SQLTrackerStore.SQLEvent (Rasa 3.6), and `add_event` writes one row as
Rasa does (data = the event as JSON, user/bot text in data["text"]).
"""
from __future__ import annotations

import os
import sys

import pytest
import sqlalchemy as sa

import assistant.helpdesk.cases as cases_module
from assistant.helpdesk.cases import CaseStore

_START_URL = os.environ.get("DATABASE_URL")  # before the root conftest swaps it, when loaded early


def _pg_url() -> str | None:
    candidates = [os.environ.get("FITN7_TEST_DATABASE_URL"), os.environ.get("TRIAGE_TEST_PG_URL"),
                  _START_URL, os.environ.get("DATABASE_URL")]
    for module in list(sys.modules.values()):  # the root conftest keeps the original URL
        saved = getattr(module, "_saved_url", None)
        if isinstance(saved, str) and (getattr(module, "__file__", "") or "").endswith("conftest.py"):
            candidates.append(saved)
    for url in candidates:
        if url and url.startswith("postgresql"):
            return url
    return None


def _reset_pg(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS triage_case_notes, triage_cases, triage_feedback, "
                             "triage_staff_users, "
                             "triage_alembic_version CASCADE"))
        conn.execute(sa.text("DROP TABLE IF EXISTS events CASCADE"))
    cases_module._migrated.discard(str(engine.url))  # this process had migrated it already


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'triage.sqlite'}"
    url = _pg_url()
    if not url:
        pytest.skip("PostgreSQL non configuré (FITN7_TEST_DATABASE_URL=postgresql+psycopg2://…)")
    from assistant.db import get_engine

    _reset_pg(get_engine(url))
    return url


@pytest.fixture
def engine(db_url):
    from assistant.db import get_engine

    eng = get_engine(db_url)
    yield eng
    if db_url.startswith("sqlite"):
        eng.dispose()


@pytest.fixture
def store(engine):
    s = CaseStore(engine)
    return s


