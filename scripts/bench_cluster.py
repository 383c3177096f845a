#!/usr/bin/env python
"""Benchmark of the cluster through its load balancer: 1 then 2 instances, 20 and 50 users.

    .venv/bin/python scripts/bench_cluster.py [--conversations 60]

Starts scripts/cluster.py's topology once (PostgreSQL, Redis, 2 Rasa + 2 action servers, web,
HAProxy), then, in one run:

1. with the second Rasa instance and the second action server out of rotation (HAProxy's
   runtime API: `disable server`), plays --conversations conversations (2 to 6 messages each,
   tests/cluster/client.py) at 20 then 50 users sending without pause, through the public URL
   (web proxy -> HAProxy -> Rasa -> HAProxy -> action server);
2. the same with both instances in rotation.

Prints, per phase: turns/s, p50/p95 latency of a turn, failed attempts; and per turn: CPU
milliseconds of each kind of process (from /proc: Rasa, action servers, web, HAProxy, PostgreSQL,
Redis), PostgreSQL transactions and inserted rows (pg_stat_database), Redis commands (INFO). From
them: the first shared bottleneck (PostgreSQL or Redis: one core each) and its headroom, i.e. how
many turns/s N machines of one Rasa + one action server each could serve before it saturates.
Figures are printed, never asserted. Every loop is bounded.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Every simulated user comes from 127.0.0.1 and retries fast: the public chat's rate limits (issue 13,
# per client address and per conversation) are lifted for this load, which the web server inherits.
os.environ.setdefault("CHAT_RATE_PER_CLIENT", "1000000/minute")
os.environ.setdefault("CHAT_RATE_PER_CONVERSATION", "1000000/minute")

from scripts.cluster import Cluster  # noqa: E402
from tests.cluster.client import play, scripts  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])      # utime + stime
        except (OSError, IndexError, ValueError):
            pass
    return total / TICKS


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]                       # idle + iowait
    return (sum(fields[:8]) - idle) / TICKS, sum(fields[:8]) / TICKS


def tree(pid: int) -> list[int]:
    """pid and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def groups(cluster: Cluster) -> dict[str, list[int]]:
    pg_pid = int((cluster.pg.dir / "data" / "postmaster.pid").read_text().split()[0])
    out = {"postgresql": tree(pg_pid), "redis": tree(cluster.redis.proc.pid),
           "haproxy": tree(cluster.lb.proc.pid)}
    for name, p in cluster.procs.items():
        kind = name.rstrip("0123456789")
        out.setdefault(kind, []).extend(tree(p.popen.pid))
    return out


def counters(cluster: Cluster, engine) -> dict[str, float]:
    with engine.connect() as conn:
        xact, ins = conn.execute(sa.text(
            "SELECT xact_commit + xact_rollback, tup_inserted FROM pg_stat_database "
            "WHERE datname = current_database()")).one()
        # every statement sent, BEGIN/COMMIT included: the database round trips
        calls = conn.execute(sa.text(
            "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())")).scalar()
    import redis

    info = redis.Redis(host="127.0.0.1", port=cluster.redis.port).info("stats")
    busy, total = machine_cpu()
    out = {"machine_busy": busy, "machine_total": total, "pg_xact": float(xact), "pg_rows": float(ins), "pg_calls": float(calls),
           "redis_cmds": float(info["total_commands_processed"])}
    for kind, pids in groups(cluster).items():
        out[f"cpu_{kind}"] = cpu_seconds(pids)
    return out


def phase(cluster: Cluster, engine, convs, users: int) -> dict:
    before, t0 = counters(cluster, engine), time.perf_counter()
    results = asyncio.run(play(convs, lambda i, k: cluster.public_url + "/api/chat", users=users,
                               timeout=180))
    wall = time.perf_counter() - t0
    after = counters(cluster, engine)
    lat = sorted(x for r in results for x in r.latencies)
    turns = len(lat)
    per_turn = {k: (after[k] - before[k]) / turns for k in after if not k.startswith("machine")}
    ours = sum(v for k, v in per_turn.items() if k.startswith("cpu_")) * turns
    # CPU the rest of the machine (other jobs, this client) used meanwhile, in cores
    others = (after["machine_busy"] - before["machine_busy"] - ours) / wall
    return {"users": users, "turns": turns, "tps": turns / wall, "others": others,
            "p50": 1000 * statistics.median(lat), "p95": 1000 * lat[int(0.95 * (turns - 1))],
            "failures": sum(len(r.failures) for r in results), "per_turn": per_turn}


