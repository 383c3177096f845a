"""The widget's mechanics in Chromium, against the scripted FakeRasa (fast, deterministic):
page structure and keyboard use, rendering as text, quick replies, the card and the summary file,
reload, outage and retry, zoom 200 %, axe-core on both pages."""
from __future__ import annotations

import json
import datetime
import re

from tests.e2e.conftest import (ARTIFACTS, run_axe, assert_no_axe_violations, bot_messages, make_page,
                                open_chat_with_keyboard, send, wait_bot_count_above, wait_until)
from tests.e2e.fake_rasa import ASSESSMENT

FORM_URL = ASSESSMENT["application_url"]
XSS = "<img src=x onerror=alert(1)>"


def test_structure_present_from_page_load(page, fake_site):
    page.goto(fake_site.url + "/")
    # before anything is opened: the log and the status exist, the panel is closed
    assert page.locator("[role=log]#fitn7-log").count() == 1
    assert page.locator("[role=status]#fitn7-status").count() == 1
    assert page.locator("#fitn7-panel").get_attribute("hidden") is not None
    launcher = page.locator("button#fitn7-launcher")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.locator("a[data-fitn7-skip]").inner_text().strip() == "Accéder au tchat"
    # DSFR on the prefecture page only
    assert page.locator("link[href*='vendor/dsfr/dsfr.min.css']").count() == 1
    assert page.locator(".fitn7-root.fitn7-theme-dsfr").count() == 1
    assert page.locator("h1").inner_text().startswith("Transformation numérique")
    page.goto(fake_site.url + "/embed-demo")
    assert page.locator("link[href*='dsfr']").count() == 0
    assert page.locator(".fitn7-root.fitn7-theme-neutral").count() == 1
    assert page.locator("script[src$='/static/widget.js']").count() == 1
    assert page.locator("[role=log]").count() == 1


def test_keyboard_open_close_no_trap(page, fake_site):
    page.goto(fake_site.url + "/")
    open_chat_with_keyboard(page)
    panel = page.locator("aside#fitn7-panel")
    assert panel.get_attribute("aria-labelledby") == "fitn7-title"
    assert page.locator("#fitn7-title").inner_text() == "Assistant FITN7 axe 3 de la préfecture"
    assert page.locator("label[for=fitn7-input]").inner_text() == "Votre message"
    assert page.locator("form button[type=submit]").inner_text() == "Envoyer"
    # the welcome message has its hidden speaker prefix
    first = bot_messages(page).first
    assert first.locator(".fitn7-sr").inner_text() == "l'assistant dit :"
    # focus is visible: the focused input has an outline or a box-shadow
    style = page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                          " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }")
    assert style[0] != "none" or style[2] != "none", style
    # no trap: Tab leaves the non-modal panel
    left = False
    for _ in range(12):
        page.keyboard.press("Tab")
        if not page.evaluate("() => document.getElementById('fitn7-panel').contains(document.activeElement)"):
            left = True
            break
    assert left, "le focus reste enfermé dans le tchat"
    # Escape closes and gives the focus back to the launcher
    page.locator("#fitn7-input").focus()
    page.keyboard.press("Escape")
    assert page.locator("#fitn7-panel").get_attribute("hidden") is not None
    assert page.evaluate("() => document.activeElement.id") == "fitn7-launcher"
    page.keyboard.press("Enter")
    assert page.locator("#fitn7-panel").get_attribute("hidden") is None
    assert page.locator("#fitn7-launcher").get_attribute("aria-expanded") == "true"
    # the in-page DSFR button also opens it and gets the focus back on close
    page.keyboard.press("Escape")
    page.locator("[data-fitn7-open]").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "fitn7-input"
    page.locator("#fitn7-panel button", has_text="Fermer").click()
    assert page.evaluate("() => document.activeElement.hasAttribute('data-fitn7-open')")


def test_injection_rendered_as_text(page, fake_site):
    page.goto(fake_site.url + "/embed-demo")
    open_chat_with_keyboard(page)
    send(page, XSS)
    page.wait_for_timeout(300)  # give a hypothetical onerror the time to fire
    assert page.dialogs == []
    log = page.locator("#fitn7-log")
    assert log.locator("img").count() == 0
    user = page.locator("#fitn7-log .fitn7-msg--user .fitn7-bubble").last
    assert user.inner_text() == XSS
    assert page.locator("#fitn7-log .fitn7-msg--user .fitn7-sr").last.inner_text() == "vous avez dit :"
    bot = bot_messages(page).last
    assert XSS in bot.inner_text()  # the bot's echo too is text
    # links: the javascript: one is plain text, the https one is a link without its final dot
    assert log.locator("a[href^='javascript']").count() == 0
    assert "cliquez ici" in bot.inner_text()
    assert bot.locator("a").count() == 1
    assert bot.locator("a").get_attribute("href") == "https://www.economie.gouv.fr/plan-de-relance"
    assert page.dialogs == []


