"""Sub-axis classification of a project description: 3a, 3b, 3c (spaCy `fr_core_news_md`).

Interface
---------
    from assistant.eligibility.classify import Classifier
    clf = Classifier.load()                 # cached: one per process (CLI, Rasa action server)
    c = clf.classify("Création d'un service en ligne et formation des agents")
    c.sub_axis     -> "3c"                  # main sub-axis, or None
    c.sub_axes     -> ["3c", "3b"]          # every sub-axis of a mixed project, main first
    c.scores       -> {"3a": 0.0, "3b": 0.529, "3c": 0.471}   # shares of the cue weight
    c.evidence     -> {"3b": ["formation des agents"], "3c": ["service en ligne"]}
    c.is_digital   -> True
    c.excluded     -> []                    # restrictions of the text found in the description
    c.digital_evidence, c.raw, c.method, c.truncated   # what made it digital, raw weights, how, cut?
    c.negated, c.negated_digital            # cues read in the scope of a negation, not counted:
                                            # {"3b": ["formation"]}, ["application"]
    c.to_dict()                             # JSON-ready, the keys above
    clf.classify_many(texts)                # same, batched through nlp.pipe (faster)

Method (cue lists are data: knowledge/sub_axes.yml, each group citing its source paragraph)
------
1. The description (first `max_chars` characters) is tokenised by spaCy `fr_core_news_md` and
   lemmatised in one of two modes (`settings.lemmas`, or `Classifier.load(lemma_mode=...)`):
   - "lookup" (default): the form -> lemma table shipped in the model's lemmatizer (216 000
     forms); only the tokenizer runs. Measured on the case file and a held-out set: the same
     results as "rule", about 9 times less CPU (scripts/bench_classify.py).
   - "rule": tok2vec + morphologizer + attribute_ruler + rule lemmatizer (parser, ner, senter
     excluded): POS-aware lemmas, about 2 ms of CPU per description.
   Each word gets a set of keys: its accent-folded lower form, its folded lemma, and both without
   a final s/x (lemmas of capitalised or unaccented words are often missed), "-ee" -> "-e".
   Small words (articles, prepositions, "nos", "pr"...) are dropped, so "formation de nos agents"
   is the sequence formation, agent. SMS-style text without accents gives the same keys as the
   accented text. Cue words keep their written form and its singular (the lemma of a word out of
   context can be wrong: "consultants" -> "consulter").
2. Typos: an unknown word (5 to 30 letters, not a cue word, neither it nor its lemma in the
   lemmatizer's index of 95 000 French lemmas) one edit away (substitution, insertion, deletion,
   adjacent transposition) from a cue word counts as that word: "formaiton", "dématérialistion",
   "aplication"; a word of `typo_two_edits_min_length` (8) letters or more with no such neighbour
   may be two edits away, first letter kept ("acompagnemant"; issue 10). Known words are never
   corrected ("formel" is not "former").
3. Cues are compiled once through the same pipeline and matched on those keys; a multiword cue
   matches its words in order with at most `max_gap` other words between two of them, inside one
   clause. Overlapping matches keep the longest cue ("service en ligne" rather than "en ligne").
4. Each sub-axis' raw weight is the sum of the weights of the distinct cues found (a cue counts once).
   Audience: a 3b training cue ("ateliers", "initiation") in a description that names the agents
   anywhere counts at least `audience_min_weight`.
   Framing: after a strong cue of a group marked `frames` (3a studies/experts, 3b training), the cues
   of the other sub-axes in the same clause are the *topic* of that study or training and keep only
   `framed_factor` of their weight ("étude pour créer un service en ligne" -> 3a). A clause ends at
   . ; ! ? or a line break, or at "et", "puis", "ou", a comma followed by an action word
   ("formation des agents et création d'un portail" -> two clauses -> mixed 3b + 3c).
4b. Negation (an interpretation: the rules text is silent; words are data, `negation` in the cue
   file). A cue whose first word lies in the scope of a negation is not counted (neither for its
   sub-axis, nor for `is_digital`, nor as a frame) and is listed in `negated` / `negated_digital`.
   Read on the folded tokens (small words included; no parser, lookup mode stays tokenizer-only;
   the walk runs only when a trigger word - pas, jamais, aucun, ni, sans, ne... - is present):
   - `markers` (pas, jamais, aucun(e), ni, plutôt que, au lieu de) open a scope by themselves
     ("ne" is optional: "on veut pas de formation"); `with_ne` words (plus, point, guère, rien)
     only after "ne/n'" ("plus de services en ligne" means more). With "ne" the scope starts at
     "ne" ("nous ne formerons pas les agents"); "ne" alone is not a negation ("ne ... que").
   - The scope runs to the end of its clause: . ; ! ? : a line break, a `scope_breaks` word
     ("mais", "plutôt", "par contre", "en revanche", "car", SMS restarts "on veut"), or a
     soft break (comma, et, ou, puis...) unless the next word continues the negated list ("de",
     "d'", "ni": "pas de formation, de conseil ni d'étude"). "pas de formation mais un portail
     en ligne" -> 3c only. A multiword cue never spans two scopes.
   - "sans" covers only its next `sans_scope` (2) content words ("sans consultant", "sans l'aide
     d'un cabinet"): it introduces a circumstance, not a clause ("un portail sans papier pour les
     démarches en ligne" stays 3c). A cue written with its negation word ("sans ordinateur
     individuel", 3b) is not negated by it.
   - `not_negations` are read as plain words: "non seulement", "pas seulement/uniquement/que"
     (a second volet, both count), "pas à pas", "sans papier", "zéro papier", "sans se déplacer".
   - A negation within `relative_window` words after "qui"/"dont" describes the people served,
     not the project ("former les agents qui ne maîtrisent pas le logiciel").
   Several negative words never cancel each other ("n'avons jamais eu aucune formation").
5. `scores` are the shares of the raw weights (they sum to 1 when any cue was found, all 0
   otherwise): a reading of how the description leans, not a probability; `raw` gives the weights.
   A sub-axis is proposed when the heaviest one weighs at least `main_min_raw`; `sub_axes` holds
   the heaviest one and every other one weighing >= `secondary_min_raw` and >=
   `secondary_min_ratio` x the heaviest. Order (and so `sub_axis`, the main one): the order in
   which the description names them (first strong cue), since a mixed project usually begins
   with its main volet ("Création d'un service en ligne et formation des agents" -> 3c, 3b).
6. `is_digital`: a cue of `digital_project` (numérique, logiciel, en ligne, application...), a cue
   of weight >= 3 of a group marked `digital` (téléphonie, CRM, tchat...) or an excluded IT
   purchase was found. Phrases of `neutral_phrases` ("en application de", "appel à projets") are
   not read at all. Not digital -> no sub-axis
   (scores and evidence are still given, to show what was read).
7. Digital text without enough cue weight: no sub-axis (`method` None; a human decides). An
   optional fallback (`settings.vector_fallback`, OFF) compares the mean word vector of the
   description with each sub-axis' `definition` and proposes the nearest one when it beats the
   second by `vector_margin` (`method` = "vectors"). Measured alone on the cases it is right for
   about 70 % of them (43/60; 30/33 of those it answers with the margin), far below the cues,
   and the digital descriptions left without a cue are the vaguest ones: off.
8. `excluded`: equipment for agents (a purchase word near an IT equipment word, unless only the
   public is named) and licences of non-EU publishers, each with its evidence and source; the
   rules engine decides what follows. The rest of the clause of an excluded equipment purchase is
   what the equipment is for ("des PC portables pour le télétravail et la visio"): framed as above.

Limits, written down: negation (4b) is read on words, not syntax: a scope ends at a clause end,
so "pas d'étude préalable pour créer un site" negates the site too; a negated situation that is
not the project ("nos agents n'ont jamais utilisé d'ordinateur") negates its cues as well (other
cues usually carry the project); exclusions (equipment for agents, licences) ignore negation ("sans
achat de matériel" is still signalled: a human checks); the classifier reads words, not amounts
or intentions; a description naming
only a tool ("un logiciel") leans 3c (new application service) with a low weight.
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from .knowledge import load_cached, load_file
from ..text import fold

SUB_AXES = ("3a", "3b", "3c")
KNOWLEDGE_FILE = "sub_axes.yml"
MODEL = "fr_core_news_md"
# Only what lemmas need: tok2vec + morphologizer + attribute_ruler + lemmatizer ("rule" lemmas);
# the lookup mode keeps only the lemmatizer's tables (no neural component is run).
EXCLUDED_COMPONENTS = {
    "rule": ("parser", "ner", "senter"),
    "lookup": ("parser", "ner", "senter", "tok2vec", "morphologizer", "attribute_ruler"),
}

# Dropped on both sides (cues and descriptions): articles, prepositions, possessives, pronouns
# that carry no meaning for the classification, SMS abbreviations of them.
STOP = frozenset("""
le la les l un une de du des d en a au aux pour pr par ds sur dans avec et ou nos notre ses son sa
leur leurs ce cet cette ces mon ma mes votre vos y que qui dont afin chez vers se s the avoir etre
est sont ete tres tout tous toute toutes ne n qu c j je nous il elle ils elles on me m te t lui
cela ca ceci celui celle ceux celles auquel auxquels lequel laquelle lesquels
""".split())
SOFT_BREAKS = frozenset({"et", "puis", "ou", "ainsi", "ensuite", "egalement", "aussi", "plus", ",", "(", ")", "/", "+"})
HARD_BREAKS = frozenset({".", ";", "!", "?", "…", "•"})
# Negation: what each phrase of `negation` in the cue file does (first role wins for a phrase).
NEG_ROLES = ("not_negations", "scope_breaks", "markers", "sans", "with_ne", "ne")
NEG_SCOPE_ENDS = frozenset({":", "–", "—"})  # besides the hard breaks


@dataclass
class Classification:
    """Result of `Classifier.classify`. `scores`: share of the cue weight per sub-axis (0..1, sum 1
    when any cue was found). `evidence`: the user's own words that matched, per sub-axis.
    `excluded`: [{"id", "kind": "exclusion"|"restriction", "evidence": [...], "source": {...}}].
    `method`: "cues", "vectors" (fallback) or None (no sub-axis).
    `negated` / `negated_digital`: cues found in the scope of a negation ("pas de formation"), not
    counted, shown per sub-axis / for the digital test (the user's own words)."""

    sub_axis: str | None = None
    sub_axes: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=lambda: {k: 0.0 for k in SUB_AXES})
    evidence: dict[str, list[str]] = field(default_factory=dict)
    is_digital: bool = False
    digital_evidence: list[str] = field(default_factory=list)
    excluded: list[dict] = field(default_factory=list)
    method: str | None = None
    raw: dict[str, float] = field(default_factory=lambda: {k: 0.0 for k in SUB_AXES})
    truncated: bool = False
    negated: dict[str, list[str]] = field(default_factory=dict)
    negated_digital: list[str] = field(default_factory=list)
    # Issue 10: the digital criterion is three-valued. `not_digital_evidence`: the user's words that
    # show a project that is not digital ("toiture", "camion benne", "pas de volet numérique"), with
    # their kinds; `no_project`: the text describes no project at all (a question, a name).
    not_digital_evidence: list[str] = field(default_factory=list)
    not_digital_kinds: list[str] = field(default_factory=list)
    no_project: bool = False
    model: dict | None = None       # the statistical reading (description_model.py), when it ran
    not_digital_said: bool = False     # "ce n'est pas un projet numérique": the user says so
    not_digital_doubted: bool = False  # evidence found, but the statistical reading does not see a
                                       # non-digital project: the criterion stays unknown (a question)

    @property
    def digital(self) -> bool | None:
        """True: a digital cue; False: positive evidence of a non-digital project and no digital
        cue; None: neither (or no project described): the engine asks."""
        if self.is_digital:
            return True
        if self.no_project:
            return None
        if self.not_digital_said:
            return False  # the user says so
        return False if self.not_digital_evidence and not self.not_digital_doubted else None

    def to_dict(self) -> dict:
        return {
            "sub_axis": self.sub_axis,
            "sub_axes": list(self.sub_axes),
            "scores": dict(self.scores),
            "evidence": {k: list(v) for k, v in self.evidence.items()},
            "is_digital": self.is_digital,
            "digital_evidence": list(self.digital_evidence),
            "excluded": [dict(e) for e in self.excluded],
            "method": self.method,
            "raw": dict(self.raw),
            "truncated": self.truncated,
            "negated": {k: list(v) for k, v in self.negated.items()},
            "negated_digital": list(self.negated_digital),
            "digital": self.digital,
            "not_digital_evidence": list(self.not_digital_evidence),
            "not_digital_kinds": list(self.not_digital_kinds),
            "no_project": self.no_project,
            "model": dict(self.model) if self.model else None,
            "not_digital_doubted": self.not_digital_doubted,
            "not_digital_said": self.not_digital_said,
        }


