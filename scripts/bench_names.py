"""Micro-benchmark of the name matcher (assistant/reading/names.py): build time, memory, cost per message.

    PYTHONPATH=. .venv/bin/python scripts/bench_names.py [--rounds 3]

Prints: the time to read the names from the database and to build the index, the memory the index
holds (tracemalloc), and the cost of `NameIndex.read` and of `actions.extract.extract` per first
message (p50 / p95 / max) on the messages of the name evaluation (scripts/eval_names.py, seed 11),
apart for the messages with a name found and the misspelt ones (rapidfuzz suggestions).
"""
from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))]


def _line(label: str, ms: list[float]) -> str:
    return (f"  {label:<40} n={len(ms):4d}  p50 {statistics.median(ms):6.2f} ms  p95 {_pct(ms, 0.95):6.2f} ms  "
            f"max {max(ms):6.2f} ms")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    from actions.extract import extract
    from assistant.eligibility.referential import Referential
    from assistant.reading import names as N

    referential = Referential.open()
    t0 = time.perf_counter()
    rows, alts = referential.name_rows()
    t_rows = time.perf_counter() - t0
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    entries = N.entries_from_rows(rows, alts)
    index = N.NameIndex(entries)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del entries
    print(f"name index: {len(rows)} collectivities, {len(alts)} alternative keys, {len(index)} keys")
    print(f"  read from the database {t_rows * 1000:.0f} ms, index built in {index.build_seconds * 1000:.0f} ms, "
          f"memory held {held / 1e6:.1f} MB (tracemalloc, with the entries list)")

    spec = importlib.util.spec_from_file_location("eval_names", ROOT / "scripts" / "eval_names.py")
    ev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ev)
    messages = ev.build_set(referential, seed=11)
    N._INDEXES[id(referential)] = index
    read_ok, read_miss, extract_ok, extract_miss = [], [], [], []
    for _ in range(args.rounds):
        for m in messages:
            t = time.perf_counter()
            index.read(m["text"])
            (read_miss if m["misspelt"] else read_ok).append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            extract({"text": m["text"], "intent": {"name": "inform"}, "entities": []}, None, {}, referential)
            (extract_miss if m["misspelt"] else extract_ok).append((time.perf_counter() - t) * 1000)
    print(f"per first message ({args.rounds} rounds over {len(messages)} messages):")
    print(_line("NameIndex.read, names as written", read_ok))
    print(_line("NameIndex.read, misspelt (suggestions)", read_miss))
    print(_line("extract() incl. lookup, names as written", extract_ok))
    print(_line("extract() incl. lookup, misspelt", extract_miss))
    return 0


if __name__ == "__main__":
    sys.exit(main())
