"""Answers read in the context of the question asked: yes/no in sentences, "je ne sais pas".

Pure Python. `read_yes_no(text, question)` reads a sentence for one yes/no question of the engine
(`funded_only_by_local_authorities`, `decision_level_sponsor`), `is_dont_know(text)` says that
the user does not know (the dialogue then records UNKNOWN for the input and moves on).

    read_yes_no("Non, on vit des cotisations de nos membres", "funded_only_by_local_authorities") -> False
    read_yes_no("c'est le maire qui porte", "decision_level_sponsor") -> True
    is_dont_know("pas encore décidé") -> True

Readings written down:

- A plain yes or no at the start wins ("non, ..." is no), after a filler ("alors", "euh", "bah").
- Without one, the sentence is read for the question: for the funding question, another source of
  money (cotisations, dons, mécénat, ventes, fonds propres, l'État, l'Europe…) or "pas
  uniquement" is no, "uniquement / seulement / que par la commune" is yes; for the sponsor
  question, "le maire porte / soutient / a validé", "c'est le maire qui porte", a délibération
  is yes, the same with a negation ("le maire n'est pas au courant", "pas encore validé") is no.
- "je ne sais pas", "aucune idée", "pas encore décidé", "à voir", "on verra"… is not knowing,
  never a no. A bare "pas encore" stays a no to a yes/no question (not yet = not now).
"""
from __future__ import annotations

import re

from ..text import fold

UNKNOWN = "unknown"     # the value recorded for an input the user does not know
MAX_ANSWER_WORDS = 20   # a longer text is not an answer to the question asked

_FILLER = r"(?:(?:alors|euh+|bah|ben|eh bien|bon|hmm+|hum|ecoutez|disons|bonjour|bonsoir|ah|oh|mmh)\s+)*"
_YES_WORDS = (r"oui|ouais|ouai|ouep|ouaip|ui|yes|yep|yup|si|ok|okay|d accord|dac|bien sur|bien entendu|"
              r"tout a fait|exact|exactement|c est exact|c est juste|absolument|affirmatif|effectivement|en effet|"
              r"evidemment|naturellement|carrement|certainement|assurement|parfaitement|je confirme|confirme|"
              r"c est ca|c est bien ca|c est le cas|c est bon|tout a fait|oui oui|volontiers")
_NO_WORDS = (r"non|nan|nope|no|pas du tout|pas du tt|pas vraiment|pas encore|pas pour l instant|"
             r"pas pour le moment|pas a ma connaissance|negatif|aucunement|nullement|absolument pas|"
             r"certainement pas|surtout pas|jamais|je ne crois pas|je ne pense pas|je crois pas|je pense pas|"
             r"pas que|ce n est pas le cas|c est pas le cas|pas le cas|malheureusement non|malheureusement pas|"
             r"helas non|non non|que non")
_YES = re.compile(rf"^{_FILLER}(?:{_YES_WORDS})\b")
_NO = re.compile(rf"^{_FILLER}(?:{_NO_WORDS})\b")

_DONT_KNOW = re.compile(
    r"\b(?:je (?:ne )?sais pas|j sais pas|jsais pas|jsp|sais pas|je ne sais|on (?:ne )?sait pas|ne sait pas|nsp|"
    r"(?:je |j |j)?(?:ne )?(?:sais|sai|sait) pa|"           # SMS and typos: "je sais pa", "jsai pa"
    r"(?:pas|plus) en mesure de (?:vous |te )?(?:repondre|le dire|le savoir|dire)|"
    r"(?:doit|doivent|devra|devront) (?:encore |d abord )?(?:etre )?(?:soumis|presente|examine|discute|"
    r"arbitre|debattu)e?s?|"
    r"aucune idee|pas d idee|aucune visibilite|je n en sais rien|j en sais rien|"
    r"je (?:ne )?suis pas (?:sur|sure|certain|certaine)|pas (?:sur|sure|certain|certaine)\b|"
    r"(?:pas|rien n est|ce n est pas|c est pas) (?:encore )?(?:decide|defini|fixe|tranche|arrete|determine|"
    r"connu|clair|acte|calcule|chiffre|estime)e?s?|"
    r"a (?:voir|definir|determiner|confirmer|preciser|chiffrer)\b|on verra|difficile a dire|"
    r"je (?:dois|vais) (?:verifier|me renseigner|demander|regarder)|"
    r"en cours (?:de |d )?(?:reflexion|discussion|definition|arbitrage|chiffrage|evaluation|estimation)|"
    r"je ne connais pas|inconnu|je n ai pas (?:l |cette |d )?info(?:rmation)?s?|pas d info(?:rmation)?s?)\b")

# --- the funding question: "funded only by local authorities?" -----------------------------------
_OTHER_MONEY = re.compile(
    r"\b(?:cotisations?|adherents?|adhesions?|dons?|donateurs?|mecenats?|mecenes?|sponsors?|sponsoring|"
    r"fonds propres|ressources propres|recettes propres|autofinanc\w*|ventes?|vendons|vend|billetterie|"
    r"prestations payantes|clients?|chiffre d affaires|entreprises?|prives?|privees?|fondations?|"
    r"europe\w*|feder|leader|etat|ministere|caf|financement participatif|crowdfunding|"
    r"benevol\w*|membres|recettes|loyers|quetes?|tombola)\b")
_NOT_ONLY = re.compile(r"\b(?:pas (?:uniquement|seulement|que|exclusivement|entierement|totalement|100)|"
                       r"en partie|partiellement|aussi|egalement|mixte|pas tout)\b")
