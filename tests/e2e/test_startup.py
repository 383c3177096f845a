"""Issue 14 part 7: while the servers start, the widget says "L'assistant démarre…" and sends the
message once Rasa is ready, instead of "ne répond pas". Rasa loading its model does not listen on
its port yet: FakeRasa taken down (its port kept) plays that, then comes up."""
from __future__ import annotations

import json
import time
import urllib.request

import pytest

from tests.e2e.conftest import bot_messages, open_chat_with_keyboard, wait_bot_count_above, wait_until
from tests.e2e.fake_rasa import FakeRasa, ThreadedWebServer
from tests.e2e.test_server_http import SENDER, chat

STARTING = "L'assistant démarre…"


def health(site) -> dict:
    with urllib.request.urlopen(site.url + "/healthz", timeout=10) as resp:
        assert resp.status == 200     # liveness of the web server, whatever Rasa does
        return json.loads(resp.read())


@pytest.fixture
def loading_rasa():
    """A FakeRasa whose port is known but closed (a Rasa still loading its model)."""
    fake = FakeRasa().up()
    fake.down()
    yield fake
    fake.close()


def status_text(page) -> str:
    return page.evaluate("() => document.getElementById('fitn7-status').textContent")


def test_proxy_and_healthz_say_starting_until_rasa_answers(loading_rasa):
    site = ThreadedWebServer(loading_rasa.url, startup_grace=120)
    try:
        assert health(site) == {"status": "ok", "rasa": "starting"}
        status, headers, body = chat(site, {"sender": SENDER, "message": "Bonjour"})
        answer = json.loads(body)
        assert status == 503 and answer["starting"] is True
        assert "réessayez" in answer["error"]          # the same French error for other clients
        assert headers["Retry-After"] == "5"
        # an embed on an allowed site may ask too (the widget polls it while waiting)
        req = urllib.request.Request(site.url + "/healthz", headers={"Origin": "http://allowed.example"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.headers["Access-Control-Allow-Origin"] == "http://allowed.example"
        loading_rasa.up()
        assert health(site)["rasa"] == "ready"
        status, _, _ = chat(site, {"sender": SENDER, "message": "Bonjour"})
        assert status == 200
        loading_rasa.down()   # once it has answered, an outage is an outage, not a start
        status, _, body = chat(site, {"sender": SENDER, "message": "encore"})
        assert status == 503 and "starting" not in json.loads(body)
    finally:
        site.close()


def test_starting_ends_with_the_grace(loading_rasa):
    site = ThreadedWebServer(loading_rasa.url, startup_grace=0.5)
    try:
        time.sleep(0.6)
        assert health(site)["rasa"] == "unavailable"
        status, _, body = chat(site, {"sender": SENDER, "message": "Bonjour"})
        assert status == 503 and "starting" not in json.loads(body)
    finally:
        site.close()


def test_widget_says_starting_then_sends_the_message_once_rasa_is_ready(page, loading_rasa):
    site = ThreadedWebServer(loading_rasa.url, startup_grace=120)
    try:
        page.goto(site.url + "/embed-demo")
        open_chat_with_keyboard(page)
        page.locator("#fitn7-input").fill("Bonjour")
        page.keyboard.press("Enter")
        wait_until(page, "([t]) => document.getElementById('fitn7-status').textContent.startsWith(t)", [STARTING])
        assert page.locator("#fitn7-status[role=status]").count() == 1      # announced politely
        assert page.locator("#fitn7-error").inner_text() == ""              # no "ne répond pas"
        page.wait_for_timeout(2500)       # a poll of /healthz later: still starting, still no error
        assert status_text(page).startswith(STARTING)
        assert page.locator("#fitn7-error").inner_text() == ""
        assert bot_messages(page).count() == 1        # the welcome message only
        loading_rasa.up()
        wait_bot_count_above(page, 1, timeout=20_000)
        assert "porté par le maire" in bot_messages(page).last.inner_text()
        assert status_text(page) == ""
        assert page.locator("#fitn7-error").inner_text() == ""
        assert [r["message"] for r in loading_rasa.received] == ["Bonjour"]   # sent once, when ready
        assert page.locator("#fitn7-log .fitn7-msg--user").count() == 1
    finally:
        site.close()


def test_widget_gives_up_when_the_start_never_ends(page, loading_rasa):
    site = ThreadedWebServer(loading_rasa.url, startup_grace=3)
    try:
        page.goto(site.url + "/embed-demo")
        open_chat_with_keyboard(page)
        page.locator("#fitn7-input").fill("Bonjour")
        page.keyboard.press("Enter")
        wait_until(page, "([t]) => document.getElementById('fitn7-status').textContent.startsWith(t)", [STARTING])
        # the grace is over: /healthz says "unavailable", the widget says so, with its retry button
        wait_until(page, "() => document.getElementById('fitn7-error').textContent.includes('ne répond pas')",
                   timeout=15_000)
        assert status_text(page) == ""
        assert page.locator("#fitn7-error").get_by_role("button", name="Réessayer").is_visible()
    finally:
        site.close()


def test_widget_waits_through_a_reverse_proxy_502(page, fake_site):
    """In front of the web server, a reverse proxy answers 502 with its own page while the web
    server starts: the widget waits and sends again, it does not show an error."""
    calls = []

    def proxy_down(route):
        calls.append(route.request.url)
        route.fulfill(status=502, content_type="text/html", body="<html><body>502 Bad Gateway</body></html>")

    page.goto(fake_site.url + "/embed-demo")
    open_chat_with_keyboard(page)
    page.route("**/api/chat", proxy_down)
    page.route("**/healthz", proxy_down)
    page.locator("#fitn7-input").fill("Bonjour")
    page.keyboard.press("Enter")
    wait_until(page, "([t]) => document.getElementById('fitn7-status').textContent.startsWith(t)", [STARTING])
    page.wait_for_timeout(2500)
    assert any(u.endswith("/healthz") for u in calls)     # it asks whether the servers are up
    assert page.locator("#fitn7-error").inner_text() == ""
    page.unroute("**/api/chat")
    page.unroute("**/healthz")
    wait_bot_count_above(page, 1, timeout=20_000)
    assert page.locator("#fitn7-error").inner_text() == ""
    assert status_text(page) == ""
