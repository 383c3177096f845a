"""Collectivity names as people write them: the longest referential name a message contains.

Pure Python (no Rasa, no database): a `NameIndex` is built once from name entries (see
`entries_from_referential`), then `index.read(text)` returns the names the message gives, best
first, and "Vouliez-vous dire … ?" suggestions (rapidfuzz) when a place is named but not found.

    index = NameIndex(entries)                       # ~36 000 collectivities, built once
    index.read("secrétaire de mairie à Plougastel-Daoulas").mentions[0].key  -> "plougastel daoulas"
    index.read("je suis au Mans").mentions[0].key                              -> "le mans"
    index.read("commune de Plougastel-Daoulaz").suggestions[0].name            -> "Plougastel-Daoulas"

Readings written down:

- The message is cut into words with `assistant.text.fold` (no case, no accents, hyphens and
  apostrophes are spaces) and St/Ste/Sts/Stes become Saint/Sainte/...: "St-Denis-d'Oléron",
  "saint denis d oleron" and "ST DENIS D'OLERON" are the same words. "au"/"du" stand for "le",
  "aux"/"des" for "les" ("maire du Mans" -> "le mans").
- At each word the index walks as far as a referential name goes (a token trie stored as a dict of
  names and a set of their prefixes) and keeps the longest name; a name inside a longer name of the
  message ("Daoulas" in "Plougastel-Daoulas") is dropped. A name whose text goes on with a hyphen
  ("Saint-Martin-de-Rz") or comes after one ("Mer" in "Zorglubville-sur-Mer") is a piece of a longer
  word: it is not taken, the whole word gets suggestions.
- A name counts only in a place where people name their collectivity: after a head ("mairie de",
  "commune de", "CC", "département du", ...), a role ("maire de", "secrétaire de mairie à",
  "président de"), "c'est", "ici", at the start of the message before a stop (":", ",", "-"), as the
  whole message, or when the question asked was the collectivity. After a plain "à", "de", "pour",
  "chez", "sur", "en" a one-word name that is also a common French word ("Orange", "Plan", "Ville")
  needs a capital letter.
- Exact names are preferred to alternative keys (a name without its article, an EPCI without its
  legal form), as `Referential.lookup` does; every mention carries a `query` that the lookup
  resolves to the same collectivities (one -> found, several -> the homonym question).
"""
from __future__ import annotations

import bisect
import math
import re
import time
from dataclasses import dataclass, field
from typing import Iterable

from ..text import fold

MAX_TEXT = 2000
MAX_NAME_WORDS = 24           # the longest referential name has 17 words
_SAINTS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_CONTRACTIONS = {"au": "le", "du": "le", "aux": "les", "des": "les"}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# heads that give the type (the words before the name, folded), longest first
_TYPED_HEADS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (tuple(h.split()), types) for h, types in sorted([
        ("mairie", ("commune",)), ("ville", ("commune",)), ("commune", ("commune",)),
        ("municipalite", ("commune",)), ("village", ("commune",)), ("commune nouvelle", ("commune",)),
        ("conseil municipal", ("commune",)),
        ("communaute de communes", ("epci",)), ("communaute d agglomeration", ("epci",)),
        ("communaute urbaine", ("epci",)), ("agglomeration", ("epci",)), ("agglo", ("epci",)),
        ("metropole", ("epci",)), ("intercommunalite", ("epci",)), ("interco", ("epci",)),
        ("epci", ("epci",)), ("conseil communautaire", ("epci",)), ("cc", ("epci",)), ("ca", ("epci",)),
        ("cu", ("epci",)),
        ("departement", ("departement", "com")), ("conseil departemental", ("departement", "com")),
        ("conseil general", ("departement", "com")),
        ("region", ("region", "com")), ("conseil regional", ("region", "com")),
    ], key=lambda h: -len(h[0].split()))
]
# words before the name that say "this is my collectivity" without giving the type
_ROLE_HEADS = [tuple(h.split()) for h in sorted([
    "maire", "maire adjoint", "maire adjointe", "adjoint au maire", "adjointe au maire", "adjoint", "adjointe",
    "president", "presidente", "vice president", "vice presidente", "dgs", "dga", "secretaire de mairie",
    "secretaire generale", "secretaire general", "secretaire", "directeur general des services",
    "directrice generale des services", "elu", "elue", "elus", "c est", "c", "ici", "habitants", "agents",
    "au nom", "nom", "represente", "representons", "travaille", "travaillons", "situe", "situee", "situes",
    "basee", "base", "bases", "originaire", "conseiller municipal", "conseillere municipale", "moi",
], key=lambda h: -len(h.split()))]
_CONNECTORS = {"de", "d", "a", "chez", "pour", "sur", "en", "depuis", "la", "le", "l"}
_WEAK = {"a", "de", "d", "pour", "chez", "sur", "en", "depuis", "vers", "pres", "dans"}
_GREETING = {"bonjour", "bonsoir", "salut", "slt", "bjr", "hello", "coucou", "madame", "monsieur", "mesdames",
             "messieurs", "cher", "chere", "allo", "re", "ici", "nous", "sommes", "on", "est", "je", "suis",
             "moi", "c", "alors", "donc", "oui", "non", "euh", "ben", "bah", "en", "fait", "plutot"}
