"""scripts/check_intents.py keeps every held-out set apart from the training data (issue 11).

The held-out conversation messages (tests/conversations/scenarios.yml: first message, the fixed
answers of `facts`, the `mid` question, the `after` messages and their answers), the held-out
procedure questions (tests/faq/*.yml) and the held-out descriptions are compared with data/,
normalised (case, accents, punctuation, spaces); a short list of stock answers is allowed.
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("check_intents", ROOT / "scripts" / "check_intents.py")
check_intents = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_intents)

SCENARIOS = {"scenarios": [{
    "id": "s-001",
    "first": "Bonjour, la mairie de Trifouilly voudrait un portail familles",
    "facts": {"decision_level_sponsor": "c'est le maire qui porte le projet", "budget_eur": "Je ne sais pas",
              "results_date": "oui"},
    "mid": {"before": 1, "text": "On signe quoi avec l'Etat une fois retenus ?", "faq": "faq_contracting"},
    "after": [{"kind": "what_if", "text": "et avec trente mille euros de budget ?",
               "facts": {"budget_eur": "le budget total est de 30 000 euros pile"}}],
}]}


def _project(tmp: Path, training: list[str]) -> Path:
    (tmp / "data").mkdir()
    (tmp / "tests" / "conversations").mkdir(parents=True)
    (tmp / "domain.yml").write_text("intents:\n  - inform\n", encoding="utf-8")
    examples = [f"exemple numéro {k}" for k in range(5)] + training
    (tmp / "data" / "nlu.yml").write_text(yaml.safe_dump(
        {"nlu": [{"intent": "inform", "examples": "".join(f"- {e}\n" for e in examples)}]}, allow_unicode=True),
        encoding="utf-8")
    (tmp / "data" / "rules.yml").write_text(
        "rules:\n- rule: r\n  steps:\n  - intent: inform\n  - action: utter_x\n", encoding="utf-8")
    (tmp / "tests" / "conversations" / "scenarios.yml").write_text(
        yaml.safe_dump(SCENARIOS, allow_unicode=True), encoding="utf-8")
    return tmp


def _leaks(problems: list[str]) -> list[str]:
    return [p for p in problems if "also in the training data" in p]


def test_every_kind_of_conversation_message_is_guarded_normalised(tmp_path):
    copies = [
        "BONJOUR la mairie de   trifouilly voudrait un portail familles !",   # first, case and spaces
        "C'est le maire qui porte le projet.",                                 # an answer of facts
        "on signe quoi avec l'État une fois retenus",                          # mid, accents
        "Et avec trente mille euros de budget ?",                              # after
        "le budget total est de 30 000 euros pile",                            # an answer after
    ]
    problems = _leaks(check_intents.check_data(_project(tmp_path, copies)))
    assert len(problems) == 5, problems
    for where in ("s-001, first", "s-001, answer decision_level_sponsor", "s-001, mid", "s-001, after 0)",
                  "s-001, after 0 answer budget_eur"):
        assert any(f"({where}" in p for p in problems), (where, problems)


def test_stock_answers_are_allowed_and_new_sentences_pass(tmp_path):
    problems = _leaks(check_intents.check_data(_project(
        tmp_path, ["oui", "je ne sais pas", "la mairie de Trifouilly voudrait un site internet"])))
    assert problems == []
    assert check_intents._plain("Je ne sais pas") in check_intents.GENERIC_ANSWERS


def test_a_held_out_faq_question_is_guarded_normalised(tmp_path):
    _project(tmp_path, ["quand le comite se reunit il"])
    (tmp_path / "tests" / "faq").mkdir()
    (tmp_path / "tests" / "faq" / "heldout.yml").write_text(
        "questions:\n- text: Quand le comité se réunit-il ?\n  id: faq_committee\n", encoding="utf-8")
    assert _leaks(check_intents.check_data(tmp_path)) == [
        "held-out FAQ question also in the training data: 'Quand le comité se réunit-il ?'"]


def _copy_of_the_project(tmp: Path) -> Path:
    for d in ("data", "tests/conversations", "tests/faq", "tests/descriptions", "tests/rasa"):
        if (ROOT / d).is_dir():
            shutil.copytree(ROOT / d, tmp / d, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    shutil.copy(ROOT / "domain.yml", tmp / "domain.yml")
    return tmp


def test_a_planted_copy_in_the_real_data_is_found(tmp_path):
    """Plants one held-out message of each set in a copy of the project's data/nlu/faq.yml."""
    root = _copy_of_the_project(tmp_path)
    before = set(_leaks(check_intents.check_data(root)))
    scenario = yaml.safe_load((root / "tests/conversations/scenarios.yml").read_text(encoding="utf-8"))
    mid = next(s["mid"]["text"] for s in scenario["scenarios"] if s.get("mid"))
    answer = next(v for s in scenario["scenarios"] for v in s["facts"].values()
                  if check_intents._plain(v) not in check_intents.GENERIC_ANSWERS and len(v) > 25)
    faq_module = importlib.util.module_from_spec(
        spec_faq := importlib.util.spec_from_file_location("check_faq", ROOT / "scripts" / "check_faq.py"))
    spec_faq.loader.exec_module(faq_module)
    faq_question = faq_module.load_set(root / "tests/faq/heldout.yml")[0][0]
    faq_nlu = root / "data/nlu/faq.yml"
    text = faq_nlu.read_text(encoding="utf-8").rstrip("\n") + "\n"
    planted = [mid.upper(), answer, faq_question]
    faq_nlu.write_text(text + "".join(f"    - {p}\n" for p in planted), encoding="utf-8")
    new = set(_leaks(check_intents.check_data(root))) - before
    assert any("mid)" in p for p in new), new
    assert any(repr(answer) in p and "answer" in p for p in new), new
    assert any(p.startswith("held-out FAQ question") for p in new), new
