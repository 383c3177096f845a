"""Benchmark of the sub-axis classifier (assistant/eligibility/classify.py).

    .venv/bin/python scripts/bench_classify.py [--n 1000] [--batch-size 256]

Prints, for each lemma mode (lookup: default; rule: morphologizer + rule lemmatizer), the load
time (spaCy model + cue compilation, once per process), then descriptions per second (wall clock)
and CPU milliseconds per description over N varied descriptions (the case file, recombined with
openings, SMS-style folding, typos and long rambling padding; fixed seed) with `classify_many`
(nlp.pipe) and with one `classify` call per description, and how many one-typo variants of the
cases keep their sub-axis with and without the typo correction. One process, one thread; on a
busy machine trust the CPU figures more than the wall-clock ones.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.text import strip_accents  # noqa: E402

OPENINGS = ["", "Bonjour, ", "Madame, Monsieur, ", "Projet : ", "slt, ", "Objet : demande de subvention FITN7. ",
            "Par délibération du conseil municipal, la commune souhaite ceci : "]
CLOSINGS = ["", " Merci.", " Cordialement.", " Le projet concerne environ 40 agents et 3 000 habitants.",
            " Le maire porte personnellement ce projet, qui doit aboutir avant la fin de l'année prochaine."]
PADDING = (" Pour vous donner un peu de contexte, notre commune est rurale, la mairie est ouverte trois "
           "demi-journées par semaine et nous avons déjà essayé plusieurs choses sans grand succès.")


def descriptions(n: int, seed: int = 7) -> list[str]:
    cases = yaml.safe_load((ROOT / "tests" / "cases" / "classification.yml").read_text(encoding="utf-8"))
    base = [c["description"] for c in cases]
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        text = rnd.choice(base)
        if rnd.random() < 0.3:
            text = text.rstrip(".") + " et " + rnd.choice(base)[0].lower() + rnd.choice(base)[1:]
        text = rnd.choice(OPENINGS) + text + rnd.choice(CLOSINGS)
        r = rnd.random()
        if r < 0.2:
            text = strip_accents(text).lower()
        elif r < 0.3:
            words = text.split()
            k = rnd.randrange(len(words))
            w = words[k]
            if len(w) > 5:
                j = rnd.randrange(1, len(w) - 2)
                words[k] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
            text = " ".join(words)
        elif r < 0.35:
            text = text + PADDING * rnd.randint(2, 8)
        out.append(text)
    return out


def typo_variants(seed: int = 11) -> list[tuple[str, str]]:
    """(description with one typo in a word of 6+ letters, expected main sub-axis) for each case."""
    cases = yaml.safe_load((ROOT / "tests" / "cases" / "classification.yml").read_text(encoding="utf-8"))
    rnd = random.Random(seed)
    out = []
    for c in cases:
        if not c["sub_axis"]:
            continue
        words = c["description"].split()
        for _ in range(3):
            k = rnd.choice([i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()] or [0])
            w = words[k]
            j = rnd.randrange(1, max(2, len(w) - 1))
            edit = rnd.choice(["swap", "drop", "double"])
            if edit == "swap" and j + 1 < len(w):
                w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
            elif edit == "drop":
                w = w[:j] + w[j + 1:]
            else:
                w = w[:j] + w[j] + w[j:]
            out.append((" ".join(words[:k] + [w] + words[k + 1:]), c["sub_axis"]))
    return out


def run(mode: str, n: int, batch_size: int) -> None:
    import copy

    import spacy

    from assistant.eligibility.classify import EXCLUDED_COMPONENTS, MODEL, Classifier
    from assistant.eligibility.knowledge import load_cached

    t = time.perf_counter()
    clf = Classifier.load(lemma_mode=mode)
    load = time.perf_counter() - t
    texts = descriptions(n)
    words = statistics.mean(len(t.split()) for t in texts)
    print(f"[{mode}] model + cues load: {load:.2f} s (pipeline: {', '.join(clf.nlp.pipe_names)}; {len(clf.cues)} cues)")
    print(f"[{mode}] {len(texts)} descriptions, {words:.0f} words on average")

    clf.classify_many(texts[:50])  # warm-up
    c0, w0 = time.process_time(), time.perf_counter()
    batch = clf.classify_many(texts, batch_size=batch_size)
    cpu_b, wall_b = time.process_time() - c0, time.perf_counter() - w0
    c0, w0 = time.process_time(), time.perf_counter()
    single = [clf.classify(x) for x in texts]
    cpu_s, wall_s = time.process_time() - c0, time.perf_counter() - w0
    same = sum(a.to_dict() == b.to_dict() for a, b in zip(batch, single))
    for name, wall, cpu in (("classify_many", wall_b, cpu_b), ("classify     ", wall_s, cpu_s)):
        print(f"[{mode}] {name}: {len(texts) / wall:7.0f} descriptions/s wall ({1000 * wall / len(texts):.2f} ms), "
              f"{1000 * cpu / len(texts):.2f} ms CPU each")
    print(f"[{mode}] same result batch vs single: {same}/{len(texts)}")

    # Typo handling: one edit in a word of 6+ letters of each case, with and without the correction.
    variants = typo_variants()
    kept = sum(r.sub_axis == exp for r, (_, exp) in zip(clf.classify_many([v for v, _ in variants]), variants))
    knowledge = copy.deepcopy(load_cached("sub_axes.yml"))
    knowledge["settings"]["typo_min_length"] = 10**6
    nlp = clf.nlp if mode == "lookup" else spacy.load(MODEL, exclude=list(EXCLUDED_COMPONENTS[mode]))
    plain = Classifier(nlp, knowledge, mode)
    kept_plain = sum(r.sub_axis == exp for r, (_, exp) in zip(plain.classify_many([v for v, _ in variants]), variants))
    # Word vectors alone (the secondary signal, off by default): nearest sub-axis definition.
    cases = yaml.safe_load((ROOT / "tests" / "cases" / "classification.yml").read_text(encoding="utf-8"))
    labelled = [(c["description"], c["sub_axis"]) for c in cases if c["sub_axis"]]
    right = answered = answered_right = 0
    for text, expected in labelled:
        vec = clf._mean_vector(clf._make(text))
        sims = sorted(((float(vec @ d), k) for k, d in clf.definition_vectors.items()), reverse=True)
        right += sims[0][1] == expected
        if sims[0][0] - sims[1][0] >= clf.vector_margin:
            answered += 1
            answered_right += sims[0][1] == expected
    print(f"[{mode}] word vectors alone: nearest definition right for {right}/{len(labelled)} cases; "
          f"with margin {clf.vector_margin}: {answered} answered, {answered_right} right")
    print(f"[{mode}] typos: main sub-axis kept for {kept}/{len(variants)} one-typo variants of the cases "
          f"with the correction, {kept_plain}/{len(variants)} without")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--mode", choices=["lookup", "rule", "both"], default="both")
    args = ap.parse_args()
    t = time.perf_counter()
    import spacy  # noqa: F401  (imports counted apart from the model load)

    import assistant.eligibility.classify  # noqa: F401
    print(f"imports (spacy, assistant): {time.perf_counter() - t:.2f} s")
    for mode in (["lookup", "rule"] if args.mode == "both" else [args.mode]):
        run(mode, args.n, args.batch_size)


if __name__ == "__main__":
    main()