# one-word names that are also common words: after a weak word they need a capital letter
COMMON_WORDS = set("""
allons celle celles etais eu hem ouste parce quarante son vers y avril bois bonne champs charge chateau
cours ecole grand maire marches mars mont orange place plaine plan pont port riviere rouge salles vert
vieux ville mai juin juillet aout sept septembre octobre novembre decembre janvier fevrier agents agent
formation site projet numerique logiciel mairie commune budget service services bureau accueil portail
donnees internet reseau securite archives messagerie standard application public conseil etat region
departement demande etude strategie fibre mission direction finances travaux voirie eau culture sport
social sante police marche hotel salle moulin eglise foret val lac pays petit haut bas beau belle bon
nouveau nouvelle neuf fort cour clos champ plus moins tout tous rien sans sous sur aide aides dossier
ordinateurs outil outils ecoles route routes gare poste fontaine tour tours font ports la le les lac
ligne lignes jour jours distance terme temps long court point fin debut milieu mois an ans annee heure
syndicat syndicats
""".split())


try:   # French function words ("pas", "tout", "son"...): spaCy's list, without loading any model
    from spacy.lang.fr.stop_words import STOP_WORDS as _FR_STOP_WORDS
    FUNCTION_WORDS = {fold(w) for w in _FR_STOP_WORDS if " " not in fold(w)}
except ImportError:  # pragma: no cover - spaCy is a pinned dependency
    FUNCTION_WORDS = {"pas", "ne", "tout", "rien", "son", "sa", "on", "y", "eu"}
COMMON_WORDS |= FUNCTION_WORDS


@dataclass(frozen=True)
class Ref:
    """One collectivity of the referential, as much as the reading needs."""
    type: str                   # commune | epci | departement | region | com
    code: str                   # INSEE code, SIREN (EPCI), département / région / COM code
    name: str
    department: str | None = None
    population: int | None = None


@dataclass(frozen=True)
class Mention:
    start: int                  # character offsets of the name in the message
    end: int
    key: str                    # the matched key ("le mans", "plougastel daoulas")
    refs: tuple[Ref, ...]       # the collectivities it may be (one, or homonyms)
    exact: bool                 # an exact name (not a name without its article, an EPCI core...)
    trigger: str                # typed | role | alone | answer | weak | capital
    types: tuple[str, ...] | None = None   # a head restricted the type ("commune de", "CC")

    @property
    def query(self) -> str:
        """A text that Referential.lookup resolves to these collectivities ("commune de Sainte-Colombe")."""
        names = {key_of(r.name) for r in self.refs}
        name = self.refs[0].name if len(names) == 1 else self.key
        if self.types and self.types[0] == "commune":
            return f"commune de {name}"
        if self.types and self.types[0] == "departement":
            return f"département de {name}"
        if self.types and self.types[0] == "region":
            return f"région {name}"
        return name


@dataclass
class NameReading:
    mentions: list[Mention] = field(default_factory=list)      # best first
    suggestions: list = field(default_factory=list)             # Suggestion: "Vouliez-vous dire … ?"
    unmatched: str | None = None                                # the text that got the suggestions


