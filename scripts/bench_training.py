#!/usr/bin/env python
"""Where a fresh training's time goes (issue 14, part 7), and what the model is worth after it.

    .venv/bin/python scripts/bench_training.py                      # config.yml, into a temp dir
    .venv/bin/python scripts/bench_training.py --config other.yml --eval
    .venv/bin/python scripts/bench_training.py --config config.yml --config other.yml --eval

For each config: `rasa train` from scratch (a fresh cache directory, as on a fresh clone), then the
phases read from Rasa's training hooks ("Starting/Finished training component …"): start-up (import,
spaCy model, data reading) until the first component, each component, packaging after the last one,
and the wall-clock total. With --eval, the held-out figures the goals are set on (README, "Evaluation
sets"): intent macro-F1 and entity micro-F1 of `rasa test nlu` on tests/rasa/nlu_test.yml and the
ResponseSelector accuracy of scripts/check_faq.py on tests/rasa/nlu_test.yml and tests/faq/heldout.yml.

Figures are printed, never asserted; run the configs of a comparison in one invocation (the machine
is shared: compare ratios within one run).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
_HOOK = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) INFO\s+rasa\.engine\.training\.hooks\s+-\s+"
                   r"(Starting to train|Finished training) component '([^']+)'")
FAQ_SETS = ["tests/rasa/nlu_test.yml", "tests/faq/heldout.yml"]


def phases(log: str, started: dt.datetime, ended: dt.datetime) -> list[tuple[str, float]]:
    """[(phase, seconds)] from the hooks' lines of a training log (second resolution)."""
    events = []
    for line in log.splitlines():
        m = _HOOK.match(line)
        if m:
            what = "Starting" if m.group(2).startswith("Starting") else "Finished"
            events.append((dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"), what, m.group(3)))
    if not events:
        return [("total (no hook line in the log)", (ended - started).total_seconds())]
    out = [("start-up (import, spaCy, data)", (events[0][0] - started).total_seconds())]
    begun: dict[str, dt.datetime] = {}
    totals: dict[str, float] = {}
    for stamp, what, name in events:
        if what == "Starting":
            begun[name] = stamp
        elif name in begun:
            totals[name] = totals.get(name, 0.0) + (stamp - begun.pop(name)).total_seconds()
    out += [(name, secs) for name, secs in totals.items()]
    out.append(("packaging", (ended - events[-1][0]).total_seconds()))
    out.append(("between components (featurizing)", (ended - started).total_seconds() - sum(s for _, s in out)))
    return out


def train(config: Path, out: Path) -> tuple[float, list[tuple[str, float]], Path]:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "LOG_LEVEL_LIBRARIES": "ERROR",
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    cache = Path(tempfile.mkdtemp(prefix="rasa-cache-"))
    env["RASA_CACHE_DIRECTORY"] = str(cache)          # nothing reused: a fresh clone's training
    started = dt.datetime.now().replace(microsecond=0)
    t0 = time.monotonic()
    proc = subprocess.run([str(BIN / "rasa"), "train", "--config", str(config), "--out", str(out),
                           "--fixed-model-name", "bench"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    wall = time.monotonic() - t0
    shutil.rmtree(cache, ignore_errors=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"la formation a échoué avec {config}")
    ended = started + dt.timedelta(seconds=round(wall))
    return wall, phases(proc.stdout + "\n" + proc.stderr, started, ended), out / "bench.tar.gz"


def evaluate(model: Path, work: Path) -> dict:
    figures: dict = {}
    nlu_out = work / "nlu"
    subprocess.run([str(BIN / "rasa"), "test", "nlu", "--model", str(model), "--nlu", "tests/rasa/nlu_test.yml",
                    "--out", str(nlu_out)], cwd=ROOT, capture_output=True, text=True,
                   env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    intent = json.loads((nlu_out / "intent_report.json").read_text(encoding="utf-8"))
    figures["intent macro-F1 (nlu_test)"] = intent["macro avg"]["f1-score"]
    for name in ("DIETClassifier_report.json", "CRFEntityExtractor_report.json"):
        path = nlu_out / name
        if path.exists():
            rep = json.loads(path.read_text(encoding="utf-8"))
            micro = rep.get("micro avg") or rep.get("accuracy")
            if isinstance(micro, dict):
                figures["entity micro-F1 (nlu_test)"] = micro["f1-score"]
    report = work / "faq.json"
    subprocess.run([sys.executable, "scripts/check_faq.py", "--model", str(model), "--min-accuracy", "0",
                    "--out", str(report), *FAQ_SETS], cwd=ROOT, capture_output=True, text=True)
    for name, r in json.loads(report.read_text(encoding="utf-8")).items():
        figures[f"FAQ selector accuracy ({Path(name).name})"] = r["selector_accuracy"]
    return figures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", action="append", type=Path, help="Rasa config (repeatable); default config.yml")
    ap.add_argument("--eval", action="store_true", help="score the held-out sets after each training")
    args = ap.parse_args()
    for config in args.config or [ROOT / "config.yml"]:
        work = Path(tempfile.mkdtemp(prefix="bench-training-"))
        try:
            wall, parts, model = train(config.resolve(), work)
            print(f"\n== {config} : {wall:.0f} s de formation (modèle {model.stat().st_size / 1e6:.0f} Mo)")
            for name, secs in parts:
                print(f"   {name:<40} {secs:6.0f} s  {100 * secs / wall:5.1f} %")
            if args.eval:
                for name, value in evaluate(model, work).items():
                    print(f"   {name:<40} {value if not isinstance(value, float) else f'{value:.3f}'}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
