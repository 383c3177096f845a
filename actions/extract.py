"""From one user message to slot updates: trained entities + assistant/reading/parsing.py + the referential.

`extract(message, pending, slots, referential)` returns what the message says about the request
(only what it says: nothing is asked again that was already said), whether it answered the pending
question, and French notes for the user (e.g. a name not found). No eligibility rule here.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.text import fold

from assistant.eligibility import inputs as I
from assistant.eligibility import knowledge as K
from assistant.reading import answers as A
from assistant.reading import forms as F
from assistant.reading import names as N
from assistant.reading import parsing as P
from .engine import BOOL_SLOTS

_INSEE = re.compile(r"^\d[\dAB]\d{3}$")
_CODE_IN_TEXT = re.compile(r"\b(\d[\dAB]\d{3}|\d{9}|\d{14})\b")
_FILLER = re.compile(r"^(?:(?:bonjour|bonsoir|salut|alors|euh|ben|bah|eh bien|oui|non|ok|donc|en fait|c est|c'est|"
                     r"c’est|il s'agit de|il s agit de|nous sommes|on est|je suis a|je suis à|pour|ici)[\s,:]+)+",
                     re.IGNORECASE)
_WHICH_ONE = re.compile(r"^(?:celle|celui|la commune|le)\s+(?:du|de la|de l'|de l’|des|de|d'|dans le|dans la|dans l'|en)\s*",
                        re.IGNORECASE)   # "celle du Rhône" -> "Rhône"
_PLACE_PREP = re.compile(r"^(?:dans|a|à|en|au|aux|sur|vers)\s+", re.IGNORECASE)
_ARTICLE = re.compile(r"^(?:le|la|les|l'|l’)\s*", re.IGNORECASE)
_ORDINALS = {"premiere": 0, "premier": 0, "1ere": 0, "1re": 0, "deuxieme": 1, "seconde": 1, "2e": 1, "2eme": 1,
             "troisieme": 2, "3e": 2, "3eme": 2, "quatrieme": 3, "4e": 3, "cinquieme": 4, "5e": 4,
             "derniere": -1}
_ORDINAL_RX = [(re.compile(rf"\b{word}\b"), idx) for word, idx in _ORDINALS.items()]


@dataclass
class Extraction:
    updates: dict[str, Any] = field(default_factory=dict)
    answered: bool = False          # the pending question got an answer
    dont_know: bool = False         # the user said they do not know (the pending question is skipped)
    notes: list[str] = field(default_factory=list)   # French remarks for the user
    suggestions: list[dict] = field(default_factory=list)   # buttons of a "Vouliez-vous dire … ?" note (the last)


def canonical_query(match) -> str:
    """A query that finds exactly this collectivity again: INSEE code, SIREN, code or name."""
    if match.type == "commune":
        return f"insee {match.code}"
    if match.type == "epci" and match.siren:
        return match.siren
    if match.type in ("departement", "com"):
        return match.code
    return f"région {match.name}"


def canonical_from_candidate(c: dict) -> str:
    """canonical_query() for a candidate of the engine's answer (a dict)."""
    if c.get("type") == "commune":
        return f"insee {c['code']}"
    if c.get("type") == "region":
        return f"région {c['name']}"
    if c.get("type") == "epci":
        return c.get("siren") or c["code"]
    return c["code"]


def _clean_answer(text: str) -> str:
    return _FILLER.sub("", text.strip()).strip(" .!?;,")


def _entity_values(message: dict, name: str) -> list[str]:
    out = []
    for e in message.get("entities") or []:
        if e.get("entity") == name and isinstance(e.get("value"), (str, int, float)) and str(e["value"]).strip():
            out.append(str(e["value"]).strip())
    return out


def _department(text: str, message: dict, pending: str | None, referential) -> tuple[Any, bool]:
    """(Department or None, explicit): from entities, "dans le Rhône", "(69)", or the whole answer."""
    spans = _entity_values(message, "department") + P.department_spans(text)
    if pending == "department":
        answer = _clean_answer(text)
        spans.append(answer)
        spans.append(_WHICH_ONE.sub("", answer))
        # "dans le 93", "à la Réunion", "en Savoie": the place after a bare preposition
        place = _PLACE_PREP.sub("", answer)
        spans += [place, _ARTICLE.sub("", place)]
    for span in spans:
        dep = referential.department(span)
        if dep is not None:
            return dep, True
    return None, False


