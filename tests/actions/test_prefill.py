"""Issue 14, part 1: the prefilled dossier on demarches-simplifiees, against a local fake DS server
(tests/actions/fake_ds.py: the documented contract and its error answers; no test reaches the internet)."""
from __future__ import annotations

import uuid

import pytest

from assistant import prefill as DS
from fake_ds import FakeDS, fields_of_mapping
from helpers import Conversation

MAMERS = [("Bonjour, je suis le maire de Mamers, on aimerait un consultant pour définir notre stratégie numérique",
           "inform", [{"entity": "collectivity", "value": "Mamers"}]),
          ("oui", "affirm", None), ("juin 2022", "inform", None)]


def _verdict(conv: Conversation, turns=MAMERS) -> list[dict]:
    for text, intent, entities in turns:
        msgs = conv.say(text, intent, entities=entities)
    return msgs


def _champ(value_name: str) -> str:
    return "champ_" + next(f["champ"] for f in DS.mapping()["fields"] if f["value"] == value_name)


@pytest.fixture()
def fake_ds(monkeypatch):
    with FakeDS(fields=fields_of_mapping()) as ds:
        monkeypatch.setenv("DS_PREFILL_URL", ds.url)
        monkeypatch.setenv("DS_DEMARCHE_ID", ds.demarche_id)
        monkeypatch.setenv("DS_TIMEOUT", "1")
        yield ds


@pytest.fixture()
def conv(referential):
    return Conversation(sender=f"test-prefill-{uuid.uuid4().hex}")


# --------------------------------------------------------------------------- settings, values, client

def test_settings_need_a_demarche_id_and_default_to_the_public_service():
    assert DS.Settings.from_env({}) is None
    assert DS.Settings.from_env({"DS_DEMARCHE_ID": " "}) is None
    assert DS.Settings.from_env({"DS_DEMARCHE_ID": "abc"}) is None            # not a démarche number
    s = DS.Settings.from_env({"DS_DEMARCHE_ID": "123"})
    assert s.endpoint == "https://www.demarches-simplifiees.fr/api/public/v1/demarches/123/dossiers"
    moved = DS.Settings.from_env({"DS_DEMARCHE_ID": "123", "DS_PREFILL_URL": "https://demarche.numerique.gouv.fr/",
                                  "DS_TIMEOUT": "3"})
    assert moved.endpoint == "https://demarche.numerique.gouv.fr/api/public/v1/demarches/123/dossiers"
    assert moved.timeout == 3
    assert DS.Settings.from_env({"DS_DEMARCHE_ID": "123", "DS_PREFILL_URL": "file:///etc"}) is None


def test_values_take_the_formats_the_api_documents():
    assert DS.format_value(True, "boolean") == "true" and DS.format_value(False, "boolean") == "false"
    assert DS.format_value("unknown", "boolean") is None            # not known: not sent
    assert DS.format_value("2022-06-30", "date") == "2022-06-30"
    assert DS.format_value("30 juin", "date") is None
    assert DS.format_value(12000.0, "integer") == "12000"
    assert DS.format_value(["72600", "72180"], "commune") == ["72600", "72180"]
    assert DS.format_value("  un   texte ", "text", 4) == "un t"


def test_the_champs_of_a_commune_carry_its_postcode_and_insee_code(referential):
    request = {"collectivity": "Mamers", "description": "un consultant pour notre stratégie numérique",
               "decision_level_sponsor": True, "results_date": "2022-06-30", "funded_only_by_local_authorities": "unknown"}
    from actions.engine import run_assessment
    champs = DS.build_champs(request, run_assessment(request), referential)
    assert champs[_champ("collectivity_insee")] == ["72600", "72180"]      # postcode from the referential
    assert champs[_champ("decision_level_sponsor")] == "true"
    assert champs[_champ("results_date")] == "2022-06-30"
    assert champs[_champ("collectivity_department")] == "72"
    assert champs[_champ("sub_axis")] == "3a"
    assert _champ("funded_only_by_local_authorities") not in champs        # "unknown" is not sent
    assert _champ("collectivity_epci") not in champs
    assert all(k.startswith("champ_") for k in champs)


def test_the_client_against_the_fake_server(fake_ds):
    settings = DS.Settings.from_env()
    ok = DS.create_dossier(settings, {_champ("decision_level_sponsor"): "true"})
    assert ok.ok and ok.dossier_url.startswith(fake_ds.url + "/commencer/") and ok.dossier_number == 1001
    assert fake_ds.requests[-1]["content_type"] == "application/json"

    refused = DS.create_dossier(settings, {_champ("decision_level_sponsor"): "oui"})   # wrong format
    assert not refused.ok and refused.reason == "refused" and refused.status == 400 and refused.errors

    unknown = DS.create_dossier(DS.Settings(base_url=fake_ds.url, demarche_id="999"), {})
    assert unknown.reason == "not_found" and unknown.status == 404

    fake_ds.mode = "server_error"
    assert DS.create_dossier(settings, {}).reason == "server_error"
    fake_ds.mode = "unavailable"
    assert DS.create_dossier(settings, {}).reason == "server_error"
    fake_ds.mode = "no_url"
    assert DS.create_dossier(settings, {}).reason == "bad_answer"
    fake_ds.mode = "slow"
    slow = DS.create_dossier(DS.Settings(base_url=fake_ds.url, demarche_id=fake_ds.demarche_id, timeout=0.5), {})
    assert slow.reason == "timeout"


def test_an_unreachable_service_is_a_failure_not_an_exception():
    from fake_ds import _free_port
    closed = DS.Settings(base_url=f"http://127.0.0.1:{_free_port()}", demarche_id="1", timeout=1)
    assert DS.create_dossier(closed, {}).reason == "unreachable"


