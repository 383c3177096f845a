#!/usr/bin/env python
"""Accuracy of the ResponseSelector (which FAQ entry answers a procedure question) on held-out sets.

    python scripts/check_faq.py --model models/fitn7.tar.gz --min-accuracy 0.90 FILE[@GOAL] [FILE[@GOAL]…]

Each FILE is a held-out set of paraphrased procedure questions, never trained on (see README,
"Evaluation sets"), labelled with the FAQ ids of knowledge/faq.yml. Read formats:
  - Rasa NLU data: `nlu: [{intent: faq/who, examples: "- …"}]` (faq/<key> or faq_<key>);
  - a list of {text|question: …, id|faq|expected|label: faq_who};
  - a mapping {faq_who: [questions…]} (also under a top key such as `questions` or `faq`).
Other intents of a Rasa NLU file are ignored (only the procedure questions are scored).

For every question the model is run as the server runs it (rasa Agent.parse_message). Printed
per file: the selector accuracy (the key `faq/<key>` the ResponseSelector picks is the labelled
entry), the share routed to the FAQ (intent `faq`), and the confusions. Exit code 1 when the
selector accuracy of a file is under its goal (FILE@0.85; default --min-accuracy), or a file is
missing or empty.
A JSON report goes to results/faq/report.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")
_KEYS = ("id", "faq", "faq_id", "expected", "label", "intent", "entry")
_TEXTS = ("text", "question", "q", "utterance", "example")


def _label(value) -> str | None:
    """"faq/who", "faq_who" -> "faq_who"; anything else -> None."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    if v.startswith("faq/"):
        return "faq_" + v[4:]
    return v if v.startswith("faq_") else None


def _examples(block: str) -> list[str]:
    out = []
    for line in (block or "").splitlines():
        line = line.strip()
        if line.startswith("- "):
            out.append(_ANNOTATION.sub(lambda m: m.group(1) or m.group(2), line[2:].strip()))
    return out


def load_set(path: Path) -> list[tuple[str, str]]:
    """[(question, faq id)] of a held-out file in one of the formats of the module docstring."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pairs: list[tuple[str, str]] = []

    def from_item(item) -> None:
        if not isinstance(item, dict):
            return
        if "intent" in item and "examples" in item:        # Rasa NLU block
            label = _label(item["intent"])
            if label:
                pairs.extend((t, label) for t in _examples(item["examples"]))
            return
        text = next((item[k] for k in _TEXTS if isinstance(item.get(k), str)), None)
        label = next((_label(item[k]) for k in _KEYS if _label(item.get(k))), None)
        if text and label:
            pairs.append((text, label))
        elif label and isinstance(item.get("questions") or item.get("examples"), list):
            pairs.extend((t, label) for t in item.get("questions") or item.get("examples") if isinstance(t, str))

    def walk(node) -> None:
        if isinstance(node, list):
            for item in node:
                from_item(item)
        elif isinstance(node, dict):
            labelled = {k: v for k, v in node.items() if _label(k)}
            for k, v in labelled.items():
                if isinstance(v, list):
                    pairs.extend((t, _label(k)) for t in v if isinstance(t, str))
            for k, v in node.items():
                if k not in labelled and isinstance(v, (list, dict)):
                    walk(v)

    walk(data)
    return pairs


def evaluate(agent, pairs: list[tuple[str, str]]) -> dict:
    async def run():
        return [await agent.parse_message(text) for text, _ in pairs]

    parsed = asyncio.run(run())
    rows, confusions = [], Counter()
    for (text, expected), p in zip(pairs, parsed):
        response = ((p.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        predicted = _label(response.get("intent_response_key"))
        intent = (p.get("intent") or {}).get("name")
        rows.append({"text": text, "expected": expected, "predicted": predicted, "intent": intent,
                     "confidence": response.get("confidence")})
        if predicted != expected:
            confusions[(expected, predicted)] += 1
    n = len(rows)
    right = sum(r["predicted"] == r["expected"] for r in rows)
    routed = sum(r["intent"] == "faq" for r in rows)
    both = sum(r["predicted"] == r["expected"] and r["intent"] == "faq" for r in rows)
    per_id: dict[str, list[int]] = {}
    for r in rows:
        per_id.setdefault(r["expected"], [0, 0])
        per_id[r["expected"]][1] += 1
        per_id[r["expected"]][0] += r["predicted"] == r["expected"]
    return {"questions": n, "selector_accuracy": right / n if n else 0.0, "routed_to_faq": routed / n if n else 0.0,
            "faq_intent_and_right_entry": both / n if n else 0.0,
            "per_id": {k: {"right": v[0], "total": v[1]} for k, v in sorted(per_id.items())},
            "confusions": [{"expected": e, "predicted": p, "count": c} for (e, p), c in confusions.most_common()],
            "errors": [r for r in rows if r["predicted"] != r["expected"]]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="held-out file, optionally with its goal: FILE@0.85")
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "fitn7.tar.gz")
    ap.add_argument("--min-accuracy", type=float, default=0.90)
    ap.add_argument("--out", type=Path, default=ROOT / "results" / "faq" / "report.json")
    args = ap.parse_args(argv)
    problems: list[str] = []
    sets, goals = {}, {}
    for spec in args.files:
        name, _, goal = spec.rpartition("@") if "@" in spec else (spec, "", "")
        f = Path(name)
        goals[f] = float(goal) if goal else args.min_accuracy
        if not f.exists():
            problems.append(f"{f} not found")
            continue
        pairs = load_set(f)
        if not pairs:
            problems.append(f"{f}: no labelled procedure question read")
            continue
        sets[f] = pairs
    if not args.model.exists():
        problems.append(f"{args.model} not found: run `make train`")
    if problems:
        for p in problems:
            print(f"FAIL: {p}", file=sys.stderr)
        return 1
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent

    agent = Agent.load(str(args.model))
    report = {}
    for f, pairs in sets.items():
        r = evaluate(agent, pairs)
        report[str(f)] = r
        print(f"{f}: ResponseSelector accuracy {r['selector_accuracy']:.3f} on {r['questions']} questions "
              f"(goal {goals[f]:.2f}); routed to the FAQ (intent faq) {r['routed_to_faq']:.3f}; "
              f"both {r['faq_intent_and_right_entry']:.3f}")
        for c in r["confusions"][:10]:
            print(f"  {c['expected']:<22} -> {str(c['predicted']):<22} x{c['count']}")
        r["goal"] = goals[f]
        if r["selector_accuracy"] < goals[f]:
            problems.append(f"{f}: selector accuracy {r['selector_accuracy']:.3f} under the goal {goals[f]}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
