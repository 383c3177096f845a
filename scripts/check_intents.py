#!/usr/bin/env python
"""Checks `rasa data validate` does not make (it exits 0 when an intent is unused).

    python scripts/check_intents.py
        every intent of domain.yml has training examples (at least MIN_EXAMPLES) and is used in a
        story or rule of data/; every intent of the NLU data, test stories and held-out set is
        declared; no held-out text is in the training data (normalised: case, accents, punctuation,
        spaces): the utterances of tests/rasa/nlu_test.yml, the procedure questions of tests/faq/,
        every user message of tests/conversations/scenarios.yml (first, the fixed answers of
        `facts`, mid, after and their answers) and the descriptions of tests/descriptions/heldout.yml;
        only the stock answers of GENERIC_ANSWERS ("oui", "je ne sais pas"…) may be in both.
    python scripts/check_intents.py --report results/nlu/intent_report.json --min-f1 0.95
        fails when the intent macro-F1 of `rasa test nlu` on the held-out set is under the goal
        (and prints the per-intent F1 and the entity F1 when the entity report is next to it).

Exit code 0 when everything holds, 1 otherwise (the problems are listed).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MIN_EXAMPLES = 5
DEFAULT_INTENTS = {"nlu_fallback", "restart", "back", "out_of_scope_default", "session_start"}
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _plain(example: str) -> str:
    text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), example)
    text = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^a-z0-9€]+", " ", text).split())


def _examples(block: dict) -> list[str]:
    raw = block.get("examples") or ""
    return [line[2:].strip() for line in raw.splitlines() if line.strip().startswith("- ")]


def nlu_examples(paths: list[Path]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in paths:
        for block in _load(path).get("nlu") or []:
            if "intent" in block:
                # a retrieval intent ("faq/who") counts for its base intent ("faq"), as in Rasa
                out.setdefault(str(block["intent"]).split("/")[0], []).extend(_examples(block))
    return out


def retrieval_intents(paths: list[Path]) -> set[str]:
    """Base names of the retrieval intents of the NLU data ("faq" for "faq/who")."""
    return {str(block["intent"]).split("/")[0] for path in paths for block in _load(path).get("nlu") or []
            if "intent" in block and "/" in str(block["intent"])}


def story_intents(paths: list[Path]) -> set[str]:
    used = set()
    for path in paths:
        data = _load(path)
        for key in ("stories", "rules"):
            for story in data.get(key) or []:
                for step in story.get("steps") or []:
                    if isinstance(step, dict) and "intent" in step:
                        used.add(str(step["intent"]).split("/")[0])
                    for alt in (step.get("or") or []) if isinstance(step, dict) else []:
                        if "intent" in alt:
                            used.add(str(alt["intent"]).split("/")[0])
    return used


# Stock answers that any user gives to a yes/no or open question, in the training data (intents
# affirm, deny, inform) and in the held-out conversations alike (the simulated user answers
# "je ne sais pas" to an input its scenario does not give): not a leak, so allowed, normalised as
# _plain gives them. Keep this list short: a sentence is never generic. The last four are bare
# values said alone (a month, an amount, a commune name), which any user writes the same way.
GENERIC_ANSWERS = {"oui", "non", "yes", "oui oui", "je ne sais pas", "je sais pas", "aucune idee",
                   "pas encore", "decembre 2022", "mars 2023", "12k€", "sainte marie"}


def held_out_messages(root: Path = ROOT) -> list[tuple[str, str]]:
    """[(where, text)]: what the simulated user says in tests/conversations/scenarios.yml (first
    message, the fixed answers of `facts`, the `mid` question, the `after` messages and their
    answers) and the texts of tests/descriptions/heldout.yml."""
    out: list[tuple[str, str]] = []
    scenarios = root / "tests" / "conversations" / "scenarios.yml"
    if scenarios.exists():
        for s in _load(scenarios).get("scenarios") or []:
            sid = s.get("id", "?")
            if isinstance(s.get("first"), str):
                out.append((f"conversation message ({sid}, first)", s["first"]))
            for key, value in (s.get("facts") or {}).items():
                if isinstance(value, str):
                    out.append((f"conversation message ({sid}, answer {key})", value))
            mid = s.get("mid") or {}
            if isinstance(mid.get("text"), str):
                out.append((f"conversation message ({sid}, mid)", mid["text"]))
            for n, after in enumerate(s.get("after") or []):
                if isinstance(after.get("text"), str):
                    out.append((f"conversation message ({sid}, after {n})", after["text"]))
                for key, value in (after.get("facts") or {}).items():
                    if isinstance(value, str):
                        out.append((f"conversation message ({sid}, after {n} answer {key})", value))
    descriptions = root / "tests" / "descriptions" / "heldout.yml"
    if descriptions.exists():
        data = _load(descriptions)
        items = data if isinstance(data, list) else data.get("descriptions") or data.get("cases") or []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                out.append((f"description ({item.get('id', '?')})", item["text"]))
    return out


def check_data(root: Path = ROOT) -> list[str]:
    problems: list[str] = []
    domain = _load(root / "domain.yml")
    declared = {i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents") or []}
    data_files = sorted((root / "data").rglob("*.yml"))
    training = nlu_examples(data_files)
    declared |= retrieval_intents(data_files)   # Rasa declares a retrieval intent from the NLU data
    used = story_intents(data_files)
    for intent in sorted(declared):
        n = len(training.get(intent, []))
        if n < MIN_EXAMPLES:
            problems.append(f"intent '{intent}' has {n} training examples (at least {MIN_EXAMPLES} needed)")
        if intent not in used:
            problems.append(f"intent '{intent}' is used in no story or rule of data/")
    for intent in sorted(set(training) - declared):
        problems.append(f"intent '{intent}' has training examples but is not declared in domain.yml")
    for intent in sorted(used - declared - DEFAULT_INTENTS):
        problems.append(f"intent '{intent}' is used in data/ stories or rules but not declared in domain.yml")
    tests = root / "tests" / "rasa"
    held_out_file = tests / "nlu_test.yml"
    if held_out_file.exists():
        held_out = nlu_examples([held_out_file])
        for intent in sorted(set(held_out) - declared):
            problems.append(f"held-out set: intent '{intent}' is not declared in domain.yml")
        seen = {_plain(e) for examples in training.values() for e in examples}
        for intent, examples in held_out.items():
            for e in examples:
                if _plain(e) in seen:
                    problems.append(f"held-out utterance also in the training data: {e!r}")
        total = sum(len(v) for v in held_out.values())
        if total < 200:
            problems.append(f"held-out set has {total} utterances (at least 200 needed)")
    # the held-out procedure questions (scripts/check_faq.py reads their formats) are not trained on either
    faq_sets = sorted((root / "tests" / "faq").glob("*.yml")) if (root / "tests" / "faq").is_dir() else []
    if faq_sets:
        import importlib.util
        spec = importlib.util.spec_from_file_location("check_faq", ROOT / "scripts" / "check_faq.py")
        check_faq = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(check_faq)
        seen = {_plain(e) for examples in training.values() for e in examples}
        for path in faq_sets:
            for text, _label in check_faq.load_set(path):
                if _plain(text) in seen:
                    problems.append(f"held-out FAQ question also in the training data: {text!r}")
    # every user message of the held-out conversation set and the held-out descriptions (issue 11)
    seen_plain = {_plain(e) for examples in training.values() for e in examples} - GENERIC_ANSWERS
    for where, text in held_out_messages(root):
        if _plain(text) in seen_plain:
            problems.append(f"held-out {where} also in the training data: {text!r}")
    story_files = [p for p in sorted(tests.glob("*.yml")) if p != held_out_file]
    for intent in sorted(story_intents(story_files) - declared - DEFAULT_INTENTS):
        problems.append(f"test stories use intent '{intent}', not declared in domain.yml")
    return problems


def check_report(report: Path, min_f1: float) -> list[str]:
    if not report.exists():
        return [f"{report} not found: run `rasa test nlu` first"]
    data = json.loads(report.read_text(encoding="utf-8"))
    macro = data.get("macro avg", {}).get("f1-score")
    print(f"intent macro-F1 on the held-out set: {macro:.3f} (goal {min_f1:.2f})")
    for name, row in sorted(data.items()):
        if isinstance(row, dict) and "f1-score" in row and name not in ("macro avg", "weighted avg", "micro avg"):
            print(f"  {name:<16} F1 {row['f1-score']:.3f}  (support {row.get('support')})")
    entity_report = report.parent / "DIETClassifier_report.json"
    if entity_report.exists():
        ents = json.loads(entity_report.read_text(encoding="utf-8"))
        if "micro avg" in ents:
            print(f"entity micro-F1 (DIETClassifier): {ents['micro avg']['f1-score']:.3f}, "
                  f"macro-F1: {ents.get('macro avg', {}).get('f1-score', float('nan')):.3f}")
    if macro is None or macro < min_f1:
        return [f"intent macro-F1 {macro} is under the goal {min_f1}"]
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", type=Path, help="results/.../intent_report.json of `rasa test nlu`")
    parser.add_argument("--min-f1", type=float, default=0.95)
    args = parser.parse_args(argv)
    problems = check_report(args.report, args.min_f1) if args.report else check_data()
    for p in problems:
        print(f"FAIL: {p}", file=sys.stderr)
    if not problems and not args.report:
        print("intents: every intent has examples and is used; the held-out set is apart from the training data")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
