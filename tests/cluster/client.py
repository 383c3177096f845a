"""Users of the cluster, as the widget is: one sender id per conversation, one message at a time,
a failed message retried with the same message id (tests/cluster, scripts/bench_cluster.py).

The message id is sent where each receiver reads it: top-level `message_id` for the web proxy
(web/server.py, as widget.js sends it; the proxy drops a `metadata.message_id` and forwards its
own), `metadata.message_id` for a Rasa instance called directly (rasa_plugins/rest_channel.py).
Through the web proxy Rasa knows the conversation by a keyed hash of the widget's id
(`Cluster.rasa_id`): `Result.conversation_id` is that id when `play` is given it.
"""
from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from typing import Awaitable, Callable

import aiohttp

COMMUNES = ["Mamers", "Rodez", "Millau", "Sablé-sur-Sarthe", "La Flèche", "Aurillac", "Mende", "Figeac",
            "Cahors", "Guéret", "Tulle", "Foix", "Vannes", "Lannion", "Dinan", "Morlaix"]
PROJECTS = [
    "on aimerait un consultant pour définir notre stratégie numérique",
    "nous voulons former nos agents à la messagerie et à l'intranet",
    "on souhaite créer un portail de démarches en ligne pour les habitants",
    "on veut moderniser notre standard téléphonique avec un serveur vocal",
]
FOLLOW_UPS = [["oui", "juin 2022"], ["oui", "fin 2022", "12 000 €"], ["non"],
              ["quelles dépenses sont exclues ?", "oui", "décembre 2022"]]
HANDOFF = "je veux parler à quelqu'un"


def scripts(n: int, handoff_every: int = 0) -> list[list[str]]:
    """n deterministic conversations of 2 to 5 messages; every `handoff_every`-th asks for a human."""
    out = []
    for i in range(n):
        turns = [f"Bonjour, je suis le maire de {COMMUNES[i % len(COMMUNES)]}, "
                 f"{PROJECTS[(i // 2) % len(PROJECTS)]}"] + FOLLOW_UPS[i % len(FOLLOW_UPS)]
        if handoff_every and i % handoff_every == 0:
            turns.append(HANDOFF)
        out.append(turns)
    return out


def new_sender() -> str:
    return uuid.uuid4().hex


@dataclasses.dataclass
class Failure:
    status: int | None
    error: str


@dataclasses.dataclass
class Result:
    sender: str                        # the widget's id (what the client sends)
    conversation_id: str               # the id Rasa and PostgreSQL know (a hash, via the web proxy)
    answers: list[list[dict]]          # per turn, the bot messages
    latencies: list[float]             # seconds, per successful turn (retries included)
    failures: list[Failure]


def texts(messages: list[dict], sender: str = "") -> list[str]:
    """What a user sees of an answer: texts and button titles (sender id masked)."""
    out = []
    for m in messages:
        if m.get("text"):
            out.append(m["text"].replace(sender, "<SENDER>") if sender else m["text"])
        out += [f"[{b.get('title')}]" for b in m.get("buttons") or []]
    return out


async def say(session: aiohttp.ClientSession, url: str, sender: str, text: str,
              failures: list[Failure], attempts: int = 80, pause: float = 0.5) -> list[dict]:
    """POST one message until answered (HTTP 200), the same message id on every attempt."""
    message_id = uuid.uuid4().hex
    payload = {"sender": sender, "message": text, "message_id": message_id,
               "metadata": {"message_id": message_id}}
    for _ in range(attempts):
        try:
            async with session.post(url, json=payload) as resp:
                raw = await resp.text()
                if resp.status == 200:
                    body = json.loads(raw)
                    if isinstance(body, list):
                        return body
                try:
                    error = json.loads(raw).get("error", raw)
                except (ValueError, AttributeError):
                    error = raw
                failures.append(Failure(resp.status, str(error)))
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            failures.append(Failure(None, repr(exc)))
        await asyncio.sleep(pause)
    raise AssertionError(f"message of {sender} never answered after {attempts} attempts: "
                         f"{failures[-3:]}")


async def play(convs: list[list[str]], url_for: Callable[[int, int], str], users: int,
               on_turn: Callable[[int], Awaitable[None]] | None = None,
               timeout: float = 120.0, rasa_id: Callable[[str], str] | None = None) -> list[Result]:
    """Play every conversation, `users` at a time, each user sending without pause.

    url_for(conversation index, turn index) -> the URL of that message (load balancer or one
    instance); on_turn(number of turns answered so far) is awaited after each answer (to disturb
    the cluster in the middle of the run); rasa_id(widget id) -> the conversation id Rasa gets
    (Cluster.rasa_id when url_for is the public URL; the widget id itself by default).
    """
    results: list[Result | None] = [None] * len(convs)
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(len(convs)):
        queue.put_nowait(i)
    done = 0
    conn = aiohttp.TCPConnector(limit=users + 4, force_close=False)
    async with aiohttp.ClientSession(connector=conn, timeout=aiohttp.ClientTimeout(total=timeout)) as session:
        async def user() -> None:
            nonlocal done
            while not queue.empty():
                i = queue.get_nowait()
                sender, failures, answers, lat = new_sender(), [], [], []
                for k, text in enumerate(convs[i]):
                    t0 = time.perf_counter()
                    answers.append(await say(session, url_for(i, k), sender, text, failures))
                    lat.append(time.perf_counter() - t0)
                    done += 1
                    if on_turn:
                        await on_turn(done)
                results[i] = Result(sender, rasa_id(sender) if rasa_id else sender, answers, lat, failures)

        await asyncio.gather(*(user() for _ in range(users)))
    return [r for r in results if r is not None]
