"""The /triage page in a real browser (Debian's Chromium through Playwright): keyboard only,
axe-core WCAG 2.1 A/AA checks, text rendered as text, status change and filters.

Our own small aiohttp app calls web.triage.setup (web/server.py belongs to the web suite).
Skipped when /usr/bin/chromium is absent (`make browser` installs it).
"""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from aiohttp import web

from assistant.helpdesk.triage import hash_password
from web.triage import TriageSettings, setup

from .helpers import add_event, assessment, events_table

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "tests" / "e2e" / "vendor" / "axe.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "mot de passe du navigateur"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="Chromium absent (/usr/bin/chromium) : lancer `make browser`")


class Server:
    """Our app served from a background thread, on a port the system picks (no free-port race;
    a start-up failure raises here instead of a silent wait)."""

    def __init__(self, store, settings):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        app = web.Application()
        setup(app, store=store, settings=settings)
        self.runner = web.AppRunner(app)

        async def start() -> int:
            await self.runner.setup()
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            await site.start()
            return site._server.sockets[0].getsockname()[1]

        self.port = asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self):
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def site(store, engine):
    server = Server(store, TriageSettings(password_hash=hash_password(PASSWORD), session_secret=None,
                                          retention_days=120))
    yield server
    server.close()


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(locale="fr-FR")
        pg = context.new_page()
        pg.errors = []
        pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
        yield pg
        errors = pg.errors
        browser.close()
    assert not errors, f"erreurs JavaScript : {errors}"


def _axe(page) -> list:
    if not AXE.is_file():
        return []
    page.evaluate(AXE.read_text(encoding="utf-8"))
    assert page.evaluate("() => typeof window.axe.run") == "function"
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))", WCAG)


def _focused(page) -> str:
    return page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()")


def test_triage_page_with_the_keyboard(site, page, store, engine):
    from playwright.sync_api import expect

    hostile = '<img src=x onerror="window.pwned=1"> Dématérialisation'
    urgent = store.record("conv-a", "rest", {"description": hostile, "agents_count": 300},
                          assessment(eligibility="to_confirm", population=1500, name="Saint-Léger"))
    store.record("conv-b", "rest", {"description": "Site web"},
                 assessment(eligibility="eligible", population=90000, name="Grande Ville"))
    table = events_table(engine)
    add_event(engine, table, "conv-a", "user", "<b>Bonjour</b> de Saint-Léger")

    page.goto(site.url + "/triage")
    assert page.title().startswith("Connexion")
    assert _axe(page) == []
    page.keyboard.press("Tab")  # skip link
    for _ in range(5):
        if _focused(page) == "password":
            break
        page.keyboard.press("Tab")
    assert _focused(page) == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#queue tbody tr")
    assert "120" in page.inner_text("#retention-days")

    rows = page.locator("#queue tbody tr")
    assert rows.count() == 2
    assert "Saint-Léger" in rows.nth(0).inner_text()  # to_confirm, small: first
    assert "Vérification humaine nécessaire" in rows.nth(0).inner_text()
    assert page.locator("#queue caption").inner_text().startswith("Demandes par ordre de priorité")
    assert page.locator("#queue thead th[scope=col]").count() == 10
    assert _axe(page) == []

    # open the first case with the keyboard
    page.focus(f"#queue tbody tr:nth-child(1) th button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail:not([hidden])")
    assert _focused(page) == "detail"  # _focused is the element's id when it has one
    body = page.inner_text("#detail")
    assert hostile in body and "<b>Bonjour</b> de Saint-Léger" in body  # shown as text
    assert page.evaluate("() => window.pwned") is None
    assert page.locator("#detail img, #transcript b").count() == 0
    assert _axe(page) == []

    page.select_option("#d-status", "en_cours")
    page.fill("#d-status-note", "Appel prévu")
    page.focus("#status-form button")
    page.keyboard.press("Enter")
    expect(page.locator("#status-message")).to_contain_text("Statut enregistré")
    assert store.get(urgent).status == "en_cours"
    assert "Appel prévu" in page.inner_text("#detail")

    page.keyboard.press("Escape")
    assert page.locator("#detail").is_hidden()

    # a filter through the labelled select, then the export link follows it
    page.select_option("#f-eligibility", "eligible")
    page.click("#filters button[type=submit]")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    assert "Grande Ville" in page.inner_text("#queue tbody")
    assert page.get_attribute("#export", "href") == "/triage/export.csv?eligibility=eligible"


def test_queue_and_case_show_the_engines_labels(site, page, store, engine):
    import sqlalchemy as sa

    from assistant.eligibility import labels
    from assistant.helpdesk.cases import cases_table
    from assistant.helpdesk.triage import sub_axis_short_label

    store.record("conv-3c", "rest", {}, assessment(sub_axis="3c", ctype="epci", name="CC Test",
                                                   eligibility="not_eligible"))
    with engine.begin() as conn:  # a row with codes the page does not know (older or hand-edited)
        conn.execute(cases_table.insert().values(
            conversation_id="conv-odd", channel="rest", created_at=sa.func.now(),
            updated_at=sa.func.now(), status="nouveau", collectivity_name="Inconnue",
            collectivity_type='<b id="t">x</b>', sub_axis="9z", eligibility="<img src=x>"))

    page.goto(site.url + "/triage")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_selector("#queue tbody tr")
    options = page.eval_on_selector_all("#f-sub_axis option", "os => os.map(o => [o.value, o.text])")
    assert options[1:] == [[c, sub_axis_short_label(c)] for c in ("3a", "3b", "3c")]

    rows = page.locator("#queue tbody tr")
    assert rows.count() == 2
    row = rows.filter(has_text="CC Test")
    cells = row.locator("td")
    assert "EPCI" in cells.nth(2).inner_text() and "epci" not in cells.nth(2).inner_text()
    assert cells.nth(4).inner_text() == sub_axis_short_label("3c")
    assert cells.nth(4).get_attribute("title") == labels.sub_axis_label("3c")
    assert cells.nth(5).inner_text() == "non éligible"
    odd = rows.filter(has_text="Inconnue").locator("td")
    assert odd.nth(4).inner_text() == "—" and odd.nth(5).inner_text() == "—"
    assert page.locator("#queue tbody b, #queue tbody img").count() == 0
    assert _axe(page) == []

    row.locator("th button").click()
    page.wait_for_selector("#detail:not([hidden])")
    detail = page.inner_text("#detail-body")
    assert labels.sub_axis_label("3c") in detail and "non éligible" in detail
    assert "Type\ngroupement de collectivités (EPCI)" in detail or "Type\tgroupement de collectivités (EPCI)" in detail
    page.click("#close-detail")
    rows.filter(has_text="Inconnue").locator("th button").click()
    page.wait_for_selector("#detail:not([hidden])")
    assert "Sous-axe\n—" in page.inner_text("#detail-body") or "Sous-axe\t—" in page.inner_text("#detail-body")
    assert page.locator("#detail b, #detail img").count() == 0
