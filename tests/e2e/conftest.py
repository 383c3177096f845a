"""Browser tests of the web chat: Debian's Chromium driven by Playwright (never `playwright install`).

Fixtures:
- ``browser`` (session): /usr/bin/chromium, headless, kept off the network, fresh profile.
- ``fake_site`` (module): the web server (in-process) in front of ``FakeRasa`` (fake_rasa.py).
- ``real_stack`` (session): the whole assistant (tests/stack.py) on free ports.
- ``page``: a new context and page (fresh sessionStorage), failing the test on any uncaught
  page error; ``page.dialogs`` lists every JavaScript dialog that opened (and was dismissed).
Helpers: ``run_axe(page)``, ``open_chat_with_keyboard(page)``, ``send(page, text)``.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.e2e.fake_rasa import FakeRasa, ThreadedWebServer  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
AXE_JS = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
ARTIFACTS = ROOT / "test-artifacts"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium absent : `apt-get install -y chromium chromium-driver` (ou `make browser`).")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def fake_rasa():
    fake = FakeRasa().up()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def fake_site(fake_rasa):
    server = ThreadedWebServer(fake_rasa.url)
    yield server
    server.close()


@pytest.fixture(scope="session")
def real_stack():
    from tests.stack import running_stack

    with tempfile.TemporaryDirectory(prefix="fitn7-e2e-") as tmp:
        with running_stack(tmp) as stack:
            yield stack


def make_page(browser, **context_args):
    context = browser.new_context(locale="fr-FR", accept_downloads=True, **context_args)
    page = context.new_page()
    page.errors = []
    page.dialogs = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return context, page


@pytest.fixture
def page(browser):
    context, page = make_page(browser, viewport={"width": 1280, "height": 900})
    yield page
    context.close()
    assert not page.errors, f"erreurs JavaScript dans la page : {page.errors}"


def run_axe(page, context=None) -> list[dict]:
    """Run axe-core in the page (WCAG 2.1 A/AA rules only); return the violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS)  # evaluated through the DevTools protocol: not blocked by the page's CSP
    result = page.evaluate(
        "async ([ctx, tags]) => { const r = await axe.run(ctx || document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}); "
        "return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
        "nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)})); }",
        [context, WCAG_TAGS],
    )
    return result


def assert_no_axe_violations(page, label: str) -> None:
    violations = run_axe(page)
    assert violations == [], f"axe-core ({label}) : " + "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"][:5]) for v in violations)


def open_chat_with_keyboard(page) -> None:
    """Tab to the "Accéder au tchat" skip link from the top of the page and press Enter."""
    page.keyboard.press("Tab")
    for _ in range(6):
        text = page.evaluate("() => document.activeElement && document.activeElement.textContent.trim()")
        if text == "Accéder au tchat":
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("lien d'évitement « Accéder au tchat » introuvable au clavier")
    page.keyboard.press("Enter")
    page.wait_for_selector("#fitn7-panel:not([hidden])")
    assert page.evaluate("() => document.activeElement.id") == "fitn7-input"


def bot_messages(page):
    return page.locator("#fitn7-log .fitn7-msg--bot")


def send(page, text: str, *, timeout: float = 90_000) -> None:
    """Type a message with the keyboard, press Enter, wait for the answer (or an error)."""
    before = bot_messages(page).count()
    page.locator("#fitn7-input").focus()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    wait_until(page, "([n]) => document.querySelectorAll('#fitn7-log .fitn7-msg--bot').length > n"
               " || document.querySelector('#fitn7-error').textContent.length > 0", [before], timeout=timeout)


def wait_until(page, js: str, arg=None, *, timeout: float = 30_000) -> None:
    """Poll a JavaScript function from Python (page.wait_for_function needs eval, which the CSP forbids)."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(js, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"délai dépassé en attendant : {js}")
        page.wait_for_timeout(100)


def wait_bot_count_above(page, n: int, *, timeout: float = 90_000) -> None:
    wait_until(page, "n => document.querySelectorAll('#fitn7-log .fitn7-msg--bot').length > n", n, timeout=timeout)