@dataclass
class _Token:
    word: str
    start: int
    end: int
    raw: str


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in _WORD.finditer(text):
        for w in fold(m.group(0)).split():     # "œ" and the like may fold to several letters, not words
            out.append(_Token(_SAINTS.get(w, w), m.start(), m.end(), m.group(0)))
    return out


def key_of(name: str) -> str:
    """The key of a name: folded words, St -> Saint (the same as referential.name_key)."""
    return " ".join(_SAINTS.get(w, w) for w in fold(name).split())


_EPCI_FORMS = {"cc": "communaute de communes", "ca": "communaute d agglomeration", "cu": "communaute urbaine"}


_SELF_NAMED = re.compile(r"\b(?:metropole|communaute|agglomeration|agglo)\b")


def expand_epci(key: str) -> list[str]:
    """"cc du pays flechois" -> ["communaute de communes du pays flechois"]: the legal form in full.

    A name that says what it is without its legal form ("CU Le Mans Métropole", "CA Lannion-Trégor
    Communauté") is also written without it: "le mans metropole" (longer than the commune "Le Mans",
    so the longest match still takes the EPCI)."""
    first, _, rest = key.partition(" ")
    if first in _EPCI_FORMS and rest:
        out = [f"{_EPCI_FORMS[first]} {rest}"]
        bare = re.sub(r"^(?:du|de la|de l|des|d)\s+", "", rest)
        if len(bare.split()) >= 2 and _SELF_NAMED.search(bare):
            out.append(bare)
        return out
    return []


