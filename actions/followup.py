"""Reading the messages that are not plain answers: procedure questions typed as statements,
what-ifs and second projects after a verdict, late corrections of a yes/no input.

Only the dialogue's reading of the form of a message lives here (is it a question? a "et si…"?);
the facts inside it are read by actions/extract.py and assistant/reading/, and every verdict
comes from the engine. Nothing here decides eligibility.
"""
from __future__ import annotations


from assistant.reading.forms import (  # noqa: F401  (the readings, kept importable from here)
    is_new_project, is_question, is_what_if, population_hypothesis, yes_no_corrections)

# The inputs that belong to one project: a second project in the same conversation starts them
# again; the collectivity, its type, its funding and the user's role stay.
PROJECT_SLOTS = ("description", "decision_level_sponsor", "results_date", "budget_eur", "expenses",
                 "agents_count", "users_count")
# Facts that make a message more than a question ("combien pour la commune de Mamers ?" is read as
# facts); a count, a role, a kind of applicant or a project word inside a question are not.
HARD_FACTS = {"collectivity", "department", "budget_eur", "results_date", "expenses"}
PROJECT_SEPARATOR = "#projet-"   # case of project n > 1: "<conversation id>#projet-<n>"


def verdict_given(assessment: dict | None, pending: str | None) -> bool:
    """True when the last turn ended with a verdict (nothing asked any more)."""
    if pending or not isinstance(assessment, dict) or not assessment.get("eligibility"):
        return False
    skipped = set(assessment.get("_skipped") or [])
    return not [m for m in assessment.get("missing") or [] if m not in skipped]


def case_id(conversation_id: str, project: int) -> str:
    """The case store's key of project n of a conversation (the first keeps the conversation id)."""
    return conversation_id if project <= 1 else f"{conversation_id}{PROJECT_SEPARATOR}{project}"


def past_record(assessment: dict, slots: dict, project: int) -> dict:
    """What the conversation keeps of a finished project (slot `assessments`): small on purpose."""
    amount = assessment.get("amount") or {}
    return {"project": project, "description": (slots.get("description") or "")[:300],
            "eligibility": assessment.get("eligibility"), "sub_axis": assessment.get("sub_axis"),
            "amount_eur": amount.get("eur"), "summary": (assessment.get("summary") or "")[:1000]}