def test_conversation_card_summary_reload(page, fake_site, fake_rasa):
    page.goto(fake_site.url + "/")
    open_chat_with_keyboard(page)
    send(page, "Bonjour, je suis le maire de Mamers, on aimerait un consultant pour notre stratégie numérique")
    quick = page.locator("#fitn7-log .fitn7-quick button")
    assert [b.strip() for b in quick.all_inner_texts()] == ["Oui", "Non"]
    # quick reply with the keyboard: Tab from the log reaches the buttons
    quick.first.focus()
    before = bot_messages(page).count()
    page.keyboard.press("Enter")
    wait_bot_count_above(page, before)
    assert page.locator("#fitn7-log .fitn7-quick").count() == 0
    assert page.locator("#fitn7-log .fitn7-msg--user .fitn7-bubble").last.inner_text() == "Oui"
    assert fake_rasa.received[-1]["message"] == "/affirm"
    assert fake_rasa.received[-1]["metadata"]["departement"] == "72"
    # one id per message (a retry reuses it: rasa_plugins/rest_channel.py answers a stored one again)
    ids = [r["metadata"]["message_id"] for r in fake_rasa.received[-2:]]
    assert all(len(i) == 32 for i in ids) and ids[0] != ids[1]
    send(page, "en juin 2022")
    card = page.locator("#fitn7-log section.fitn7-card")
    card.wait_for()
    assert card.locator(".fitn7-badge").inner_text().strip().lower() == "éligible"
    text = card.inner_text()
    assert "3a (accompagnement par un expert du numérique)" in text     # the engine's labels, as given
    assert "5\u202f000\u00a0€ (forfait)" in text
    assert "Mamers (commune, Sarthe (72), 4\u202f983 habitants)" in text
    assert "Résultats <b>avant</b> fin 2022 à confirmer." in text  # finding rendered as text
    # issue 10: what would change an unknown finding, under it, as text; none under a met one
    change = card.locator(".fitn7-reasons li .fitn7-how-to-change")
    assert change.all_inner_texts() == ["Pour que cela change : Indiquez la date des <i>premiers</i> résultats."]
    assert "Résultats <b>avant</b>" in change.locator("xpath=..").inner_text()
    assert card.locator("b").count() == 0
    link = card.locator("a.fitn7-cta")
    assert link.get_attribute("href") == FORM_URL
    assert card.locator("a[href='mailto:pref-numerique@sarthe.example']").count() == 1
    assert card.locator("a[href^='javascript']").count() == 0  # the contact's javascript: url is dropped
    # the summary file
    with page.expect_download() as info:
        card.get_by_role("button", name="Télécharger le résumé").click()
    download = info.value
    today = datetime.date.today()
    assert download.suggested_filename == f"resume-fitn7-axe3-{today.isoformat()}.md"
    path = ARTIFACTS / "fake-summary.md"
    ARTIFACTS.mkdir(exist_ok=True)
    download.save_as(path)
    summary = path.read_text(encoding="utf-8")
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
              "octobre", "novembre", "décembre"]
    assert f"Établi le {today.day} {months[today.month - 1]} {today.year}" in summary
    assert "Éligibilité : Éligible" in summary
    assert "Sous-axe : 3a" in summary
    assert "## Reste à préciser\n\n- le budget du projet\n" in summary   # the engine's label
    assert "Montant : 5\u202f000\u00a0€ (forfait)" in summary
    assert "Formulaire en ligne : " + FORM_URL in summary
    assert "## Sources" in summary
    assert "« Le projet est porté avec un engagement à un niveau décisionnel chez le candidat »" in summary
    assert re.search(r"Remplie : Le projet est porté par le maire\. \[\d\]", summary)
    assert "\n  - Pour que cela change : Indiquez la date des <i>premiers</i> résultats.\n" in summary
    assert "Vous : en juin 2022" in summary
    # reload: same conversation, same sender, panel still open
    sender = page.evaluate("() => Object.entries(sessionStorage).find(([k]) => k.endsWith('.sender'))[1]")
    assert re.fullmatch(r'"[0-9a-f]{32}"', sender)
    count = page.locator("#fitn7-log .fitn7-msg").count()
    page.reload()
    page.wait_for_selector("#fitn7-panel:not([hidden])")
    assert page.locator("#fitn7-log .fitn7-msg").count() == count
    assert page.locator("#fitn7-log section.fitn7-card").count() == 1
    send(page, "Merci")
    assert bot_messages(page).last.inner_text().endswith("Je note : Merci")  # turn 4 of the same sender
    from web.server import rasa_sender_id   # Rasa sees a keyed hash of the browser's id

    assert fake_rasa.received[-1]["sender"] == rasa_sender_id(sender.strip('"'))
    # a hand-off's prepared e-mail: a readable mailto link
    send(page, "je veux parler à quelqu'un")
    mail = bot_messages(page).last.locator("a")
    assert mail.inner_text() == "pref-numerique@sarthe.example (message prêt à envoyer)"
    assert mail.get_attribute("href").startswith("mailto:pref-numerique%40sarthe.example?subject=FITN7")
    # a new page (new session) gets another unguessable id
    context2, page2 = make_page(page.context.browser)
    try:
        page2.goto(fake_site.url + "/")
        other = page2.evaluate("() => Object.entries(sessionStorage).find(([k]) => k.endsWith('.sender'))[1]")
        assert other != sender
    finally:
        context2.close()


