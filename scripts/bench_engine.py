#!/usr/bin/env python3
"""Benchmark of the rules engine through the real CLI: `assistant assess --jsonl` in a subprocess.

    .venv/bin/python scripts/bench_engine.py [--requests 1000] [--seed 11]

Prints: time to first answer (cold start: imports, referential, spaCy model), throughput over
N varied requests sent after that first answer (warm), peak memory of the child (ru_maxrss), and
the referential's lookup p50 / p95 (scripts/bench_referential.py's lookup_latencies, in-process,
after the CLI run so that the two do not share the CPU). Goal: >= 200 answers/s on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

DESCRIPTIONS = [
    "Création d'un portail citoyen avec prise de rendez-vous en ligne",
    "Formation des agents d'accueil aux outils numériques",
    "Étude de cadrage par un cabinet pour définir notre stratégie numérique",
    "Dématérialisation des demandes d'actes d'état civil et paiement en ligne",
    "Modernisation de la plateforme de téléphonie avec rappel automatique et supervision",
    "Accompagnement par un expert pour la conduite du changement lors du passage au numérique",
    "Ateliers d'inclusion numérique pour les agents les plus éloignés du numérique",
    "Achat de 30 ordinateurs portables pour les agents de la mairie",
    "Réfection de la toiture de l'église",
    "Application mobile de signalement des incidents de voirie par les habitants",
    "Formation des agents et création d'un service en ligne pour les inscriptions scolaires",
    "mise en place d'un chat et d'un outil CRM multicanal pour la relation usager",
    "certification pix des agents des services techniques",
    "diagnostic numérique de la commune et feuille de route",
    "budget participatif en ligne",
    "",
]
EXPENSES = [
    [],
    [{"label": "Développement", "amount_eur": 12000}, {"label": "PC portables pour les agents", "amount_eur": 3000}],
    [{"label": "Prestation", "amount_eur": 8000}, {"label": "Licences Microsoft 365", "amount_eur": 4000}],
    [{"label": "Salaire du chef de projet", "amount_eur": 5000}, {"label": "Intégration", "amount_eur": 9000}],
]


def make_requests(n: int, seed: int) -> list[str]:
    from bench_referential import sample_queries
    rng = random.Random(seed)
    queries = sample_queries(n, seed)
    types = [None] * 8 + ["syndicat", "association", "entreprise", "personne_morale", "laboratoire_innovation"]
    lines = []
    for i in range(n):
        text, dep = queries[i]
        r: dict = {}
        if rng.random() < 0.9:
            r["collectivity"] = text[:200]
        if dep or rng.random() < 0.1:
            r["department"] = dep or rng.choice(["68", "01", "63", "37", "29", "72", "974", "Haut-Rhin"])
        t = rng.choice(types)
        if t:
            r["applicant_type"] = t
            r["funded_only_by_local_authorities"] = rng.choice(["oui", "non", None])
        d = rng.choice(DESCRIPTIONS)
        if d:
            r["description"] = d
        r["decision_level_sponsor"] = rng.choice(["oui", "non", None, True])
        r["results_date"] = rng.choice(["2022-06-30", "2022-12-31", "2023-03-01", None])
        if rng.random() < 0.7:
            r["budget_eur"] = rng.choice([3000, 12000, 45000, "20 000 €"])
        r["expenses"] = rng.choice(EXPENSES)
        r["as_of"] = rng.choice(["2021-06-01", None])
        lines.append(json.dumps(r, ensure_ascii=False))
    # a few malformed lines: they must not stop the batch
    for pos in rng.sample(range(n), max(1, n // 100)):
        lines[pos] = rng.choice(["{not json", "[]", json.dumps({"budget_eur": -1})])
    return lines


def bench_cli(lines: list[str]) -> dict:
    cli = ROOT / ".venv" / "bin" / "assistant"
    cmd = [str(cli), "assess", "--jsonl"] if cli.exists() else [sys.executable, "-m", "assistant.cli", "assess", "--jsonl"]
    warm = json.dumps({"collectivity": "Mamers", "description": DESCRIPTIONS[0], "decision_level_sponsor": "oui",
                       "results_date": "2022-06-30", "budget_eur": 10000})
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    p.stdin.write((warm + "\n").encode())
    p.stdin.flush()
    first = json.loads(p.stdout.readline())
    first_answer = time.perf_counter() - start
    assert "eligibility" in first, first

    def feed():
        for line in lines:
            p.stdin.write((line + "\n").encode("utf-8"))
        p.stdin.close()

    t0 = time.perf_counter()
    writer = threading.Thread(target=feed)
    writer.start()
    answers = [json.loads(l) for l in p.stdout]
    elapsed = time.perf_counter() - t0
    writer.join()
    err = p.stderr.read().decode("utf-8", "replace")
    p.wait()
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if p.returncode != 0 or len(answers) != len(lines):
        raise SystemExit(f"CLI failed (code {p.returncode}, {len(answers)}/{len(lines)} answers): {err[-2000:]}")
    counts: dict[str, int] = {}
    for a in answers:
        k = a.get("eligibility", "error")
        counts[k] = counts.get(k, 0) + 1
    return {"first_answer_s": first_answer, "elapsed_s": elapsed, "rate": len(lines) / elapsed,
            "peak_mb": peak_kb / 1024, "counts": counts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    from assistant.eligibility.referential import Referential
    Referential.open()  # load the database once, before timing the CLI
    lines = make_requests(args.requests, args.seed)
    r = bench_cli(lines)
    print(f"assess --jsonl: time to first answer {r['first_answer_s']:.2f} s (cold start: imports, referential, model)")
    print(f"assess --jsonl: {args.requests} varied requests in {r['elapsed_s']:.2f} s after warm-up = "
          f"{r['rate']:.0f} answers/s (goal >= 200) — "
          + ", ".join(f"{k} {v}" for k, v in sorted(r["counts"].items())))
    print(f"assess --jsonl: peak memory of the child {r['peak_mb']:.0f} MB (ru_maxrss)")
    try:
        from bench_referential import lookup_latencies, percentiles
        stats = percentiles(lookup_latencies(n=2000))
        print(f"referential lookup: p50 {stats['p50']:.2f} ms, p95 {stats['p95']:.2f} ms, max {stats['max']:.2f} ms")
    except ImportError:
        print("referential lookup: scripts/bench_referential.py absent")
    print(f"cores: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