_ONLY_PUBLIC = re.compile(
    r"\b(?:uniquement|seulement|exclusivement|entierement|totalement|100 ?%?|cent pour cent)\b|\bque (?:des|de la|de|du|par|la|les|l|nos|notre)\b"
    r"|\b(?:financ\w*|subventionn\w*|paye\w*) (?:par|via) (?:la|les|le|l|nos|notre|des) ?"
    r"(?:communes?|mairies?|collectivites?|departements?|regions?|interco\w*|epci|communaute|villes?|agglo\w*)")

# --- the sponsor question: "carried at the decision level (mayor, president)?" -------------------
_DECIDERS = (r"(?:maire|president|presidente|executif|conseil|elus?|bureau|dgs|direction|assemblee|adjoint|"
             r"adjointe|vice president|municipalite|equipe municipale|majorite)")
_SPONSOR = re.compile(
    rf"\b(?:porte|soutenu|valide|vote|decide|pilote|initie|voulu|appuye|lance|defendu|impulse|demande) par "
    rf"(?:le |la |l |les |notre |nos |mon |madame |monsieur )?{_DECIDERS}"
    rf"|\bdeliber\w*|\bvote (?:en|au) conseil|\bvalide (?:en|au|par le) (?:conseil|bureau)"
    rf"|\b(?:le |la |l |les |notre |nos |mon )?{_DECIDERS} (?:le |la |l |y )?(?:porte|portent|soutient|soutiennent|"
    rf"pilote|pilotent|valide|a valide|ont valide|a vote|ont vote|a adopte|ont adopte|a approuve|ont approuve|"
    rf"est favorable|sont favorables|est d accord|sont d accord|a donne son accord|ont donne leur accord|"
    rf"est partant|sont partants|y tient|y tiennent|l a decide|a decide|ont decide|a lance|ont lance|"
    rf"est a l origine|sont a l origine|est moteur|suit le projet|suit|en est a l origine|tient|veut|veulent)"
    rf"|\bc est (?:le |la |l |les |notre |nos |mon )?{_DECIDERS} (?:qui|lui meme|elle meme)"
    rf"|\b(?:a l initiative|a la demande) (?:du |de la |de l |des )?{_DECIDERS}"
    rf"|\b(?:vient|viennent|emane) (?:du |de la |de l |des |de notre |de nos )?{_DECIDERS}"
    rf"|\b(?:idee|initiative|volonte|souhait|demande|priorite) (?:du |de la |de l |des |de notre |de nos ){_DECIDERS}")
_NOT_SPONSOR = re.compile(
    rf"\b(?:pas encore|pas) (?:ete )?(?:porte|soutenu|valide|vote|presente|soumis|decide|approuve|adopte)"
    rf"|\b{_DECIDERS} (?:n est|ne sont|ne|n) (?:pas|plus|jamais)\b|\b{_DECIDERS} (?:n en|ne le|ne la) \w+ pas"
    rf"|\bsans (?:le |la |l |les )?(?:soutien|accord|aval|validation)"
    rf"|\b(?:initiative|idee) (?:des|de l|du) (?:agents?|service|services|equipe technique|secretaire)"
    rf"|\bpas (?:au courant|informe|d accord)")
_NEGATION = re.compile(r"\b(?:ne|n)\b(?:\s+\w+){0,4}\s+(?:pas|plus|jamais|guere|point)\b|\bpas\b|\baucune?\b|\bsans\b")
_CLAUSES = re.compile(r"[,;.!?]|\bmais\b")


def _folded(text: str) -> str:
    return fold((text or "")[:500])


def is_dont_know(text: str) -> bool:
    """True when a short answer says the user does not know (yet)."""
    t = _folded(text)
    return bool(t) and len(t.split()) <= MAX_ANSWER_WORDS and bool(_DONT_KNOW.search(t))


def plain_yes_no(text: str) -> bool | None:
    """A yes or a no at the start of the answer (after fillers), else None."""
    t = _folded(text)
    if _NO.search(t):
        return False
    if _YES.search(t):
        return True
    return None


def read_yes_no(text: str, question: str | None = None) -> bool | None:
    """The answer to a yes/no question, from a plain yes/no or a sentence read for that question."""
    t = _folded(text)
    if not t or is_dont_know(text):
        return None
    plain = plain_yes_no(text)
    sentence = read_sentence(text, question)
    if plain is True and sentence is False and question == "funded_only_by_local_authorities":
        return False      # "oui, et aussi des cotisations": not only local authorities
    return plain if plain is not None else sentence


def read_sentence(text: str, question: str | None) -> bool | None:
    """The sentence read for the question only (no plain yes/no): None when it says nothing of it."""
    t = _folded(text)
    if question == "funded_only_by_local_authorities":
        return _read_funding(t)
    if question == "decision_level_sponsor":
        return _read_sponsor(t)
    return None


def _read_funding(t: str) -> bool | None:
    if _NOT_ONLY.search(t):
        return False
    for clause in _CLAUSES.split(t):
        m = _OTHER_MONEY.search(clause)
        if m and not _NEGATION.search(clause[:m.start()]):
            return False       # another source of money, not negated ("pas de cotisations")
    if _ONLY_PUBLIC.search(t):
        return True
    return None


def _read_sponsor(t: str) -> bool | None:
    if _NOT_SPONSOR.search(t):
        return False
    for clause in _CLAUSES.split(t):
        m = _SPONSOR.search(clause)
        if m:
            return not bool(_NEGATION.search(clause))
    return None
