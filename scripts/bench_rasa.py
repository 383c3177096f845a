#!/usr/bin/env python
"""Benchmark of the Rasa assistant over its REST channel, next to a bare `/model/parse`.

    .venv/bin/python scripts/bench_rasa.py                  # starts its own servers (free ports)
    .venv/bin/python scripts/bench_rasa.py --rasa-url http://127.0.0.1:5005   # servers already running
                                                            # (needs `rasa run --enable-api` there)

Without --rasa-url it starts, with tests/stack.py's running_stack (no web server), on free loopback
ports, the action server and `rasa run --enable-api` with models/fitn7.tar.gz, in a temporary
folder: one SQLite file is both DATABASE_URL (the referential is loaded there) and Rasa's tracker
store, as scripts/run.sh does (or --tracker-store memory); then stops them. It plays --conversations scripted
conversations (default 200, 3 to 5 turns each, one sender id per conversation) against
/webhooks/rest/webhook, sequentially then with --users concurrent users sending without pause, and
sends the same user texts to /model/parse in the same run. It prints, per mode, the per-turn
latency p50/p95 (ms) and the throughput (turns/s), and the ratio of the saturated turn throughput
to the saturated parse throughput. Goals on 2 cores: p95 <= 60 ms sequential; ratio >= 90 %.
It also measures Rasa's own ceiling for that ratio: turns answered by a template ('merci': no
custom action, nothing for the action server) against parsing the same word, with 20 users.
Loopback only; every loop is bounded (conversations, turns, start-up wait).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.stack import running_stack  # noqa: E402  (tests/ is not an installed package)

STARTUP_TIMEOUT = 300  # seconds

COMMUNES = ["Mamers", "Rodez", "Millau", "Sablé-sur-Sarthe", "La Flèche", "Aurillac", "Mende", "Figeac",
            "Cahors", "Guéret", "Tulle", "Foix", "Vannes", "Lannion", "Dinan", "Morlaix", "Pontivy",
            "Redon", "Vitré", "Autun", "Nevers", "Vierzon", "Moulins", "Privas", "Gap", "Manosque"]
PROJECTS = [
    "on aimerait un consultant pour définir notre stratégie numérique",
    "nous voulons former nos agents à la messagerie et à l'intranet",
    "on souhaite créer un portail de démarches en ligne pour les habitants",
    "on veut moderniser notre standard téléphonique avec un serveur vocal",
    "nous voudrions dématérialiser les demandes d'urbanisme avec un prestataire",
]
FOLLOW_UPS = [["oui", "juin 2022"], ["oui", "fin 2022", "12 000 €"], ["oui", "septembre 2022", "8k€"],
              ["non"], ["quelles dépenses sont exclues ?", "oui", "décembre 2022"]]


def scripts(n: int, seed: int = 7) -> list[list[str]]:
    """n conversations of 2 to 5 user turns (first message, answers, sometimes a FAQ or a thanks)."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        first = f"Bonjour, je suis le maire de {rnd.choice(COMMUNES)}, {rnd.choice(PROJECTS)}"
        turns = [first] + list(rnd.choice(FOLLOW_UPS))
        if rnd.random() < 0.3:
            turns.append("merci")
        out.append(turns[:5])
    return out


async def _post(session: aiohttp.ClientSession, url: str, payload: dict) -> tuple[float, object]:
    t0 = time.perf_counter()
    async with session.post(url, json=payload) as r:
        body = await r.json(content_type=None)
        if r.status != 200:
            raise TurnFailed(f"{url}: HTTP {r.status}")
    return (time.perf_counter() - t0) * 1000, body


class TurnFailed(RuntimeError):
    """A non-200 answer (the REST channel's 503 when a turn fails, e.g. under saturation)."""


async def run_mode(base: str, convs: list[list[str]], users: int, parse_only: bool) -> dict:
    """Play every conversation; `users` conversations at a time, each sending without pause."""
    latencies: list[float] = []
    empty_replies = failed = 0
    queue: asyncio.Queue = asyncio.Queue()
    for c in convs:
        queue.put_nowait(c)
    url = f"{base}/model/parse" if parse_only else f"{base}/webhooks/rest/webhook"
    conn = aiohttp.TCPConnector(limit=users + 2)
    timeout = aiohttp.ClientTimeout(total=120)

    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as session:
        async def user() -> None:
            nonlocal empty_replies, failed
            while not queue.empty():
                turns = queue.get_nowait()
                sender = f"bench-{uuid.uuid4().hex}"
                for text in turns:
                    payload = {"text": text} if parse_only else {"sender": sender, "message": text}
                    try:
                        ms, body = await _post(session, url, payload)
                    except TurnFailed:
                        failed += 1           # counted and reported, not a crash of the whole run
                        continue
                    latencies.append(ms)
                    if not parse_only and not body:
                        empty_replies += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(users)))
        elapsed = time.perf_counter() - t0
    latencies.sort()
    if not latencies:                                   # every turn failed: no latency to report
        latencies = [float("nan")]
    return {"turns": len(latencies), "seconds": elapsed, "turns_per_s": len(latencies) / elapsed,
            "p50": statistics.median(latencies), "p95": latencies[int(0.95 * (len(latencies) - 1))],
            "empty_replies": empty_replies, "failed": failed}


