#!/usr/bin/env python3
"""Benchmark of the referential: load time and lookup latencies (p50 / p95 / max).

    .venv/bin/python scripts/bench_referential.py [--queries 2000] [--seed 7]

The load is timed into a temporary SQLite file; lookups run against the default database
(DATABASE_URL, loaded first if needed). The engine benchmark reuses `lookup_latencies()`.
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.db import get_engine  # noqa: E402
from assistant.eligibility.referential import EXTRACT_PATH, Referential, load  # noqa: E402
from assistant.text import strip_accents  # noqa: E402


def sample_queries(n: int = 2000, seed: int = 7) -> list[tuple[str, str | None]]:
    """Varied (text, department) pairs drawn from the extract: names written in several ways, codes,
    postcodes, SIRENs, EPCI, départements, régions, homonyms with a département, bad input."""
    data = json.loads(gzip.decompress(EXTRACT_PATH.read_bytes()))
    rng = random.Random(seed)
    communes, epci = data["communes"], data["epci"]
    makers = [
        lambda c: (c["name"], None),
        lambda c: (strip_accents(c["name"]).lower().replace("-", " "), None),
        lambda c: ("Mairie de " + c["name"], None),
        lambda c: (c["name"].replace("Saint-", "St ").replace("Sainte-", "Ste "), None),
        lambda c: (c["name"], c["department"]),
        lambda c: (c["code"], None),
        lambda c: ((c["postcodes"] or ["00000"])[0], None),
        lambda c: (c["siren"] or c["code"], None),
    ]
    queries: list[tuple[str, str | None]] = []
    while len(queries) < n:
        roll = rng.random()
        if roll < 0.70:
            queries.append(rng.choice(makers)(rng.choice(communes)))
        elif roll < 0.82:
            e = rng.choice(epci)
            queries.append((rng.choice([e["name"], e["siren"], "Communauté de communes " + e["name"][3:]]), None))
        elif roll < 0.90:
            d = rng.choice(data["departements"])
            queries.append((rng.choice([d["code"], d["name"], "Conseil départemental de " + d["name"]]), None))
        elif roll < 0.94:
            r = rng.choice(data["regions"])
            queries.append(("Région " + r["name"], None))
        else:
            queries.append((rng.choice(["", "x" * 10000, "'; DROP TABLE ref_key; --", "🏛️", "Syndicat des eaux",
                                        "Sainte-Colombe", "Saint-Pierre", "zzzz qwerty"]), None))
    return queries


def lookup_latencies(referential: Referential | None = None, queries=None, n: int = 2000,
                     warmup: int = 200, seed: int = 7) -> list[float]:
    """Latencies in milliseconds of Referential.lookup() over `queries` (default: sample_queries),
    after `warmup` untimed lookups."""
    ref = referential or Referential.open()
    queries = queries if queries is not None else sample_queries(n, seed)
    for text, dep in queries[:warmup]:
        ref.lookup(text, department=dep)
    latencies = []
    for text, dep in queries:
        start = time.perf_counter()
        ref.lookup(text, department=dep)
        latencies.append((time.perf_counter() - start) * 1000)
    return latencies


def percentiles(values: list[float]) -> dict[str, float]:
    qs = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": qs[49], "p95": qs[94], "max": max(values)}


def time_load() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        engine = get_engine(f"sqlite:///{tmp}/bench.sqlite")
        start = time.perf_counter()
        load(engine, force=True)
        elapsed = time.perf_counter() - start
        engine.dispose()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"referential load (temporary SQLite): {time_load():.2f} s")
    queries = sample_queries(args.queries, args.seed)
    ref = Referential.open()
    statuses: dict[str, int] = {}
    for text, dep in queries:
        status = ref.lookup(text, department=dep).status
        statuses[status] = statuses.get(status, 0) + 1
    stats = percentiles(lookup_latencies(ref, queries))
    print(f"lookup over {len(queries)} queries ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}): "
          f"p50 {stats['p50']:.2f} ms, p95 {stats['p95']:.2f} ms, max {stats['max']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
