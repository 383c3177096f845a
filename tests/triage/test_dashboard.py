"""Issue 14, part 2: the helpdesk dashboard's figures (SQL aggregates), its SVG + table page behind
the triage login, and its CSV export."""
from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from assistant.errors import InputError
from assistant.helpdesk import cases as cases_module
from assistant.helpdesk import triage as triage_module
from assistant.helpdesk.cases import cases_table
from assistant.helpdesk.dashboard import Period, compute, percent, render_html, to_csv
from assistant.helpdesk.triage import hash_password
from web.triage import COOKIE, SECURITY_HEADERS, TriageSettings, make_session, setup

from .helpers import add_event, assessment, events_table

TODAY = dt.date(2026, 12, 1)
PERIOD = Period.from_mapping({"since": "2026-11-01", "until": "2026-11-30"})


def _at(day: int, hour: int = 12) -> dt.datetime:          # naive UTC of a November day
    return dt.datetime(2026, 11, day, hour)


def _ts(day: int, hour: int = 12) -> float:
    return _at(day, hour).replace(tzinfo=dt.timezone.utc).timestamp()


def _set_dates(engine, case_id, day, handoff=False):
    values = {"created_at": _at(day), "updated_at": _at(day)}
    if handoff:
        values["handoff_at"] = _at(day)
    with engine.begin() as conn:
        conn.execute(cases_table.update().where(cases_table.c.id == case_id).values(**values))


def _feedback_at(engine, day):
    from assistant.helpdesk.cases import feedback_table
    with engine.begin() as conn:
        conn.execute(feedback_table.update().values(created_at=_at(day)))


@pytest.fixture
def filled(store, engine):
    """Four conversations in November, one in October (outside), events and answers."""
    ev = events_table(engine)
    a = store.record("A", "rest", {}, assessment(eligibility="eligible", sub_axis="3c", department="72"))
    b = store.record("B", "rest", {}, assessment(eligibility="to_confirm", sub_axis="3b", department="72"),
                     handoff_reason="verdict à confirmer")
    c = store.record("C", "rest", {}, None, handoff_reason="incompréhensions répétées")
    d = store.record("D", "rest", {}, assessment(eligibility="not_eligible", sub_axis="3a", department="61"))
    d2 = store.record("D#projet-2", "rest", {}, assessment(eligibility="eligible", department="61"))
    old = store.record("OLD", "rest", {}, assessment(eligibility="eligible", department="13"),
                       handoff_reason="demande de l'usager")
    for case_id, day, handoff in ((a, 3, False), (b, 4, True), (c, 5, True), (d, 6, False),
                                  (d2, 6, False)):
        _set_dates(engine, case_id, day, handoff)
    with engine.begin() as conn:
        conn.execute(cases_table.update().where(cases_table.c.id == old)
                     .values(created_at=dt.datetime(2026, 10, 2), updated_at=dt.datetime(2026, 10, 2),
                             handoff_at=dt.datetime(2026, 10, 2)))
    for sender, day in (("A", 3), ("B", 4), ("C", 5), ("D", 6)):
        add_event(engine, ev, sender, "user", "Bonjour", ts=_ts(day))
        add_event(engine, ev, sender, "bot", "Bonjour !", ts=_ts(day) + 1)
    add_event(engine, ev, "C", "user", "blabla", ts=_ts(5) + 2)
    add_event(engine, ev, "C", "action", ts=_ts(5) + 3, action="action_fallback")
    add_event(engine, ev, "C", "user", "encore", ts=_ts(5) + 4)
    add_event(engine, ev, "C", "action", ts=_ts(5) + 5, action="action_fallback")
    add_event(engine, ev, "A", "action", ts=_ts(3) + 5, action="action_process")
    add_event(engine, ev, "E", "user", "octobre", ts=dt.datetime(2026, 10, 3).timestamp())
    store.record_feedback("A", "verdict", True)
    store.record_feedback("B", "verdict", False)
    store.comment_feedback("B", "Je ne sais pas quoi faire ; <b>aidez-moi</b>")
    store.record_feedback("D", "faq", True, faq_key="faq_delais")
    _feedback_at(engine, 10)
    return {"a": a, "b": b, "c": c, "d": d}


