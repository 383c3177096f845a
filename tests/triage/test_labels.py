"""The triage shows the engine's French labels (assistant/eligibility/labels.py), computed from the codes the
case keeps: queue JSON, case detail, page filters, CSV (codes kept, labels appended). Cases from
before the labels, and rows holding unknown codes, render with "—" and never crash."""
from __future__ import annotations

import asyncio
import csv
import io
import re

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from assistant.eligibility import labels
from assistant.helpdesk.cases import cases_table
from assistant.helpdesk.triage import (CSV_COLUMNS, conversation_ref, NO_VALUE, PriorityRules, case_to_dict, eligibility_cell,
                              hash_password, queue, sub_axis_cell, sub_axis_short_label, to_csv,
                              type_cell)
from web.triage import TriageSettings, setup

from .helpers import assessment

PASSWORD = "mot de passe des libellés"
HOSTILE = "<img src=x>"  # fits the 16-character code columns (PostgreSQL enforces their length)

# the header of the export before the label columns: importers may read these by position
CSV_HEADER_BEFORE_LABELS = [
    "Rang", "Dossier", "Reçu le", "Canal", "Statut", "Département", "Code INSEE", "Collectivité",
    "Type", "Population", "Sous-axe", "Éligibilité", "Montant (€)", "Agents", "Utilisateurs",
    "Mise en relation", "Priorité", "Raisons de la priorité", "Encore à préciser",
    "Description du projet", "Conversation",
]


@pytest.fixture(scope="module")
def password_hash():
    return hash_password(PASSWORD)


def _insert_raw(engine, conv, **values):
    """A row as an older version (or a hand edit) may have left it: codes only, possibly unknown."""
    now = sa.func.now()
    with engine.begin() as conn:
        return conn.execute(cases_table.insert().values(
            conversation_id=conv, channel="rest", created_at=now, updated_at=now, status="nouveau",
            **values)).inserted_primary_key[0]


# --------------------------------------------------------------------------- label functions

@pytest.mark.parametrize("code", ["3a", "3b", "3c"])
def test_sub_axis_labels_are_the_engines(code):
    full = labels.sub_axis_label(code)
    assert sub_axis_cell(code) == full
    short = sub_axis_short_label(code)
    head, text = short.split(" – ", 1)
    assert head == code and len(text.rstrip("…")) <= 42
    # the short form is the start of the engine's wording, not another wording
    assert full.startswith(f"{code} ({text.rstrip('…')}")
    assert short.endswith("…") == (not full.endswith(f"{text})"))


def test_short_label_of_3b_is_whole_and_3c_is_cut_at_a_word():
    assert sub_axis_short_label("3b") == "3b – formation au numérique des agents"
    short = sub_axis_short_label("3c")
    assert short.endswith("…") and not short.endswith(" …")
    assert labels.sub_axis_label("3c").startswith(short[:-1].replace(" – ", " (") + " ")


@pytest.mark.parametrize("code", [None, "", "9z", HOSTILE])
def test_unknown_or_missing_codes_give_a_dash(code):
    assert sub_axis_cell(code) == NO_VALUE == "—"
    assert sub_axis_short_label(code) == NO_VALUE
    assert type_cell(code) == NO_VALUE


def test_type_and_eligibility_labels():
    assert type_cell("commune") == labels.type_label("commune") == "commune"
    assert type_cell("epci", "CC") == labels.type_label("epci", "CC") == "communauté de communes"
    assert type_cell("epci") == "groupement de collectivités (EPCI)"
    assert type_cell("departement") == "département"
    assert [eligibility_cell(c) for c in ("eligible", "not_eligible", "to_confirm")] == [
        "éligible", "non éligible", "à confirmer"]
    assert eligibility_cell(None) == "pas encore évalué"
    assert eligibility_cell(HOSTILE) == NO_VALUE  # an unknown verdict is not "not assessed"


# --------------------------------------------------------------------------- cases

def test_case_dict_carries_labels_next_to_codes(store):
    a = assessment(sub_axis="3b", ctype="departement", eligibility="not_eligible", name="Sarthe")
    case_id = store.record("dep", "rest", {}, a)
    d = case_to_dict(store.get(case_id), with_details=True)
    assert d["sub_axis"] == "3b" and d["sub_axis_label"] == labels.sub_axis_label("3b")
    assert d["sub_axis_short_label"] == "3b – formation au numérique des agents"
    assert d["collectivity"]["type"] == "departement"
    assert d["collectivity"]["type_label"] == "département"
    assert d["eligibility"] == "not_eligible" and d["eligibility_label"] == "non éligible"


def test_case_recorded_from_an_answer_with_label_keys_still_uses_the_engine(store):
    a = assessment(ctype="epci", sub_axis="3c")
    a["sub_axis_label"] = "3c (ancien libellé)"
    a["collectivity"].update(label="CC du Test (communauté de communes)", epci_type="CC",
                             type_label="communauté de communes")
    d = case_to_dict(store.get(store.record("epci", "rest", {}, a)))
    assert d["sub_axis_label"] == labels.sub_axis_label("3c")
    # the EPCI's kind is kept (migration 0002): named as the engine names it
    assert d["collectivity"]["type_label"] == "communauté de communes" == labels.type_label("epci", "CC")