@dataclass
class _Cue:
    label: str                      # "3a" | "3b" | "3c" | "digital" | "<exclusion id>:<role>"
    phrase: str
    words: tuple[frozenset, ...]    # alternatives (keys) per content word
    canon: tuple[str, ...]          # lemma sequence: one concept, counted once
    weight: float = 0.0
    group: str | None = None
    frames: bool = False
    digital: bool = False


@dataclass
class _Match:
    cue: _Cue
    positions: tuple[int, ...]      # indexes in the content-word list
    factor: float = 1.0
    weight: float = -1.0            # the cue's weight, raised by the audience rule

    def __post_init__(self):
        if self.weight < 0:
            self.weight = self.cue.weight

    @property
    def start(self) -> int:
        return self.positions[0]

    @property
    def end(self) -> int:
        return self.positions[-1]


def _raw_keys(text: str, lemma: str) -> set[str]:
    keys = {fold(text), fold(lemma)}
    for k in list(keys):
        if len(k) > 3 and k[-1] in "sx" and not k.endswith("ss"):
            k = k[:-1]
            keys.add(k)
        if len(k) > 4 and k.endswith("ee"):  # dematerialisee -> dematerialise
            keys.add(k[:-1])
    keys.discard("")
    return keys


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (adjacent transposition counts as one edit)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))


