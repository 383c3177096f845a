"""Two Rasa instances and two action servers behind HAProxy, on PostgreSQL and Redis: nothing lost.

`make test-cluster` (part of `make test`). One cluster (scripts/cluster.py) for the module, real
processes only; the tests run in this order, the most destructive last:

1. 20 users at once, each conversation's messages alternating between the two Rasa instances;
2. an action server killed (SIGKILL) under load, then restarted;
3. Redis restarted under load (every lock lost);
4. PostgreSQL stopped for a few seconds under load (with hand-offs: no case lost);
5. a Rasa instance killed (SIGKILL) under load and in the middle of one conversation.

Every check reads PostgreSQL: each message is stored once, in order, followed by the answers the
user got, and those answers equal a replay of the same conversation on one instance, one message at
a time, with nothing else running (`expected`). A failed message gets the web proxy's French error
and is retried by the client with the same message id, as the widget does.

Conversation ids (issue 13): through the public URL the web proxy gives Rasa a keyed hash of the
widget's id (web/server.py `rasa_sender_id`), under the cluster's own key (scripts/cluster.py,
CHAT_SECRET_FILE): the stored turns and the triage cases are looked up under that id
(`Cluster.rasa_id`, `Result.conversation_id`), and the widget's own id is never stored. A Rasa
instance called directly (the replay, the interleaving) keeps the id it is given.
"""
from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa


# Every simulated user comes from 127.0.0.1 and retries fast: the public chat's rate limits (issue 13,
# per client address and per conversation) are lifted for this load, which the web server inherits.
os.environ.setdefault("CHAT_RATE_PER_CLIENT", "1000000/minute")
os.environ.setdefault("CHAT_RATE_PER_CONVERSATION", "1000000/minute")

from assistant.helpdesk.cases import CaseStore
from scripts.cluster import MODEL, Cluster
from tests.cluster.client import HANDOFF, Result, play, scripts, texts

USERS = 20
FRENCH_ERROR = "réessayez"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not MODEL.is_file():
        pytest.fail(f"Modèle Rasa absent : {MODEL} (make train)")
    with Cluster(tmp_path_factory.mktemp("cluster"), instances=2) as c:
        c.engine = sa.create_engine(c.database_url, future=True, pool_pre_ping=True)
        yield c
        c.engine.dispose()


CONVS = scripts(USERS, handoff_every=2)


@pytest.fixture(scope="module")
def expected(cluster):
    """Each conversation replayed alone, one message at a time, on instance 1 (no load balancer)."""
    url = cluster.rasa_url(1) + "/webhooks/rest/webhook"
    results = asyncio.run(play(CONVS, lambda i, k: url, users=1))
    return [[texts(a, r.conversation_id) for a in r.answers] for r in results]


def stored(cluster, conversation_id: str) -> list[tuple[str, list[str]]]:
    """The conversation as PostgreSQL holds it: [(user text, [bot texts and buttons after it])]."""
    with cluster.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT type_name, data FROM events WHERE sender_id = :s "
                                    "AND type_name IN ('user', 'bot') ORDER BY id"),
                            {"s": conversation_id}).all()
    turns: list[tuple[str, list[str]]] = []
    for type_name, data in rows:
        event = json.loads(data)
        if type_name == "user":
            turns.append((event["text"], []))
        else:
            msg = {"text": event.get("text"), **(event.get("data") or {})}
            turns[-1][1].extend(texts([msg], conversation_id))
    return turns


def stored_under(cluster, ids: list[str]) -> set[str]:
    """Those of `ids` under which `events` holds anything."""
    with cluster.engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT DISTINCT sender_id FROM events WHERE sender_id = ANY(:ids)"),
                                {"ids": ids}).scalars())


def check_nothing_lost(cluster, results: list[Result], expected) -> None:
    assert len(results) == len(CONVS)
    for conv, result, want in zip(CONVS, results, expected):
        got = [texts(a, result.conversation_id) for a in result.answers]
        assert got == want, f"answers of {result.sender} differ from the single-instance replay"
        # each message stored once, in order, each followed by exactly the answer the user got
        assert stored(cluster, result.conversation_id) == list(zip(conv, want))
    hashed = [r.sender for r in results if r.conversation_id != r.sender]
    # through the web proxy, the widget's own id reaches neither Rasa nor PostgreSQL
    assert not stored_under(cluster, hashed)
    for f in (f for r in results for f in r.failures):
        # only the web proxy's French error (never a silent or raw one; the LB itself never fails)
        assert f.status in (502, 503) and FRENCH_ERROR in f.error, f


