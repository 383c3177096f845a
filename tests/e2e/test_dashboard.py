"""The helpdesk dashboard (/triage/tableau-de-bord, issue 14 part 2) in a real browser: login
through the form, SVG charts with their tables, axe-core WCAG 2.1 A/AA (0 violations), the period
form with the keyboard, the CSV download, no CSP violation, and the page without JavaScript.

Our own small aiohttp app mounts web.triage (web/server.py's chat part is another suite's)."""
from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
import threading

import pytest
from aiohttp import web

from assistant.db import get_engine
from assistant.helpdesk import triage as triage_module
from assistant.helpdesk.cases import CaseStore, cases_table
from assistant.helpdesk.triage import hash_password
from tests.e2e.conftest import assert_no_axe_violations, make_page
from tests.triage.helpers import add_event, assessment, events_table
from web.triage import TriageSettings, setup

PASSWORD = "mot de passe du tableau de bord"


class Server:
    def __init__(self, store, settings):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        app = web.Application()
        setup(app, store=store, settings=settings)
        self.runner = web.AppRunner(app)

        async def start() -> int:
            await self.runner.setup()
            site = web.TCPSite(self.runner, "127.0.0.1", 0)    # a free port, picked by the system
            await site.start()
            return site._server.sockets[0].getsockname()[1]

        self.url = f"http://127.0.0.1:{asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)}"

    def close(self):
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def site(tmp_path, monkeypatch):
    monkeypatch.setattr(triage_module, "SCRYPT_N", 2 ** 12)
    engine = get_engine(f"sqlite:///{tmp_path / 'dash.sqlite'}")
    store = CaseStore(engine)
    ev = events_table(engine)
    day = dt.datetime.utcnow() - dt.timedelta(days=2)
    rows = [("A", "eligible", "3c", "72", None), ("B", "to_confirm", "3b", "72", "verdict à confirmer"),
            ("C", None, None, None, "incompréhensions répétées"), ("D", "not_eligible", "3a", "2A", None)]
    for conv, elig, sub, dept, reason in rows:
        a = assessment(eligibility=elig, sub_axis=sub, department=dept) if elig else None
        case_id = store.record(conv, "rest", {}, a, handoff_reason=reason)
        with engine.begin() as conn:
            conn.execute(cases_table.update().where(cases_table.c.id == case_id)
                         .values(created_at=day, updated_at=day))
        ts = day.replace(tzinfo=dt.timezone.utc).timestamp()
        add_event(engine, ev, conv, "user", "Bonjour", ts=ts)
        add_event(engine, ev, conv, "bot", "Bonjour !", ts=ts + 1)
    add_event(engine, ev, "C", "action", ts=day.timestamp() + 3, action="action_fallback")
    store.record_feedback("A", "verdict", True)
    store.record_feedback("B", "faq", False, faq_key="faq_delais")
    store.comment_feedback("B", "Je n'ai pas trouvé le délai <script>alert(1)</script>")
    server = Server(store, TriageSettings(password_hash=hash_password(PASSWORD), session_secret=None))
    yield server
    server.close()
    engine.dispose()


def _login(page, url):
    page.goto(url + "/triage/tableau-de-bord")
    assert page.title().startswith("Connexion")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(url + "/triage")
    page.goto(url + "/triage/tableau-de-bord")


def test_dashboard_in_the_browser(site, page):
    from playwright.sync_api import expect

    console = []
    page.on("console", lambda msg: console.append(msg.text))
    _login(page, site.url)
    assert page.title().startswith("Tableau de bord")
    charts = page.locator("svg[role=img]")
    expect(charts).to_have_count(7)
    for i in range(7):   # each chart is named by its <title> and <desc>
        chart = charts.nth(i)
        ids = chart.get_attribute("aria-labelledby").split()
        assert page.locator(f"#{ids[0]}").evaluate("n => n.tagName") == "title"
        assert page.locator(f"#{ids[1]}").evaluate("n => n.tagName") == "desc"
    expect(page.locator("table.figure-table")).to_have_count(7)
    verdicts = page.locator("section[aria-labelledby=h-verdicts] table")
    expect(verdicts).to_contain_text("éligible")
    expect(page.locator("#h-commentaires + ul")).to_contain_text("<script>alert(1)</script>")  # as text
    assert page.evaluate("() => window.alertCalled === undefined")
    assert_no_axe_violations(page, "tableau de bord")

    # another period: the form is a plain GET (no script needed); sent with Enter
    page.fill("#p-since", "2020-01-01")
    page.fill("#p-until", "2020-12-31")
    page.focus("#p-until")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"since=2020-01-01"))
    expect(page.locator("#periode")).to_contain_text("du 01/01/2020 au 31/12/2020")
    expect(page.locator("section[aria-labelledby=h-verdicts] svg")).to_contain_text("Aucune donnée")
    assert_no_axe_violations(page, "tableau de bord vide")

    # the CSV of the period shown
    with page.expect_download() as info:
        page.get_by_role("link", name="Exporter ces chiffres en CSV").click()
    data = open(info.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][0] == "Indicateur" and ["Période", "du 01/01/2020 au 31/12/2020", "", "", ""] in rows
    assert not [m for m in console if "Content Security Policy" in m], console


def test_dashboard_without_javascript(site, browser):
    context, page = make_page(browser, java_script_enabled=False)
    try:
        _login(page, site.url)
        assert page.locator("svg[role=img]").count() == 7
        text = page.inner_text("section[aria-labelledby=h-repli]")
        assert "Réponses de repli" in text and "25\u00a0%" in text      # 1 fallback for 4 messages
    finally:
        context.close()
