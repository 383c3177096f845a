"""Reading the messages that are not plain answers: procedure questions typed as statements,
what-ifs and second projects after a verdict, late corrections of a yes/no input.

Only the dialogue's reading of the form of a message lives here (is it a question? a "et si…"?);
the facts inside it are read by actions/extract.py and assistant/reading/, and every verdict
comes from the engine. Nothing here decides eligibility.
"""
from __future__ import annotations

import re
from typing import Any

from assistant.fmt import integer
from assistant.reading import parsing as P
from assistant.text import fold

# The inputs that belong to one project: a second project in the same conversation starts them
# again; the collectivity, its type, its funding and the user's role stay.
PROJECT_SLOTS = ("description", "decision_level_sponsor", "results_date", "budget_eur", "expenses",
                 "agents_count", "users_count")
# Facts that make a message more than a question ("combien pour la commune de Mamers ?" is read as
# facts); a count, a role, a kind of applicant or a project word inside a question are not.
HARD_FACTS = {"collectivity", "department", "budget_eur", "results_date", "expenses"}
PROJECT_SEPARATOR = "#projet-"   # case of project n > 1: "<conversation id>#projet-<n>"

# "à qui écrire… ?", "c'est ouvert depuis quand ?", "on signe quoi… ?": the form of a question,
# not of an answer nor of a project (yes/no questions such as "est-ce que… ?" are not in it: a
# user asks "est-ce qu'une appli serait éligible ?" about a project).
_WH_START = re.compile(
    r"^(?:(?:bonjour|bonsoir|salut|alors|et|mais|sinon|ok|merci|au fait|question|petite question|autre question)\s+)*"
    r"(?:a qui|qui|quand|depuis quand|jusqu a quand|a partir de quand|comment|cmt|ou|combien|cb|quel|quelle|quels|"
    r"quelles|pourquoi|c est quoi|c koi|cest quoi|qu est ce qu|que faut il|que doit on|a quel|a quelle|aupres de qui|"
    r"avec qui|par qui|sur quels?|sur quelles?|de quel|de quelle|dans quel|dans quelle|en quoi|a quoi)\b")
_WH_INSIDE = re.compile(r"\b(?:quoi|quand|combien|comment)\b")   # "on signe quoi avec l'État ?"
_WH_END = re.compile(r"\b(?:quoi|quand|qui|combien|comment|ou ca|lequel|laquelle|lesquels|lesquelles)\s*$")

_WHAT_IF = re.compile(
    r"^(?:(?:et|mais|bon|ok|alors|d accord|merci|super|tres bien|parfait)\s+)*"
    r"(?:si\b|s il\b|s ils\b|avec\b|sans\b|en cas d|dans le cas ou|imaginons|supposons|admettons|mettons|"
    r"a supposer|et pour un budget|et pour)")
_NEW_PROJECT = re.compile(r"\b(?:autre projet|second projet|deuxieme projet|nouveau projet|autre idee|"
                          r"deuxieme idee|seconde idee|un autre|une autre)\b")
_ADDITION = re.compile(r"\b(?:aussi|egalement|en plus|de plus)\b")

# Population what-if: "si on dépassait les 5 000 habitants", "avec 3 000 habitants".
_POPULATION = re.compile(r"(?P<which>plus de|depass\w*|au dessus de|moins de|en dessous de|sous la barre des|"
                         r"franchi\w*|sous|au dela de|pass\w* (?=le cap|la barre|le seuil))?\s*(?:les |la barre des |le seuil des |le cap des )?(?P<n>\d[\d ]{0,9}|\w+ mille)\s*habitants?")

# Late yes/no corrections (outside the question they answer).
_SPONSOR_NO = re.compile(r"\b(?:(?:n est|ne sera|n a ete)\s+)?pas (?:porte|soutenu|valide|vote|pilote|decide|appuye)"
                         r"(?: par| au niveau)|\bpersonne ne porte\b|\bsans (?:portage|soutien) (?:du|de l|des|de la)"
                         r"|\ble maire ne (?:porte|soutient|suit) pas\b")
_FUNDED_NO = re.compile(r"\bfinanc\w* (?:aussi|egalement|en partie|surtout|principalement|par|grace) .{0,40}"
                        r"\b(?:etat|europe\w*|entreprises?|cotisations?|dons?|mecenat|adherents?|membres|prive\w*|"
                        r"usagers|billetterie|ventes?)\b|\b(?:on vit|nous vivons|on vit surtout) (?:de|des|grace)")