class NameIndex:
    """Every name and variant of the referential, for the longest match in a message."""

    def __init__(self, entries: Iterable[tuple[str, Ref, bool]]):
        """entries: (key, ref, exact); the key as key_of() gives it."""
        t0 = time.perf_counter()
        self._exact: dict[str, list[Ref]] = {}
        self._alt: dict[str, list[Ref]] = {}
        self._prefixes: set[str] = set()
        for key, ref, exact in entries:
            key = key.strip()
            if not key:
                continue
            table = self._exact if exact else self._alt
            refs = table.setdefault(key, [])
            if ref not in refs:
                refs.append(ref)
            words = key.split()
            for n in range(1, len(words)):
                self._prefixes.add(" ".join(words[:n]))
        self._add_short_names()
        for table in (self._exact, self._alt):
            for refs in table.values():
                refs.sort(key=lambda r: (-(r.population or -1), r.type, r.code))
        # for the suggestions: exact keys sorted by length, so that a query only meets the keys whose
        # length allows a ratio >= the cutoff (lossless: see suggest())
        self._choices = sorted(self._exact, key=len)
        self._choice_lengths = [len(c) for c in self._choices]
        self.build_seconds = time.perf_counter() - t0

    def _add_short_names(self) -> None:
        """"Carhaix" for Carhaix-Plouguer: a commune named "A-B" (two words joined by a hyphen) is
        also found by its first word, as an alternative key, when that word names nothing else, starts
        no other name and is not a common word (so not "Boulogne", which starts Boulogne-sur-Mer too)."""
        firsts: dict[str, list[Ref]] = {}
        starts: dict[str, int] = {}
        for key in list(self._exact) + list(self._alt):
            first = key.split()[0]
            starts[first] = starts.get(first, 0) + 1
        for key, refs in self._exact.items():
            words = key.split()
            if len(words) != 2 or len(words[0]) < 4 or words[0] in COMMON_WORDS or words[0] in _SAINTS.values() \
                    or words[0] in ("saints", "saintes"):
                continue
            for ref in refs:
                if ref.type == "commune" and key_of(ref.name) == key and ref.name.count("-") == 1 \
                        and " " not in ref.name and "'" not in ref.name:
                    firsts.setdefault(words[0], []).append(ref)
        for first, refs in firsts.items():
            if len(refs) == 1 and starts.get(first) == 1 and first not in self._exact and first not in self._alt:
                self._alt[first] = list(refs)

    def __len__(self) -> int:
        return len(self._exact) + len(self._alt)

    # -- matching

    def refs(self, key: str, types: tuple[str, ...] | None = None) -> tuple[tuple[Ref, ...], bool]:
        """(refs, exact) of a key: exact names first, alternative keys only without an exact one."""
        exact = [r for r in self._exact.get(key, []) if not types or r.type in types]
        if exact:
            return tuple(exact), True
        alt = [r for r in self._alt.get(key, []) if not types or r.type in types]
        return tuple(alt), False

    def _walk(self, words: list[str], i: int) -> int | None:
        """The end (exclusive) of the longest name starting at word i, or None."""
        best = None
        s = ""
        for j in range(i, min(len(words), i + MAX_NAME_WORDS)):
            s = words[j] if j == i else s + " " + words[j]
            if s in self._exact or s in self._alt:
                best = j + 1
            if s not in self._prefixes:
                break
        return best

    def matches(self, text: str) -> list[tuple[int, int, str, list[_Token]]]:
        """Every maximal name in the text as (first word, end word, key, tokens), left to right."""
        toks = _tokens((text or "")[:MAX_TEXT])
        words = [t.word for t in toks]
        found: list[tuple[int, int, str]] = []
        for i in range(len(words)):
            ends = []
            end = self._walk(words, i)
            if end:
                ends.append((end, " ".join(words[i:end])))
            if words[i] in _CONTRACTIONS:        # "du Mans" -> "le mans"
                alt = [_CONTRACTIONS[words[i]]] + words[i + 1:]
                end2 = self._walk(alt, 0)
                if end2:
                    ends.append((i + end2, " ".join(alt[:end2])))
            if ends:
                end, key = max(ends, key=lambda e: e[0])
                found.append((i, end, key))
        # keep only the names not inside a longer one (longest first, then leftmost)
        kept: list[tuple[int, int, str]] = []
        for i, end, key in sorted(found, key=lambda f: (-(f[1] - f[0]), f[0])):
            if all(end <= a or i >= b for a, b, _ in kept):
                kept.append((i, end, key))
        return [(i, end, key, toks) for i, end, key in sorted(kept)]

    def read(self, text: str, pending: str | None = None) -> NameReading:
        """The collectivity names the message gives, best first, or suggestions when it names an
        unknown place. pending: the question asked ("collectivity": the whole answer is a name)."""
        text = (text or "")[:MAX_TEXT]
        toks = _tokens(text)
        words = [t.word for t in toks]
        reading = NameReading()
        if not words:
            return reading
        ranked = []
        for i, end, key, _ in self.matches(text):
            if key.split()[0] in _CONTRACTIONS.values() and words[i] in _CONTRACTIONS:
                before = words[:i + 1]                      # "maire du Mans": "du" is the connector
            else:
                before = words[:i]
            if key in _HEAD_PHRASES and end < len(words) and (words[end] in _CONNECTORS or words[end] in _CONTRACTIONS):
                continue                                     # "adjoint au maire de X": "Maire" is a head here
            trigger, types = self._trigger(before, words, i, end, toks, text, pending)
            if trigger is None:
                continue
            if self._cut_short(text, toks, end) or _inside_word(text, toks, i):
                continue                                     # "Saint-Martin-de-Rz": a longer, misspelt name
            if self._goes_on(text, toks, i, end, key):
                continue                                     # "L'Isle Adam" read as "Lisle" + "adam"
            refs, exact = self.refs(key, types)
            if not refs:
                continue                                     # "CC de Dembeni": no EPCI of that name
            if i > 0 and words[i - 1] in _CONTRACTIONS and all(
                    r.type == "commune" and key_of(r.name).split()[0] not in _ARTICLES for r in refs):
                continue                                     # "mairie des Voires": a "Les …" name, misspelt
            if i > 0 and words[i - 1] in _ARTICLES and text[toks[i - 1].end:toks[i].start] in (" ", "'", "’") \
                    and before[-1:] == [words[i - 1]] and all(
                    r.type == "commune" and key_of(r.name).split()[0] not in _ARTICLES for r in refs):
                continue                                     # "commune de La Mache" is not Maché
            if types and set(self.refs(key)[0]) == set(refs):
                types = None                                 # the head changes nothing: the plain name
            ranked.append((_RANK[trigger], 0 if refs[0].type in ("commune", "epci", "com") else 1,
                           -(end - i), i, Mention(toks[i].start, toks[end - 1].end, key, refs, exact,
                                                  trigger, types)))
        reading.mentions = [m for *_, m in sorted(ranked, key=lambda r: r[:4])]
        if not reading.mentions:
            reading.unmatched, reading.suggestions = self._suggest_for(text, toks, words, pending)
        return reading

    def _trigger(self, before: list[str], words: list[str], i: int, end: int, toks: list[_Token], text: str,
                 pending: str | None) -> tuple[str | None, tuple[str, ...] | None]:
        if words[i] in _EPCI_HEAD_WORDS and end - i >= 2:
            return "typed", ("epci",)                       # "CC du Pays Fléchois": the name has its head
        head = before
        connector = None
        if head and head[-1] in _CONTRACTIONS:           # "CU du Grand…": "du" is the connector
            connector, head = head[-1], head[:-1]
        elif head and head[-1] in _CONNECTORS:
            connector = head[-1]
            head = head[:-1]
            if head and head[-1] in ("de", "a") and connector in ("la", "le", "l"):   # "de la", "à la"
                connector = head[-1]
                head = head[:-1]
        for h, types in _TYPED_HEADS:
            if len(head) >= len(h) and tuple(head[-len(h):]) == h:
                return "typed", types
        # "c'est pour le syndicat intercommunal de la Thur" names the applicant's kind, not the commune
        # Le Syndicat (88): an article and a common word in lower case, after no explicit head
        # (alone, "le port" still answers the question: La Réunion's Le Port)
        if end - i == 2 and end < len(words) and words[i] in _ARTICLES and words[i + 1] in COMMON_WORDS \
                and not toks[i + 1].raw[:1].isupper():
            return None, None
        for h in _ROLE_HEADS:
            if len(head) >= len(h) and tuple(head[-len(h):]) == h:
                return "role", None
        # a name at the start of the message (after a greeting), alone or before a stop
        rest = [w for w in before if w not in _GREETING and w not in _ARTICLES]
        after = text[toks[end - 1].end:].strip()
        if not rest and (not after or after[0] in ",:;.!?-(–—" or end == len(words)):
            return "alone", None
        if not rest and _capital(toks, i) and (end - i >= 2 or "-" in text[toks[i].start:toks[end - 1].end]):
            return "alone", None                            # "Madame, la Dijon Métropole souhaite…"
        if pending == "collectivity" and len(words) <= 12 and (
                end - i >= 2 or _capital(toks, i) or words[i] not in FUNCTION_WORDS) \
                and not self._common_noun(before, words, i, end, toks):
            return "answer", None
        key_words = words[i:end]
        contracted = len(before) == i + 1                    # "aux Magnils": the name is "les magnils"
        capital = toks[i + 1].raw[:1].isupper() if contracted and i + 1 < len(toks) else _capital(toks, i)
        if len(before) >= 2 and before[-1] in _ARTICLES and before[-2] in _PLACE_WORDS:
            before = before[:-1]                             # "à la Bordeaux Métropole"
        if before and before[-1] in _WEAK | set(_CONTRACTIONS):
            if self._after_head(before, toks, i, text):
                return None, None                   # "CC Plteau de Caux": a piece of a longer name
            if capital or (len(key_words) >= 2 and before[-1] not in _LOOSE) or \
                    (key_words[0] not in COMMON_WORDS and before[-1] in _PLACE_WORDS):
                return "weak", None
            return None, None
        if capital and len(key_words) >= 2 and i > 0 and "-" in text[toks[i].start:toks[end - 1].end] \
                and not self._after_head(before + ["-"], toks, i, text):
            return "capital", None                          # "… Plougastel-Daoulas …" written as a name
        return None, None

    def _common_noun(self, before: list[str], words: list[str], i: int, end: int, toks: list[_Token]) -> bool:
        """A one-word name in lower case that reads as a common word of the answer: after a
        determiner ("un simple habitant", "notre petite équipe"), or written without the accents of
        the name and followed by other words ("simple habitant" is not Simplé). Alone it stays a name."""
        if end - i != 1 or _capital(toks, i):
            return False
        if before and before[-1] in _DETERMINERS:
            return True
        if end == len(words):
            return False
        raw = toks[i].raw.casefold()
        return not any(raw == r.name.casefold() for r in self.refs(words[i])[0])

    @staticmethod
    def _after_head(before: list[str], toks: list[_Token], i: int, text: str) -> bool:
        """True when a head ("CC", "mairie de") comes a few words before, with a word that is not a
        connector in between and no stop: the mention would be the end of another name."""
        k = len(before) - 2                          # before[-1] is the weak word
        between = 0
        while k >= 0 and len(before) - k <= 8:
            if _EPCI_STOP.search(text[toks[k].end:toks[k + 1].start]) or \
                    (before[k] in _SOFT_STOPS and before[k] != "et" and not _joined(text, toks, k)):
                return False
            if any(len(before[:k + 1]) >= len(h) and tuple(before[k + 1 - len(h):k + 1]) == h
                   for h in [h for h, _ in _TYPED_HEADS]):
                return between > 0
            if before[k] not in _NAME_CONNECTORS:
                between += 1
            k -= 1
        return False

    def _goes_on(self, text: str, toks: list[_Token], i: int, end: int, key: str) -> bool:
        """True when the words after the name make, with it, a misspelt longer name."""
        j = end
        while j < len(toks) and j < end + 2 and toks[j].word in _NAME_CONNECTORS:
            j += 1                                           # "Saint Martin de Rz": look past "de"
        if j >= len(toks) or toks[j].word in _SOFT_STOPS or toks[j].word in _CONNECTORS \
                or toks[j].word in COMMON_WORDS or not toks[j].word.isalpha():
            return False
        if _HARD_STOP.search(text[toks[end - 1].end:toks[j].start]):
            return False
        if _capital(toks, i) and not toks[j].raw[:1].isupper():
            return False                                     # "Saint Pierre envisage…": the name has ended
        h = i
        while h > 0 and i - h < 3 and (toks[h - 1].word in _EPCI_HEAD_WORDS or
                                       (toks[h - 1].word in _NAME_CONNECTORS | set(_CONTRACTIONS) and h - 2 >= 0
                                        and toks[h - 2].word in _EPCI_HEAD_WORDS)):
            h -= 1                                           # "CA Grand Paris Sud…": from the head
        for first in dict.fromkeys((h, i)):
            for last in (j, j + 1, j + 2):
                if last >= len(toks):
                    break
                extended = text[toks[first].start:toks[last].end]
                if _EPCI_STOP.search(extended):
                    break
                for sug in self.suggest(extended, limit=3, cutoff=85.0):
                    if sug.key != key and len(sug.key) > len(key):
                        return True
        return False

    @staticmethod
    def _cut_short(text: str, toks: list[_Token], end: int) -> bool:
        """True when the name's text goes on with a hyphen or an apostrophe and a letter."""
        if end >= len(toks):
            return False
        gap = text[toks[end - 1].end:toks[end].start]
        return gap in ("-", "'", "’")

    # -- suggestions

    def suggest(self, span: str, limit: int = 3, cutoff: float = 80.0) -> list[Suggestion]:
        """Names close to a misspelt one ("Plougastel-Daoulaz" -> Plougastel-Daoulas), best first;
        homonyms are one suggestion (the homonym question follows the choice)."""
        from rapidfuzz import fuzz, process

        key = key_of(span)
        if len(key.replace(" ", "")) < 4:
            return []
        # ratio = 2·LCS / (a + b) <= 2·min(a, b) / (a + b): a ratio >= c/100 needs b in [a·c/(200-c), a·(200-c)/c]
        c = cutoff / 100
        lo = bisect.bisect_left(self._choice_lengths, math.ceil(len(key) * c / (2 - c)))
        hi = bisect.bisect_right(self._choice_lengths, math.floor(len(key) * (2 - c) / c))
        found = process.extract(key, self._choices[lo:hi], scorer=fuzz.ratio, limit=limit * 2, score_cutoff=cutoff)
        out = [Suggestion(choice, tuple(self._exact[choice]), score) for choice, score, _ in found]
        out.sort(key=lambda s: (-s.score, -(s.refs[0].population or -1)))
        return out[:limit]

    def _suggest_for(self, text: str, toks: list[_Token], words: list[str], pending: str | None):
        """Suggestions for the words that name a place but match no name: after an EPCI head ("CC
        Plteau de Caux"), after a head or a role ("mairie de Valemnes"), after "à" + a capital, at the
        start of the message, or the whole short answer. A word joined by hyphens is never cut; the
        longest span with a close name wins."""
        starts: list[tuple[int, int, str]] = []     # (class, first token, article)
        for i in range(len(words)):
            w = words[i]
            if w in _GREETING or (w in _CONNECTORS - _ARTICLES):
                continue
            if _inside_word(text, toks, i):
                continue                             # inside a word: "Saint-Michel-d'Aruance"
            before = words[:i]
            if before and before[-1] in _ARTICLES and w not in _EPCI_HEAD_WORDS \
                    and text[toks[i - 1].end:toks[i].start] in (" ", "'", "’"):
                continue                             # "La Macchine": the span starts at the article
            article, first = "", i
            if w in _CONTRACTIONS:                   # "mairie du Qresnel": the name is "le qresnel"
                if i + 1 >= len(words):
                    continue
                article, first, head = _CONTRACTIONS[w] + " ", i + 1, before
            else:
                if before and before[-1] in _CONTRACTIONS:
                    continue                         # taken at the contraction
                head = before[:-1] if before and before[-1] in _CONNECTORS else before
            if w not in _CONTRACTIONS and w in _HEAD_FIRST_WORDS and w not in _EPCI_HEAD_WORDS and \
                    (i + 1 >= len(toks) or text[toks[i].end:toks[i + 1].start] != "-") and \
                    (i + 1 >= len(words) or words[i + 1] in _CONNECTORS or words[i + 1] in _CONTRACTIONS
                     or any(tuple(words[i:i + len(h)]) == h and len(h) > 1 for h in _ROLE_HEADS)):
                continue
            if w in _EPCI_HEAD_WORDS and i + 1 < len(words):
                starts.append((0, i, ""))
                continue
            if first > 0 and re.search(r"[,.;!?()\[\]«»\"]", text[toks[first - 1].end:toks[first].start]):
                if [x for x in before if x not in _GREETING and x not in _ARTICLES]:
                    continue                         # "Le Malzzieu-Ville (commune)": "Ville" is no head here
            if any(len(head) >= len(h) and tuple(head[-len(h):]) == h
                   for h in [h for h, _ in _TYPED_HEADS] + _ROLE_HEADS):
                starts.append((1, first, article))
            elif before and before[-1] in _WEAK | set(_CONTRACTIONS) and _capital(toks, first):
                starts.append((2, first, article))
            elif not [x for x in before if x not in _GREETING]:
                starts.append((3, first, article))
        for kind, first, article in sorted(starts, key=lambda s: (s[0], -s[1])):
            for span in self._spans(text, toks, first, epci=kind == 0):
                found = self.suggest(article + span)
                if found:
                    return article + span, found
        if pending == "collectivity" and len(words) <= 8:
            found = self.suggest(text.strip(" .!?"))
            if found:
                return text.strip(" .!?"), found
        return None, []

    @staticmethod
    def _spans(text: str, toks: list[_Token], first: int, epci: bool = False) -> list[str]:
        """The texts from token `first` up to a stop, longest first, never cutting a hyphenated word.
        An EPCI name may hold a comma and "et", "en", "de": "CC du Pays de Rouffach, Vignobles et Châteaux"."""
        stop = (_EPCI_STOP if epci else _HARD_STOP).search(text, toks[first].start)
        limit = stop.start() if stop else len(text)
        soft = _SOFT_STOPS - _NAME_CONNECTORS if epci else _SOFT_STOPS
        groups: list[list[_Token]] = []
        for k in range(first, min(first + (14 if epci else 10), len(toks))):
            t = toks[k]
            if t.end > limit:
                break
            joined = k > first and text[toks[k - 1].end:t.start] in ("-", "'", "’", "")
            if joined:
                groups[-1].append(t)
                continue
            if groups and t.word in soft:
                break
            groups.append([t])
        return [text[groups[0][0].start:groups[n - 1][-1].end] for n in range(len(groups), 0, -1)]


