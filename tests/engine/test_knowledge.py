"""Knowledge YAML of the rules engine: every entry cites its source, the loader refuses the others,
and the interpretations of a silent text are written down."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.config import KNOWLEDGE_DIR
from assistant.eligibility.knowledge import KnowledgeError, load_file

ENGINE_FILES = ["rules.yml", "amounts.yml", "contacts.yml", "faq.yml", "texts.yml"]
DEPARTMENT_FILES = sorted(p.name for p in (KNOWLEDGE_DIR / "departements").glob("*.yml"))


@pytest.mark.parametrize("name", ENGINE_FILES + [f"departements/{n}" for n in DEPARTMENT_FILES])
def test_engine_knowledge_loads_with_sources(name):
    assert load_file(name)


def _tmp_knowledge(tmp_path: Path, body: str) -> Path:
    shutil.copytree(KNOWLEDGE_DIR / "source", tmp_path / "source")
    (tmp_path / "x.yml").write_text(body, encoding="utf-8")
    return tmp_path


def test_loader_refuses_an_entry_without_reference(tmp_path):
    base = _tmp_knowledge(tmp_path, "rule:\n  id: r1\n  valid_from: 2021-01-25\n  valid_to: null\n")
    with pytest.raises(KnowledgeError, match="sans référence"):
        load_file("x.yml", base)


def test_loader_refuses_a_quote_not_in_the_text(tmp_path):
    base = _tmp_knowledge(tmp_path, (
        "rule:\n  id: r1\n  source:\n    section: \"Pour qui ?\"\n"
        "    quote: \"Le financement accordé peut atteindre 200% du coût du projet.\"\n"
        "  valid_from: 2021-01-25\n  valid_to: null\n"))
    with pytest.raises(KnowledgeError, match="citation introuvable"):
        load_file("x.yml", base)


def test_loader_refuses_a_local_setting_quote_not_in_the_variants(tmp_path):
    base = _tmp_knowledge(tmp_path, (
        "settings:\n  id: d1\n  source:\n    document: prefecture-variants.md\n    url: https://example.org\n"
        "    quote: \"Sarthe (72) | 1 000 000 €\"\n  valid_from: 2021-01-25\n  valid_to: null\n"))
    with pytest.raises(KnowledgeError, match="citation introuvable"):
        load_file("x.yml", base)


def test_loader_accepts_the_same_entry_with_a_true_quote(tmp_path):
    base = _tmp_knowledge(tmp_path, (
        "rule:\n  id: r1\n  source:\n    section: \"Pour qui ?\"\n"
        "    quote: \"Le financement accordé peut atteindre 100% du coût du projet.\"\n"
        "  valid_from: 2021-01-25\n  valid_to: null\n"))
    assert load_file("x.yml", base)["rule"]["id"] == "r1"


def test_applicant_types_cover_the_contract():
    types = {e["type"]: e["status"] for e in load_file("rules.yml")["applicant_types"]}
    assert set(types) == {"commune", "departement", "region", "epci", "com", "syndicat", "personne_morale",
                          "association", "entreprise", "etat", "particulier", "laboratoire_innovation"}
    assert types["entreprise"] == types["etat"] == types["particulier"] == "not_eligible"
    assert types["laboratoire_innovation"] == "to_confirm"


def test_interpretations_are_written_down():
    rules = load_file("rules.yml")
    licence = next(e for e in rules["restrictions"] if e["id"] == "licence_non_eu")
    assert licence["max_share_of_grant"] == 0.10 and "10 %" in licence["interpretation"]
    grid = load_file("amounts.yml")["flat_rate_3a"]
    assert "< 5 000" in grid["interpretation"]
    readings = {(r["type"], r.get("epci_type")) for r in grid["grid"] if r.get("reading")}
    assert {("epci", "CU"), ("epci", "METRO"), ("epci", "MET69"), ("com", None), ("syndicat", None)} <= readings


def test_published_departement_settings_are_all_there_with_sources():
    covered = {}
    for name in DEPARTMENT_FILES:
        s = load_file(f"departements/{name}")["settings"]
        assert s["source"]["document"] == "prefecture-variants.md" and s["source"]["url"].startswith("https://")
        assert s["notes"]
        for code in s["departments"]:
            covered[code] = s
    assert {"63", "01", "37", "68", "22", "29", "35", "56"} <= set(covered)
    hr = covered["68"]
    assert hr["population_below"] == 100000 and "syndicat" in hr["applicant_types"]["excluded"]
    assert "staff" in hr["excluded_expense_categories"]


def test_faq_covers_the_dialogue_topics():
    ids = {e["id"] for e in load_file("faq.yml")["faq"]}
    assert {"faq_who", "faq_what", "faq_excluded", "faq_amounts", "faq_rate", "faq_committee", "faq_opening",
            "faq_deadline", "faq_how", "faq_contracting", "faq_criteria_3a", "faq_criteria_3b",
            "faq_criteria_3c", "faq_contacts"} <= ids


def test_application_url_and_anct_contact_come_from_the_text():
    text = (KNOWLEDGE_DIR / "source" / "fitn7-axe3-guichet-departemental.txt").read_text(encoding="utf-8")
    url = next(e["url"] for e in load_file("rules.yml")["procedure"] if e["id"] == "application_url")
    assert url in text
    assert load_file("contacts.yml")["anct_3b"]["email"] in text


@pytest.mark.parametrize("source", [
    "{section: \"Pour qui ?\", quote: 2021}",          # a number, not a quote
    "{document: [a, b], quote: \"x\"}",                 # a list as document
])
def test_loader_refuses_malformed_sources_with_a_clear_error(tmp_path, source):
    base = _tmp_knowledge(tmp_path, f"rule:\n  id: r1\n  source: {source}\n  valid_from: 2021-01-25\n")
    with pytest.raises(KnowledgeError):
        load_file("x.yml", base)