_FUNDED_YES = re.compile(r"\bfinanc\w* (?:uniquement|seulement|exclusivement|entierement|que) (?:par|de) "
                         r"(?:les |des |nos )?(?:collectivites|communes|departements?|regions?)")


def is_question(text: str) -> bool:
    """True for a wh-question ("À qui écrire… ?", "C'est ouvert depuis quand ?")."""
    t = fold((text or "")[:300])
    asked = text.rstrip().endswith("?")
    return bool(t) and (bool(_WH_START.search(t)) or (asked and bool(_WH_END.search(t)))
                        or (asked and bool(_WH_INSIDE.search(t))))


def verdict_given(assessment: dict | None, pending: str | None) -> bool:
    """True when the last turn ended with a verdict (nothing asked any more)."""
    if pending or not isinstance(assessment, dict) or not assessment.get("eligibility"):
        return False
    skipped = set(assessment.get("_skipped") or [])
    return not [m for m in assessment.get("missing") or [] if m not in skipped]


def is_what_if(text: str) -> bool:
    """"Et si on dépassait les 5 000 habitants ?", "et avec 30 000 € de budget ?"."""
    return bool(_WHAT_IF.search(fold((text or "")[:300])))


def is_new_project(text: str) -> bool:
    """After a verdict: a description of another project, not a correction of the first.

    "Et une appli pour les habitants, ça passerait aussi ?" is a second project; "en fait le projet
    est…" corrects the first; "on voudrait aussi former les agents" adds to it (extract.py appends).
    """
    t = fold((text or "")[:300])
    if not P.looks_like_project(text) or len(t.split()) < 4 or P.is_correction(text) or is_what_if(text):
        return False
    if _NEW_PROJECT.search(t) or re.match(r"(?:et|et puis|sinon|autre chose)\b", t):
        return True
    return not _ADDITION.search(t)


def population_hypothesis(text: str) -> tuple[int | None, str | None]:
    """The population a what-if assumes, for the engine and in words: "plus de 5 000 habitants" ->
    (5 001, "plus de 5 000 habitants"), "moins de 5 000" -> (4 999, …), "6 000 habitants" -> 6 000."""
    m = _POPULATION.search(fold((text or "")[:300]))
    if not m:
        return None, None
    raw = m.group("n").replace(" ", "")
    n = int(raw) if raw.isdigit() else P.words_to_number(m.group("n"))
    if not n or n > 10_000_000:
        return None, None
    which = m.group("which") or ""
    if which.startswith(("plus", "depass", "au dessus", "au dela", "franchi", "pass")):
        return n + 1, f"plus de {integer(n)} habitants"
    if which.startswith(("moins", "en dessous", "sous")):
        return max(n - 1, 0), f"moins de {integer(n)} habitants"
    return n, f"{integer(n)} habitants"


def yes_no_corrections(text: str, pending: str | None) -> dict[str, Any]:
    """A yes/no input stated in a sentence outside its question ("en fait ce n'est pas porté par le
    maire", "on est aussi financés par des cotisations"): {slot: value}."""
    t = fold((text or "")[:500])
    out: dict[str, Any] = {}
    if pending != "decision_level_sponsor" and _SPONSOR_NO.search(t):
        out["decision_level_sponsor"] = False
    if pending != "funded_only_by_local_authorities":
        if _FUNDED_YES.search(t):
            out["funded_only_by_local_authorities"] = True
        elif _FUNDED_NO.search(t):
            out["funded_only_by_local_authorities"] = False
    return out


def case_id(conversation_id: str, project: int) -> str:
    """The case store's key of project n of a conversation (the first keeps the conversation id)."""
    return conversation_id if project <= 1 else f"{conversation_id}{PROJECT_SEPARATOR}{project}"


def past_record(assessment: dict, slots: dict, project: int) -> dict:
    """What the conversation keeps of a finished project (slot `assessments`): small on purpose."""
    amount = assessment.get("amount") or {}
    return {"project": project, "description": (slots.get("description") or "")[:300],
            "eligibility": assessment.get("eligibility"), "sub_axis": assessment.get("sub_axis"),
            "amount_eur": amount.get("eur"), "summary": (assessment.get("summary") or "")[:1000]}