def report(rows: list[dict]) -> None:
    # CPU per turn of each phase: whether a second instance costs more per turn (a turn landing on
    # the other instance than the previous one reloads the conversation from PostgreSQL)
    print("\ninstances users  turns  turns/s  p50 ms  p95 ms  failed attempts  other CPU (cores)"
          "  CPU ms/turn (all ours, Rasa, PostgreSQL)")
    for r in rows:
        pt = r["per_turn"]
        ours = 1000 * sum(v for k, v in pt.items() if k.startswith("cpu_"))
        print(f"{r['instances']:>9} {r['users']:>5} {r['turns']:>6} {r['tps']:>8.1f} {r['p50']:>7.0f} "
              f"{r['p95']:>7.0f} {r['failures']:>8} {r['others']:>12.2f}   {ours:6.1f} "
              f"{1000 * pt.get('cpu_rasa', 0):6.1f} {1000 * pt.get('cpu_postgresql', 0):5.1f}")
    by = {(r["instances"], r["users"]): r for r in rows}
    for users in (20, 50):
        if (1, users) in by and (2, users) in by:
            print(f"  {users} users: 2 instances / 1 instance = "
                  f"{by[(2, users)]['tps'] / by[(1, users)]['tps']:.2f} (turns/s), "
                  f"{by[(2, users)]['p95'] / by[(1, users)]['p95']:.2f} (p95)")
    # per-turn costs, averaged over the phases with two instances
    two = [r for r in rows if r["instances"] == 2] or rows
    avg = {k: statistics.mean(r["per_turn"][k] for r in two) for k in two[0]["per_turn"]}
    print("\nper turn (mean of the 2-instance phases):")
    for k in sorted(k for k in avg if k.startswith("cpu_")):
        print(f"  CPU {k[4:]:<11} {1000 * avg[k]:7.1f} ms")
    print(f"  PostgreSQL   {avg['pg_calls']:7.1f} round trips (statements, BEGIN/COMMIT included), "
          f"{avg['pg_xact']:.1f} transactions, {avg['pg_rows']:.1f} rows inserted")
    print(f"  Redis        {avg['redis_cmds']:7.1f} commands")
    machine = 1000 * (avg.get("cpu_rasa", 0) + avg.get("cpu_actions", 0) + avg.get("cpu_web", 0))
    shared = {"PostgreSQL": 1000 * avg.get("cpu_postgresql", 0), "Redis": 1000 * avg.get("cpu_redis", 0),
              "HAProxy": 1000 * avg.get("cpu_haproxy", 0)}
    first = max(shared, key=shared.get)
    print(f"\n  one machine (Rasa + actions + web) needs {machine:.0f} ms of CPU per turn: "
          f"{1000 / machine:.0f} turns/s per core")
    for name, ms in shared.items():
        if ms > 0:
            print(f"  {name}: {ms:.2f} ms per turn -> saturates one core at {1000 / ms:.0f} turns/s "
                  f"= {machine / ms:.0f} single-core instances")
    print(f"  first shared bottleneck: {first} ({shared[first]:.2f} ms/turn; "
          f"headroom {machine / shared[first]:.0f}x the CPU of one instance)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=60)
    parser.add_argument("--users", type=int, nargs="+", default=[20, 50])
    args = parser.parse_args(argv)
    convs = scripts(args.conversations, handoff_every=5)
    rows = []
    pg = {"shared_preload_libraries": "pg_stat_statements", "pg_stat_statements.track": "all"}
    with tempfile.TemporaryDirectory(prefix="fitn7-bench-") as tmp, \
            Cluster(tmp, instances=2, pg_settings=pg) as cluster:
        engine = sa.create_engine(cluster.database_url, future=True)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
        print(f"cluster up: {cluster.public_url}", flush=True)
        asyncio.run(play(convs[:4], lambda i, k: cluster.public_url + "/api/chat", users=2))  # warm-up
        for instances in (1, 2):
            for backend in ("rasa", "actions"):
                cluster.set_server(backend, f"{backend}2", enabled=instances == 2)
            time.sleep(1)
            for users in args.users:
                row = phase(cluster, engine, convs, users)
                row["instances"] = instances
                rows.append(row)
                print(f"  {instances} instance(s), {users} users: {row['tps']:.1f} turns/s, "
                      f"p95 {row['p95']:.0f} ms", flush=True)
        engine.dispose()
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
