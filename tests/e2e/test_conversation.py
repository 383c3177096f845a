"""The whole assistant in Chromium: the real Rasa model, action server and engine behind the web
server (tests/stack.py). A mayor holds a conversation to a verdict with the keyboard only; the
card, the form link and the summary file are checked against the assessment the assistant sent;
a reload continues the same Rasa conversation; axe-core finds no WCAG 2.1 AA violation."""
from __future__ import annotations

import datetime
import json
import re
import urllib.request

from tests.e2e.conftest import (ARTIFACTS, assert_no_axe_violations, bot_messages,
                                open_chat_with_keyboard, send, wait_bot_count_above)

FORM_URL = "https://www.demarches-simplifiees.fr/commencer/fitn7-axe-3-guichets-territoriaux"
OPENING = ("Bonjour, je suis le maire de Mamers, on aimerait un consultant pour définir notre "
           "stratégie numérique")
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]


def answer_for(question: str) -> str | None:
    """What the mayor of Mamers answers to a question (None: pick a quick reply instead)."""
    q = question.lower()
    if re.search(r"combien d.agents|usagers", q):
        return "Une quarantaine d'agents"
    if re.search(r"quand|date|résultat|délai|échéance", q):
        return "Les premiers résultats sont attendus en juin 2022"
    if re.search(r"budget|coût|montant|combien", q):
        return "Environ 8000 euros"
    if re.search(r"département", q):
        return "Sarthe"
    if re.search(r"collectivité|commune|quelle ville", q) and "mamers" not in q:
        return "Mamers"
    if re.search(r"projet|décri", q) and not re.search(r"port|engag|maire|élu|exécutif", q):
        return "Un consultant pour définir notre stratégie numérique"
    return None


def choose_quick_reply(titles: list[str], question: str) -> int:
    """Index of the quick reply to press: homonyms -> the Sarthe one; yes/no -> yes."""
    for i, t in enumerate(titles):
        if "sarthe" in t.lower() or "(72" in t:
            return i
    for i, t in enumerate(titles):
        if t.strip().lower().startswith("oui"):
            return i
    return 0


def tracker_events(stack, sender: str) -> list[str]:
    from web.server import rasa_sender_id   # the widget's id, as the proxy gives it to Rasa

    with urllib.request.urlopen(f"{stack.rasa_url}/conversations/{rasa_sender_id(sender)}/tracker",
                                timeout=10) as resp:
        tracker = json.load(resp)
    return [e.get("text") or "" for e in tracker["events"] if e.get("event") == "user"]


def test_mayor_conversation_to_a_verdict(page, real_stack):
    page.goto(real_stack.web_url + "/")
    open_chat_with_keyboard(page)
    send(page, OPENING)
    transcript = []
    for _turn in range(12):
        assert page.locator("#fitn7-error").inner_text() == "", page.locator("#fitn7-error").inner_text()
        if page.locator("#fitn7-log section.fitn7-card").count():
            break
        question = bot_messages(page).last.inner_text()
        transcript.append(question)
        quick = page.locator("#fitn7-log .fitn7-quick button")
        reply = answer_for(question)
        if quick.count() and reply is None:
            titles = quick.all_inner_texts()
            button = quick.nth(choose_quick_reply(titles, question))
            before = bot_messages(page).count()
            button.focus()
            page.keyboard.press("Enter")  # keyboard only
            wait_bot_count_above(page, before)
        else:
            send(page, reply or "Oui")
    else:
        raise AssertionError("pas de verdict après 12 tours :\n" + "\n---\n".join(transcript))

    card = page.locator("#fitn7-log section.fitn7-card").last
    # the card shows what the assistant sent (kept in sessionStorage with the history)
    history = json.loads(page.evaluate(
        "() => Object.entries(sessionStorage).find(([k]) => k.endsWith('.history'))[1]"))
    assessment = [h for h in history if h.get("assessment")][-1]["assessment"]
    assert assessment["eligibility"] == "eligible", assessment.get("summary")
    assert assessment["sub_axis"] == "3a"
    assert card.locator(".fitn7-badge").inner_text().strip().lower() == "éligible"
    text = card.inner_text()
    # the card names things with the engine's words (the same as the chat and the summary)
    assert assessment["sub_axis_label"].startswith("3a (") and assessment["sub_axis_label"] in text
    assert assessment["collectivity"]["label"].startswith("Mamers (commune")
    assert assessment["collectivity"]["label"] in text
    eur = assessment["amount"]["eur"]
    assert isinstance(eur, (int, float)) and eur > 0
    assert f"{int(eur):,}".replace(",", "\u202f") + "\u00a0€" in text
    assert card.locator("a.fitn7-cta").get_attribute("href") == FORM_URL
    assert card.locator("li").count() >= 1  # main reasons
    contact_links = card.locator(".fitn7-contacts a")
    assert contact_links.count() >= 1
    assert "site" not in contact_links.all_inner_texts()  # link text says where it goes
    assert all(re.match(r"^(https?:|mailto:)", h) for h in
               [contact_links.nth(i).get_attribute("href") for i in range(contact_links.count())])

    # the summary file
    with page.expect_download() as info:
        card.get_by_role("button", name="Télécharger le résumé").focus()
        page.keyboard.press("Enter")
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "resume-conversation.md"
    info.value.save_as(path)
    summary = path.read_text(encoding="utf-8")
    today = datetime.date.today()
    assert info.value.suggested_filename == f"resume-fitn7-axe3-{today.isoformat()}.md"
    assert f"Établi le {today.day} {MONTHS[today.month - 1]} {today.year}" in summary
    assert "Éligibilité : Éligible" in summary and "Sous-axe : 3a" in summary
    assert "Formulaire en ligne : " + FORM_URL in summary
    quotes = [f["source"]["quote"] for f in assessment["findings"]
              if f.get("source") and f.get("status") in ("met", "not_met", "unknown")]
    assert quotes and all(f"« {q} »" in summary for q in quotes)
    assert OPENING in summary

    # reload: the same conversation continues, in the page and in Rasa's tracker
    sender = json.loads(page.evaluate(
        "() => Object.entries(sessionStorage).find(([k]) => k.endsWith('.sender'))[1]"))
    count = page.locator("#fitn7-log .fitn7-msg").count()
    page.reload()
    page.wait_for_selector("#fitn7-panel:not([hidden])")
    assert page.locator("#fitn7-log .fitn7-msg").count() == count
    send(page, "Merci beaucoup")
    assert page.locator("#fitn7-error").inner_text() == ""
    assert page.locator("#fitn7-log .fitn7-msg").count() > count + 1
    said = tracker_events(real_stack, sender)
    assert said[0] == OPENING and said[-1] == "Merci beaucoup"

    assert_no_axe_violations(page, "page de la préfecture, conversation complète")
    # final state, the card shown from its top (the image of the README comes from here)
    page.evaluate("() => { const log = document.getElementById('fitn7-log');"
                  " const cards = log.querySelectorAll('section.fitn7-card');"
                  " log.scrollTop = cards[cards.length - 1].offsetTop - log.offsetTop - 8; }")
    page.screenshot(path=str(ARTIFACTS / "chat-final.png"))


def test_embed_page_against_real_stack(page, real_stack):
    page.goto(real_stack.web_url + "/embed-demo")
    open_chat_with_keyboard(page)
    send(page, "Bonjour")
    assert page.locator("#fitn7-error").inner_text() == ""
    assert bot_messages(page).count() >= 2
    assert_no_axe_violations(page, "page d'intégration, tchat ouvert")
    page.screenshot(path=str(ARTIFACTS / "embed-final.png"))