def _pick_candidate(text: str, candidates: list[dict]) -> dict | None:
    """The homonym chosen by rank ("la deuxième"), by INSEE code or by département name."""
    if not candidates:
        return None
    t = fold(text)
    for rx, idx in _ORDINAL_RX:
        if rx.search(t):
            return candidates[idx] if -len(candidates) <= idx < len(candidates) else None
    m = re.fullmatch(r"\D*(\d{1,2})\D*", t)
    if m and 1 <= int(m.group(1)) <= len(candidates) and len(t) <= 12 and not re.search(r"\d{2}", t.replace(m.group(1), "", 1)):
        if not any(c.get("department") == m.group(1).zfill(2) for c in candidates):
            return candidates[int(m.group(1)) - 1]
    for c in candidates:
        if c.get("code") and re.search(rf"\b{re.escape(c['code'].lower())}\b", t):
            return c
    return None


def canonical_from_ref(ref) -> str:
    """canonical_query() for a names.Ref (a suggestion's button)."""
    if ref.type == "commune":
        return f"insee {ref.code}"
    if ref.type == "region":
        return f"région {ref.name}"
    return ref.code


def _suggestion_label(sug) -> str:
    ref = sug.refs[0]
    if len(sug.refs) > 1:
        return f"{ref.name} ({len(sug.refs)} collectivités)"
    if ref.type == "commune" and ref.department:
        return f"{ref.name} ({ref.department})"
    return ref.name


def _suggest(ex: Extraction, reading) -> None:
    """A note "Vouliez-vous dire … ?" with one button per close name (see assistant/reading/names.py);
    homonyms are one button whose payload is the name (the homonym question follows)."""
    ex.suggestions = []
    for sug in reading.suggestions[:3]:
        value = canonical_from_ref(sug.refs[0]) if len(sug.refs) == 1 else sug.refs[0].name
        ex.suggestions.append({"title": _suggestion_label(sug), "payload": '/inform{"collectivity": "%s"}' % value,
                               "codes": [r.code for r in sug.refs]})
    names = " ou ".join(f"« {s['title']} »" for s in ex.suggestions)
    ex.notes.append(f"Je ne trouve pas « {(reading.unmatched or '').strip()[:80]} » dans le référentiel des "
                    f"collectivités. Vouliez-vous dire {names} ?")


@lru_cache(maxsize=1)
def guichet_window() -> tuple[dt.date, dt.date]:
    """(opening, results deadline) of knowledge/rules.yml: dates without a year are read within it."""
    g = K.load_cached("rules.yml")["guichet"]
    return g["opening_date"], g["results_deadline"]


def _is_place_filter(mention, pending, dep) -> bool:
    """A département or région named after "dans", "en", "du" is where the collectivity is, not the
    applicant (unless a head says so: "conseil départemental du Rhône")."""
    if mention.trigger == "typed" or all(r.type not in ("departement", "region") for r in mention.refs):
        return False
    return pending == "department" or mention.trigger in ("weak", "capital") or (
        dep is not None and any(r.code == dep.code for r in mention.refs) and mention.trigger != "alone")


def _says_something_else(text: str, up: dict, pending: str) -> bool:
    """A "non" that starts a correction of another input ("non, c'est Sainte-Colombe", "non, le budget
    est de 12 000 €") rather than the answer: not taken as a no (the costliest error)."""
    if A.read_sentence(text, pending) is not None:
        return False                         # the sentence answers the question itself
    return "collectivity" in up or "department" in up or bool(P.find_amounts(text)) \
        or P.parse_date(text) is not None


