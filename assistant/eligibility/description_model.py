"""Statistical reading of a description (issue 10): a small model trained at load time.

The cue lists of knowledge/sub_axes.yml explain a classification and cite the source; this model
only reads the descriptions the cues leave without a sub-axis ("on aimerait que nos secrétaires
soient plus à l'aise avec les outils"). It may lift "no sub-axis" to a sub-axis, with its evidence
(the probability and the words that weighed most); it never decides the digital criterion, and so
never alone makes a request "not eligible" (assistant/eligibility/classify.py, `_lift`).

Method
------
- Corpus: knowledge/descriptions/train.yml, labelled descriptions (3a, 3b, 3c, `none` for a
  project that is not digital, `vague` for one too vague to tell: then nothing is lifted) written from the seed's example lists in the styles of users
  (formal letter, SMS without accents, typos, long rambling, very short, negations). Its held-out
  counterpart (tests/descriptions/heldout.yml) was written apart and is never read here.
- Features: the mean of the `fr_core_news_md` word vectors of the content words (a word without
  a vector is looked up lower-cased, then by its lemma, then without accents through the
  folded forms of the corpus' own words), L2-normalised; plus accent-folded word and character
  n-gram TF-IDF features (typos, SMS).
- Classifier: scikit-learn LogisticRegression (multinomial), trained in well under a second on
  a few hundred descriptions; `predict_doc` costs about 0.1 ms.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..config import KNOWLEDGE_DIR
from ..text import fold, strip_accents

LABELS = ("3a", "3b", "3c", "none", "vague")


def load_corpus(path: str | Path) -> list[tuple[str, str]]:
    """[(description, label)] of a corpus file: `examples: [{text, label}]` (label 3a/3b/3c/none)."""
    p = Path(path)
    if not p.is_absolute():
        p = KNOWLEDGE_DIR / p
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    out = []
    for i, e in enumerate(data.get("examples") or [], 1):
        label = str(e.get("label"))
        if label not in LABELS or not str(e.get("text") or "").strip():
            raise ValueError(f"{p.name}: exemple n° {i} invalide (label {label!r})")
        out.append((str(e["text"]), label))
    return out


class DescriptionModel:
    def __init__(self, clf: Any, pipeline, tfidf, vocab_fold: dict[str, str], stop: frozenset):
        self.nlp = clf.nlp
        self._lemma = clf._lemma
        self.pipeline = pipeline       # LogisticRegression on [vector | tfidf]
        self.tfidf = tfidf
        self.vocab_fold = vocab_fold
        self.stop = stop
        self.classes = list(pipeline.classes_) if pipeline is not None else []

    # ------------------------------------------------------------------ features
    def _vec(self, tok) -> np.ndarray | None:
        vocab = self.nlp.vocab
        for form in (tok.text, tok.text.lower(), self._lemma(tok), self.vocab_fold.get(fold(tok.text), "")):
            if form and vocab.has_vector(form):
                return vocab.get_vector(form)
        return None

    def _words(self, doc, skip=frozenset()) -> list:
        """Content words, without those in the scope of a negation (`skip`: token indexes)."""
        return [t for t in doc if not (t.is_punct or t.is_space or t.like_num) and t.i not in skip
                and fold(t.text) and fold(t.text) not in self.stop]

    def _dense(self, doc, skip=frozenset()) -> tuple[np.ndarray, list[tuple[str, np.ndarray]]]:
        pairs = []
        for t in self._words(doc, skip):
            v = self._vec(t)
            if v is not None:
                pairs.append((t.text, v))
        if not pairs:
            return np.zeros(self.nlp.vocab.vectors_length, dtype=np.float32), []
        m = np.mean([v for _, v in pairs], axis=0)
        n = np.linalg.norm(m)
        return (m / n if n else m), pairs

    def _text(self, doc, skip=frozenset()) -> str:
        return " ".join(fold(t.text) for t in self._words(doc, skip))

    def _features(self, docs, skips=None) -> tuple[np.ndarray, list]:
        skips = skips or [frozenset()] * len(docs)
        dense, pairs = zip(*(self._dense(d, k) for d, k in zip(docs, skips))) if docs else ((), ())
        sparse = self.tfidf.transform([self._text(d, k) for d, k in zip(docs, skips)]).toarray()
        return np.hstack([np.vstack(dense), sparse]), list(pairs)

    # ------------------------------------------------------------------ training
    @classmethod
    def train(cls, clf: Any, corpus: str | Path, C: float = 4.0,
              labels: tuple[str, ...] = LABELS) -> "DescriptionModel":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        from .classify import STOP

        examples = [(t, lab) for t, lab in load_corpus(corpus) if lab in labels]
        # the one augmentation: each example once more without accents, in lower case (SMS style)
        examples = examples + [(strip_accents(t).lower(), lab) for t, lab in examples
                               if strip_accents(t).lower() != t]
        docs = list(clf.nlp.tokenizer.pipe([t for t, _ in examples]))
        vocab_fold: dict[str, str] = {}
        for d in docs:   # accent-less forms of the corpus' own words ("numerique" -> "numérique")
            for t in d:
                f = fold(t.text)
                if f and f != t.text.lower() and clf.nlp.vocab.has_vector(t.text.lower()):
                    vocab_fold.setdefault(f, t.text.lower())
        tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True,
                                max_features=6000)
        model = cls(clf, None, tfidf, vocab_fold, STOP)
        tfidf.fit([model._text(d) for d in docs])
        X, _ = model._features(docs)
        y = [lab for _, lab in examples]
        lr = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
        lr.fit(X, y)
        model.pipeline = lr
        model.classes = list(lr.classes_)
        dim = clf.nlp.vocab.vectors_length
        model._coef_dense = np.ascontiguousarray(lr.coef_[:, :dim])
        model._coef_sparse_t = np.ascontiguousarray(lr.coef_[:, dim:].T)
        model._intercept = lr.intercept_.copy()
        model.size = len(examples)
        return model

    # ------------------------------------------------------------------ prediction
    def _proba(self, doc, skip) -> tuple[np.ndarray | None, list]:
        """The class probabilities, computed directly from the fitted coefficients (the dense part
        as a small matrix product, the TF-IDF part on its sparse row): the same numbers as
        `predict_proba`, without its per-call overhead."""
        dense, pairs = self._dense(doc, skip)
        sparse = self.tfidf.transform([self._text(doc, skip)])
        if not pairs and not sparse.nnz:
            return None, pairs
        dim = dense.shape[0]
        logits = self._coef_dense @ dense + self._intercept
        if sparse.nnz:
            logits = logits + np.asarray(sparse.dot(self._coef_sparse_t)).ravel()
        logits = logits - logits.max()
        e = np.exp(logits)
        return e / e.sum(), pairs

    def predict_doc(self, doc, skip=frozenset()) -> dict | None:
        """{"sub_axis": "3b" | None, "probability", "probabilities", "words"} or None (no word).
        `skip`: indexes of the tokens in the scope of a negation (not read)."""
        proba, pairs = self._proba(doc, skip)
        if proba is None:
            return None
        pairs = [pairs]
        best = int(np.argmax(proba))
        label = self.classes[best]
        words: list[str] = []
        if pairs[0] and label in ("3a", "3b", "3c"):
            dim = len(pairs[0][0][1])
            w = self.pipeline.coef_[best][:dim] - self.pipeline.coef_.mean(axis=0)[:dim]
            scored = sorted(((float(v @ w), t) for t, v in pairs[0]), reverse=True)
            words = list(dict.fromkeys(t for s, t in scored if s > 0))[:3]
        return {"sub_axis": label if label in ("3a", "3b", "3c") else None, "label": label,
                "probability": round(float(proba[best]), 3),
                "probabilities": {c: round(float(p), 3) for c, p in zip(self.classes, proba)},
                "words": words}