def test_figures_of_the_period(store, filled, monkeypatch):
    # never loads a case into Python: every figure is an SQL aggregate
    monkeypatch.setattr(cases_module.Case, "from_row", classmethod(lambda cls, row: pytest.fail("case loaded")))
    board = compute(store, PERIOD)
    assert board.conversations_source == "events" and board.conversations == 4   # E is in October
    assert board.cases == 5
    figs = {f.key: f for f in board.figures}
    assert dict(figs["verdicts"].rows) == {"éligible": 2, "à confirmer": 1, "non éligible": 1}
    assert figs["verdicts"].total == 4
    assert sum(n for _, n in figs["sous-axes"].rows) == 4
    assert figs["departements"].rows == [("61", 2), ("72", 2), ("inconnu", 1)]
    # A and D reached a verdict without a hand-off (D's second project is not counted twice)
    assert board.contained == 2 and board.containment_rate == 0.5
    assert (board.user_messages, board.fallbacks) == (6, 2)
    assert percent(board.fallback_rate) == "33,3\u00a0%"
    assert figs["mises-en-relation"].rows == [("incompréhensions répétées", 1), ("verdict à confirmer", 1)]
    assert (board.feedback_total, board.feedback_helpful) == (3, 2)
    assert dict(figs["satisfaction"].rows)["Non, après un verdict"] == 1
    assert board.comments[0]["comment"] == "Je ne sais pas quoi faire ; <b>aidez-moi</b>"


def test_without_rasa_events_the_cases_count_the_conversations(store, engine):
    a = store.record("A", "rest", {}, assessment())
    _set_dates(engine, a, 3)
    board = compute(store, PERIOD)
    assert board.conversations_source == "cases" and board.conversations == 1
    assert board.fallback_rate is None and board.containment_rate == 1.0


def test_period_defaults_and_errors():
    p = Period.from_mapping({}, today=TODAY)
    assert (p.since, p.until) == (dt.date(2026, 11, 2), TODAY)
    assert Period.from_mapping({"since": "01/11/2026", "until": "2026-11-30"}).since == dt.date(2026, 11, 1)
    with pytest.raises(InputError, match="après la date de fin"):
        Period.from_mapping({"since": "2026-12-01", "until": "2026-11-01"})
    with pytest.raises(InputError, match="illisible"):
        Period.from_mapping({"since": "hier"})
    with pytest.raises(InputError, match="trop longue"):
        Period.from_mapping({"since": "1900-01-01", "until": "2026-01-01"})


def test_html_has_accessible_svg_and_tables(store, filled):
    body = render_html(compute(store, PERIOD))
    svgs = re.findall(r"<svg[^>]*>", body)
    assert len(svgs) == 7
    for svg in svgs:
        assert 'role="img"' in svg and "aria-labelledby" in svg
    assert body.count("<title id=") == 7 and body.count("<desc id=") == 7
    assert body.count('<table class="figure-table">') == 7
    assert "style=" not in body and "<script" not in body        # the triage CSP
    assert "&lt;b&gt;aidez-moi&lt;/b&gt;" in body and "<b>aidez-moi</b>" not in body
    assert 'href="/triage/tableau-de-bord.csv?since=2026-11-01&amp;until=2026-11-30"' in body


def test_csv_of_the_figures(store, filled):
    data = to_csv(compute(store, PERIOD))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == ["Indicateur", "Libellé", "Nombre", "Part (%)", "Total"]
    by = {(r[0], r[1]): r for r in rows}
    assert by[("Conversations", "")][2] == "4"
    assert by[("Taux de réponses de repli", "Réponses de repli")][2:] == ["2", "33,3", "6"]
    assert by[("Dossiers par département", "72")][2:] == ["2", "40,0", "5"]
    assert any("aidez-moi" in r[1] for r in rows if r[0].startswith("Commentaire"))


def test_dashboard_behind_the_login(store, filled, monkeypatch):
    monkeypatch.setattr(triage_module, "SCRYPT_N", 2 ** 12)
    settings = TriageSettings(password_hash=hash_password("mot de passe du tableau"), session_secret=None)

    async def go():
        app = web.Application()
        setup(app, store=store, settings=settings)
        async with TestClient(TestServer(app)) as client:
            page = await client.get("/triage/tableau-de-bord")
            assert page.status == 401 and "Incompréhensions" not in await page.text()
            assert 'type="password"' in await page.text()
            assert (await client.get("/triage/tableau-de-bord.csv")).status == 401
            cookies = {COOKIE: make_session(settings)}
            ok = await client.get("/triage/tableau-de-bord?since=2026-11-01&until=2026-11-30", cookies=cookies)
            assert ok.status == 200
            assert ok.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
            text = await ok.text()
            assert "Tableau de bord du helpdesk" in text and "incompréhensions répétées" in text
            bad = await client.get("/triage/tableau-de-bord?since=demain", cookies=cookies)
            assert bad.status == 400 and "Période illisible" in await bad.text()
            data = await client.get("/triage/tableau-de-bord.csv?since=2026-11-01&until=2026-11-30",
                                    cookies=cookies)
            assert data.status == 200 and data.headers["Content-Type"].startswith("text/csv")
            assert "2026-11-01-2026-11-30" in data.headers["Content-Disposition"]
            assert (await data.read()).startswith(b"\xef\xbb\xbf")
            queue_page = await (await client.get("/triage", cookies=cookies)).text()
            assert 'href="/triage/tableau-de-bord"' in queue_page

    asyncio.run(go())
