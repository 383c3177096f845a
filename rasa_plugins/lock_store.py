"""A conversation lock held in Redis that stays exclusive across Rasa instances.

Rasa 3.6 takes a lock per conversation around each message (`Agent.handle_message`, and the HTTP
API's tracker routes), so that two messages of one conversation are never handled at once: the
second would read the tracker before the first saved it, and one turn would be lost or doubled.
Rasa Open Source's `RedisLockStore` is not atomic across instances (RasaHQ/rasa#9213: it reads the
ticket list, changes it in Python, writes it back; two instances can both see themselves served).

`AtomicRedisLockStore` takes the lock in one Redis operation:

- acquire: ``SET lock:<conversation> <token> NX PX <lifetime>``, where the token is random and
  unique to this holder; the first ``SET`` wins, every other contender gets nothing and polls
  again (every `poll_interval` seconds, with jitter) until `wait_timeout` seconds have passed, then
  raises `LockError` with a clear message (the turn is then not handled at all: nothing applied);
- while held, the lock is extended every third of its lifetime (Lua: extend only if the token is
  still ours), so a long turn keeps it and a crashed instance's lock frees within `lock_lifetime`;
- release: a Lua compare-and-delete (delete only if the key still holds our token): a holder whose
  lock expired and was taken by someone else never frees the new holder's lock.

Redis unreachable when taking the lock: `LockError` (nothing handled, the REST channel of
rasa_plugins/rest_channel.py answers 503 and the web proxy shows its French error). Redis lost while
the lock is held: the turn finishes (its tracker is in SQL, not in Redis), the failed release is
logged and the key expires by itself. Waiters are not served first-come first-served (Rasa's ticket
queue is not either across instances); one user's messages come one at a time from the widget.

Endpoints (the keys Rasa's own ``type: redis`` store takes, plus ours)::

    lock_store:
      type: rasa_plugins.lock_store.AtomicRedisLockStore
      url: ${REDIS_HOST}
      port: ${REDIS_PORT}
      db: 1                 # optional
      password: ...         # optional
      key_prefix: fitn7     # optional, keys are "<prefix>:lock:<conversation id>"
      lock_lifetime: 10     # seconds, extended while held (default 10)
      wait_timeout: 20      # seconds a message waits for the lock (default 20)

Like the tracker store, the class is defined on first access, so that the action server (which
imports every module of this package) never imports Rasa's core from here.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import time
from typing import Any, AsyncIterator

log = logging.getLogger(__name__)

DEFAULT_LOCK_LIFETIME = 10.0
DEFAULT_WAIT_TIMEOUT = 20.0
DEFAULT_POLL_INTERVAL = 0.02
DEFAULT_SOCKET_TIMEOUT = 5.0
KEY_PREFIX = "lock:"

# KEYS[1] = lock key, ARGV[1] = token: delete only if the key still holds our token
RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""
# KEYS[1] = lock key, ARGV[1] = token, ARGV[2] = lifetime in ms: extend only our own lock
EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


def _define_store() -> type:
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError
    from rasa.core.lock_store import LockError, LockStore

    class AtomicRedisLockStore(LockStore):
        """Exclusive per-conversation lock in Redis (see the module docstring)."""

        def __init__(self, endpoint_config: Any = None, *, host: str | None = None,
                     port: int | None = None, db: int | None = None, password: str | None = None,
                     key_prefix: str | None = None, lock_lifetime: float | None = None,
                     wait_timeout: float | None = None, poll_interval: float | None = None,
                     socket_timeout: float | None = None, use_ssl: bool = False) -> None:
            kw: dict[str, Any] = dict(getattr(endpoint_config, "kwargs", None) or {})
            host = host or getattr(endpoint_config, "url", None) or kw.get("host") or "localhost"

            def pick(value: Any, key: str, default: Any) -> Any:
                if value is not None:
                    return value
                found = kw.get(key)
                return default if found in (None, "") else found

            self.lock_lifetime = float(pick(lock_lifetime, "lock_lifetime", DEFAULT_LOCK_LIFETIME))
            self.wait_timeout = float(pick(wait_timeout, "wait_timeout", DEFAULT_WAIT_TIMEOUT))
            self.poll_interval = float(pick(poll_interval, "poll_interval", DEFAULT_POLL_INTERVAL))
            if self.lock_lifetime <= 0 or self.wait_timeout < 0 or self.poll_interval <= 0:
                raise ValueError("lock_lifetime and poll_interval must be > 0, wait_timeout >= 0")
            prefix = pick(key_prefix, "key_prefix", "")
            self.key_prefix = (f"{prefix}:" if prefix else "") + KEY_PREFIX
            self.red = aioredis.Redis(
                host=str(host), port=int(pick(port, "port", 6379)), db=int(pick(db, "db", 0)),
                password=pick(password, "password", None) or None,
                ssl=bool(pick(use_ssl or None, "use_ssl", False)),
                socket_timeout=float(pick(socket_timeout, "socket_timeout", DEFAULT_SOCKET_TIMEOUT)),
                socket_connect_timeout=float(pick(socket_timeout, "socket_timeout", DEFAULT_SOCKET_TIMEOUT)),
            )
            self._release = self.red.register_script(RELEASE)
            self._extend = self.red.register_script(EXTEND)

        def key(self, conversation_id: str) -> str:
            return self.key_prefix + conversation_id

        async def acquire(self, conversation_id: str, lock_lifetime: float | None = None,
                          wait_timeout: float | None = None) -> str:
            """Take the lock (one SET NX PX per attempt); its token, or LockError."""
            lifetime_ms = max(1, int(1000 * (lock_lifetime or self.lock_lifetime)))
            wait = self.wait_timeout if wait_timeout is None else wait_timeout
            token = secrets.token_hex(16)
            key = self.key(conversation_id)
            deadline = time.monotonic() + wait
            while True:
                try:
                    if await self.red.set(key, token, nx=True, px=lifetime_ms):
                        return token
                except (RedisError, OSError) as exc:
                    raise LockError(f"Lock store (Redis) unreachable, conversation "
                                    f"'{conversation_id}' not handled: {exc!r}") from exc
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LockError(f"Could not acquire the lock of conversation '{conversation_id}' "
                                    f"within {wait:g} s (another message of it is being handled).")
                await asyncio.sleep(min(left, self.poll_interval * random.uniform(0.5, 1.5)))

        async def release(self, conversation_id: str, token: str) -> bool:
            """Delete the lock if it still holds `token`; False if it was not ours any more."""
            try:
                return bool(await self._release(keys=[self.key(conversation_id)], args=[token]))
            except (RedisError, OSError) as exc:
                log.warning("could not release the lock of %s (it expires by itself): %r",
                            conversation_id, exc)
                return False

        async def extend(self, conversation_id: str, token: str, lock_lifetime: float | None = None) -> bool:
            lifetime_ms = max(1, int(1000 * (lock_lifetime or self.lock_lifetime)))
            return bool(await self._extend(keys=[self.key(conversation_id)], args=[token, lifetime_ms]))

        async def _keep_alive(self, conversation_id: str, token: str, lifetime: float) -> None:
            while True:
                await asyncio.sleep(lifetime / 3)
                try:
                    if not await self.extend(conversation_id, token, lifetime):
                        log.warning("the lock of %s expired while held", conversation_id)
                        return
                except (RedisError, OSError) as exc:
                    log.warning("could not extend the lock of %s: %r", conversation_id, exc)

        @contextlib.asynccontextmanager
        async def lock(self, conversation_id: str, lock_lifetime: float | None = None,
                       wait_time_in_seconds: float | None = None) -> AsyncIterator[str]:
            # Rasa calls lock(sender_id) with no other argument; `wait_time_in_seconds` is its
            # polling interval, ours is poll_interval: both arguments are accepted and unused
            # unless a caller gives a lock lifetime explicitly.
            lifetime = float(lock_lifetime) if lock_lifetime else self.lock_lifetime
            token = await self.acquire(conversation_id, lifetime)
            keeper = asyncio.ensure_future(self._keep_alive(conversation_id, token, lifetime))
            try:
                yield token
            finally:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await keeper
                await self.release(conversation_id, token)

        # Rasa's ticket-lock interface: nothing in Rasa 3.6 calls it besides lock() (agent.py,
        # server.py); there are no tickets here, so it has nothing to hand out or save.
        def get_lock(self, conversation_id: str) -> None:
            return None

        def delete_lock(self, conversation_id: str) -> None:
            raise NotImplementedError("AtomicRedisLockStore: use lock(), never delete a lock by hand")

        def save_lock(self, lock: Any) -> None:
            raise NotImplementedError("AtomicRedisLockStore: use lock()")

        def is_someone_waiting(self, conversation_id: str) -> bool:
            return False

    return AtomicRedisLockStore


_defined: dict[str, type] = {}


def __getattr__(name: str) -> type:
    # built on first access (by Rasa, when it reads the endpoints file), never at import
    if name == "AtomicRedisLockStore":
        if name not in _defined:
            _defined[name] = _define_store()
        return _defined[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
