"""Issue 14 end to end over Rasa's REST channel: a verdict, the prefill offer, the buttons' payloads
(/prefill, /feedback{...}) through the trained model and the action server, the fake DS server
(tests/actions/fake_ds.py) called by the action server, the case and the feedback in the store."""
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

from fake_ds import FakeDS, fields_of_mapping  # noqa: E402


def say(stack, sender: str, text: str) -> list[dict]:
    req = urllib.request.Request(stack.rest_webhook, method="POST",
                                 data=json.dumps({"sender": sender, "message": text}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read().decode())


def test_prefill_and_satisfaction_over_rest(tmp_path):
    sender = f"test-{uuid.uuid4().hex}"
    with FakeDS(fields=fields_of_mapping()) as ds, \
            running_stack(tmp_path, web=False, env={"DS_PREFILL_URL": ds.url, "DS_DEMARCHE_ID": ds.demarche_id,
                                                    "DS_TIMEOUT": "5"}) as stack:
        say(stack, sender, "Bonjour, je suis le maire de Mamers, on aimerait un consultant pour définir notre "
                           "stratégie numérique")
        say(stack, sender, "oui")
        verdict = say(stack, sender, "juin 2022")
        offer = [m for m in verdict if m.get("buttons")][-1]
        assert [b["payload"] for b in offer["buttons"]] == ["/prefill", "/deny"]
        assert "5 jours" in offer["text"] and ds.requests == []

        done = say(stack, sender, "/prefill")
        assert len(ds.requests) == 1
        link = next(m for m in done if "prérempli" in (m.get("text") or ""))
        assert link["buttons"][0]["url"].startswith(ds.url + "/commencer/")
        assert done[-1]["text"] == "Cette réponse vous a-t-elle aidé ?"

        no = say(stack, sender, '/feedback{"helpful": "non"}')
        assert "ce qui vous a manqué" in no[0]["text"]
        say(stack, sender, "c'était trop long à lire")
        merci = say(stack, sender, "merci")                     # an ordinary message again
        assert "enregistrée" not in json.dumps(merci, ensure_ascii=False)

    from assistant.db import get_engine
    from assistant.helpdesk.cases import CaseStore
    store = CaseStore(get_engine(stack.database_url))       # the stack's database
    case = store.get_by_conversation(sender)
    assert case.dossier_number == "1001"
    rows = store.feedback_for(sender)
    assert [(r["about"], r["helpful"]) for r in rows] == [("verdict", False)]
    assert rows[0]["comment"] == "c'était trop long à lire"
