"""rasa_plugins/lock_store.py against a real, throwaway redis-server (tests/cluster/services.py).

Contenders are separate store objects (separate connection pools), as two Rasa instances are.
"""
from __future__ import annotations

import asyncio
import time

import pytest
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_plugins import lock_store
from tests.cluster.services import RedisServer


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


def store(redis, **kw):
    return lock_store.AtomicRedisLockStore(host="127.0.0.1", port=redis.port, **kw)


def run(coro):
    return asyncio.run(coro)


def test_two_contenders_never_hold_it_at_once(redis):
    # 3 "instances", 60 tasks, 4 conversations: at any moment at most one holder per conversation,
    # and every task gets its turn (nobody times out, nothing is skipped)
    async def scenario():
        stores = [store(redis, wait_timeout=30, poll_interval=0.005) for _ in range(3)]
        holders: dict[str, int] = {}
        overlaps: list[str] = []
        done: list[int] = []

        async def contender(n: int):
            conv = f"conv-{n % 4}"
            async with stores[n % 3].lock(conv):
                holders[conv] = holders.get(conv, 0) + 1
                if holders[conv] > 1:
                    overlaps.append(conv)
                await asyncio.sleep(0.003)      # the "turn": yields to every other task
                holders[conv] -= 1
            done.append(n)

        await asyncio.gather(*(contender(n) for n in range(60)))
        return overlaps, done

    overlaps, done = run(scenario())
    assert overlaps == []
    assert sorted(done) == list(range(60))


def test_only_the_owner_releases(redis):
    async def scenario():
        a, b = store(redis), store(redis)
        token = await a.acquire("owned", lock_lifetime=5)
        assert await b.release("owned", "not-the-token") is False
        with pytest.raises(LockError, match="within 0.2 s"):
            await b.acquire("owned", wait_timeout=0.2)     # still held by a
        assert await a.release("owned", token) is True
        assert await a.release("owned", token) is False    # a second release does nothing
        again = await b.acquire("owned", wait_timeout=0.5)  # free now
        await b.release("owned", again)

    run(scenario())


def test_an_expired_holder_cannot_free_the_next_holder(redis):
    async def scenario():
        a, b = store(redis), store(redis)
        stale = await a.acquire("expiry", lock_lifetime=0.15)
        start = time.monotonic()
        fresh = await b.acquire("expiry", lock_lifetime=5, wait_timeout=3)   # taken after expiry
        waited = time.monotonic() - start
        assert await a.release("expiry", stale) is False
        assert await redis_value(b, "expiry") == fresh
        await b.release("expiry", fresh)
        return waited

    waited = run(scenario())
    assert 0.05 < waited < 2


async def redis_value(s, conv):
    value = await s.red.get(s.key(conv))
    return value.decode() if value else None


def test_held_lock_is_extended_while_the_turn_lasts(redis):
    # lifetime 0.3 s, a turn of 1 s: the holder keeps it, a contender with 0.6 s of patience fails
    async def scenario():
        a, b = store(redis, lock_lifetime=0.3), store(redis, poll_interval=0.01)
        async with a.lock("long"):
            await asyncio.sleep(0.1)
            with pytest.raises(LockError):
                await b.acquire("long", wait_timeout=0.9)
        token = await b.acquire("long", wait_timeout=0.5)   # released at the end of the block
        await b.release("long", token)

    run(scenario())


def test_bounded_wait_raises_a_clear_error(redis):
    async def scenario():
        a, b = store(redis), store(redis, wait_timeout=0.3)
        token = await a.acquire("busy", lock_lifetime=10)
        start = time.monotonic()
        with pytest.raises(LockError) as err:
            async with b.lock("busy"):
                pytest.fail("entered a lock held by someone else")
        elapsed = time.monotonic() - start
        await a.release("busy", token)
        return str(err.value), elapsed

    message, elapsed = run(scenario())
    assert "conversation 'busy'" in message and "0.3 s" in message
    assert 0.25 < elapsed < 1.5


def test_redis_unreachable_is_a_lock_error_and_nothing_runs(tmp_path):
    with RedisServer(tmp_path) as server:
        port = server.port
    s = lock_store.AtomicRedisLockStore(host="127.0.0.1", port=port, socket_timeout=0.5)
    ran = []

    async def scenario():
        with pytest.raises(LockError, match="unreachable"):
            async with s.lock("down"):
                ran.append(True)

    run(scenario())
    assert ran == []


def test_redis_lost_while_held_lets_the_turn_finish(tmp_path):
    # the tracker is in SQL, not Redis: a failed release is logged, the turn is not undone
    with RedisServer(tmp_path) as server:
        s = lock_store.AtomicRedisLockStore(host="127.0.0.1", port=server.port, socket_timeout=0.5)
        finished = []

        async def scenario():
            async with s.lock("lost"):
                server.stop()
                finished.append(True)

        run(scenario())
        assert finished == [True]


def test_built_by_rasa_from_the_endpoints_file(redis, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "lock_store:\n  type: rasa_plugins.lock_store.AtomicRedisLockStore\n"
        f"  url: 127.0.0.1\n  port: {redis.port}\n  key_prefix: fitn7\n  lock_lifetime: 7\n"
        "  wait_timeout: 3\n", encoding="utf-8")
    from rasa.core.utils import AvailableEndpoints

    config = AvailableEndpoints.read_endpoints(str(endpoints)).lock_store
    assert isinstance(config, EndpointConfig)
    created = LockStore.create(config)
    assert type(created).__name__ == "AtomicRedisLockStore"
    assert (created.lock_lifetime, created.wait_timeout) == (7.0, 3.0)
    assert created.key("x") == "fitn7:lock:x"

    async def scenario():
        async with created.lock("from-endpoints") as token:
            assert await redis_value(created, "from-endpoints") == token
        assert await redis_value(created, "from-endpoints") is None

    run(scenario())
    with pytest.raises(AttributeError):
        lock_store.NoSuchStore  # noqa: B018
