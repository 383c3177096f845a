"""The inputs registry (knowledge/inputs.yml): each input of the engine declared once.

`INPUTS` is the ordered tuple of `Input`; `Request` has one attribute per input and coerces each
value by its declared type (`Request.from_dict`, French `InputError`); `asking_order()` and
`label()` give the dialogue's order and the missing-item labels. The actions derive their slot
lists and questions from here, and a test checks that domain.yml declares the same slots.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from ..errors import InputError
from ..fmt import eur
from ..text import fold
from .amounts import CATEGORIES, Expense
from .knowledge import load_cached

REGISTRY_FILE = "inputs.yml"
MAX_EXPENSES = 200
# The value of an input whose answer the user does not know ("je ne sais pas"), for the inputs
# declared `unknown_ok`: recorded, never asked again, read as "à confirmer" (knowledge/inputs.yml).
UNKNOWN = "unknown"
_UNKNOWN_WORDS = {UNKNOWN, "inconnu", "je ne sais pas", "ne sais pas", "nsp"}
_NOT_KNOWN = object()   # what coerce() returns for such an answer (never a value of the user's)


@dataclass(frozen=True)
class Input:
    key: str
    type: str
    ask: int | None = None
    label: str | None = None
    question: str | None = None
    buttons: Any = None                       # "yes_no" or ({"title", "value"}, ...)
    max_length: int | None = None
    values: tuple[str, ...] = ()
    synonyms: tuple[tuple[str, str], ...] = ()
    slot: bool = True
    unknown_ok: bool = False
    source: Any = None

    @property
    def question_text(self) -> str:
        return " ".join((self.question or "").split())


@lru_cache(maxsize=1)
def registry() -> tuple[Input, ...]:
    """The inputs in file order (the schema of knowledge/inputs.yml is checked at load)."""
    out = []
    for e in load_cached(REGISTRY_FILE)["inputs"]:
        buttons = e.get("buttons")
        if isinstance(buttons, list):
            buttons = tuple({"title": b["title"], "value": str(b["value"])} for b in buttons)
        out.append(Input(key=e["key"], type=e["type"], ask=e.get("ask"), label=e.get("label"),
                         question=e.get("question"), buttons=buttons, max_length=e.get("max_length"),
                         values=tuple(str(v) for v in e.get("values") or ()),
                         synonyms=tuple((fold(k), str(v)) for k, v in (e.get("synonyms") or {}).items()),
                         slot=e.get("slot", True), unknown_ok=bool(e.get("unknown_ok")),
                         source=e.get("source")))
    return tuple(out)


@lru_cache(maxsize=1)
def by_key() -> dict[str, Input]:
    return {i.key: i for i in registry()}


@lru_cache(maxsize=1)
def asking_order() -> tuple[str, ...]:
    """The keys the dialogue may ask, in the order it asks them."""
    return tuple(i.key for i in sorted((i for i in registry() if i.ask is not None), key=lambda i: i.ask))


def label(key: str) -> str:
    """The missing-item label of an input ("le budget du projet")."""
    inp = by_key().get(key)
    return (inp.label if inp and inp.label else key)


def slot_keys() -> tuple[str, ...]:
    """The inputs kept in a dialogue slot of the same name."""
    return tuple(i.key for i in registry() if i.slot)


# --------------------------------------------------------------------------- coercion by type

_CURRENCY_SUFFIX = re.compile(r"(€|eur|euros?)$", re.I)
_DECIMAL_COMMA = re.compile(r"-?\d+(,\d+)?")
_DOTTED_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")
_TRUE = {"oui", "o", "yes", "y", "true", "vrai", "1"}
_FALSE = {"non", "n", "no", "false", "faux", "0"}


def _text(value: Any, key: str, limit: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InputError(f"« {key} » doit être un texte.")
    s = str(value).replace("\x00", " ").strip()
    return s[:limit] or None


def _bool(value: Any, key: str) -> bool | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        v = fold(value)
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
    raise InputError(f"« {key} » doit valoir oui ou non.")


def _date(value: Any, key: str) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        s = value.strip()[:40]
        try:
            return dt.date.fromisoformat(s[:10]) if len(s) >= 10 else dt.date.fromisoformat(s)
        except ValueError:
            pass
    raise InputError(f"« {key} » doit être une date au format AAAA-MM-JJ (par exemple 2022-06-30).")


def _number(value: Any, key: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise InputError(f"« {key} » doit être un montant en euros.")
    if isinstance(value, (int, float)):
        x = float(value)
    elif isinstance(value, str):
        s = value.strip()[:40].replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
        s = _CURRENCY_SUFFIX.sub("", s)
        if _DECIMAL_COMMA.fullmatch(s):
            s = s.replace(",", ".")
        elif _DOTTED_THOUSANDS.fullmatch(s):  # 12.000,50
            s = s.replace(".", "").replace(",", ".")
        try:
            x = float(s)
        except ValueError:
            raise InputError(f"« {key} » doit être un montant en euros (par exemple 12000).") from None
    else:
        raise InputError(f"« {key} » doit être un montant en euros.")
    if math.isnan(x) or math.isinf(x):
        raise InputError(f"« {key} » doit être un montant en euros.")
    return x


def _amount(value: Any, key: str, max_eur: float) -> float | None:
    x = _number(value, key)
    if x is None:
        return None
    name = label(key)
    name = name[0].upper() + name[1:]
    if x <= 0:
        raise InputError(f"{name} (« {key} ») doit être un montant positif en euros.")
    if x > max_eur:
        raise InputError(f"{name} (« {key} ») de {eur(x)} paraît hors de proportion (plus de "
                         f"{eur(max_eur)}) : vérifiez le montant.")
    return x


def _count(value: Any, key: str) -> int | None:
    x = _number(value, key) if value is not None else None
    if x is None:
        return None
    if x < 0 or x != int(x) or x > 10_000_000:
        raise InputError(f"« {key} » doit être un nombre entier positif.")
    return int(x)


def _choice(value: Any, inp: Input) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    t = _text(value, inp.key, 100)
    if t is None:
        return None
    folded = fold(t)
    for v in inp.values:
        if folded == fold(v) or t.strip().lower() == v:
            return v
    synonyms = dict(inp.synonyms)
    if folded in synonyms:
        return synonyms[folded]
    raise InputError(f"« {inp.key} » inconnu : « {t[:60]} ». Valeurs possibles : " + ", ".join(inp.values) + ".")


def _expenses(value: Any, max_eur: float) -> list[Expense]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError("« expenses » doit être une liste de dépenses ({\"label\": …, \"amount_eur\": …}).")
    if len(value) > MAX_EXPENSES:
        raise InputError(f"Trop de dépenses détaillées (au plus {MAX_EXPENSES}).")
    out = []
    for i, e in enumerate(value, 1):
        if not isinstance(e, dict):
            raise InputError(f"Dépense n° {i} : elle doit avoir un libellé (« label ») et un montant (« amount_eur »).")
        name = _text(e.get("label"), f"expenses[{i}].label", 300) or f"Dépense n° {i}"
        amount = _number(e.get("amount_eur"), f"expenses[{i}].amount_eur")
        if amount is None:
            raise InputError(f"Dépense n° {i} (« {name} ») : le montant (« amount_eur ») manque.")
        if amount < 0 or amount > max_eur:
            raise InputError(f"Dépense n° {i} (« {name} ») : montant invalide ({eur(amount)}).")
        cat = _text(e.get("category"), f"expenses[{i}].category", 40)
        if cat is not None and cat not in CATEGORIES:
            raise InputError(f"Dépense n° {i} : catégorie inconnue « {cat[:40]} » (valeurs possibles : "
                             + ", ".join(CATEGORIES) + ").")
        out.append(Expense(name, amount, cat))
    return out


def _is_unknown(value: Any) -> bool:
    return isinstance(value, str) and fold(value) in _UNKNOWN_WORDS


def coerce(inp: Input, value: Any, max_eur: float) -> Any:
    """The value of one input in the engine's type (None when absent); `_NOT_KNOWN` for an input
    declared `unknown_ok` whose answer the user does not know."""
    if inp.unknown_ok and _is_unknown(value):
        return _NOT_KNOWN
    readers: dict[str, Callable[[], Any]] = {
        "text": lambda: _text(value, inp.key, inp.max_length or 300),
        "bool": lambda: _bool(value, inp.key),
        "date": lambda: _date(value, inp.key),
        "amount": lambda: _amount(value, inp.key, max_eur),
        "count": lambda: _count(value, inp.key),
        "choice": lambda: _choice(value, inp),
        "expenses": lambda: _expenses(value, max_eur),
    }
    return readers[inp.type]()


class Request:
    """One request to the engine: an attribute per input of the registry (None when not given;
    [] for expenses). `unknown` holds the keys the user said they do not know."""

    def __init__(self, **values: Any):
        for inp in registry():
            setattr(self, inp.key, [] if inp.type == "expenses" else None)
        for key, value in values.items():
            if key not in by_key():
                raise TypeError(f"unknown input {key!r}")
            setattr(self, key, value)
        self.unknown: frozenset[str] = frozenset()

    @classmethod
    def from_dict(cls, d: Any) -> "Request":
        if not isinstance(d, dict):
            raise InputError("La demande doit être un objet JSON (des paires « clé : valeur »).")
        from .view import knowledge_on, rules_date
        max_eur = knowledge_on(rules_date(dt.date.today())).max_budget
        r = cls()
        unknown = set()
        for inp in registry():
            value = d.get(inp.key)
            if inp.key == "department" and isinstance(value, int) and not isinstance(value, bool):
                value = f"{value:02d}"
            value = coerce(inp, value, max_eur)
            if value is _NOT_KNOWN:
                unknown.add(inp.key)
                value = None
            setattr(r, inp.key, value)
        r.unknown = frozenset(unknown)
        return r

    def values(self) -> dict[str, Any]:
        """The value of every input, by key (None when not given)."""
        return {inp.key: getattr(self, inp.key) for inp in registry()}

    def is_unknown(self, key: str) -> bool:
        return key in self.unknown

    def to_dict(self) -> dict:
        out: dict[str, Any] = {}
        for inp in registry():
            value = getattr(self, inp.key)
            if inp.type == "expenses":
                value = [{"label": e.label, "amount_eur": e.amount_eur, "category": e.category} for e in value]
            elif isinstance(value, dt.date):
                value = value.isoformat()
            if inp.key in self.unknown:
                value = UNKNOWN
            out[inp.key] = value
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Request) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        given = {k: v for k, v in self.to_dict().items() if v not in (None, [])}
        return f"Request({given})"
