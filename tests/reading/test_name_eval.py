"""The name evaluation (scripts/eval_names.py) meets its goals on its fixed seed: >= 99 % of the
first messages understood or asked, 0 silently wrong, misspellings offered the right suggestion.
The figures are printed by `PYTHONPATH=. .venv/bin/python scripts/eval_names.py`."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "eval_names", Path(__file__).resolve().parents[2] / "scripts" / "eval_names.py")
eval_names = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(eval_names)


@pytest.fixture(scope="module")
def result(referential):
    return eval_names.evaluate(referential, seed=11)


def test_the_set_is_what_the_readme_says(result):
    messages = result["messages"]
    plain = [m for m in messages if not m["misspelt"]]
    assert sum(m["kind"] != "epci" for m in plain) >= 500 and sum(m["kind"] == "epci" for m in plain) >= 100
    for kind in ("article", "compound", "homonym"):
        assert sum(m["kind"] == kind for m in plain) >= 100
    assert sum(result["templates"]) >= 30
    assert result["misspelt"] >= 150
    assert len({m["text"] for m in plain}) > 0.95 * len(plain)


def test_the_goals_are_met(result):
    assert eval_names.goals_met(result) == [], [
        (m["text"], m["read"]) for m in result["messages"] if m["outcome"] in ("wrong", "missed")][:20]
