"""A file SQLite database is opened once per pooled connection, not once per query: SQLAlchemy 1.4's
default for files (NullPool) reopened it and re-ran its pragmas for every referential lookup, a
quarter of an engine answer (scripts/bench_engine.py)."""
from __future__ import annotations

import sqlalchemy as sa

from assistant.db import make_engine


def test_a_file_database_is_not_reopened_for_every_query(tmp_path):
    url = f"sqlite:///{tmp_path / 'pool.sqlite'}"
    engine = make_engine(url)
    opened = []
    sa.event.listen(engine, "connect", lambda *a: opened.append(1))
    try:
        for _ in range(20):
            with engine.connect() as conn:
                assert conn.execute(sa.text("select 1")).scalar() == 1
        assert len(opened) <= 1
        # the pragmas still hold on the pooled connection
        with engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_an_in_memory_database_keeps_its_own_pool():
    engine = make_engine("sqlite://")
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar() == 1
        assert type(engine.pool).__name__ != "QueuePool"
    finally:
        engine.dispose()