def _split_negated(matches: list, content: list) -> tuple[list, list]:
    """(matches counted, matches whose first word lies in the scope of a negation), step 4b."""
    kept, negated = [], []
    for m in matches:
        (negated if content[m.start][3] >= 0 else kept).append(m)
    return kept, negated


class Classifier:
    """Loads the spaCy model and the cues once; `classify` / `classify_many` are then cheap."""

    _cache: dict[tuple, "Classifier"] = {}
    _lock = threading.Lock()

    def __init__(self, nlp, knowledge: dict, lemma_mode: str | None = None):
        self.nlp = nlp
        self.knowledge = knowledge
        s = knowledge.get("settings") or {}
        self.max_chars = int(s.get("max_chars", 5000))
        self.max_gap = int(s.get("max_gap", 2))
        self.framed_factor = float(s.get("framed_factor", 0.35))
        self.secondary_min_raw = float(s.get("secondary_min_raw", 2.5))
        self.secondary_min_ratio = float(s.get("secondary_min_ratio", 0.4))
        self.main_min_raw = float(s.get("main_min_raw", 1.5))
        self.typo_min_length = int(s.get("typo_min_length", 5))
        # issue 10: a long unknown word may be two edits away from a cue word (0: off)
        self.typo_two_edits_min_length = int(s.get("typo_two_edits_min_length", 0))
        self.exclusion_window = int(s.get("exclusion_window", 8))
        self.vector_fallback = bool(s.get("vector_fallback", False))
        self.vector_margin = float(s.get("vector_margin", 0.04))
        self.model_corpus = s.get("model_corpus")          # knowledge/descriptions/train.yml (issue 10)
        self.model_min_probability = float(s.get("model_min_probability", 0.6))
        self.model_none_min = float(s.get("model_none_min", 0.5))
        self.model = None
        self.labels = {e["id"]: e.get("label", e["id"]) for e in knowledge["sub_axes"]}
        self.lemma_mode = lemma_mode or str(s.get("lemmas", "lookup"))
        if self.lemma_mode not in ("rule", "lookup"):
            raise ValueError(f"mode de lemmes inconnu : {self.lemma_mode}")
        self._lookup = {}
        if self.lemma_mode == "lookup":
            self._lookup = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
            self._pipe, self._make = nlp.tokenizer.pipe, nlp.make_doc
        else:
            self._pipe, self._make = nlp.pipe, nlp
        self._typo_cache: dict[str, frozenset] = {}
        self._word_cache: dict[tuple, tuple] = {}
        self._low_cache: dict[str, str] = {}
        self._compile()
        if self.model_corpus:
            from .description_model import DescriptionModel
            self.model = DescriptionModel.train(self, self.model_corpus)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, model: str = MODEL, knowledge_file: str = KNOWLEDGE_FILE, knowledge_dir=None,
             lemma_mode: str | None = None) -> "Classifier":
        """The classifier for this model, cue file and lemma mode ("rule" or "lookup"; default:
        `settings.lemmas` of the cue file), built on first call and then reused."""
        key = (model, knowledge_file, str(knowledge_dir) if knowledge_dir else None, lemma_mode)
        inst = cls._cache.get(key)
        if inst is not None:
            return inst
        with cls._lock:
            inst = cls._cache.get(key)
            if inst is None:
                import spacy  # imported here: importing assistant must stay cheap

                knowledge = load_file(knowledge_file, knowledge_dir) if knowledge_dir else load_cached(knowledge_file)
                mode = lemma_mode or str((knowledge.get("settings") or {}).get("lemmas", "lookup"))
                full_key = key[:3] + (mode,)
                inst = cls._cache.get(full_key)
                if inst is None:
                    if mode not in EXCLUDED_COMPONENTS:
                        raise ValueError(f"mode de lemmes inconnu : {mode}")
                    inst = cls(spacy.load(model, exclude=list(EXCLUDED_COMPONENTS[mode])), knowledge, mode)
                    cls._cache[full_key] = inst
                cls._cache[key] = inst
        return inst

    def _tokens_keys(self, doc, lemmas: bool = True) -> list[tuple[int, frozenset]]:
        """Content words of a cue phrase. Cue words keep their written form (and its singular):
        the lemma of a word out of context can be wrong ("consultants" -> "consulter")."""
        out = []
        for tok in doc:
            if tok.is_punct or tok.is_space:
                continue
            low = fold(tok.text)
            keys = _raw_keys(tok.text, self._lemma(tok) if lemmas else tok.text)
            if not keys or low in STOP or low in SOFT_BREAKS:
                continue
            out.append((tok.i, frozenset(keys)))
        return out

    def _compile(self) -> None:
        k = self.knowledge
        specs: list[tuple[str, str, float, str | None, bool, bool]] = []
        for axis in k["sub_axes"]:
            for g in axis.get("groups", []):
                for c in g.get("cues", []):
                    phrase, w = (c["cue"], float(c.get("weight", g.get("weight", 1)))) if isinstance(c, dict) else (c, float(g.get("weight", 1)))
                    specs.append((axis["id"], str(phrase), w, g["id"], bool(g.get("frames")), bool(g.get("digital"))))
            for phrase in axis.get("audience", []) or []:
                specs.append((f"audience:{axis['id']}", str(phrase), 0.0, None, False, False))
            lr = axis.get("learners")
            if lr:
                for role in ("audience", "words"):
                    for phrase in lr.get(role) or []:
                        specs.append((f"learn_{role}:{axis['id']}", str(phrase), 0.0, None, False, False))
        self.audience_min = {a["id"]: float(a.get("audience_min_weight", 0)) for a in k["sub_axes"]}
        # Learners (step 4c): the people who learn next to a learning word is a cue of its own.
        self.learners = {}
        for a in k["sub_axes"]:
            lr = a.get("learners")
            if lr:
                cue = _Cue(a["id"], str(lr.get("id", "learners")), (), ("<learners>",), float(lr.get("weight", 4)),
                           str(lr.get("id", "learners")), bool(lr.get("frames", True)), False)
                self.learners[a["id"]] = (cue, int(lr.get("window", 5)))
        # a frame this strong also frames the cues before it in its clause (0: off)
        self.backward_min_weight = float((k.get("settings") or {}).get("backward_frame_min_weight", 0))
        self.boosted_groups = {g["id"] for a in k["sub_axes"] for g in a.get("groups", []) if g.get("audience_boost")}
        for phrase in k["digital_project"]["cues"]:
            specs.append(("digital", str(phrase), 1.0, "digital_project", False, True))
        nd = k.get("not_digital") or {}
        self.not_digital_labels = {}
        for gid, g in (nd.get("groups") or {}).items():
            self.not_digital_labels[gid] = str(g.get("label", gid))
            for phrase in g.get("cues") or []:
                specs.append((f"nd:{gid}", str(phrase), 1.0, f"nd:{gid}", False, False))
        self.nd_statements = [re.compile(r"\b" + r"\s+".join(re.escape(w) + "s?" for w in fold(str(p)).split()) + r"\b")
                              for p in nd.get("statements") or [] if fold(str(p))]
        self.nd_negative_answers = frozenset(fold(str(a)) for a in nd.get("negative_answers") or [])
        self.nd_empty_words = frozenset(fold(str(w)) for w in nd.get("empty_words") or [])
        self.nd_min_words = int(nd.get("min_words", 2))
        self.exclusions = k.get("exclusions", [])
        for ex in self.exclusions:
            for role in ("purchase", "equipment", "agents", "public"):
                for phrase in ex.get(role, []) or []:
                    specs.append((f"{ex['id']}:{role}", str(phrase), 1.0, ex["id"], False, False))
        self.neutral: dict[str, list[tuple[str, ...]]] = {}
        for phrase in k.get("neutral_phrases", []) or []:
            toks = tuple(fold(t.text) for t in self.nlp.make_doc(str(phrase)) if fold(t.text))
            if toks:
                self.neutral.setdefault(toks[0], []).append(toks)
        neg = k.get("negation") or {}
        self.sans_scope = int(neg.get("sans_scope", 2))
        self.neg_phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for role in NEG_ROLES:
            for phrase in neg.get(role, []) or []:
                toks = tuple(fold(t.text) for t in self.nlp.make_doc(str(phrase)) if fold(t.text))
                if toks and all(p != toks for p, _ in self.neg_phrases.get(toks[0], ())):
                    self.neg_phrases.setdefault(toks[0], []).append((toks, role))
        for entries in self.neg_phrases.values():  # longest phrase first, then role order
            entries.sort(key=lambda e: (-len(e[0]), NEG_ROLES.index(e[1])))
        self.neg_continuers = frozenset(fold(str(w)) for w in neg.get("list_continuers", []) or [])
        self.neg_relative = frozenset(fold(str(w)) for w in neg.get("relative", []) or [])
        self.relative_window = int(neg.get("relative_window", 3))
        # A description needs the negation walk only if it holds one of these words.
        self.neg_triggers = frozenset(first for first, entries in self.neg_phrases.items()
                                      if any(r in ("markers", "sans", "ne") for _, r in entries))
        self.clause_starters = set()
        for doc in self._pipe([str(w) for w in k.get("clause_starters", [])]):
            for _, keys in self._tokens_keys(doc):
                self.clause_starters |= keys

        merged: dict[tuple, _Cue] = {}
        for spec, doc in zip(specs, self._pipe([s[1] for s in specs])):
            label, phrase, weight, group, frames, digital = spec
            content = [keys for _, keys in self._tokens_keys(doc, lemmas=False)]
            if not content:
                raise ValueError(f"{KNOWLEDGE_FILE}: indice vide « {phrase} »")
            words = tuple(content)
            canon = tuple(min(keys, key=lambda k: (len(k), k)) for keys in content)
            key = (label, canon)
            old = merged.get(key)
            if old is None:
                merged[key] = _Cue(label, phrase, words, canon, weight, group, frames, digital)
            else:  # same concept written twice (singular/plural): one cue, all spellings, max weight
                if len(old.words) == len(words):
                    old.words = tuple(a | b for a, b in zip(old.words, words))
                if weight > old.weight:
                    old.weight, old.group, old.frames, old.digital = weight, group, frames, digital
        self.cues = list(merged.values())
        self.index: dict[str, list[_Cue]] = {}
        for cue in self.cues:
            for key in cue.words[0]:
                self.index.setdefault(key, []).append(cue)
        self.vocab = set()
        for cue in self.cues:
            for alts in cue.words:
                self.vocab |= {a for a in alts if " " not in a}
        self.typo_vocab: dict[str, set[str]] = {}
        for w in self.vocab:
            if len(w) >= self.typo_min_length and w.isalpha():
                for d in _deletes(w) | {w}:
                    self.typo_vocab.setdefault(d, set()).add(w)
        self._long_vocab: dict[str, list[str]] = {}
        for w in sorted(self.vocab):
            if self.typo_two_edits_min_length and len(w) >= self.typo_two_edits_min_length - 2 and w.isalpha():
                self._long_vocab.setdefault(w[0], []).append(w)
        # Known French words (the lemmatizer's lemma index, folded): never corrected as typos.
        self.lexicon: set[str] = set()
        try:
            index = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
            for words in index.values():
                self.lexicon.update(w if w.isascii() and w.isalpha() and w.islower() else fold(w) for w in words)
        except (KeyError, ValueError):  # another model: fall back on the word vectors
            pass
        # Sub-axis definitions as mean word vectors (secondary signal).
        self.definition_vectors = {}
        for axis, doc in zip(k["sub_axes"], self._pipe([a.get("definition", "") for a in k["sub_axes"]])):
            vec = self._mean_vector(doc)
            if vec is not None:
                self.definition_vectors[axis["id"]] = vec

    @staticmethod
    def _mean_vector(doc):
        vecs = [t.vector for t in doc if t.has_vector and not t.is_punct and not t.is_stop]
        if not vecs:
            return None
        v = np.mean(vecs, axis=0)
        n = np.linalg.norm(v)
        return v / n if n else None

    def _typo(self, word: str) -> frozenset:
        hit = self._typo_cache.get(word)
        if hit is not None:
            return hit
        cands = set()
        for d in _deletes(word) | {word}:
            for w in self.typo_vocab.get(d, ()):
                if len(w) >= self.typo_min_length and _within_one_edit(word, w):
                    cands.add(w)
        if not cands and self.typo_two_edits_min_length and len(word) >= self.typo_two_edits_min_length:
            # two edits (optimal string alignment), same first letter: "acompagnemant", "formmatoin"
            from rapidfuzz.distance import OSA
            cands = {w for w in self._long_vocab.get(word[0], ())
                     if abs(len(w) - len(word)) <= 2 and OSA.distance(word, w, score_cutoff=2) <= 2}
        res = frozenset(cands)
        if len(self._typo_cache) < 50_000:
            self._typo_cache[word] = res
        return res

    # ------------------------------------------------------------------ analysis
    def _lemma(self, tok) -> str:
        if self.lemma_mode == "rule":
            return tok.lemma_
        text = tok.text
        hit = self._lookup.get(text) or self._lookup.get(text.lower())
        return hit[0] if hit else text

    def _word(self, tok) -> tuple[str, frozenset]:
        """(kind, keys) of a token: kind is "hard" / "soft" (clause breaks), "skip" or "word".
        Cached per (form, lemma): the same words come back in every description."""
        text = tok.text
        lemma = self._lemma(tok)
        key = (text, lemma)
        hit = self._word_cache.get(key)
        if hit is not None:
            return hit
        low = fold(text)
        keys: frozenset = frozenset()
        if tok.is_space or not text.strip():
            kind = "hard" if "\n" in text else "skip"
        elif text in HARD_BREAKS or (tok.is_punct and text[:1] in ".;!?…"):
            kind = "hard"
        elif text in SOFT_BREAKS or low in SOFT_BREAKS:
            kind = "soft"
        elif tok.is_punct or not low or low in STOP:
            kind = "skip"
        else:
            kind = "word"
            raw = _raw_keys(text, lemma)
            if (self.typo_min_length <= len(low) <= 30 and low.isalpha() and not (raw & self.vocab)
                    and low not in self.lexicon and fold(lemma) not in self.lexicon
                    and (self.lexicon or tok.is_oov)):
                raw |= self._typo(low)
            keys = frozenset(raw)
        res = (kind, keys)
        if len(self._word_cache) < 200_000:
            self._word_cache[key] = res
        return res

    def _content(self, doc):
        """Content words: (token index, keys, clause id, negation: token index of the negation
        whose scope holds the word, or -1)."""
        out = []
        clause = 0
        soft = False
        lows = [self._low(t.text) for t in doc]
        words = [self._word(t) for t in doc]
        neutral = self._neutral_tokens(lows) if self.neutral else ()
        trig = self.neg_triggers
        first = next((i for i, low in enumerate(lows) if low in trig), -1)
        neg = self._negation(doc, lows, words, first) if first >= 0 else {}
        for tok, (kind, keys) in zip(doc, words):
            if kind == "word" and tok.i in neutral:
                continue
            if kind == "word":
                if soft and keys & self.clause_starters:
                    clause += 1
                soft = False
                out.append((tok.i, keys, clause, neg.get(tok.i, -1)))
            elif kind == "hard":
                clause += 1
                soft = False
            elif kind == "soft":
                soft = True
        return out

    def _neutral_tokens(self, lows: list[str]) -> set[int]:
        """Indexes of the tokens of a neutral phrase ("en application de", "appel à projets")."""
        out: set[int] = set()
        for i, low in enumerate(lows):
            for phrase in self.neutral.get(low, ()):
                if tuple(lows[i:i + len(phrase)]) == phrase:
                    out.update(range(i, i + len(phrase)))
        return out

    def _negation(self, doc, lows: list[str], words: list[tuple[str, frozenset]], first: int = 0) -> dict[int, int]:
        """Token index -> token index of the negation whose scope holds it (Method, step 4b).
        A clause-long scope opens at a marker ("pas", "jamais", "aucun", "ni", "plutôt que"), or at
        "ne" when "plus/point/guère/rien" (or a marker) follows it; "sans" covers only its next
        `sans_scope` content words. Scopes end at . ; ! ? : a line break, a `scope_breaks` word
        ("mais", "plutôt", "par contre"...) and a soft break (comma, "et", "ou", "puis"...) unless
        the next word is a `list_continuers` one ("pas de formation, de conseil ni d'étude").
        A negation just after a `relative` word ("qui ne maîtrisent pas") is no negation: `ne_pos`
        -2 then means "a relative 'ne' is pending, its 'pas' is read as a word"."""
        cover: dict[int, int] = {}
        n = len(doc)
        active = ne_pos = sans_pos = -1
        sans_left = 0
        i = first  # nothing opens a scope before the first trigger word
        while i < n:
            role, length = None, 1
            for toks, r in self.neg_phrases.get(lows[i], ()):
                if len(toks) == 1 or tuple(lows[i:i + len(toks)]) == toks:
                    role, length = r, len(toks)
                    break
            if role == "with_ne" and ne_pos == -1:
                role = None  # "plus de services en ligne": more, not "no more"
            if role is None or role == "not_negations":
                kind = words[i][0]
                if role is None and (kind == "hard" or doc[i].text in NEG_SCOPE_ENDS):
                    active = ne_pos = -1
                    sans_left = 0
                elif role is None and kind == "soft":
                    j = i + 1
                    while j < n and (doc[j].is_space or not lows[j]):
                        j += 1
                    if j >= n or lows[j] not in self.neg_continuers:
                        active = ne_pos = -1
                        sans_left = 0
                else:  # ordinary words (a not-negation phrase is read as words)
                    for j in range(i, min(n, i + length)):
                        if active >= 0:
                            cover[j] = active
                        elif sans_left > 0 and words[j][0] == "word":
                            cover[j] = sans_pos
                            sans_left -= 1
            elif role == "scope_breaks":
                active = ne_pos = -1
                sans_left = 0
            elif role in ("markers", "with_ne", "ne") and active < 0 and (ne_pos == -2 or any(
                    lows[j] in self.neg_relative for j in range(max(0, i - self.relative_window), i))):
                # "les agents qui ne maîtrisent pas le logiciel": describes people, read as words
                ne_pos = -2 if role == "ne" else -1
            elif role in ("markers", "with_ne"):
                if active < 0:
                    active = ne_pos if ne_pos >= 0 else i
                    for j in range(active + 1, i):  # "nous ne formerons pas": from "ne"
                        cover[j] = active
                ne_pos = -1
                sans_left = 0
            elif role == "sans":
                if active < 0:
                    sans_pos, sans_left = i, self.sans_scope
            elif role == "ne" and active < 0:
                ne_pos = i
            i += length
        return cover

    def _low(self, text: str) -> str:
        hit = self._low_cache.get(text)
        if hit is None:
            hit = fold(text)
            if len(self._low_cache) < 200_000:
                self._low_cache[text] = hit
        return hit

    def _match(self, content) -> list[_Match]:
        found: dict[tuple, _Match] = {}
        n = len(content)
        gap = self.max_gap
        for i in range(n):
            tok_i, keys, clause, neg = content[i]
            for key in keys:
                for cue in self.index.get(key, ()):
                    if (id(cue), i) in found:
                        continue
                    pos = [i]
                    ok = True
                    for alts in cue.words[1:]:
                        j = pos[-1] + 1
                        stop = min(n, j + gap + 1)
                        # inside one clause and one negation scope ("pas de formation mais un
                        # portail en ligne" is not "formation en ligne"), or the scope of the
                        # cue's own first word ("sans ordinateur individuel")
                        while j < stop and content[j][2] == clause and not (content[j][1] & alts):
                            j += 1
                        if j < stop and content[j][2] == clause and content[j][3] in (neg, tok_i):
                            pos.append(j)
                        else:
                            ok = False
                            break
                    if ok:
                        found[(id(cue), i)] = _Match(cue, tuple(pos))
        return list(found.values())

    @staticmethod
    def _non_overlapping(matches: list[_Match]) -> list[_Match]:
        taken: set[int] = set()
        kept = []
        for m in sorted(matches, key=lambda m: (-len(m.positions), -(m.end - m.start), -m.cue.weight, m.start)):
            if taken.isdisjoint(m.positions):
                kept.append(m)
                taken.update(m.positions)
        return sorted(kept, key=lambda m: m.start)

    def _span(self, doc, content, m: _Match) -> str:
        a = content[m.start][0]
        b = content[m.end][0]
        return doc[a:b + 1].text

    def _spans(self, doc, content, ms: list[_Match]) -> list[str]:
        """The user's words of these matches, each once, in order."""
        return list(dict.fromkeys(self._span(doc, content, m) for m in ms))

    def _result(self, doc, truncated: bool = False) -> Classification:
        content = self._content(doc)
        matches = self._match(content)
        axis_m = self._non_overlapping([m for m in matches if m.cue.label in SUB_AXES])
        # Negation: a cue starting in the scope of a negation is shown, not counted (step 4b).
        axis_m, negated_m = _split_negated(axis_m, content)
        # Audience: a training cue in a description naming the agents is a strong cue.
        audiences = {m.cue.label.split(":", 1)[1] for m in matches if m.cue.label.startswith("audience:")}
        for m in axis_m:
            if m.cue.label in audiences and m.cue.group in self.boosted_groups:
                m.weight = max(m.weight, self.audience_min.get(m.cue.label, 0.0))
        # Learners: "que nos agents sachent répondre sur le tchat", "apprendre aux secrétaires à
        # instruire les demandes en ligne": the agents who learn, whatever the tool (step 4c).
        if self.learners:
            axis_m.extend(self._learner_matches(matches, content))
            axis_m.sort(key=lambda m: m.start)
        digital_m, negated_digital_m = _split_negated(
            self._non_overlapping([m for m in matches if m.cue.label == "digital"]), content)

        # Framing: after a strong "frames" cue, other sub-axes' cues of the same clause are its topic;
        # after an excluded equipment purchase, the cues of its clause are what the equipment is for.
        excluded, frame_ends = self._exclusions(doc, content, matches)
        for end in frame_ends:
            for o in axis_m:
                if o.start > end and content[o.start][2] == content[end][2]:
                    o.factor = min(o.factor, self.framed_factor)
        frames = [f for f in axis_m if f.cue.frames and f.weight >= 2 and f.factor == 1.0]
        for f in frames:
            clause = content[f.start][2]
            back = self.backward_min_weight and f.weight >= self.backward_min_weight
            for o in axis_m:
                if o.cue.label == f.cue.label or content[o.start][2] != clause:
                    continue
                # after the study / training: its topic; before it (backward framing, a strong
                # frame only): its topic too unless an action word opens the clause up to the cue
                # ("mise en place d'un portail avec formation des agents" stays mixed)
                if o.start > f.end or (o.start > f.start and o.end > f.end) or (
                        back and o.start < f.start and not self._action_before(content, o.start)):
                    o.factor = min(o.factor, self.framed_factor)

        raw = {k: 0.0 for k in SUB_AXES}
        best: dict[tuple, float] = {}
        first_pos = {k: 10**9 for k in SUB_AXES}
        evidence: dict[str, list[str]] = {}
        for m in axis_m:
            key = (m.cue.label, m.cue.canon)
            w = m.weight * m.factor
            if w > best.get(key, 0.0):
                raw[m.cue.label] += w - best.get(key, 0.0)
                best[key] = w
            if m.factor == 1.0:  # where the sub-axis is first named (strong cues first)
                rank = m.start if m.weight >= 2 else 10**6 + m.start
                first_pos[m.cue.label] = min(first_pos[m.cue.label], rank)
            text = self._span(doc, content, m)
            ev = evidence.setdefault(m.cue.label, [])
            if text not in ev:
                ev.append(text)
        total = sum(raw.values())
        scores = {k: round(raw[k] / total, 3) if total else 0.0 for k in SUB_AXES}
        raw = {k: round(v, 3) for k, v in raw.items()}

        digital_ev = []
        for m in digital_m:
            t = self._span(doc, content, m)
            if t not in digital_ev:
                digital_ev.append(t)
        for m in axis_m:  # a strong cue of a group marked `digital` (téléphonie, CRM...)
            if m.cue.digital and m.factor == 1.0 and m.cue.weight >= 3:
                t = self._span(doc, content, m)
                if t not in digital_ev:
                    digital_ev.append(t)
        for ex in excluded:  # buying IT equipment or software licences is a digital expense
            for t in ex["evidence"]:
                if t not in digital_ev:
                    digital_ev.append(t)
        is_digital = bool(digital_ev)
        nd_ev, nd_kinds, nd_said = self._not_digital(doc, content, matches)

        res = Classification(scores=scores, evidence={k: evidence[k] for k in SUB_AXES if k in evidence},
                             is_digital=is_digital, digital_evidence=digital_ev, raw=raw, truncated=truncated)
        res.excluded = excluded
        for axis in SUB_AXES:
            spans = self._spans(doc, content, [m for m in negated_m if m.cue.label == axis])
            if spans:
                res.negated[axis] = spans
        res.negated_digital = self._spans(doc, content, negated_digital_m)
        res.not_digital_evidence, res.not_digital_kinds, res.not_digital_said = nd_ev, nd_kinds, nd_said
        if not is_digital and not nd_ev and not matches:
            res.no_project = self._describes_nothing(doc)
        negated_tokens = {c[0] for c in content if c[3] >= 0} | {
            t.i for t in doc if t.text and self._low(t.text) in self.neg_triggers}
        if nd_ev and not nd_said and not is_digital and self.model is not None:
            # Words are fragile evidence ("réserver la salle des fêtes en ligne" is not works): a
            # non-digital verdict needs the statistical reading to agree (both, never it alone).
            pred = self.model.predict_doc(doc, negated_tokens)
            res.model = pred
            if pred is not None and pred["probabilities"].get("none", 1.0) < self.model_none_min:
                res.not_digital_doubted = True
        if res.digital is False or res.no_project:
            return res  # positive evidence of a non-digital project, or no project: no sub-axis
        # digital, or unknown (no evidence either way): the cues propose a sub-axis; the digital
        # criterion is decided by the rules (unknown -> a question), not here
        top = max(raw.values())
        if top >= self.main_min_raw:
            # Every sub-axis weighing enough; a mixed project lists them in the order the
            # description names them (its first volet is taken as the main one).
            chosen = [k for k in SUB_AXES if raw[k] == top or (
                raw[k] >= self.secondary_min_raw and raw[k] >= self.secondary_min_ratio * top)]
            chosen.sort(key=lambda k: (first_pos[k], -raw[k]))
            res.sub_axis = chosen[0]
            res.sub_axes = chosen
            res.method = "cues"
            return res
        elif self.model is not None:
            return self._lift(doc, res, negated_tokens)
        elif self.vector_fallback and self.definition_vectors:
            vec = self._mean_vector(doc)
            if vec is not None:
                sims = sorted(((float(vec @ d), k) for k, d in self.definition_vectors.items()), reverse=True)
                if len(sims) == 1 or sims[0][0] - sims[1][0] >= self.vector_margin:
                    res.sub_axis = sims[0][1]
                    res.sub_axes = [sims[0][1]]
                    res.method = "vectors"
        return res

    def _learner_matches(self, matches, content) -> list[_Match]:
        """One match per sub-axis with `learners`: an audience word ("agents", "secrétaires") and a
        learning word ("savoir", "maîtriser", "prendre en main") in one clause, at most `window`
        content words apart, neither in the scope of a negation."""
        out = []
        for axis, (cue, window) in self.learners.items():
            aud = [m for m in matches if m.cue.label == f"learn_audience:{axis}" and content[m.start][3] < 0]
            words = [m for m in matches if m.cue.label == f"learn_words:{axis}" and content[m.start][3] < 0]
            pairs = [(abs(a.start - w.start), a, w) for a in aud for w in words
                     if content[a.start][2] == content[w.start][2] and 0 < abs(a.start - w.start) <= window]
            if pairs:
                _, a, w = min(pairs, key=lambda p: (p[0], min(p[1].start, p[2].start)))
                out.append(_Match(cue, tuple(sorted(set(a.positions) | set(w.positions)))))
        return out

    def _action_before(self, content, pos: int) -> bool:
        """An action word ("créer", "mise", "déployer": `clause_starters`) in the clause of content
        word `pos`, at or before it."""
        clause = content[pos][2]
        j = pos
        while j >= 0 and content[j][2] == clause:
            if content[j][1] & self.clause_starters:
                return True
            j -= 1
        return False

    def _not_digital(self, doc, content, matches) -> tuple[list[str], list[str], bool]:
        """Positive evidence of a project that is not digital (knowledge `not_digital`): the user's
        words of the cues found outside a negation, and the statements "pas de volet numérique"."""
        nd_m, _ = _split_negated(self._non_overlapping([m for m in matches if m.cue.label.startswith("nd:")]), content)
        evidence = self._spans(doc, content, nd_m)
        kinds = list(dict.fromkeys(self.not_digital_labels[m.cue.label[3:]] for m in nd_m))
        if self.nd_statements:
            low = fold(doc.text)
            said = [m.group(0) for rx in self.nd_statements for m in [rx.search(low)] if m]
            if said:
                evidence += [s for s in dict.fromkeys(said) if s not in evidence]
                kinds.append("le projet est présenté comme non numérique")
        return evidence, kinds, bool(self.nd_statements) and bool(said)

    def _describes_nothing(self, doc) -> bool:
        """True when, once the small words, the `empty_words` ("projet", "éligible", "commune"...)
        and the names (capitalised words after the first) are set aside, fewer than `min_words`
        words are left: "Commune de Mamers : notre projet est-il éligible ?"."""
        left = 0
        first = True
        for tok in doc:
            if tok.is_punct or tok.is_space or not tok.text.strip():
                continue
            name = not first and tok.text[:1].isupper()
            first = False
            if name:
                continue
            for w in fold(tok.text).split():
                if len(w) >= 2 and w.isalpha() and w not in STOP and w not in self.nd_empty_words:
                    left += 1
        return left < self.nd_min_words

    def is_negative_answer(self, text: str | None) -> bool:
        """An answer to « En quoi votre projet est-il numérique ? » that says it is not ("non",
        "rien", "il n'y en a pas"): the user says so (knowledge `not_digital.negative_answers`)."""
        low = fold(text or "")
        return bool(low) and (low in self.nd_negative_answers
                              or any(rx.fullmatch(low) or rx.search(low) and len(low.split()) <= 6
                                     for rx in self.nd_statements))

    def _lift(self, doc, res: Classification, skip: set[int] = frozenset()) -> Classification:
        """The statistical reading (Method, step 7): only when the cues gave no sub-axis, never for a
        description with positive evidence of a non-digital project nor for one describing nothing.
        It may only lift "no sub-axis" to a sub-axis, with its evidence (`model`); it decides nothing
        about the digital criterion."""
        if self.model is None or res.sub_axis is not None or res.no_project or res.digital is False:
            return res
        if any(e.get("kind") == "exclusion" for e in res.excluded):
            return res  # an excluded purchase (equipment for agents) and no sub-axis: nothing to lift
        if (res.negated or res.negated_digital) and not any(res.raw.values()) and not res.digital_evidence:
            return res  # every cue the user wrote is negated: they said what they do not want
        pred = self.model.predict_doc(doc, skip)
        if pred is None:
            return res
        res.model = pred
        if pred["sub_axis"] in SUB_AXES and pred["probability"] >= self.model_min_probability:
            res.sub_axis = pred["sub_axis"]
            res.sub_axes = [pred["sub_axis"]]
            res.method = "model"
            res.evidence = dict(res.evidence)
            res.evidence.setdefault(pred["sub_axis"], [])
            for w in pred["words"]:
                if w not in res.evidence[pred["sub_axis"]]:
                    res.evidence[pred["sub_axis"]].append(w)
        return res

    def _exclusions(self, doc, content, matches) -> tuple[list[dict], list[int]]:
        """The restrictions found, and the content positions after which an excluded purchase
        frames the rest of its clause (exclusions marked `frames`)."""
        out, frames = [], []
        for ex in self.exclusions:
            eid = ex["id"]
            by_role = {r: [m for m in matches if m.cue.label == f"{eid}:{r}"] for r in ("purchase", "equipment", "agents", "public")}
            if not by_role["purchase"] or not by_role["equipment"]:
                continue
            if ex.get("public") and by_role["public"] and not by_role["agents"]:
                continue
            spans = []
            for e in self._non_overlapping(by_role["equipment"]):
                near = [p for p in by_role["purchase"] if abs(p.start - e.start) <= self.exclusion_window
                        and not set(p.positions) & set(e.positions)]
                if not near:
                    continue
                p = min(near, key=lambda p: abs(p.start - e.start))
                a = content[min(p.start, e.start)][0]
                b = content[max(p.end, e.end)][0]
                text = doc[a:b + 1].text
                if text not in spans:
                    spans.append(text)
                if ex.get("frames"):
                    frames.append(max(p.end, e.end))
            if spans:
                out.append({"id": eid, "kind": ex.get("kind", "exclusion"), "evidence": spans,
                            "source": dict(ex["source"])})
        return out, frames

    # ------------------------------------------------------------------ public API
    def _prepare(self, description) -> tuple[str, bool]:
        if description is None:
            return "", False
        if not isinstance(description, str):
            description = str(description)
        if len(description) > self.max_chars:
            return description[: self.max_chars], True
        return description, False

    def classify(self, description: str | None) -> Classification:
        """Classify one description (None, empty or huge texts are fine: first `max_chars` read)."""
        text, truncated = self._prepare(description)
        if not text.strip():
            return Classification(truncated=truncated)
        return self._result(self._make(text), truncated)

    def classify_many(self, texts: Iterable[str | None], batch_size: int = 256) -> list[Classification]:
        """Classify many descriptions, batched through `nlp.pipe` (same results as `classify`)."""
        prepared = [self._prepare(t) for t in texts]
        out: list[Classification | None] = [None] * len(prepared)
        todo = [(i, t) for i, (t, _) in enumerate(prepared) if t.strip()]
        for (i, _), doc in zip(todo, self._pipe((t for _, t in todo), batch_size=batch_size)):
            out[i] = self._result(doc, prepared[i][1])
        return [o if o is not None else Classification(truncated=prepared[i][1]) for i, o in enumerate(out)]


def classify(description: str | None) -> Classification:
    """Shortcut: `Classifier.load().classify(description)`."""
    return Classifier.load().classify(description)
