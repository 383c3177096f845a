"""The dialogue derives its slots and questions from the inputs registry (knowledge/inputs.yml), and
the worked example of docs/ARCHITECTURE.md ("Adding an input") stays true."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from actions import engine as E
from actions import texts as T
from assistant.eligibility import inputs

ROOT = Path(__file__).resolve().parents[2]


def _domain_slots(domain: dict) -> set[str]:
    return set(domain["slots"])


def test_domain_slots_are_the_registry_inputs_and_the_dialogue_state():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    registry = set(inputs.slot_keys())
    assert not registry & set(E.STATE_SLOTS)
    assert _domain_slots(domain) == registry | set(E.STATE_SLOTS)
    assert set(E.REQUEST_SLOTS) == registry


def test_the_slot_types_of_domain_fit_the_registry_types():
    slots = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["slots"]
    rasa_type = {"text": "text", "choice": "text", "date": "text", "bool": "bool", "amount": "float",
                 "count": "float", "expenses": "list"}
    for key in inputs.slot_keys():
        assert slots[key]["type"] == rasa_type[inputs.by_key()[key].type], key


def test_questions_and_buttons_come_from_the_registry():
    for key in inputs.asking_order():
        text, buttons = T.question(key)
        assert text == inputs.by_key()[key].question_text
    assert T.question("decision_level_sponsor")[1] == T.YES_NO
    _, kinds = T.question("applicant_type")
    assert kinds[0] == {"title": "Commune", "payload": '/inform{"applicant_type": "commune"}'}
    assert T.question("agents_count") == (T.DEFAULT, [])      # declared, never asked


def test_request_from_slots_keeps_every_input_of_the_registry():
    slots = {"collectivity": "insee 72180", "decision_level_sponsor": True, "users_count": 3000.0,
             "agents_count": 20.0, "results_date": "2022-06-30", "role": "maire", "pending_question": "x"}
    assert E.request_from_slots(slots) == {"collectivity": "insee 72180", "decision_level_sponsor": True,
                                           "users_count": 3000, "agents_count": 20,
                                           "results_date": "2022-06-30"}


def _example_blocks() -> list[dict | list]:
    doc = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = doc.split("### Adding an input: a worked example", 1)[1].split("\n## ", 1)[0]
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", section, re.S)]


CHECK = r"""
import json
from assistant import Request, assess
from actions import engine as E, texts as T
base = {"collectivity": "Mamers", "description": "un consultant pour définir notre stratégie numérique",
        "decision_level_sponsor": "oui", "results_date": "2022-06-30", "as_of": "2021-06-01"}
ask = assess(Request.from_dict(base)).to_dict()
no = assess(Request.from_dict({**base, "concrete_effect": "non"})).to_dict()
yes = assess(Request.from_dict({**base, "concrete_effect": "oui"})).to_dict()
print(json.dumps({
    "ask": [ask["eligibility"], ask["missing"], ask["missing_labels"]],
    "no": [no["eligibility"], [f["status"] for f in no["findings"] if f["rule"] == "concrete_effect"]],
    "yes": [yes["eligibility"], yes["amount"]["eur"]],
    "slots": list(E.REQUEST_SLOTS), "bool": list(E.BOOL_SLOTS),
    "question": T.question("concrete_effect"), "yes_no": T.YES_NO,
}))
"""


def test_the_worked_example_of_adding_a_yes_no_input(tmp_path):
    new_input, condition, slot = _example_blocks()
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns("referential"))
    (knowledge / "referential").symlink_to(ROOT / "knowledge" / "referential")
    for name, key, items in (("inputs.yml", "inputs", new_input), ("rules.yml", "conditions", condition)):
        data = yaml.safe_load((knowledge / name).read_text(encoding="utf-8"))
        data[key].extend(items)
        (knowledge / name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    env = {**os.environ, "FITN7_KNOWLEDGE_DIR": str(knowledge), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", CHECK], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    label = new_input[0]["label"]
    assert got["ask"] == ["to_confirm", ["concrete_effect"], [label]]            # the engine asks it
    assert got["no"] == ["not_eligible", ["not_met"]]                            # and decides from it
    assert got["yes"] == ["eligible", 5000]
    assert "concrete_effect" in got["slots"] and "concrete_effect" in got["bool"]   # the dialogue's slot
    assert got["question"] == [new_input[0]["question"], got["yes_no"]]             # and its question
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    domain["slots"].update(slot)
    assert _domain_slots(domain) == set(got["slots"]) | set(E.STATE_SLOTS)      # domain.yml, the 3rd file