def test_server_down_then_retry(page, fake_site, fake_rasa):
    page.goto(fake_site.url + "/embed-demo")
    open_chat_with_keyboard(page)
    # 1. Rasa down behind the web server
    fake_rasa.down()
    try:
        send(page, "Bonjour")
        error = page.locator("#fitn7-error[role=alert]")
        assert "ne répond pas" in error.inner_text()
        retry = error.get_by_role("button", name="Réessayer")
        assert retry.is_visible()
        assert page.locator("#fitn7-status").inner_text() == ""  # not frozen on "l'assistant écrit…"
        assert page.locator("#fitn7-input").is_enabled()
    finally:
        fake_rasa.up()
    before = bot_messages(page).count()
    retry.click()
    wait_bot_count_above(page, before)
    assert page.locator("#fitn7-error").inner_text() == ""
    assert page.locator("#fitn7-log .fitn7-msg--user").count() == 1  # the retried message is not duplicated
    # 2. the web server itself unreachable (network error in the browser)
    page.route("**/api/chat", lambda route: route.abort("connectionrefused"))
    send(page, "Oui")
    assert "ne répond pas" in page.locator("#fitn7-error").inner_text()
    page.unroute("**/api/chat")
    before = bot_messages(page).count()
    page.locator("#fitn7-error").get_by_role("button", name="Réessayer").press("Enter")
    wait_bot_count_above(page, before)
    assert page.locator("#fitn7-error").inner_text() == ""


def test_typing_status_while_waiting(page, fake_site):
    page.goto(fake_site.url + "/embed-demo")
    open_chat_with_keyboard(page)
    release = []
    page.route("**/api/chat", lambda route: release.append(route))
    page.locator("#fitn7-input").fill("Bonjour")
    page.keyboard.press("Enter")
    wait_until(page, "() => document.getElementById('fitn7-status').textContent === \"L'assistant écrit…\"")
    assert len(release) == 1
    release[0].continue_()
    wait_until(page, "() => document.getElementById('fitn7-status').textContent === ''")


def test_axe_both_pages_with_widget_open(page, fake_site):
    for path in ("/", "/embed-demo"):
        page.goto(fake_site.url + path)
        assert_no_axe_violations(page, f"{path}, tchat fermé")
        open_chat_with_keyboard(page)
        send(page, "Bonjour")
        send(page, "oui")
        send(page, "en juin 2022")
        page.locator("#fitn7-log section.fitn7-card").wait_for()
        assert_no_axe_violations(page, f"{path}, tchat ouvert avec une évaluation")
        page.evaluate("() => sessionStorage.clear()")
    # the check itself works under the page's CSP: a planted violation is reported
    page.evaluate("() => { const i = document.createElement('img'); i.src = 'data:image/gif;base64,"
                  "R0lGODlhAQABAAAAACw='; document.querySelector('main').appendChild(i); }")
    assert "image-alt" in [v["id"] for v in run_axe(page)]


