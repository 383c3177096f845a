"""Scripted conversations: the one source of the test stories and of the action-level dialogue tests.

Each scenario is a list of user turns (text with Rasa-style entity annotations, intent) and what
must hold at the end. `test_scenarios.py` replays them through the real actions and engine;
`render_stories()` writes tests/rasa/test_stories.yml from the same replay (custom actions do not
run inside `rasa test`, so the stories spell out the slots the actions set). Regenerate with

    FITN7_NO_WARMUP=1 .venv/bin/python tests/actions/scenarios.py > tests/rasa/test_stories.yml

and `test_scenarios.py::test_stories_file_is_up_to_date` fails when the file is stale.
"""
from __future__ import annotations

import json
import re

# Which actions the rules of data/rules.yml run after each intent.
ACTIONS = {
    "inform": ["action_process"], "affirm": ["action_process"], "deny": ["action_process"],
    "faq": ["utter_faq", "action_resume"], "what_if": ["action_what_if"], "request_human": ["action_handoff"], "nlu_fallback": ["action_fallback"],
    "greet": ["utter_greet", "action_resume"], "help": ["utter_help", "action_resume"],
    "out_of_scope": ["action_out_of_scope"], "insult": ["utter_insult", "action_resume"],
    "thanks": ["action_small_talk"], "goodbye": ["action_small_talk"], "start_over": ["action_restart_conversation"],
    "prefill": ["action_prefill"], "feedback": ["action_feedback"],
}

