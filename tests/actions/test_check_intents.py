"""scripts/check_intents.py: the checks `rasa data validate` does not make."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("check_intents", ROOT / "scripts" / "check_intents.py")
check_intents = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_intents)


def _project(tmp: Path, intents: list[str], rules: list[str], examples: dict[str, int], held_out: list[str]):
    (tmp / "data").mkdir()
    (tmp / "tests" / "rasa").mkdir(parents=True)
    (tmp / "domain.yml").write_text("intents:\n" + "".join(f"  - {i}\n" for i in intents), encoding="utf-8")
    nlu = "nlu:\n" + "".join(
        f"- intent: {i}\n  examples: |\n" + "".join(f"    - {i} exemple {k}\n" for k in range(n))
        for i, n in examples.items())
    (tmp / "data" / "nlu.yml").write_text(nlu, encoding="utf-8")
    (tmp / "data" / "rules.yml").write_text("rules:\n" + "".join(
        f"- rule: r{i}\n  steps:\n  - intent: {i}\n  - action: utter_x\n" for i in rules), encoding="utf-8")
    (tmp / "tests" / "rasa" / "nlu_test.yml").write_text(
        "nlu:\n- intent: greet\n  examples: |\n" + "".join(f"    - {t}\n" for t in held_out), encoding="utf-8")


def test_the_project_data_passes():
    assert check_intents.check_data(ROOT) == []


def test_unused_intent_missing_examples_and_leaked_test_utterances_are_reported(tmp_path):
    _project(tmp_path, ["greet", "thanks", "bye"], ["greet", "bye"], {"greet": 6, "thanks": 6, "bye": 2},
             ["Greet exemple 1", "bonjour toi"])
    problems = "\n".join(check_intents.check_data(tmp_path))
    assert "intent 'thanks' is used in no story or rule" in problems
    assert "intent 'bye' has 2 training examples" in problems
    assert "held-out utterance also in the training data: 'Greet exemple 1'" in problems
    assert "held-out set has 2 utterances" in problems
    assert "'greet'" not in problems.replace("held-out utterance", "")


def test_report_under_the_goal_fails(tmp_path):
    report = tmp_path / "intent_report.json"
    report.write_text(json.dumps({"greet": {"f1-score": 1.0, "support": 3},
                                  "macro avg": {"f1-score": 0.9}}), encoding="utf-8")
    assert check_intents.check_report(report, 0.95)
    assert check_intents.check_report(report, 0.85) == []
    assert check_intents.check_report(tmp_path / "absent.json", 0.95)


def test_a_held_out_faq_question_in_the_training_data_is_reported(tmp_path):
    _project(tmp_path, ["greet"], ["greet"], {"greet": 6}, [f"bonjour numéro {k}" for k in range(200)])
    (tmp_path / "tests" / "faq").mkdir()
    (tmp_path / "tests" / "faq" / "heldout.yml").write_text(
        "questions:\n- text: Greet exemple 2\n  id: faq_who\n- text: une autre question\n  id: faq_how\n",
        encoding="utf-8")
    problems = check_intents.check_data(tmp_path)
    assert problems == ["held-out FAQ question also in the training data: 'Greet exemple 2'"]