async def bench(base: str, n: int, users: int, warmup: int) -> dict:
    convs = scripts(n)
    warm = scripts(warmup, seed=99)
    await run_mode(base, warm, 1, parse_only=False)       # warm caches (model, referential, classifier)
    await run_mode(base, warm, 1, parse_only=True)
    results = {}
    results["parse, sequential"] = await run_mode(base, convs, 1, parse_only=True)
    results["conversation, sequential"] = await run_mode(base, convs, 1, parse_only=False)
    results[f"parse, {users} users"] = await run_mode(base, convs, users, parse_only=True)
    results[f"conversation, {users} users"] = await run_mode(base, convs, users, parse_only=False)
    # Rasa's own floor: a turn answered by a template ('merci' -> utter_thanks: no custom action,
    # nothing for the action server), next to parsing the same word
    thanks = [["merci"] * 4 for _ in range(max(1, n // 2))]
    results[f"parse 'merci', {users} users"] = await run_mode(base, thanks, users, parse_only=True)
    results[f"'merci' turns, {users} users"] = await run_mode(base, thanks, users, parse_only=False)
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rasa-url", help="a running `rasa run --enable-api` (else servers are started)")
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "fitn7.tar.gz")
    ap.add_argument("--conversations", type=int, default=200)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--tracker-store", choices=("sql", "memory"), default="sql",
                    help="sql (as in production: SQLite file) or memory (to see what the store costs)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    if args.conversations < 1 or args.conversations > 5000 or args.users < 1 or args.users > 200:
        print("bench: --conversations 1..5000 and --users 1..200", file=sys.stderr)
        return 2
    base = (args.rasa_url or "").rstrip("/")
    if base and not base.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]")):
        print("bench: loopback addresses only", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as cleanup:
        if not base:
            if not args.model.exists():
                print(f"bench: {args.model} not found (run `make train`)", file=sys.stderr)
                return 2
            tmp = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="fitn7-bench-")))
            t0 = time.monotonic()
            stack = cleanup.enter_context(running_stack(
                tmp, web=False, model=args.model, tracker_db=tmp / "fitn7.sqlite",
                memory_tracker=args.tracker_store == "memory", env={"TF_CPP_MIN_LOG_LEVEL": "3"},
                timeout=STARTUP_TIMEOUT))
            base = stack.rasa_url
            print(f"servers ready in {time.monotonic() - t0:.0f} s", file=sys.stderr)
        results = asyncio.run(bench(base, args.conversations, args.users, args.warmup))
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{'mode':<30}{'turns':>7}{'p50 ms':>9}{'p95 ms':>9}{'turns/s':>10}")
        for mode, r in results.items():
            print(f"{mode:<30}{r['turns']:>7}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['turns_per_s']:>10.1f}")
        conv = results[f"conversation, {args.users} users"]["turns_per_s"]
        parse = results[f"parse, {args.users} users"]["turns_per_s"]
        seq = results["conversation, sequential"]["p95"]
        empty = sum(r["empty_replies"] for r in results.values())
        print(f"sequential conversation p95: {seq:.1f} ms (goal <= 60 ms)")
        print(f"saturation: conversation {conv:.1f} turns/s = {100 * conv / parse:.0f} % of bare parse "
              f"{parse:.1f} /s (goal >= 90 %)")
        floor = results[f"'merci' turns, {args.users} users"]["turns_per_s"]
        floor_parse = results[f"parse 'merci', {args.users} users"]["turns_per_s"]
        print(f"ceiling of Rasa itself: a template-only turn ('merci') {floor:.1f} turns/s = "
              f"{100 * floor / floor_parse:.0f} % of parsing 'merci' {floor_parse:.1f} /s")
        print(f"turns without any bot reply: {empty}")
        print("failed turns (HTTP error, not timed): " + ", ".join(
            f"{mode} {r['failed']}" for mode, r in results.items() if r["failed"]) if any(
            r["failed"] for r in results.values()) else "failed turns (HTTP error): 0")
    # a failed turn in a sequential mode is a real error, not saturation
    return 1 if any(r["failed"] for mode, r in results.items() if "sequential" in mode) else 0


if __name__ == "__main__":
    sys.exit(main())
