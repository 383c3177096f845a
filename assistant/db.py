"""One SQLAlchemy engine per URL, 2.0-style (SQLAlchemy 1.4 with future=True)."""
from __future__ import annotations

import os
from functools import lru_cache

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from .config import database_url


def sqlite_busy_timeout() -> float:
    try:
        return max(0.1, float(os.environ.get("SQLITE_BUSY_TIMEOUT", 5)))
    except ValueError:
        return 5.0


def sqlite_pragmas(dbapi_conn, _record=None) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    # purged rows are overwritten, not left in free pages (Debian's SQLite has it on by default,
    # other builds do not)
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    """A new engine for `url` (get_engine() keeps one per URL)."""
    kwargs = {"future": True}
    if url.startswith("sqlite"):
        # a short busy timeout: a write meeting a lock fails fast and is retried by the caller
        # (CaseStore.record), rather than holding a thread (or an event loop) for 30 s
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": sqlite_busy_timeout()}
        if make_url(url).database not in (None, "", ":memory:"):
            # SQLAlchemy 1.4 opens a file database anew for every query (NullPool): opening it and its
            # three pragmas were a quarter of an engine answer (scripts/bench_engine.py). Pooled, as
            # SQLAlchemy 2.0 does by default; overflow so that a burst of threads never waits.
            kwargs.update(poolclass=QueuePool, pool_size=5, max_overflow=20)
    else:
        # a database server restarted (or failed over) leaves dead pooled connections: test each
        # one when it is taken, so that the first action after the restart does not fail
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", sqlite_pragmas)
    return engine


_engine = lru_cache(maxsize=8)(make_engine)


def get_engine(url: str | None = None) -> Engine:
    return _engine(url or database_url())
