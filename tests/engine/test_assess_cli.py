"""`assistant assess` and `assistant assess --jsonl` through the real console script."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = str(ROOT / ".venv" / "bin" / "assistant")
if not os.path.exists(CLI):  # another venv layout: the same entry point through this interpreter
    CLI = None


def run(args, stdin: str | bytes, timeout=180):
    cmd = [CLI, *args] if CLI else [sys.executable, "-m", "assistant.cli", *args]
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    p = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout, cwd=ROOT, env=os.environ.copy())
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8")


REQUEST = {"collectivity": "Mamers", "description": "Création d'un portail citoyen avec prise de rendez-vous en ligne",
           "decision_level_sponsor": "oui", "results_date": "2022-06-30", "budget_eur": 20000, "as_of": "2021-06-01"}


def test_one_request(referential):
    rc, out, err = run(["assess"], json.dumps(REQUEST))
    assert rc == 0, err
    answer = json.loads(out)
    assert answer["eligibility"] == "eligible"
    assert answer["collectivity"]["code"] == "72180"
    assert answer["amount"] == {**answer["amount"], "kind": "up_to_cost", "eur": 20000}
    assert "Préfecture de la Sarthe" in out  # ensure_ascii=False: accents as such
    for key in ("findings", "missing", "sub_axis", "sub_axes", "sub_axis_scores", "sub_axis_evidence",
                "is_digital_project", "department_settings", "application_url", "contacts", "advice", "summary"):
        assert key in answer


@pytest.mark.parametrize("stdin, expected", [
    ("", "aucune demande"),
    ("   \n", "aucune demande"),
    ("{bad json", "JSON invalide"),
    ("[1, 2]", "objet JSON"),
    ("\"Mamers\"", "objet JSON"),
    (json.dumps({"budget_eur": -5}), "budget"),
    (json.dumps({"budget_eur": 5e9}), "hors de proportion"),
    (json.dumps({"results_date": "fin 2022"}), "AAAA-MM-JJ"),
    (b"\xff\xfe{", "UTF-8"),
    ("{\"description\": \"" + "x" * 1_100_000 + "\"}", "trop longue"),
], ids=["empty", "blank", "bad-json", "array", "string", "negative-budget", "huge-budget", "bad-date",
        "not-utf8", "too-long"])
def test_bad_input_exit_2_french_message(stdin, expected):
    rc, out, err = run(["assess"], stdin)
    assert rc == 2
    assert out == ""
    assert expected in err and err.startswith("Erreur")
    assert "Traceback" not in err


def test_jsonl_keeps_order_and_survives_bad_lines(referential):
    lines = [
        json.dumps({**REQUEST, "collectivity": "Colmar"}),
        "{not json",
        json.dumps({"applicant_type": "entreprise", "department": "72", "as_of": "2021-06-01"}),
        "",
        json.dumps({"budget_eur": "beaucoup"}),
        "[]",
        json.dumps({**REQUEST, "collectivity": "Sainte-Colombe"}),
        json.dumps({"description": "x" * 1_500_000}),   # an oversized line is refused, not kept
        json.dumps({"applicant_type": "particulier"}),
    ]
    rc, out, err = run(["assess", "--jsonl"], "\n".join(lines) + "\n")
    assert rc == 0, err
    answers = [json.loads(l) for l in out.splitlines()]
    assert len(answers) == len(lines)
    assert answers[0]["collectivity"]["code"] == "68066" and answers[0]["department_settings"]["name"] == "Haut-Rhin"
    assert answers[1]["line"] == 2 and "JSON invalide" in answers[1]["error"]
    assert answers[2]["eligibility"] == "not_eligible"
    assert answers[3]["line"] == 4 and "ligne vide" in answers[3]["error"]
    assert answers[4]["line"] == 5 and "montant" in answers[4]["error"]
    assert answers[5]["line"] == 6 and "objet JSON" in answers[5]["error"]
    assert answers[6]["missing"] == ["department"]
    assert answers[7]["line"] == 8 and "trop longue" in answers[7]["error"]
    assert answers[8]["eligibility"] == "not_eligible"
    assert "Traceback" not in err


def test_jsonl_answers_before_stdin_is_closed(referential):
    """An interactive caller gets each answer without waiting for a full batch or the end of input."""
    cmd = [CLI, "assess", "--jsonl"] if CLI else [sys.executable, "-m", "assistant.cli", "assess", "--jsonl"]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         cwd=ROOT, env=os.environ.copy())
    got: list[str] = []
    try:
        p.stdin.write((json.dumps(REQUEST) + "\n").encode())
        p.stdin.flush()
        reader = threading.Thread(target=lambda: got.append(p.stdout.readline().decode()))
        reader.start()
        reader.join(timeout=120)
        assert got and json.loads(got[0])["eligibility"] == "eligible"
    finally:
        p.stdin.close()
        p.wait(timeout=60)
    assert p.returncode == 0