@dataclass(frozen=True)
class Suggestion:
    key: str
    refs: tuple[Ref, ...]       # one collectivity, or homonyms
    score: float

    @property
    def name(self) -> str:
        return self.refs[0].name


_LOOSE = {"de", "d", "pour", "en", "sur", "dans", "depuis", "vers"}   # often before common nouns
_PLACE_WORDS = {"a", "au", "aux", "chez", "pres"}                     # "à X": a place
_NAME_CONNECTORS = {"de", "d", "du", "des", "la", "le", "les", "l", "sur", "sous", "en", "les", "aux", "et"}
_ARTICLES = {"la", "le", "les", "l"}
_DETERMINERS = {"un", "une", "mon", "ma", "mes", "notre", "nos", "votre", "vos", "ce", "cet", "cette", "ces",
                "son", "sa", "ses", "leur", "leurs", "quel", "quelle"}
_EPCI_STOP = re.compile(r"[.;:!?()\[\]\n«»\"]")


def _joined(text: str, toks: list[_Token], k: int) -> bool:
    """Token k is joined by a hyphen to a neighbour ("en" in "Pouilly-en-Auxois")."""
    return (k > 0 and text[toks[k - 1].end:toks[k].start] == "-") or \
        (k + 1 < len(toks) and text[toks[k].end:toks[k + 1].start] == "-")