SCENARIOS: list[dict] = [
    {
        "name": "3a: a mayor says it all in one message, then two questions and the verdict",
        "turns": [
            ("Bonjour, je suis le maire de [Mamers](collectivity), on aimerait un consultant pour définir notre stratégie numérique", "inform"),
            ("oui", "affirm"),
            ("juin 2022", "inform"),
            ("merci", "thanks"),
        ],
        "expect": {"eligibility": "eligible", "sub_axis": "3a", "amount_eur": 5000,
                   "asked": ["decision_level_sponsor", "results_date"]},
    },
    {
        "name": "3b: training of agents, up to cost, the budget asked last",
        "turns": [
            ("Mairie de [Sablé-sur-Sarthe](collectivity) : nous voulons former 30 agents des services techniques aux outils numériques de base", "inform"),
            ("oui", "affirm"),
            ("fin 2022", "inform"),
            ("12 000 €", "inform"),
        ],
        "expect": {"eligibility": "eligible", "sub_axis": "3b", "amount_eur": 12000,
                   "asked": ["decision_level_sponsor", "results_date", "budget_eur"],
                   "contact_email": "societe.numerique@anct.gouv.fr"},
    },
    {
        "name": "3c: an online service by an intercommunality, with an excluded expense",
        "turns": [
            ("la [communauté de communes du Pays Fléchois](collectivity) veut créer un portail de démarches en ligne pour les habitants", "inform"),
            ("oui", "affirm"),
            ("septembre 2022", "inform"),
            ("24 000 euros dont 4 000 € d'ordinateurs pour les agents et 20 000 € de développement", "inform"),
        ],
        "expect": {"eligibility": "eligible", "sub_axis": "3c", "excluded": True,
                   "asked": ["decision_level_sponsor", "results_date", "budget_eur"]},
    },
    {
        "name": "not eligible: a company",
        "turns": [
            ("je représente une [entreprise](applicant_type) de conseil, nous voulons développer une application mobile pour une mairie", "inform"),
        ],
        "expect": {"eligibility": "not_eligible", "reason": "applicant_type", "asked": []},
    },
    {
        "name": "not eligible: an association not funded only by local authorities",
        "turns": [
            ("nous sommes une [association](applicant_type), on veut former des bénévoles et des agents au numérique", "inform"),
            ("non", "deny"),
        ],
        # issue 10: the question whose "no" ends the assessment (funding) comes before the département
        "expect": {"eligibility": "not_eligible", "reason": "funded_only_by_local_authorities",
                   "asked": ["funded_only_by_local_authorities"]},
    },
    {
        "name": "not eligible: not a digital project",
        "turns": [
            ("mairie de [Rodez](collectivity), on veut rénover la toiture de l'école", "inform"),
        ],
        "expect": {"eligibility": "not_eligible", "reason": "digital_project", "asked": []},
    },
    {
        "name": "not eligible: equipment for the agents only",
        "turns": [
            ("mairie de [Millau](collectivity), nous voulons acheter des ordinateurs portables pour les agents", "inform"),
        ],
        "expect": {"eligibility": "not_eligible", "reason": "digital_project",
                   "reason_text": "équipements informatiques pour les agents", "asked": []},
    },
    {
        "name": "not eligible: no decision-level sponsor",
        "turns": [
            ("commune de [Mamers](collectivity) : un consultant pour notre stratégie numérique", "inform"),
            ("non", "deny"),
        ],
        "expect": {"eligibility": "not_eligible", "reason": "decision_level_sponsor",
                   "asked": ["decision_level_sponsor"]},
    },
    {
        "name": "not eligible: results after the deadline",
        "turns": [
            ("commune de [Mamers](collectivity) : un consultant pour notre stratégie numérique", "inform"),
            ("oui", "affirm"),
            ("mars 2024", "inform"),
        ],
        "expect": {"eligibility": "not_eligible", "reason": "results_date",
                   "asked": ["decision_level_sponsor", "results_date"]},
    },
    {
        "name": "not eligible: above the population cap of the Haut-Rhin",
        "turns": [
            ("la ville de [Mulhouse](collectivity) veut créer un service de prise de rendez-vous en ligne", "inform"),
        ],
        "expect": {"eligibility": "not_eligible", "reason": "department_population_cap", "asked": []},
    },
    {
        "name": "not eligible: a syndicat in the Haut-Rhin",
        "turns": [
            ("nous sommes un [syndicat](applicant_type) intercommunal dans le [Haut-Rhin](department), nous voulons créer un site internet", "inform"),
        ],
        "expect": {"eligibility": "not_eligible", "reason": "department_applicant_types", "asked": []},
    },
    {
        "name": "homonyms: a button carrying the INSEE code",
        "turns": [
            ("commune de [Sainte-Colombe](collectivity), nous voulons former nos agents à la messagerie", "inform"),
            ('/inform{"collectivity": "69189"}', "inform"),
            ("oui", "affirm"),
            ("juin 2022", "inform"),
            ("8k€", "inform"),
        ],
        "expect": {"eligibility": "eligible", "sub_axis": "3b", "collectivity_code": "69189",
                   "asked": ["department", "decision_level_sponsor", "results_date", "budget_eur"]},
    },
    {
        "name": "corrections after the verdict: the budget, then the collectivity",
        "turns": [
            ("mairie de [Sablé-sur-Sarthe](collectivity) : former les agents au numérique, porté par le maire, résultats en juin 2022, budget 8 000 euros", "inform"),
            ("en fait le budget est de 12 000 €", "inform"),
            ("non, c'est [Sainte-Colombe](collectivity) dans le [Rhône](department)", "inform"),
        ],
        "expect": {"eligibility": "eligible", "amount_eur": 12000, "collectivity_code": "69189", "asked": []},
    },
    {
        "name": "a procedure question in the middle of the questions, then the questions resume",
        "turns": [
            ("je suis DGS de la commune de [Mamers](collectivity), nous voulons un consultant pour un diagnostic numérique", "inform"),
            ("quelles dépenses sont exclues ?", "faq/excluded"),
            ("oui", "affirm"),
            ("décembre 2022", "inform"),
        ],
        "expect": {"eligibility": "eligible", "faq": "faq_excluded",
                   "asked": ["decision_level_sponsor", "decision_level_sponsor", "results_date"]},
    },
    {
        "name": "questions typed mid-form: the FAQ answers, no verdict, the questions resume",
        "turns": [
            ("commune de [Mamers](collectivity) : un consultant pour notre stratégie numérique", "inform"),
            ("Une fois retenus, on signe quoi avec l'État ?", "faq/contracting"),
            ("C'est ouvert depuis quand ?", "faq/opening"),
            ("oui", "affirm"),
            ("juin 2022", "inform"),
        ],
        "expect": {"eligibility": "eligible", "faq": "faq_contracting", "amount_eur": 5000,
                   "asked": ["decision_level_sponsor"] * 3 + ["results_date"]},
    },
    {
        "name": "after the verdict: a what-if, then a second project for the same commune",
        "turns": [
            ("commune de [Mamers](collectivity) : un consultant pour notre stratégie numérique", "inform"),
            ("oui", "affirm"),
            ("juin 2022", "inform"),
            ("Et si on dépassait les 5 000 habitants ?", "what_if"),
            ("Et une appli pour les habitants, ça passerait aussi ?", "inform"),
            ("oui", "affirm"),
            ("septembre 2022", "inform"),
            ("20 000 €", "inform"),
        ],
        "expect": {"eligibility": "eligible", "sub_axis": "3c", "amount_eur": 20000,
                   "asked": ["decision_level_sponsor", "results_date", "decision_level_sponsor",
                             "results_date", "budget_eur"]},
    },
    {
        "name": "hand-off asked by the user in the middle",
        "turns": [
            ("mairie de [Rodez](collectivity), on voudrait moderniser le standard téléphonique", "inform"),
            ("je veux parler à quelqu'un", "request_human"),
        ],
        "expect": {"handoff": True, "asked": ["decision_level_sponsor", "decision_level_sponsor"]},
    },
    {
        "name": "two misunderstandings in a row lead to a human",
        "turns": [
            ("bonjour", "greet"),
            ("azerqsdf wxcv", "nlu_fallback"),
            ("poiuyt mlkj", "nlu_fallback"),
        ],
        "expect": {"handoff": True, "asked": []},
    },
    {
        "name": "small talk around the questions, then starting again",
        "turns": [
            ("commune de [Mamers](collectivity) : un consultant pour notre stratégie numérique", "inform"),
            ("que peux-tu faire ?", "help"),
            ("Hello, can you help me?", "out_of_scope"),
            ("t'es nul", "insult"),
            ("on recommence", "start_over"),
            ("au revoir", "goodbye"),
        ],
        "expect": {"asked": ["decision_level_sponsor"] * 4},
    },
]