def test_an_epci_case_from_before_migration_0002_reads_epci(store, engine):
    store.record("first", "rest", {}, assessment())  # migrates the schema
    case_id = _insert_raw(engine, "old-epci", collectivity_name="CC Ancienne", collectivity_type="epci")
    assert case_to_dict(store.get(case_id))["collectivity"]["type_label"] == "groupement de collectivités (EPCI)"


def test_old_row_without_verdict_sub_axis_or_type_renders(store, engine):
    store.record("first", "rest", {}, assessment())  # migrates the schema
    case_id = _insert_raw(engine, "old", collectivity_name="Ancienne")
    item = next(it for it in queue(store) if it.case.id == case_id)
    d = case_to_dict(item.case, item.priority, with_details=True)
    assert d["sub_axis_label"] == d["sub_axis_short_label"] == "—"
    assert d["collectivity"]["type_label"] == "—"
    assert d["eligibility_label"] == "pas encore évalué"


# --------------------------------------------------------------------------- CSV

def _csv(items):
    return list(csv.reader(io.StringIO(to_csv(items).decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_keeps_code_columns_in_place_and_appends_label_columns(store, engine):
    store.record("c-epci", "rest", {}, assessment(ctype="epci", sub_axis="3b", population=900))
    _insert_raw(engine, "c-odd", sub_axis="9z", collectivity_type=HOSTILE, eligibility=HOSTILE)
    rows = _csv(queue(store))
    header = rows[0]
    assert header[:len(CSV_HEADER_BEFORE_LABELS)] == CSV_HEADER_BEFORE_LABELS
    # the label columns come right after, then the columns of issue 14 (appended after them)
    assert header[len(CSV_HEADER_BEFORE_LABELS):len(CSV_HEADER_BEFORE_LABELS) + 2] == [
        "Type (libellé)", "Sous-axe (libellé)"]
    assert header == [label for _, label in CSV_COLUMNS]
    col = {name: i for i, name in enumerate(header)}
    by_conv = {r[col["Conversation"]]: r for r in rows[1:]}
    assert "c-epci" not in by_conv          # a reference, never the id (issue 13)
    epci = by_conv[conversation_ref("c-epci")]
    assert (epci[col["Type"]], epci[col["Type (libellé)"]]) == ("epci", "groupement de collectivités (EPCI)")
    assert (epci[col["Sous-axe"]], epci[col["Sous-axe (libellé)"]]) == ("3b", labels.sub_axis_label("3b"))
    assert epci[col["Éligibilité"]] == "éligible"
    odd = by_conv[conversation_ref("c-odd")]
    assert odd[col["Type"]] == HOSTILE and odd[col["Type (libellé)"]] == "—"
    assert odd[col["Sous-axe"]] == "9z" and odd[col["Sous-axe (libellé)"]] == "—"
    assert odd[col["Éligibilité"]] == "—"


# --------------------------------------------------------------------------- web

def _run(store, password_hash, scenario):
    async def main():
        app = web.Application()
        setup(app, store=store, settings=TriageSettings(password_hash=password_hash, session_secret=None))
        async with TestClient(TestServer(app)) as client:
            resp = await client.post("/triage/login", data={"password": PASSWORD}, allow_redirects=False)
            assert resp.status == 303
            await scenario(client)
    asyncio.run(main())


def test_page_filters_show_labels_and_send_codes(store, password_hash):
    store.record("a", "rest", {}, assessment(sub_axis="3a"))
    store.record("b", "rest", {}, assessment(sub_axis="3b", ctype="epci"))

    async def scenario(client):
        html = await (await client.get("/triage")).text()
        select = re.search(r'<select id="f-sub_axis".*?</select>', html, re.S).group(0)
        options = re.findall(r'<option value="([^"]*)">([^<]*)</option>', select)
        assert options == [("", "Tous")] + [(c, sub_axis_short_label(c)) for c in ("3a", "3b", "3c")]
        elig = re.search(r'<select id="f-eligibility".*?</select>', html, re.S).group(0)
        assert '<option value="to_confirm">à confirmer</option>' in elig
        assert '<option value="not_eligible">non éligible</option>' in elig

        data = await (await client.get("/triage/api/cases?sub_axis=3b")).json()
        assert [c["sub_axis"] for c in data["cases"]] == ["3b"]
        case = data["cases"][0]
        assert case["sub_axis_label"] == labels.sub_axis_label("3b")
        assert case["sub_axis_short_label"] == "3b – formation au numérique des agents"
        assert case["collectivity"]["type_label"] == "groupement de collectivités (EPCI)"
        assert case["eligibility_label"] == "éligible"

    _run(store, password_hash, scenario)


def test_unknown_codes_are_served_as_dashes_and_text(store, engine, password_hash):
    store.record("first", "rest", {}, assessment())
    case_id = _insert_raw(engine, "odd", collectivity_name=HOSTILE, sub_axis="9z",
                          collectivity_type=HOSTILE, eligibility=HOSTILE)

    async def scenario(client):
        resp = await client.get(f"/triage/api/cases/{case_id}")
        assert resp.status == 200
        d = await resp.json()
        assert d["collectivity"]["name"] == HOSTILE  # data, for textContent
        assert d["collectivity"]["type"] == HOSTILE and d["collectivity"]["type_label"] == "—"
        assert d["sub_axis_label"] == "—" and d["eligibility_label"] == "—"
        listing = await client.get("/triage/api/cases")
        assert listing.status == 200 and (await listing.json())["count"] == 2
        export = await client.get("/triage/export.csv")
        assert export.status == 200

    _run(store, password_hash, scenario)
