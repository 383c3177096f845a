"""Choosing the FAQ entry (knowledge/faq.yml) that answers a procedure question.

The answer texts live in knowledge/faq.yml (each citing the source text); this module only
routes a question to an entry: topic cues on the question, then word overlap with the entries.
"""
from __future__ import annotations

import re
from functools import lru_cache

from assistant.eligibility.knowledge import load_cached
from assistant.text import fold

# Routing cues (not rule text): a folded regular expression per entry id.
CUES = {
    "faq_who": r"qui peut|qui a le droit|peut (?:elle|il|on) (?:candidater|postuler|demander|deposer|beneficier)|"
               r"eligibles?\b|a qui s adresse|beneficiaires?|concernes?|ki peut|peuvent candidater|conditions? d eligibilite|"
               r"criteres? d eligibilite|associations?|entreprises?|syndicats?|laboratoire",
    "faq_what": r"quels? (?:projets?|types?)|qu est ce qui est financ|que finance|financ(?:e|able)s? quoi|exemples?|"
                r"thematiques?|c est quoi (?:le |l )?(?:3a|3b|3c|sous axe|axe|fitn7|france relance)|difference|objectifs?|"
                r"qu est ce que (?:le |l )?(?:3a|3b|3c|fitn7)|formation des agents peut",
    "faq_excluded": r"exclu|ordinateurs?|materiel|equipements?|licences?|tablettes?|restrictions?|frais de personnel|"
                    r"pris en charge|depenses",
    "faq_amounts": r"combien|montant|forfaits?|plafond|habitants|somme",
    "faq_rate": r"taux|pourcentage|100 ?%|100 pour ?cent|cumuler|totalite",
    "faq_committee": r"comite|selectionne|qui decide|preside|prefet|frequence|instrui|reponse|delai",
    "faq_opening": r"ouverture|ouvert|depuis quand|jusqu a quand|date limite de depot|encore possible|toujours ouvert",
    "faq_deadline": r"resultats?|fin 2022|termine|effet sous|combien de temps .*effet|echeance",
    "faq_how": r"comment (?:candidater|deposer|postuler|faire une demande)|cmt on candidate|deposer|lien|demarches? simplifiees|"
               r"dossier|documents?|pieces?|preparer|formulaire",
    "faq_contracting": r"convention|conventionnement|crte|verse|subvention|contrat|contractualisation|paiement",
    "faq_criteria_3a": r"criteres?.*3a|3a.*criteres?|criteres?.*(?:expert|accompagnement)",
    "faq_criteria_3b": r"criteres?.*3b|3b.*criteres?|criteres?.*formation",
    "faq_criteria_3c": r"criteres?.*3c|3c.*criteres?",
    "faq_criteria_general": r"criteres? de selection|criteres?$|comment sont (?:evalues|choisis|selectionnes)|prioritaires?|"
                            r"mutualis|privilegies?|prestataire.*local|local.*prestataire|territoire",
    "faq_contacts": r"contacter|contact|interlocuteur|webinaires?|dinum|anct|joindre|telephone",
}
_CUE_RX = {entry_id: re.compile(rf"\b(?:{cue})") for entry_id, cue in CUES.items()}
_STOP = set("le la les l de du des d un une et a au aux en pour par sur est ce que qui quoi quel quelle quels quelles "
            "on je il elle nous vous ils elles c qu s y t il faut peut peuvent doit sont etre avoir mon ma mes notre "
            "nos votre vos ne pas se sa son ses comment quand ou si".split())


def entries() -> list[dict]:
    data = load_cached("faq.yml") or {}
    return list(data.get("faq") or [])


def _words(text: str) -> set[str]:
    return {w for w in fold(text).split() if w not in _STOP and len(w) > 1}


@lru_cache(maxsize=None)
def _entry_words(text: str) -> frozenset[str]:
    """_words() of an entry's question or answer (a fixed set of texts), folded once per process."""
    return frozenset(_words(text))


def best_entry(question: str) -> dict | None:
    """The FAQ entry that best answers the question, or None when nothing matches."""
    q = fold(question or "")[:500]
    if not q:
        return None
    words = _words(q)
    best, best_score = None, 0.0
    for entry in entries():
        score = 0.0
        cue = _CUE_RX.get(entry.get("id"))
        if cue:
            score += 3.0 * min(len(cue.findall(q)), 2)
        score += 1.0 * len(words & _entry_words(entry.get("question", "")))
        score += 0.3 * len(words & _entry_words(entry.get("answer", "")))
        if score > best_score:
            best, best_score = entry, score
    return best if best_score >= 1.0 else None


def answer_text(entry: dict) -> str:
    src = entry.get("source") or {}
    where = src.get("section") or src.get("document") or ""
    text = " ".join((entry.get("answer") or "").split())
    return text + (f"\n(Source : texte du guichet, « {where} ».)" if where else "")


def topics_text() -> str:
    questions = [e.get("question") for e in entries() if e.get("question")]
    return ("Je peux répondre à ces questions sur la procédure : " + " ; ".join(questions[:12]) + "."
            if questions else "")