def _inside_word(text: str, toks: list[_Token], i: int) -> bool:
    """Token i continues the word before it: after a hyphen ("Zorglubville-sur-Mer"), or after an
    elided "d'" that is itself inside a word ("Scnaux-d'Anjou")."""
    if i == 0:
        return False
    gap = text[toks[i - 1].end:toks[i].start]
    if gap == "-":
        return True
    return gap in ("'", "’") and (toks[i - 1].word not in ("d", "l", "qu", "j", "c", "n", "s")
                                  or (i > 1 and text[toks[i - 2].end:toks[i - 1].start] == "-"))


def _capital(toks: list[_Token], first: int) -> bool:
    """The name starts with a capital (after its article: "la Rochelle" counts as "Rochelle")."""
    k = first + 1 if toks[first].word in _ARTICLES and first + 1 < len(toks) else first
    return toks[k].raw[:1].isupper()


_HEAD_PHRASES = {" ".join(h) for h, _ in _TYPED_HEADS} | {" ".join(h) for h in _ROLE_HEADS}
_HEAD_FIRST_WORDS = {h[0] for h, _ in _TYPED_HEADS} | {h[0] for h in _ROLE_HEADS}
_EPCI_HEAD_WORDS = {"cc", "ca", "cu", "communaute", "metropole", "agglomeration", "agglo", "eurometropole"}
_RANK = {"typed": 0, "role": 0, "answer": 1, "alone": 1, "weak": 2, "capital": 3}
_HARD_STOP = re.compile(r"[,.;:!?()\[\]\n«»\"]| - ")
_SOFT_STOPS = {"et", "dans", "en", "pour", "on", "nous", "qui", "avec", "afin", "je", "j", "car", "mais", "ou",
               "depuis", "vers", "parce", "ici", "voudrait", "veut", "souhaite", "aimerait", "notre", "nos",
               "projet", "dont", "que", "qu", "il", "elle", "est", "sommes", "avons", "un", "une", "mon", "ma"}