def extract(message: dict, pending: str | None, slots: dict[str, Any], referential,
            candidates: list[dict] | None = None) -> Extraction:
    """Read one user message (Rasa's latest_message: text, intent, entities)."""
    ex = Extraction()
    raw = message.get("text") or ""
    is_payload = raw.startswith("/")
    text = "" if is_payload else raw[:P.MAX_TEXT]
    intent = ((message.get("intent") or {}).get("name")) or ""
    folded = fold(text)
    up = ex.updates

    if not is_payload and pending and A.is_dont_know(text):
        ex.dont_know = True
        declared = I.by_key().get(pending)
        if declared is not None and declared.unknown_ok:
            up[pending] = A.UNKNOWN          # recorded: the engine gives an UNKNOWN finding ("à confirmer")

    # --- département (also separates homonyms)
    dep, dep_explicit = _department(text, message, pending, referential) if text or is_payload else (None, False)
    if is_payload:
        for value in _entity_values(message, "department"):
            dep = referential.department(value) or dep
            dep_explicit = dep is not None

    # --- collectivity: entities, spans after "maire de", "commune de", "CC"…, or the whole answer
    queries: list[str] = []
    by_code = {c.get("code"): c for c in candidates or [] if c.get("code")}
    for value in _entity_values(message, "collectivity"):
        if is_payload and value in by_code:           # a homonym button
            queries.append(canonical_from_candidate(by_code[value]))
        else:
            queries.append(f"insee {value}" if is_payload and _INSEE.match(value) else value)
    reading = None
    if text:
        reading = N.index_for(referential).read(text, pending=pending) \
            if hasattr(referential, "name_rows") and not ex.dont_know else None
        mentions = [m for m in (reading.mentions if reading else [])
                    if not _is_place_filter(m, pending, dep)]
        # the longest referential name of the message wins over the trained entities
        queries = [m.query for m in mentions] + ([] if mentions else queries)
        if pending in ("collectivity", "department"):
            queries += _CODE_IN_TEXT.findall(text)
        if pending == "collectivity" or (pending is None and not slots.get("collectivity")
                                         and len(folded.split()) <= 6):
            queries.append(_clean_answer(text))    # "Mamers" as a first message
    chosen = None
    if pending in ("department", "collectivity") and candidates and text:
        pick = _pick_candidate(text, candidates)
        if pick and pick.get("code"):
            chosen = pick
    found = ambiguous = None
    if chosen is None:
        for q in dict.fromkeys(q for q in queries if q):
            result = referential.lookup(q, department=dep.code if dep else None)
            if result.status == "found":
                found = result.match
                break
            if result.status == "ambiguous" and ambiguous is None:
                ambiguous = q
        inside = dep is not None and reading is not None and any(
            fold(dep.name) in m.key and m.key != fold(dep.name) for m in mentions)
        if found is None and ambiguous is None and inside:
            # "Pays de la Loire", "Tours Métropole Val de Loire": the département read inside the
            # name (the trained entity "Loire") is part of it, not where the collectivity is
            for q in dict.fromkeys(m.query for m in mentions):
                result = referential.lookup(q)
                if result.status == "found":
                    found, dep, dep_explicit = result.match, None, False
                    break
    if chosen is not None:
        up["collectivity"] = canonical_from_candidate(chosen)
        up["department"] = None
    elif found is not None:
        query = canonical_query(found)
        if query != slots.get("collectivity"):
            up["collectivity"] = query
        if slots.get("department") and not dep_explicit:
            up["department"] = None   # a new collectivity: the old département no longer applies
        if fold(slots.get("applicant_type") or "") and not P.parse_applicant_type(text):
            up["applicant_type"] = None  # the referential gives the type
    elif ambiguous is not None and (pending == "collectivity" or fold(ambiguous) != fold(slots.get("collectivity") or "")):
        up["collectivity"] = ambiguous
        if slots.get("department") and not dep_explicit:
            up["department"] = None
    elif pending == "collectivity" and text and not ex.dont_know:
        kind = P.parse_applicant_type(text, direct=True)
        answer = _clean_answer(text)
        if kind and kind not in ("commune", "departement", "region", "epci", "com") and len(answer) >= 3:
            up["collectivity"] = answer[:200]        # not a collectivity: kept as the applicant's name
            up["applicant_type"] = kind
        elif reading is not None and reading.suggestions:
            _suggest(ex, reading)
        elif answer and len(answer) <= 80:
            ex.notes.append(f"Je ne trouve pas « {answer[:80]} » dans le référentiel des collectivités. "
                            "Vérifiez l'orthographe ou donnez le code postal ou le code INSEE ; si votre structure "
                            "n'est pas une collectivité (association, syndicat…), dites-le.")
    if chosen is None and found is None and ambiguous is None and pending != "collectivity" \
            and reading is not None and reading.suggestions and not slots.get("collectivity"):
        _suggest(ex, reading)        # a misspelt name in a first message: "Vouliez-vous dire … ?"
    if dep is not None and dep_explicit and chosen is None:
        up["department"] = dep.code
    if pending == "department" and dep is None and chosen is None and text and not ex.dont_know \
            and "collectivity" not in up:
        ex.notes.append("Je n'ai pas reconnu ce département : donnez son nom ou son numéro (par exemple « Rhône » ou « 69 »).")

    # --- kind of applicant
    for value in _entity_values(message, "applicant_type"):
        kind = P.parse_applicant_type(value, direct=True) or (value if is_payload else None)
        if kind:
            up["applicant_type"] = kind
    if "applicant_type" not in up and text:
        kind = P.parse_applicant_type(text, direct=(pending == "applicant_type"))
        if kind and kind != slots.get("applicant_type") and (pending == "applicant_type" or found is None):
            up["applicant_type"] = kind

    # --- yes / no answers
    if pending in BOOL_SLOTS and not ex.dont_know:
        # the sentence is read for the question asked first; the intent only for a bare payload
        value = A.read_yes_no(text, pending) if text else None
        if value is False and A.plain_yes_no(text) is False and _says_something_else(text, up, pending):
            value = None                     # "non, c'est Sainte-Colombe": a correction, not the answer
        if value is None and not text:
            value = True if intent == "affirm" else False if intent == "deny" else None
        if value is not None:
            up[pending] = value
    if "decision_level_sponsor" not in up and text and F.sponsor_stated(text) \
            and slots.get("decision_level_sponsor") is not True:
        up["decision_level_sponsor"] = True

    # --- money, dates, counts, role
    if text:
        amounts = P.find_amounts(text, bare=(pending == "budget_eur"))
        expenses = P.parse_expenses(text) if amounts else []
        if expenses:
            up["expenses"] = expenses
            if re.search(r"\bdont\b", text, re.IGNORECASE) and len(amounts) > len(expenses):
                up["budget_eur"] = amounts[0][0]
            else:
                up["budget_eur"] = float(sum(e["amount_eur"] for e in expenses))
        elif amounts:
            up["budget_eur"] = amounts[0][0]
        window = guichet_window()
        date = P.parse_date(text, bare_year=(pending == "results_date"), window=window)
        if date:
            up["results_date"] = date
        elif pending == "results_date" and P.date_needs_year(text, window=window):
            # a date without a year whose guessed year would decide a "not eligible": asked
            ex.notes.append("De quelle année s'agit-il ? Donnez la date avec l'année, par exemple "
                            "« juin 2022 » : les résultats doivent être obtenus avant fin 2022.")
        count = P.parse_count(text)
        if count:
            up["agents_count"] = count
        users = P.parse_count(text, users=True)
        if users:
            up["users_count"] = users
        role = P.parse_role(text)
        if role and role != slots.get("role"):
            up["role"] = role

    # --- the description of the project
    if pending == "digital_change" and text and not ex.dont_know:
        # issue 10: "En quoi votre projet est-il numérique ?" - the answer is read like the
        # description by the engine (appended to it), or as "not digital" when it says so
        up["digital_change"] = " ".join(text.split())[:5000]
    elif text and not ex.dont_know:
        words = len(folded.split())
        if pending == "description":
            taken = set(up) - {"role", "agents_count", "users_count", "budget_eur", "results_date", "expenses",
                                "decision_level_sponsor"}
            plain_answer = P.looks_like_words(text) and P.parse_yes_no(text) is None and not taken
            if plain_answer or (P.looks_like_project(text) and (words >= 4 or not taken)):
                up["description"] = P.project_text(text)
        elif P.describes_project(text) and words >= 4 and intent in ("inform", "", "nlu_fallback"):
            current = slots.get("description")
            if not current or P.is_correction(text):
                up["description"] = P.project_text(text)
            elif re.search(r"\b(?:aussi|egalement|en plus|de plus)\b", folded):
                up["description"] = (current + " " + text.strip())[:5000]

    # drop updates that change nothing
    for key in list(up):
        if key in slots and slots.get(key) == up[key]:
            del up[key]
    if pending and (pending in up or (pending == "department" and "collectivity" in up)):
        ex.answered = True
    return ex
