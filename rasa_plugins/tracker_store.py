"""Rasa's SQL tracker store, without reloading on every message the conversation it just saved.

Rasa 3.6's `SQLTrackerStore` rebuilds the whole tracker from the database on every message
(every stored event decoded and replayed) and, on every save, counts the stored events of the
session to know which ones are new: about a quarter of the Rasa server's CPU per conversation turn
on our 2-core machine (docs/ARCHITECTURE.md, "Performance"). `CachedSQLTrackerStore` stores the same
rows in the same `events` table, and keeps in memory the trackers it has just saved:

- `retrieve` hands out the kept tracker when the database still holds exactly the rows this
  store wrote for that conversation (one indexed `count(*)`; another Rasa instance writing to the
  same conversation makes it reload from the database), else rebuilds it from SQL as Rasa does;
- `save` inserts the events added since that tracker was handed out, without counting again;
  a tracker it did not hand out (another code path, Rasa's HTTP API) is saved the way Rasa does;
- a tracker is kept only once saved: a message whose handling failed before the save leaves
  nothing in memory, and the next message rebuilds the conversation from the database;
- at most `cache_size` conversations are kept (least recently saved dropped first; 0 disables);
- a tracker that holds a `SessionStarted` after its first event (the session expired during this
  message) is not kept: Rasa's store reads only the last session, so the next message rebuilds it
  from SQL and gets exactly what Rasa's store returns.

- a conversation idle for `cache_ttl` seconds (a day by default) is dropped from memory, so a
  purged conversation (`assistant purge`, much older) is never kept in this process; a purge
  of a kept conversation is also seen by the row count above;
- every database call runs in a worker thread, never on Rasa's event loop: a write lock held
  by another process (a purge) delays that conversation only, not every other one; SQLite waits
  at most SQLITE_BUSY_TIMEOUT_TRACKER seconds (10) for a lock, then the turn fails and the REST
  channel (rasa_plugins/rest_channel.py) answers 503, never a turn reported as done.

The database stays the record: a restart of the server resumes every conversation from it.
On SQLite the store also turns on WAL with `synchronous=NORMAL` (a commit no longer waits for
a disk flush; a power cut may lose the last commits, never corrupt the file).

Used by endpoints.yml, endpoints.postgres.yml and tests/stack.py as
`type: rasa_plugins.tracker_store.CachedSQLTrackerStore` (with the usual SQL keys, plus `cache_size`).
Rasa, when it cannot import a custom store, silently falls back to memory: tests/actions
check that this one is what the server uses. The class is defined on first access, so that the
action server (which imports every module of this package) never imports Rasa's core from here.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_CACHE_SIZE = 1000
DEFAULT_CACHE_TTL = 24 * 3600
SQLITE_POOL_SIZE = 8      # connections kept (as many again may be opened when all are in use)


def _busy_timeout() -> float:
    try:
        return max(0.1, float(os.environ.get("SQLITE_BUSY_TIMEOUT_TRACKER", 10)))
    except ValueError:
        return 10.0


def _define_store() -> type:
    import itertools
    import json

    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    class CachedSQLTrackerStore(SQLTrackerStore):
        """SQLTrackerStore keeping the trackers it saved (see the module docstring)."""

        def __init__(self, *args: Any, cache_size: int = DEFAULT_CACHE_SIZE,
                     cache_ttl: float = DEFAULT_CACHE_TTL, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.cache_size = max(0, int(cache_size))
            self.cache_ttl = float(cache_ttl)
            self._swept = 0.0
            # Three tables, each bounded by cache_size (oldest entry dropped first, see _put):
            # saved: sender id -> (tracker, its number of events, number of rows stored for the sender)
            self._kept: dict[str, tuple[DialogueStateTracker, int, int]] = {}
            # handed out by retrieve/create_tracker, not saved back yet (a failed turn never is)
            self._lent: dict[str, tuple[DialogueStateTracker | None, int, int]] = {}
            # senders with no stored event, from retrieve until create_tracker
            self._new: dict[str, None] = {}
            table = self.SQLEvent.__table__
            self._insert = table.insert()
            self._count = (sa.select(sa.func.count()).select_from(table)
                           .where(table.c.sender_id == sa.bindparam("sender_id")))
            if self.engine.dialect.name == "sqlite":
                # Rasa's engine opens a new SQLite connection per query (SQLAlchemy 1.4's NullPool
                # for files): pooled connections instead, with WAL. A QueuePool lends each
                # connection to one worker thread at a time; SingletonThreadPool (one connection
                # per thread, at most 5 kept, the others closed while possibly in use) crashed
                # libsqlite3 with several conversations at once (issue 11's evaluation).
                self.engine.dispose()
                self.engine = sa.create_engine(self.engine.url, poolclass=sa.pool.QueuePool,
                                               pool_size=SQLITE_POOL_SIZE, max_overflow=SQLITE_POOL_SIZE,
                                               pool_timeout=_busy_timeout() * 3,
                                               connect_args={"timeout": _busy_timeout(),
                                                             "check_same_thread": False})
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
                self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

        def _insert_rows(self, rows: list[dict]) -> None:
            with self.engine.begin() as conn:
                conn.execute(self._insert, rows)

        def _stored_rows(self, sender_id: str) -> int:
            with self.engine.connect() as conn:
                return int(conn.execute(self._count, {"sender_id": sender_id}).scalar() or 0)

        async def _threaded(self, coro_function, *args: Any) -> Any:
            """Run one of Rasa's (blocking inside) store coroutines in a worker thread."""
            if self.event_broker is not None:   # the broker lives on Rasa's loop
                return await coro_function(self, *args)
            return await asyncio.to_thread(lambda: asyncio.run(coro_function(self, *args)))

        async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
            self._sweep()
            kept = self._kept.pop(sender_id, None)
            if kept is not None:
                tracker, n_events, n_rows = kept
                if len(tracker.events) == n_events and \
                        await asyncio.to_thread(self._stored_rows, sender_id) == n_rows:
                    self._put(self._lent, sender_id, kept)
                    return tracker
                log.debug("conversation %s changed outside this store: reloaded", sender_id)
            tracker = await self._threaded(SQLTrackerStore.retrieve, sender_id)
            if not self.cache_size:
                return tracker
            if tracker is not None:
                self._put(self._lent, sender_id,
                          (tracker, len(tracker.events),
                           await asyncio.to_thread(self._stored_rows, sender_id)))
            else:
                # Rasa found no event at all for this sender (with none in the latest session,
                # it would have returned every older one): the tracker it creates next starts at 0
                self._put(self._new, sender_id, None)
            return tracker

        async def create_tracker(self, sender_id: str,
                                 append_action_listen: bool = True) -> DialogueStateTracker:
            # Rasa saves a new tracker, then hands it out: lend it, as retrieve does
            if self._new.pop(sender_id, False) is None:
                self._put(self._lent, sender_id, (None, 0, 0))
            tracker = await super().create_tracker(sender_id, append_action_listen)
            kept = self._kept.pop(sender_id, None)
            if kept is not None and kept[0] is tracker:
                self._put(self._lent, sender_id, kept)
            return tracker

        def _sweep(self) -> None:
            """Drop the kept conversations idle for cache_ttl (at most once a minute)."""
            now = time.time()
            if now - self._swept < 60 and self._swept:
                return
            self._swept = now
            for sender_id, (tracker, _, _) in list(self._kept.items()):
                last = tracker.events[-1].timestamp if tracker.events else 0
                if now - (last or 0) > self.cache_ttl:
                    del self._kept[sender_id]

        def _put(self, table: dict, sender_id: str, entry: Any) -> None:
            """Store as the newest entry of `table`; drop the oldest beyond cache_size."""
            if not self.cache_size:
                return
            table.pop(sender_id, None)
            table[sender_id] = entry
            while len(table) > self.cache_size:
                del table[next(iter(table))]

        async def save(self, tracker: DialogueStateTracker) -> None:
            sender_id = tracker.sender_id
            lent = self._lent.pop(sender_id, None)
            if lent is not None and lent[0] is None:  # the tracker create_tracker makes: all new
                lent = (tracker, 0, 0)
            if lent is None or lent[0] is not tracker or len(tracker.events) < lent[1]:
                # not the tracker this store handed out: Rasa's way (count the stored events)
                self._kept.pop(sender_id, None)
                await self._threaded(SQLTrackerStore.save, tracker)
                if self.cache_size and not _new_session(tracker.events, 1):
                    self._put(self._kept, sender_id,
                              (tracker, len(tracker.events),
                               await asyncio.to_thread(self._stored_rows, sender_id)))
                return
            _, n_events, n_rows = lent
            new_events = list(itertools.islice(tracker.events, n_events, None))
            if self.event_broker is not None:
                await self._stream_new_events(self.event_broker, new_events, sender_id)
            if new_events:
                rows = []
                for event in new_events:
                    data = event.as_dict()
                    rows.append({
                        "sender_id": sender_id, "type_name": event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                        "action_name": data.get("name"), "data": json.dumps(data)})
                await asyncio.to_thread(self._insert_rows, rows)
            if _new_session(new_events, 1 if n_events == 0 else 0):
                return  # not what Rasa's store reads back (the last session only): rebuilt next time
            self._put(self._kept, sender_id, (tracker, len(tracker.events), n_rows + len(new_events)))

    return CachedSQLTrackerStore


def _new_session(events: Any, start: int) -> bool:
    """A SessionStarted among `events` from index `start` on."""
    from rasa.shared.core.events import SessionStarted

    return any(isinstance(e, SessionStarted) for e in itertools.islice(events, start, None))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


_defined: dict[str, type] = {}


def __getattr__(name: str) -> type:
    # built on first access (by Rasa, when it reads endpoints.yml), never at import
    if name == "CachedSQLTrackerStore":
        if name not in _defined:
            _defined[name] = _define_store()
        return _defined[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