# --------------------------------------------------------------------------- the dialogue

def test_no_demarche_id_no_offer(conv, monkeypatch):
    monkeypatch.delenv("DS_DEMARCHE_ID", raising=False)
    msgs = _verdict(conv)
    texts = "\n".join(m.get("text") or "" for m in msgs)
    assert "Préremplir" not in texts and "prérempli" not in texts
    assert msgs[-1]["text"] == "Cette réponse vous a-t-elle aidé ?"      # the satisfaction question instead


def test_the_offer_lists_what_is_sent_and_the_deletion_delay_and_nothing_is_sent_before_yes(conv, fake_ds):
    msgs = _verdict(conv)
    offer = msgs[-1]
    assert [b["title"] for b in offer["buttons"]] == ["Préremplir mon dossier", "Non merci"]
    assert "sa commune (code postal et code INSEE)" in offer["text"] and "la description du projet" in offer["text"]
    assert "supprimé au bout de 5 jours" in offer["text"]
    assert "le budget" not in offer["text"]            # no budget given: not listed, not sent
    assert fake_ds.requests == []                      # an offer only


def test_yes_posts_the_inputs_and_sends_the_link_and_the_case_records_it(conv, fake_ds):
    _verdict(conv)
    msgs = conv.say("/prefill", "prefill")
    body = fake_ds.last_body()
    assert body[_champ("collectivity_insee")] == ["72600", "72180"]
    assert body[_champ("decision_level_sponsor")] == "true" and body[_champ("results_date")] == "2022-06-30"
    done = msgs[0]
    assert "dossier n° 1001" in done["text"] and "](" + fake_ds.url + "/commencer/" in done["text"]
    assert [(b["title"], b["type"]) for b in done["buttons"]] == [("Ouvrir mon dossier prérempli", "web_url")]
    assert done["buttons"][0]["url"].startswith(fake_ds.url + "/commencer/fitn7-axe-3?prefill_token=")
    assert msgs[-1]["text"] == "Cette réponse vous a-t-elle aidé ?"
    from assistant.helpdesk.cases import CaseStore
    case = CaseStore.default().get_by_conversation(conv.sender)
    assert case.dossier_number == "1001" and case.dossier_url == done["buttons"][0]["url"]
    assert case.dossier_id
    # a second click does not create a second dossier
    again = conv.say("/prefill", "prefill")
    assert len(fake_ds.requests) == 1 and "déjà prérempli" in again[0]["text"]


def test_a_typed_yes_to_the_offer_is_a_yes_and_a_no_sends_nothing(referential, fake_ds):
    yes = Conversation(sender=f"test-prefill-{uuid.uuid4().hex}")
    _verdict(yes)
    yes.say("oui", "affirm")
    assert len(fake_ds.requests) == 1
    no = Conversation(sender=f"test-prefill-{uuid.uuid4().hex}")
    _verdict(no)
    msgs = no.say("non merci", "deny")
    assert len(fake_ds.requests) == 1
    assert "rien n'est envoyé" in msgs[0]["text"] and "https://www.demarches-simplifiees.fr/commencer/" in msgs[0]["text"]
    assert msgs[-1]["text"] == "Cette réponse vous a-t-elle aidé ?"


@pytest.mark.parametrize("mode, why", [("server_error", "rencontre un incident"), ("slow", "n'a pas répondu à temps"),
                                       ("unavailable", "rencontre un incident")])
def test_a_failure_gives_the_plain_link_and_why(conv, fake_ds, mode, why):
    _verdict(conv)
    fake_ds.mode = mode
    msgs = conv.say("/prefill", "prefill")
    assert "Le préremplissage n'a pas abouti" in msgs[0]["text"] and why in msgs[0]["text"]
    assert "https://www.demarches-simplifiees.fr/commencer/fitn7-axe-3-guichets-territoriaux" in msgs[0]["text"]
    assert not msgs[0].get("buttons")
    assert conv.slots.get("prefilled") is None


def test_an_unknown_demarche_says_so(conv, fake_ds, monkeypatch):
    _verdict(conv)
    monkeypatch.setenv("DS_DEMARCHE_ID", "999")
    msgs = conv.say("/prefill", "prefill")
    assert "la démarche configurée est introuvable" in msgs[0]["text"]


def test_no_offer_after_a_not_eligible_verdict_and_no_prefill_without_a_verdict(conv, fake_ds):
    msgs = conv.say("Nous sommes une entreprise qui veut créer une application de covoiturage", "inform")
    assert not any("Préremplir" in str(m.get("buttons")) for m in msgs)
    msgs = conv.say("préremplissez mon dossier", "prefill")
    assert "qu'après un verdict" in msgs[0]["text"] and fake_ds.requests == []


def test_the_store_down_does_not_stop_the_prefill(conv, fake_ds, monkeypatch):
    _verdict(conv)
    from assistant.helpdesk import cases

    def down(cls):
        raise RuntimeError("store down")
    monkeypatch.setattr(cases.CaseStore, "default", classmethod(down))
    msgs = conv.say("/prefill", "prefill")
    assert "Votre dossier est prérempli" in msgs[0]["text"]


def test_the_mapping_file_is_checked_by_its_schema():
    from assistant.eligibility import schema
    good = DS.mapping()
    schema.check("ds_prefill.yml", good)
    bad_key = {**good, "fields": [{**good["fields"][0], "formt": "text"}]}
    with pytest.raises(schema.SchemaError, match="formt"):
        schema.check("ds_prefill.yml", bad_key)
    bad_format = {**good, "fields": [{**good["fields"][0], "format": "oui_non"}]}
    with pytest.raises(schema.SchemaError, match="format"):
        schema.check("ds_prefill.yml", bad_format)
