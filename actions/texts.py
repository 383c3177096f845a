"""French texts the actions send (questions, buttons, short messages). Presentation only: no rule.

The responses used by rules (greetings, help, thanks…) are in domain.yml; the ones below are sent
by the custom actions, so they live next to them.
"""
from __future__ import annotations

YES_NO = [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]


def _type_button(title: str, kind: str) -> dict:
    return {"title": title, "payload": '/inform{"applicant_type": "%s"}' % kind}


QUESTIONS: dict[str, tuple[str, list[dict]]] = {
    "collectivity": ("Pour quelle collectivité est le projet ? Donnez son nom (ou son code INSEE, son code postal "
                     "ou son SIREN).", []),
    "department": ("Dans quel département se trouve votre structure ?", []),
    "applicant_type": ("Quel type de structure porte le projet ?", [
        _type_button("Commune", "commune"), _type_button("Intercommunalité (EPCI)", "epci"),
        _type_button("Département", "departement"), _type_button("Région", "region"),
        _type_button("Collectivité d'outre-mer", "com"), _type_button("Syndicat de collectivités", "syndicat"),
        _type_button("Autre personne morale (SPL, GIP…)", "personne_morale"),
        _type_button("Association", "association"), _type_button("Entreprise", "entreprise"),
        _type_button("Laboratoire d'innovation territoriale", "laboratoire_innovation")]),
    "funded_only_by_local_authorities": ("Votre structure est-elle financée uniquement par des collectivités locales "
                                         "(hors éventuelles subventions de l'État ou européennes) ?", YES_NO),
    "description": ("Décrivez votre projet en quelques phrases : que voulez-vous faire, pour qui, avec quel appui ?", []),
    "decision_level_sponsor": ("Le projet est-il porté par un niveau décisionnel de votre structure (le maire, le "
                               "président, l'exécutif, la direction générale) ?", YES_NO),
    "results_date": ("Quand le projet donnera-t-il ses premiers résultats concrets ? (par exemple « juin 2022 »)", []),
    "budget_eur": ("Quel est le coût total prévu du projet, en euros ? (par exemple « 12 000 € »)", []),
    "agents_count": ("Combien d'agents ou d'usagers le projet concerne-t-il ?", []),
}
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
