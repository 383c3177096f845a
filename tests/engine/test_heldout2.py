"""The second held-out description set (tests/descriptions/heldout2.yml) is well formed and apart.

Structure only: no score is computed here. The set is never trained on; these tests check that it
shares no sentence with the training corpus nor with the first held-out set.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

import yaml
from rapidfuzz import fuzz

from assistant.eligibility.description_model import load_corpus
from assistant.text import fold

ROOT = Path(__file__).resolve().parents[2]
HELDOUT2 = ROOT / "tests" / "descriptions" / "heldout2.yml"
LABELS = {"3a", "3b", "3c", "not_digital", "unknown"}
STYLES = {"letter", "sms", "typos", "rambling", "short", "negation", "plain"}
MIN_PER_LABEL = {"3a": 60, "3b": 70, "3c": 90, "not_digital": 35, "unknown": 25}


def _load(path: Path = HELDOUT2) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def problems(items: list[dict]) -> list[str]:
    out = []
    if len(items) < 320:
        out.append(f"{len(items)} descriptions (< 320)")
    ids = [i.get("id") for i in items]
    out += [f"bad id {x!r}" for x in ids if not re.fullmatch(r"k\d{3}", str(x))]
    out += [f"duplicate id {x}" for x, n in Counter(ids).items() if n > 1]
    for i in items:
        if i.get("expected") not in LABELS:
            out.append(f"{i.get('id')}: label {i.get('expected')!r}")
        if i.get("style") not in STYLES:
            out.append(f"{i.get('id')}: style {i.get('style')!r}")
        text = i.get("text") or ""
        if i.get("style") == "sms" and any(unicodedata.decomposition(c) for c in text):
            out.append(f"{i.get('id')}: accent in an sms")
        if i.get("style") == "short" and not 2 <= len(text.split()) <= 6:
            out.append(f"{i.get('id')}: short with {len(text.split())} words")
    labels = Counter(i.get("expected") for i in items)
    out += [f"{lab}: {labels[lab]} (< {n})" for lab, n in MIN_PER_LABEL.items() if labels[lab] < n]
    styles = Counter(i.get("style") for i in items)
    out += [f"style {s}: {styles[s]} (< 40)" for s in STYLES if styles[s] < 40]
    texts = [fold(i.get("text") or "") for i in items]
    for a in range(len(texts)):
        for b in range(a + 1, len(texts)):
            if fuzz.ratio(texts[a], texts[b]) >= 80:
                out.append(f"near-duplicates {ids[a]} / {ids[b]}")
    return out


def test_the_second_held_out_set_is_well_formed():
    assert problems(_load()) == []


def test_the_form_check_catches_a_broken_set():
    items = _load()
    broken = items[:300] + [dict(items[0]), {"id": "x1", "text": "Projet", "style": "poem", "expected": "3d"}]
    found = problems(broken)
    assert any("< 320" in p for p in found)
    assert any("duplicate id k001" in p for p in found)
    assert any("near-duplicates" in p for p in found)
    assert any("style 'poem'" in p for p in found) and any("label '3d'" in p for p in found)


def test_the_second_held_out_set_shares_no_sentence_with_training_or_the_first_set():
    held2 = {fold(i["text"]) for i in _load()}
    train = {fold(t) for t, _ in load_corpus("descriptions/train.yml")}
    assert not held2 & train, "une phrase du second jeu tenu à l'écart est dans l'entraînement"
    first = yaml.safe_load((ROOT / "tests" / "descriptions" / "heldout.yml").read_text(encoding="utf-8"))
    first = first if isinstance(first, list) else first.get("descriptions") or first.get("examples") or []
    assert not held2 & {fold(i["text"]) for i in first}, "une phrase est dans les deux jeux tenus à l'écart"
