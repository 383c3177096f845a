"""A restart of the servers in the middle of the questions resumes the conversation (issue 3, item 7).

The real stack (tests/stack.py) twice on the same SQLite file, as `make run` does: the tracker
store keeps conversations in memory only as a shortcut, the database is the record.
"""
from __future__ import annotations

import json
import sys
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # tests/ is not a package: make tests.stack importable
    sys.path.insert(0, str(ROOT))
from tests.stack import running_stack  # noqa: E402


def say(stack, sender: str, text: str) -> str:
    req = urllib.request.Request(stack.rest_webhook, method="POST",
                                 data=json.dumps({"sender": sender, "message": text}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return "\n".join(m.get("text") or "" for m in json.loads(resp.read().decode()))


def test_restart_in_the_middle_of_the_questions_resumes(tmp_path):
    db = tmp_path / "fitn7.sqlite"
    url = f"sqlite:///{db}"
    sender = f"test-{uuid.uuid4().hex}"
    with running_stack(tmp_path / "first", web=False, database_url=url, tracker_db=db) as stack:
        first = say(stack, sender, "Bonjour, je suis le maire de Mamers, on aimerait un consultant "
                                   "pour définir notre stratégie numérique")
        assert "Mamers" in first and "niveau décisionnel" in first
    with running_stack(tmp_path / "second", web=False, database_url=url, tracker_db=db,
                       load_referential=False) as stack:
        # the pending question (decision level) is answered by a bare "oui" after the restart
        second = say(stack, sender, "oui")
        assert "premiers résultats" in second
        assert "collectivité" not in second.lower()
        verdict = say(stack, sender, "juin 2022")
        assert "Mamers" in verdict and "5 000" in verdict.replace("\u202f", " ").replace("\xa0", " ")
