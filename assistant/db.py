"""One SQLAlchemy engine per URL, 2.0-style (SQLAlchemy 1.4 with future=True)."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from .config import database_url


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    kwargs = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        # a database server restarted (or failed over) leaves dead pooled connections: test each
        # one when it is taken, so that the first action after the restart does not fail
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
    return engine


def get_engine(url: str | None = None) -> Engine:
    return _engine(url or database_url())
