"""scripts/check_faq.py: reading held-out FAQ sets in their formats and scoring the selector."""
from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("check_faq", ROOT / "scripts" / "check_faq.py")
check_faq = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_faq)


def test_the_formats_of_a_held_out_set_are_read(tmp_path):
    nlu = tmp_path / "nlu.yml"
    nlu.write_text('nlu:\n- intent: faq/who\n  examples: |\n    - qui peut [candidater](x) ?\n'
                   '- intent: inform\n  examples: |\n    - Mamers\n', encoding="utf-8")
    assert check_faq.load_set(nlu) == [("qui peut candidater ?", "faq_who")]
    items = tmp_path / "items.yml"
    items.write_text("questions:\n- text: \"c'est ouvert depuis quand ?\"\n  id: faq_opening\n"
                     "- question: \"on signe quoi ?\"\n  expected: faq/contracting\n- text: sans label\n",
                     encoding="utf-8")
    assert check_faq.load_set(items) == [("c'est ouvert depuis quand ?", "faq_opening"),
                                         ("on signe quoi ?", "faq_contracting")]
    mapping = tmp_path / "map.yml"
    mapping.write_text("faq_rate:\n- à combien est-on financé ?\nfaq_how:\n- où déposer ?\n- quel lien ?\n",
                       encoding="utf-8")
    assert sorted(check_faq.load_set(mapping)) == [("où déposer ?", "faq_how"), ("quel lien ?", "faq_how"),
                                                   ("à combien est-on financé ?", "faq_rate")]


def test_the_accuracy_counts_the_selector_key_and_the_routing():
    class Agent:
        async def parse_message(self, text):
            key = {"a": "faq/who", "b": "faq/rate", "c": "faq/who"}[text]
            return {"intent": {"name": "faq" if text != "c" else "inform"},
                    "response_selector": {"faq": {"response": {"intent_response_key": key, "confidence": 0.8}}}}

    r = check_faq.evaluate(Agent(), [("a", "faq_who"), ("b", "faq_how"), ("c", "faq_who")])
    assert r["questions"] == 3 and abs(r["selector_accuracy"] - 2 / 3) < 1e-9
    assert abs(r["routed_to_faq"] - 2 / 3) < 1e-9 and abs(r["faq_intent_and_right_entry"] - 1 / 3) < 1e-9
    assert r["confusions"] == [{"expected": "faq_how", "predicted": "faq_rate", "count": 1}]


def test_a_missing_file_or_model_fails(tmp_path):
    assert check_faq.main([str(tmp_path / "absent.yml"), "--model", str(tmp_path / "m.tar.gz")]) == 1
