"""A tiny scripted stand-in for Rasa's REST channel, to test the widget's mechanics in the browser
(rendering, injection, outage and retry, reload) without loading the real model.

It is not the assistant: the real conversation is tested against the real stack
(test_conversation.py). Script, per sender:
  turn 1 -> a question with Oui/Non quick replies
  turn 2 -> a question about the date (plain text)
  turn 3 -> the verdict: a text and a custom assessment (the ``ASSESSMENT`` below)
  later  -> "Je note : <message>"
"silence" gets [] (what Rasa answers when its action server is down); a message starting with
"lentement" is answered after one second (to send a retry while the first copy is in flight).
Any message containing "<" is echoed back verbatim, with a javascript: link and a real link, to
check that bot strings are rendered as text.
"""
from __future__ import annotations

import asyncio
import threading

from aiohttp import web

ASSESSMENT = {
    "eligibility": "eligible", "eligibility_label": "éligible",
    "findings": [
        {"rule": "applicant_type", "status": "met", "message": "Une commune peut candidater.",
         "source": {"section": "Quelles conditions d'éligibilité ?",
                    "quote": "le candidat est une collectivité, un groupement de collectivités"}, "values": {}},
        {"rule": "decision_level", "status": "met", "message": "Le projet est porté par le maire.",
         "source": {"section": "Quelles conditions d'éligibilité ?",
                    "quote": "Le projet est porté avec un engagement à un niveau décisionnel chez le candidat"},
         "values": {}},
        {"rule": "results_date", "status": "unknown", "message": "Résultats <b>avant</b> fin 2022 à confirmer.",
         "source": {"section": "Quelles conditions d'éligibilité ?",
                    "quote": "Le projet donne des résultats tangibles avant fin 2022."}, "values": {},
         "how_to_change": "Indiquez la date des <i>premiers</i> résultats."},
    ],
    "missing": ["budget_eur"],
    "missing_labels": ["le budget du projet"],   # the engine's words (the widget's own table says "le budget")
    "sub_axis": "3a", "sub_axis_label": "3a (accompagnement par un expert du numérique)",
    "amount": {"kind": "flat_rate", "eur": 5000,
               "explanation": "Forfait de 5 000 € pour une commune de moins de 5 000 habitants.",
               "excluded_expenses": []},
    "collectivity": {"code": "72180", "name": "Mamers", "type": "commune", "population": 4983,
                     "department": "72", "department_name": "Sarthe",
                     "label": "Mamers (commune, Sarthe (72), 4\u202f983 habitants)", "type_label": "commune"},
    "application_url": "https://www.demarches-simplifiees.fr/commencer/fitn7-axe-3-guichets-territoriaux",
    "contacts": [
        {"kind": "prefecture", "name": "Préfecture de la Sarthe", "email": "pref-numerique@sarthe.example",
         "url": "javascript:alert(2)", "why": "Le guichet est géré par le préfet du département."},
    ],
    "advice": ["Joignez le devis du consultant."],
    "summary": "Mamers (Sarthe) : projet d'accompagnement par un expert (3a), éligible, forfait de 5 000 €.",
}


class FakeRasa:
    def __init__(self) -> None:
        self.turns: dict[str, int] = {}
        self.received: list[dict] = []
        self.port: int | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        sender, text = body["sender"], body["message"]
        if text == "silence":          # Rasa's answer when its action server is down
            return web.json_response([])
        if text == "mon dossier":       # a link button (the prefilled dossier) and a hostile one
            return web.json_response([{"recipient_id": sender, "text": "Votre dossier est prérempli.",
                                       "buttons": [{"title": "Ouvrir mon dossier", "type": "web_url",
                                                    "url": "https://www.demarches-simplifiees.fr/dossiers/123"},
                                                   {"title": "Piège", "url": "javascript:alert(4)"}]}])
        if text.startswith("lentement"):
            await asyncio.sleep(1.0)
        if "<" in text:
            return web.json_response([{"recipient_id": sender,
                                       "text": f"Vous avez écrit : {text} [cliquez ici](javascript:alert(3)) "
                                               "et voyez https://www.economie.gouv.fr/plan-de-relance."}])
        turn = self.turns.get(sender, 0) + 1
        self.turns[sender] = turn
        if turn == 1:
            return web.json_response([{"recipient_id": sender, "text": "Le projet est-il porté par le maire ou l'exécutif ?",
                                       "buttons": [{"title": "Oui", "payload": "/affirm"},
                                                   {"title": "Non", "payload": "/deny"}]}])
        if turn == 2:
            return web.json_response([{"recipient_id": sender,
                                       "text": "Quand attendez-vous les premiers résultats concrets ?"}])
        if turn == 3:
            return web.json_response([
                {"recipient_id": sender, "text": "Voici mon évaluation :"},
                {"recipient_id": sender, "custom": {"assessment": ASSESSMENT}},
            ])
        if "parler" in text:
            return web.json_response([{"recipient_id": sender, "text": (
                "Je vous mets en relation. Message prêt à envoyer : mailto:pref-numerique%40sarthe.example"
                "?subject=FITN7%20axe%203&body=Bonjour%2C%0A%0ASynth%C3%A8se")}])
        return web.json_response([{"recipient_id": sender, "text": f"Je note : {text}"}])

    async def _hello(self, request: web.Request) -> web.Response:
        return web.Response(text="Hello from fake Rasa")

    async def _start(self, port: int) -> None:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        app.router.add_get("/", self._hello)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    def up(self) -> "FakeRasa":
        asyncio.run_coroutine_threadsafe(self._start(self.port or 0), self._loop).result(10)
        return self

    def down(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)

    def close(self) -> None:
        self.down()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


class ThreadedWebServer:
    """web.server.create_app() served from a background thread (for tests against FakeRasa)."""

    def __init__(self, rasa_url: str, cors_origins: list[str] | None = None, triage_store=None,
                 triage_settings=None, startup_grace: float = 0.0) -> None:
        """startup_grace: STARTUP_GRACE_SECONDS of web.server (0 here: an outage test sees the
        "unavailable" answer at once; the start-up tests of test_startup.py pass a grace)."""
        from web.server import create_app

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._app = create_app(rasa_url=rasa_url, cors_origins=cors_origins or ["http://allowed.example"],
                               triage_store=triage_store, triage_settings=triage_settings,
                               startup_grace=startup_grace)
        self._runner = web.AppRunner(self._app, access_log=None)

        async def start() -> int:
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            return site._server.sockets[0].getsockname()[1]

        self.port = asyncio.run_coroutine_threadsafe(start(), self._loop).result(10)
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