def test_zoom_200_percent_reflow(browser, fake_site):
    # 200 % zoom of a 1280 x 800 window = a 640 x 400 CSS-pixel viewport at device scale 2
    context, page = make_page(browser, viewport={"width": 640, "height": 400}, device_scale_factor=2)
    try:
        for path in ("/", "/embed-demo"):
            page.goto(fake_site.url + path)
            open_chat_with_keyboard(page)
            send(page, "Bonjour")
            send(page, "oui")
            send(page, "en juin 2022")
            page.locator("#fitn7-log section.fitn7-card").wait_for()
            box = page.locator("#fitn7-panel").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 640 + 0.5, box
            # no horizontal scrolling: the page, the panel, the log
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), path
            for sel in ("#fitn7-panel", "#fitn7-log"):
                assert page.evaluate(f"() => {{ const e = document.querySelector('{sel}');"
                                     " return e.scrollWidth <= e.clientWidth + 1; }"), sel
            for sel in ("#fitn7-input", "#fitn7-panel button[type=submit]"):
                b = page.locator(sel).bounding_box()
                assert b["x"] >= 0 and b["x"] + b["width"] <= 640 + 0.5, (sel, b)
            page.locator("#fitn7-log section.fitn7-card a.fitn7-cta").scroll_into_view_if_needed()
            assert page.locator("#fitn7-log section.fitn7-card a.fitn7-cta").is_visible()
            assert_no_axe_violations(page, f"{path} à 200 %")
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"zoom200{path.replace('/', '-') or '-home'}.png"))
            page.evaluate("() => sessionStorage.clear()")
    finally:
        context.close()
    assert not page.errors, page.errors


def test_reload_during_a_request_and_new_conversation(page, fake_site, fake_rasa):
    page.goto(fake_site.url + "/embed-demo")
    open_chat_with_keyboard(page)
    held = []
    received = len(fake_rasa.received)
    page.route("**/api/chat", lambda route: held.append(route))
    page.locator("#fitn7-input").fill("Bonjour")
    page.keyboard.press("Enter")
    wait_until(page, "() => document.getElementById('fitn7-status').textContent !== ''")
    page.reload()  # the answer never came: the widget says so and offers to retry
    page.wait_for_selector("#fitn7-panel:not([hidden])")
    held[0].abort()  # the request of the unloaded page (already gone with it)
    page.unroute("**/api/chat")
    error = page.locator("#fitn7-error")
    assert "n'a pas reçu de réponse" in error.inner_text()
    before = bot_messages(page).count()
    error.get_by_role("button", name="Réessayer").click()
    wait_bot_count_above(page, before)
    assert error.inner_text() == ""
    assert len(fake_rasa.received) == received + 1  # the retry, sent once
    # with the id of the request the reload interrupted: Rasa can tell it is the same message
    assert fake_rasa.received[-1]["metadata"]["message_id"] == held[0].request.post_data_json["message_id"]
    assert page.locator("#fitn7-log .fitn7-quick button").count() == 2
    old = fake_rasa.received[-1]["sender"]
    # "Nouvelle conversation": empty history, a new sender id, the assistant starts over
    page.get_by_role("button", name="Nouvelle conversation").click()
    assert page.locator("#fitn7-log .fitn7-msg").count() == 1  # the welcome message only
    assert page.evaluate("() => document.activeElement.id") == "fitn7-input"
    send(page, "Bonjour")
    assert fake_rasa.received[-1]["sender"] != old
    assert "porté par le maire" in bot_messages(page).last.inner_text()  # turn 1 of a new sender


def test_retry_sends_the_same_message_id_and_no_answer_offers_retry(page, fake_site, fake_rasa):
    """Issue 13: each message carries an id kept across retries (the server answers it once);
    Rasa answering nothing (action server down) is shown as "unavailable", with the retry."""
    bodies = []
    page.on("request", lambda r: bodies.append(json.loads(r.post_data)) if r.url.endswith("/api/chat") else None)
    page.goto(fake_site.url + "/embed-demo")
    open_chat_with_keyboard(page)
    page.route("**/api/chat", lambda route: route.abort("connectionrefused"))
    send(page, "Bonjour")
    page.unroute("**/api/chat")
    before = bot_messages(page).count()
    page.locator("#fitn7-error").get_by_role("button", name="Réessayer").click()
    wait_bot_count_above(page, before)
    assert len(bodies) == 2 and bodies[0]["message_id"] == bodies[1]["message_id"]
    assert len(bodies[0]["message_id"]) == 32
    send(page, "silence")
    error = page.locator("#fitn7-error[role=alert]")
    assert "indisponible" in error.inner_text()
    assert error.get_by_role("button", name="Réessayer").is_visible()
    assert bodies[-1]["message_id"] != bodies[0]["message_id"]


def test_link_button_is_a_link(page, fake_site):
    page.goto(fake_site.url + "/embed-demo")
    open_chat_with_keyboard(page)
    send(page, "mon dossier")
    wait_until(page, "() => document.querySelectorAll('#fitn7-log .fitn7-quick a').length === 1")
    link = page.locator("#fitn7-log .fitn7-quick a")
    assert link.inner_text() == "Ouvrir mon dossier"
    assert link.get_attribute("href") == "https://www.demarches-simplifiees.fr/dossiers/123"
    assert page.locator("#fitn7-log a[href^='javascript']").count() == 0
