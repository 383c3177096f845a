"""Issue 14, parts 4 and 5, in Chromium against the scripted FakeRasa: the printable summary (print
media shows it and hides the page around it) and the pages a public site must have (accessibility
statement, personal data with RETENTION_DAYS, legal notice), linked from the footer and the chat."""
from __future__ import annotations

import datetime
import urllib.request

import pytest

from tests.e2e.conftest import assert_no_axe_violations, open_chat_with_keyboard, send
from tests.e2e.fake_rasa import ASSESSMENT, ThreadedWebServer

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
PAGES = {"/accessibilite": "Déclaration d'accessibilité", "/donnees-personnelles": "Données personnelles",
         "/mentions-legales": "Mentions légales"}
# window.print() replaced before any page script runs (an init script is not subject to the CSP):
# the test counts the calls instead of opening the print dialog
COUNT_PRINTS = "window.__prints = 0; window.print = function () { window.__prints += 1; };"


def reach_verdict(page) -> None:
    open_chat_with_keyboard(page)
    send(page, "Bonjour, je suis le maire de Mamers")
    send(page, "oui")
    send(page, "en juin 2022")
    page.locator("#fitn7-log section.fitn7-card").wait_for()


@pytest.mark.parametrize("path", ["/", "/embed-demo"])
def test_print_view_shows_the_summary_only(page, fake_site, path):
    page.add_init_script(COUNT_PRINTS)
    page.goto(fake_site.url + path)
    reach_verdict(page)
    card = page.locator("#fitn7-log section.fitn7-card")
    # the Markdown download is still offered, next to the print button
    assert card.get_by_role("button", name="Télécharger le résumé").is_visible()
    card.get_by_role("button", name="Imprimer / PDF").click()
    assert page.evaluate("() => window.__prints") == 1
    view = page.locator("#fitn7-print")
    assert view.count() == 1
    assert not view.is_visible()          # on screen: the page and the chat as they were
    assert page.locator("#fitn7-panel").is_visible()
    page.emulate_media(media="print")
    try:
        assert view.is_visible()
        # the page around it is not printed: header, content, footer, the chat and its launcher
        around = ["header", "main", "footer", ".fitn7-root", "#fitn7-panel"] if path == "/" else \
            ["header.site-header", "main", "footer.site-footer", ".fitn7-root", "#fitn7-panel"]
        for selector in around:
            assert not page.locator(selector).first.is_visible(), selector
        text = view.inner_text()
        today = datetime.date.today()
        assert f"Établi le {today.day} {MONTHS[today.month - 1]} {today.year} à " in text
        assert "Éligible" in text
        assert "3a (accompagnement par un expert du numérique)" in text
        assert "5\u202f000\u00a0€ (forfait)" in text
        assert "Mamers (commune, Sarthe (72), 4\u202f983 habitants)" in text
        # the reasons with their sources (quote of the text)
        assert "Condition remplie : Le projet est porté par le maire." in text
        assert "« Le projet est porté avec un engagement à un niveau décisionnel chez le candidat »" in text
        assert "Résultats <b>avant</b> fin 2022 à confirmer." in text and view.locator("b").count() == 0
        # what to prepare, the link (written out: it is paper), the contact
        assert "À préciser : le budget du projet" in text
        assert "Joignez le devis du consultant." in text
        assert ASSESSMENT["application_url"] in text
        assert view.locator(f"a[href='{ASSESSMENT['application_url']}']").count() == 1
        assert "Préfecture de la Sarthe – pref-numerique@sarthe.example" in text
        assert "javascript:" not in text
        # the notices: indicative opinion, demonstration site
        assert "la décision revient au comité de sélection présidé par le préfet" in text
        assert "site de démonstration" in text
        # the print view fits the page width (nothing cut on paper)
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        page.emulate_media(media="screen")
    # after the print dialog closes, a plain Ctrl+P prints the page again, not the summary
    page.evaluate("() => window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="print")
    try:
        assert not view.is_visible()
        assert page.locator("main").is_visible()
    finally:
        page.emulate_media(media="screen")


def test_print_media_without_the_button_prints_the_page(page, fake_site):
    page.goto(fake_site.url + "/")
    page.emulate_media(media="print")
    try:
        assert page.locator("main h1").is_visible()
        assert page.locator("#fitn7-print").count() == 0
    finally:
        page.emulate_media(media="screen")


def test_public_pages_served_in_french(fake_site, monkeypatch):
    for path, title in PAGES.items():
        with urllib.request.urlopen(fake_site.url + path, timeout=10) as resp:
            body = resp.read().decode("utf-8")
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/html")
            assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
        assert '<html lang="fr"' in body
        assert f"<h1>{title}</h1>" in body
        assert "{{" not in body
    # RETENTION_DAYS as configured, read when the page is served
    monkeypatch.setenv("RETENTION_DAYS", "97")
    with urllib.request.urlopen(fake_site.url + "/donnees-personnelles", timeout=10) as resp:
        body = resp.read().decode("utf-8")
    assert '<strong id="duree-conservation">97&nbsp;jours</strong>' in body
    monkeypatch.delenv("RETENTION_DAYS")
    with urllib.request.urlopen(fake_site.url + "/donnees-personnelles", timeout=10) as resp:
        assert ">180&nbsp;jours<" in resp.read().decode("utf-8")   # the purge's default


def test_accessibility_statement_follows_the_rgaa_model(page, fake_site):
    page.goto(fake_site.url + "/accessibilite")
    headings = [h.strip() for h in page.locator("main h2").all_inner_texts()]
    for needed in ("État de conformité", "Ce qui est vérifié", "Ce qui n'est pas vérifié", "Contenus non accessibles",
                   "Établissement de cette déclaration", "Retour d'information et contact", "Voies de recours"):
        assert needed in headings, needed
    assert "partiellement conforme" in page.locator("main").inner_text()
    assert page.locator("main a[href^='mailto:']").count() >= 1
    assert page.locator("main a[href='https://formulaire.defenseurdesdroits.fr/']").count() == 1


def test_footer_links_and_axe_on_the_new_pages(page, fake_site):
    page.goto(fake_site.url + "/")
    footer = page.locator("footer")
    for path, label in (("/accessibilite", "Accessibilité : partiellement conforme"),
                        ("/mentions-legales", "Mentions légales"), ("/donnees-personnelles", "Données personnelles")):
        assert footer.get_by_role("link", name=label).get_attribute("href") == path
    footer.get_by_role("link", name="Accessibilité : partiellement conforme").click()
    page.wait_for_url("**/accessibilite")
    assert page.locator("h1").inner_text() == "Déclaration d'accessibilité"
    for path in PAGES:
        page.goto(fake_site.url + path)
        assert page.evaluate("() => document.documentElement.lang") == "fr"
        # the current page is marked in the footer
        assert page.locator(f"footer a[href='{path}']").get_attribute("aria-current") == "page"
        assert_no_axe_violations(page, path)
        open_chat_with_keyboard(page)     # the assistant is on these pages too
        assert_no_axe_violations(page, f"{path}, tchat ouvert")
        page.evaluate("() => sessionStorage.clear()")


@pytest.mark.parametrize("path", ["/", "/embed-demo"])
def test_chat_links_the_personal_data_page_before_the_first_message(page, fake_site, path):
    page.goto(fake_site.url + path)
    open_chat_with_keyboard(page)
    assert page.locator("#fitn7-log .fitn7-msg--user").count() == 0
    notice = page.locator("#fitn7-panel #fitn7-privacy")
    assert notice.is_visible()
    assert "conservés" in notice.inner_text()
    link = notice.get_by_role("link", name="Vos données personnelles")
    assert link.get_attribute("href") == fake_site.url + "/donnees-personnelles"
    # before the messages in the reading order
    assert page.evaluate("() => !!(document.getElementById('fitn7-privacy').compareDocumentPosition("
                         "document.getElementById('fitn7-log')) & Node.DOCUMENT_POSITION_FOLLOWING)")
    link.click()
    page.wait_for_url("**/donnees-personnelles")
    assert "RETENTION_DAYS" in page.locator("main").inner_text()