def entries_from_rows(rows: Iterable[dict], alts: Iterable[tuple[str, int]] = ()) -> list[tuple[str, Ref, bool]]:
    """Index entries from referential rows (dicts with id, type, code, name, name_key, department,
    population) and alternative keys (key, id), as stored in the ref_ tables."""
    by_id: dict[int, Ref] = {}
    out: list[tuple[str, Ref, bool]] = []
    for r in rows:
        ref = Ref(r["type"], r["code"], r["name"], r.get("department"), r.get("population"))
        by_id[r["id"]] = ref
        key = r.get("name_key") or key_of(r["name"])
        out.append((key, ref, True))
        if r["type"] == "epci":
            out += [(k, ref, True) for k in expand_epci(key)]
    for key, cid in alts:
        ref = by_id.get(cid)
        if ref is not None:
            out.append((key, ref, False))
            if ref.type == "epci":
                out += [(k, ref, False) for k in expand_epci(key)]
    return out


_INDEXES: dict[int, NameIndex] = {}


def index_for(referential) -> NameIndex:
    """The NameIndex of a Referential (built once per instance from its name_rows())."""
    index = _INDEXES.get(id(referential))
    if index is None:
        rows, alts = referential.name_rows()
        index = _INDEXES[id(referential)] = NameIndex(entries_from_rows(rows, alts))
    return index