_ANNOTATION = re.compile(r"\[(?P<value>[^\]]+)\]\((?P<entity>[a-z_]+)\)")


def parse_turn(annotated: str, intent: str) -> tuple[str, dict]:
    """("[Mamers](collectivity)", "inform") -> ("Mamers", Rasa latest_message dict)."""
    if annotated.startswith("/"):
        m = re.match(r"/(\w+)(\{.*\})?$", annotated)
        values = json.loads(m.group(2)) if m.group(2) else {}
        entities = [{"entity": k, "value": v} for k, v in values.items()]
        return annotated, {"text": annotated, "intent": {"name": m.group(1), "confidence": 1.0},
                           "entities": entities}
    text, entities, pos = "", [], 0
    for m in _ANNOTATION.finditer(annotated):
        text += annotated[pos:m.start()]
        start = len(text)
        text += m["value"]
        entities.append({"entity": m["entity"], "value": m["value"], "start": start, "end": len(text)})
        pos = m.end()
    text += annotated[pos:]
    from helpers import parse_message   # "faq/excluded": intent faq, the ResponseSelector's choice
    return text, parse_message(text, intent, entities)


def replay(scenario: dict, conversation_factory) -> list[dict]:
    """Play a scenario; returns per turn: text, intent, entities, actions, slot events, messages."""
    from actions.actions import ActionResume  # noqa: F401  (imported for the side effect of loading)
    conv = conversation_factory()
    out = []
    for annotated, intent in scenario["turns"]:
        text, message = parse_turn(annotated, intent)
        actions = ACTIONS[message["intent"]["name"]]
        custom = [a for a in actions if a.startswith("action_")]
        turn = {"text": text, "intent": message["intent"]["name"], "entities": message["entities"],
                "actions": actions, "slots": [], "messages": [], "pending": None}
        if "utter_faq" in actions:                  # Rasa's retrieval action: the selected response
            from helpers import utter_faq
            turn["messages"] += utter_faq(message)
        for name in custom:
            before = dict(conv.slots)
            conv.say_message(message, name)
            turn["slots"] = [(k, conv.slots[k]) for k in conv.changed(before)]
            turn["messages"] += conv.messages
        turn["pending"] = conv.slots.get("pending_question")
        out.append(turn)
    return out


def _yaml_value(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v, ensure_ascii=False)


def render_stories(conversation_factory) -> str:
    lines = ['version: "3.1"', "",
             "# Generated from tests/actions/scenarios.py (see there); do not edit by hand.",
             "# Custom actions do not run in `rasa test`: the slots they set are spelled out.",
             "stories:"]
    for sc in SCENARIOS:
        lines.append(f"- story: {json.dumps(sc['name'], ensure_ascii=False)}")
        lines.append("  steps:")
        for turn in replay(sc, conversation_factory):
            lines.append(f"  # user: {turn['text']}")
            lines.append(f"  - intent: {turn['intent']}")
            ents = [(e["entity"], e["value"]) for e in turn["entities"]]
            if ents:
                lines.append("    entities:")
                for k, v in ents:
                    lines.append(f"    - {k}: {_yaml_value(v)}")
            for action in turn["actions"]:
                lines.append(f"  - action: {action}")
                # the slots of the dialogue's own offers (issue 14) do not influence the conversation
                shown = [(k, v) for k, v in turn["slots"] if k not in ("offer", "prefilled")]
                if action.startswith("action_") and shown and action == [
                        a for a in turn["actions"] if a.startswith("action_")][-1]:
                    lines.append("  - slot_was_set:")
                    for k, v in shown:
                        if k == "assessment":
                            continue
                        if isinstance(v, (list, dict)):
                            lines.append(f"    - {k}: {json.dumps(v, ensure_ascii=False)}")
                        else:
                            lines.append(f"    - {k}: {_yaml_value(v)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover - regeneration helper
    import os
    import sys

    os.environ.setdefault("FITN7_NO_WARMUP", "1")
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [here, os.path.dirname(os.path.dirname(here))]
    from helpers import Conversation

    sys.stdout.write(render_stories(Conversation))
