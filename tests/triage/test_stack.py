"""A real conversation through the Rasa REST channel becomes a case in the triage queue, with its
transcript, and the web page of the same stack serves it after login.

Needs the trained model (models/fitn7.tar.gz, `make train`) and tests/stack.py; skipped with the
reason otherwise. Starts three processes: slow (about a minute on a busy 2-core machine).
"""
from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from assistant.helpdesk.cases import CaseStore
from assistant.db import get_engine
from assistant.helpdesk.triage import Filter, hash_password, queue

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "fitn7.tar.gz"

pytestmark = [
    pytest.mark.skipif(not MODEL.is_file(),
                       reason="modèle Rasa absent (models/fitn7.tar.gz) : lancer `make train`"),
    pytest.mark.skipif(not (ROOT / "tests" / "stack.py").is_file(), reason="tests/stack.py absent"),
]

PASSWORD = "mot de passe du test de bout en bout"


def _say(webhook: str, sender: str, text: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    req = urllib.request.Request(webhook, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read().decode())


def test_rest_conversation_lands_in_the_queue(tmp_path):
    if str(ROOT) not in sys.path:  # tests/ is not a package: make tests.stack importable
        sys.path.insert(0, str(ROOT))
    from tests.stack import running_stack

    db = tmp_path / "fitn7.sqlite"
    env = {"TRIAGE_PASSWORD_HASH": hash_password(PASSWORD), "RETENTION_DAYS": "90"}
    sender = f"test-{uuid.uuid4().hex}"
    # tracker_db = the same file: the case opens with its transcript, as with `make run`
    with running_stack(tmp_path, tracker_db=db, env=env) as stack:
        replies = []
        for text in ("Bonjour",
                     "Nous sommes la commune de Mamers dans la Sarthe",
                     "Nous voulons former nos 40 agents aux outils numériques",
                     "je veux parler à quelqu'un"):
            replies += _say(stack.rest_webhook, sender, text)
        assert replies, "l'assistant n'a rien répondu"

        store = CaseStore(get_engine(stack.database_url))
        case = None
        for _ in range(20):  # the action server writes the case before answering; be tolerant
            case = store.get_by_conversation(sender)
            if case:
                break
            time.sleep(0.5)
        assert case is not None, "aucun dossier enregistré pour la conversation"
        assert case.channel == "rest"
        assert case.handoff_reason, "la demande de mise en relation n'est pas enregistrée"
        # what the conversation said reached the case: Mamers (72180, Sarthe), 40 agents, training
        assert (case.collectivity_code, case.department) == ("72180", "72")
        assert case.agents_count == 40 and case.sub_axis == "3b"
        assert case.eligibility in ("eligible", "to_confirm")
        ids = [it.case.id for it in queue(store, Filter.from_mapping({"status": "nouveau"}))]
        assert case.id in ids
        lines = store.transcript(sender)
        assert lines and any(l.speaker == "user" and "Mamers" in l.text for l in lines)
        assert any(l.speaker == "bot" for l in lines)

        # the web server of the stack serves the same case behind the login
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        with pytest.raises(urllib.error.HTTPError) as denied:
            opener.open(f"{stack.web_url}/triage/api/cases", timeout=30)
        assert denied.value.code == 401
        form = urllib.parse.urlencode({"password": PASSWORD}).encode()
        with opener.open(f"{stack.web_url}/triage/login", data=form, timeout=30) as resp:
            page = resp.read().decode()
        assert "90</strong> jours" in page
        with opener.open(f"{stack.web_url}/triage/api/cases/{case.id}", timeout=30) as resp:
            detail = json.loads(resp.read().decode())
        assert "conversation_id" not in detail and detail["transcript"]   # a case number only (issue 13)
