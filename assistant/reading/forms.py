"""The form of a message, read apart from its facts (pure Python, plain pytest in tests/reading).

Moved from actions/followup.py and actions/extract.py (issue 11, leftover of the inputs
registry): the dialogue asks these questions, the readings live here next to answers.py.

- `is_question(text)`: a wh-question ("À qui écrire… ?", "C'est ouvert depuis quand ?");
- `is_what_if(text)`: "Et si on dépassait les 5 000 habitants ?", "et avec 30 000 € ?";
- `is_new_project(text)`: after a verdict, a description of another project (not a correction);
- `population_hypothesis(text)`: the population a what-if assumes;
- `yes_no_corrections(text, pending)`: a yes/no input stated outside its question;
- `sponsor_stated(text)`: a decision-level sponsor said in passing ("porté par le maire").

Nothing here decides eligibility; every verdict comes from the engine.
"""
from __future__ import annotations

import re
from typing import Any

from ..fmt import integer
from ..text import fold
from . import parsing as P

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
    r"a supposer|et pour (?:un budget|une? (?:commune|ville|collectivite|population|structure)|\d|moins|plus))")
_NEW_PROJECT = re.compile(r"\b(?:autre projet|second projet|deuxieme projet|nouveau projet|autre idee|"
                          r"deuxieme idee|seconde idee|un autre|une autre|(?:aussi|egalement) (?:un|une) (?:projet|idee))\b")
_ADDITION = re.compile(r"\b(?:aussi|egalement|en plus|de plus)\b")

# Population what-if: "si on dépassait les 5 000 habitants", "avec 3 000 habitants".
_POPULATION = re.compile(r"(?P<which>plus de|depass\w*|au dessus de|moins de|en dessous de|sous la barre des|"
                         r"franchi\w*|sous|au dela de|pass\w* (?=le cap|la barre|le seuil))?\s*(?:les |la barre des |le seuil des |le cap des )?(?P<n>\d[\d ]{0,9}|\w+ mille)\s*(?:habitants?|hab)\b")

# Late yes/no corrections (outside the question they answer).
_SPONSOR_NO = re.compile(r"\b(?:(?:n est|ne sera|n a ete)\s+)?pas (?:porte|soutenu|valide|vote|pilote|decide|appuye)"
                         r"(?: par| au niveau)|\bpersonne ne porte\b|\bsans (?:portage|soutien) (?:du|de l|des|de la)"
                         r"|\ble maire ne (?:porte|soutient|suit) pas\b"
                         r"|\b(?:le |la )?(?:maire|president\w*|executif|direction|conseil)\s+ne\s+(?:porte|soutien|suiv|suit|valid|vot)\w*"
                         r"(?:\s+\w+)?\s+pas\b")   # "si le maire ne portait finalement pas le projet"
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


def is_what_if(text: str) -> bool:
    """"Et si on dépassait les 5 000 habitants ?", "et avec 30 000 € de budget ?"."""
    return bool(_WHAT_IF.search(fold((text or "")[:300])))


def is_new_project(text: str) -> bool:
    """After a verdict: a description of another project, not a correction of the first.

    "Et une appli pour les habitants, ça passerait aussi ?" is a second project; "en fait le projet
    est…" corrects the first; "on voudrait aussi former les agents" adds to it (extract.py appends).
    """
    t = fold((text or "")[:300])
    if not P.describes_project(text) or len(t.split()) < 4 or P.is_correction(text) or is_what_if(text):
        return False
    if sponsor_stated(text) or yes_no_corrections(text, None):
        return False        # "j'ai eu la réponse : oui, le maire porte le projet" answers the first one
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

# A decision-level sponsor said in passing, in any message ("porté par le maire", "délibération").
_SPONSOR_YES = re.compile(r"\b(?:porte|soutenu|valide|vote|decide|pilote|initie|voulu|appuye) par (?:le |la |l |les |notre )?"
                          r"(?:maire|president|presidente|executif|conseil|elus?|bureau|dgs|direction|assemblee|adjoint)"
                          r"|\bdeliber|\ble conseil (?:municipal|communautaire|departemental|regional) a (?:vote|valide|adopte)"
                          r"|\ble maire (?:porte|soutient|pilote|a valide|est favorable)")


def sponsor_stated(text: str) -> bool:
    """"Le projet est porté par le maire", "le conseil municipal a voté": a sponsor, said in passing."""
    return bool(_SPONSOR_YES.search(fold((text or "")[:500])))