def disrupt_after(n_turns: int, action) -> tuple:
    """An on_turn hook running `action` in a thread once n_turns have been answered."""
    state: dict = {"thread": None}

    async def on_turn(done: int) -> None:
        if done >= n_turns and state["thread"] is None:
            state["thread"] = threading.Thread(target=action, daemon=True)
            state["thread"].start()

    def join() -> None:
        assert state["thread"] is not None, "the run ended before the disruption"
        state["thread"].join(120)

    return on_turn, join


def play_public(cluster, convs, users: int = USERS, on_turn=None):
    """Play through the load balancer's public URL (web proxy), as the widget does."""
    return asyncio.run(play(convs, lambda i, k: cluster.public_url + "/api/chat", users=users,
                            on_turn=on_turn, rasa_id=cluster.rasa_id))


def test_interleaved_on_two_instances(cluster, expected):
    urls = [cluster.rasa_url(n) + "/webhooks/rest/webhook" for n in (1, 2)]
    results = asyncio.run(play(CONVS, lambda i, k: urls[(i + k) % 2], users=USERS))
    check_nothing_lost(cluster, results, expected)
    assert not [f for r in results for f in r.failures]     # nothing failed: no lock timeout
    # and the same through the load balancer (leastconn: turns land on both instances)
    before = cluster.backend_sessions()
    results = play_public(cluster, CONVS)
    assert all(r.conversation_id != r.sender for r in results)
    check_nothing_lost(cluster, results, expected)
    after = cluster.backend_sessions()
    assert all(after[f"rasa/rasa{n}"] > before[f"rasa/rasa{n}"] for n in (1, 2))


def test_action_server_killed(cluster, expected):
    def kill_and_restart():
        cluster.kill("actions1")
        time.sleep(2)
        cluster.start_proc("actions1")

    on_turn, join = disrupt_after(15, kill_and_restart)
    results = play_public(cluster, CONVS, on_turn=on_turn)
    join()
    check_nothing_lost(cluster, results, expected)
    cluster.wait_proc("actions1")
    cluster.wait_backends(names=["actions1"])


def test_redis_restart(cluster, expected):
    on_turn, join = disrupt_after(15, lambda: cluster.redis.restart(down_for=2.0))
    results = play_public(cluster, CONVS, on_turn=on_turn)
    join()
    check_nothing_lost(cluster, results, expected)
    failures = [f for r in results for f in r.failures]
    assert failures, "no message was in flight while Redis was down"


def test_postgresql_briefly_unavailable(cluster, expected):
    def outage():
        cluster.pg.stop("immediate")
        time.sleep(3)
        cluster.pg.start()

    on_turn, join = disrupt_after(15, outage)
    results = play_public(cluster, CONVS, on_turn=on_turn)
    join()
    check_nothing_lost(cluster, results, expected)
    assert [f for r in results for f in r.failures], "no message was in flight during the outage"
    # one case per conversation, with its hand-off when the user asked for one
    # cases are keyed by the conversation id Rasa knows (the hash), as the triage reads them
    senders = {r.conversation_id: HANDOFF in conv for r, conv in zip(results, CONVS)}
    with cluster.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT conversation_id, handoff_reason FROM triage_cases "
                                    "WHERE conversation_id = ANY(:ids)"), {"ids": list(senders)}).all()
    by_conv: dict[str, list] = {}
    for conv_id, reason in rows:
        by_conv.setdefault(conv_id, []).append(reason)
    handoffs = {s for s, asked in senders.items() if asked}
    assert handoffs <= set(by_conv), "a hand-off was lost"
    assert all(len(v) == 1 for v in by_conv.values())
    assert all(by_conv[s][0] for s in handoffs)
    # and the helpdesk finds each hand-off's conversation: the case's transcript (web/triage.py)
    # holds the user's messages, in order
    store = CaseStore(cluster.engine, migrate_on_first_use=False)
    for r, conv in zip(results, CONVS):
        if HANDOFF in conv:
            lines = store.transcript(r.conversation_id)
            assert [ln.text for ln in lines if ln.speaker == "user"] == conv, r.conversation_id


def test_rasa_instance_killed(cluster, expected):
    on_turn, join = disrupt_after(15, lambda: cluster.kill("rasa1"))
    results = play_public(cluster, CONVS, on_turn=on_turn)
    join()
    check_nothing_lost(cluster, results, expected)
    # afterwards every message goes to the other instance, at once
    cluster.wait_backends("DOWN", names=["rasa1"])
    results = play_public(cluster, CONVS[:4], users=4)
    check_nothing_lost_prefix(cluster, results, expected[:4])


def check_nothing_lost_prefix(cluster, results, expected) -> None:
    for conv, result, want in zip(CONVS, results, expected):
        assert [texts(a, result.conversation_id) for a in result.answers] == want
        assert stored(cluster, result.conversation_id) == list(zip(conv, want))
        assert not result.failures
