"""French texts the actions send (questions, buttons, short messages). Presentation only: no rule.

The responses used by rules (greetings, help, thanks…) are in domain.yml; the ones below are sent
by the custom actions, so they live next to them.
"""
from __future__ import annotations

import json

from assistant.eligibility import inputs

YES_NO = [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]


def question(key: str) -> tuple[str, list[dict]]:
    """The question of an input of the registry (knowledge/inputs.yml) and its buttons (Rasa payloads)."""
    inp = inputs.by_key().get(key)
    if inp is None or not inp.question:
        return DEFAULT, []
    if inp.buttons == "yes_no":
        buttons = list(YES_NO)
    else:
        buttons = [{"title": b["title"], "payload": "/inform" + json.dumps({key: b["value"]}, ensure_ascii=False)}
                   for b in inp.buttons or ()]
    return inp.question_text, buttons


HOMONYMS = "Il existe {count} {noun} nommées {name} : laquelle ?"
RESUME = "Reprenons :"
NOT_UNDERSTOOD_ANSWER = "Je n'ai pas compris votre réponse."
DEFAULT = ("Je n'ai pas bien compris. Je peux vérifier l'éligibilité d'un projet numérique de collectivité au "
           "guichet FITN7 axe 3, ou répondre à une question sur la procédure. Pouvez-vous reformuler ?")
CAN_CORRECT = ("Vous pouvez corriger une information à tout moment (« en fait le budget est de 12 000 € »), "
               "poser une question sur la procédure ou demander à parler à quelqu'un.")
AFTER_VERDICT = "Très bien. " + CAN_CORRECT
ERROR = ("Désolé, un incident technique m'empêche de vous répondre. Réessayez dans un instant ; si cela persiste, "
         "écrivez à la préfecture de votre département.")
RESTART = "C'est noté, on repart de zéro. Décrivez-moi votre projet et votre collectivité."
EMPTY = ("Votre message est vide. Je vérifie l'éligibilité d'un projet numérique de collectivité au guichet "
         "FITN7 axe 3 et je réponds aux questions sur la procédure : décrivez votre projet et votre collectivité.")
HANDOFF_NEEDS_PLACE = ("Si vous m'indiquez votre collectivité (nom, code postal ou code INSEE), je vous donne la "
                       "préfecture qui gère votre dossier.")
OUT_OF_SCOPE = ("Je ne sais répondre qu'en français et sur le guichet départemental FITN7 axe 3 (financement de "
                "projets numériques des collectivités) : éligibilité, montant, procédure, contact.")

# "merci" / "au revoir" without an answer to the pending question (action_small_talk)
THANKS = "Avec plaisir. Bonne continuation dans votre projet !"
GOODBYE = "Au revoir, et bonne chance pour votre candidature."
