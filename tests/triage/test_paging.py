"""Issue 13, point 2: the queue and the CSV page through the cases; a hand-off from a
conversation that never named its collectivity ranks after the real cases."""
from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from assistant.helpdesk.triage import csv_chunks, hash_password, iter_queue, queue, to_csv
from web.triage import COOKIE, TriageSettings, make_session, setup

from .helpers import assessment


def test_anonymous_handoff_ranks_after_identified_cases(store):
    store.record("flood-1", "rest", {}, None, handoff_reason="demande de l'usager")
    store.record("flood-2", "rest", {}, None)
    store.record("vraie", "rest", {}, assessment(eligibility="not_eligible"))
    order = [it.case.conversation_id for it in queue(store)]
    assert order[0] == "vraie"
    reasons = [r.rule_id for r in queue(store)[-1].priority.reasons]
    assert "triage_unidentified" in reasons


def test_csv_in_chunks_is_the_same_file(store):
    for i in range(7):
        store.record(f"c-{i}", "rest", {"description": f"projet {i}"}, assessment(population=1000 * i))
    assert b"".join(csv_chunks(iter_queue(store, chunk=2))) == to_csv(queue(store))
    assert b"".join(csv_chunks(iter_queue(store, chunk=2))).startswith("\ufeff".encode())


def test_api_pages_the_queue(store):
    for i in range(5):
        store.record(f"p-{i}", "rest", {}, assessment(population=100 + i))
    settings = TriageSettings(password_hash=hash_password("mot de passe des pages"), session_secret=None)
    expected = [it.case.id for it in queue(store)]

    async def main():
        app = web.Application()
        setup(app, store=store, settings=settings)
        async with TestClient(TestServer(app)) as client:
            cookies = {COOKIE: make_session(settings)}
            one = await (await client.get("/triage/api/cases?per_page=2", cookies=cookies)).json()
            three = await (await client.get("/triage/api/cases?per_page=2&page=3", cookies=cookies)).json()
            bad = await client.get("/triage/api/cases?page=-1", cookies=cookies)
            csv = await (await client.get("/triage/export.csv", cookies=cookies)).read()
            return one, three, bad.status, (await bad.json())["error"], csv

    one, three, bad, error, csv = asyncio.run(main())
    assert one["count"] == 5 and one["pages"] == 3 and len(one["cases"]) == 2
    assert [c["id"] for c in one["cases"]] == expected[:2]
    assert [c["rank"] for c in three["cases"]] == [5] and [c["id"] for c in three["cases"]] == expected[4:]
    assert bad == 400 and "page" in error
    assert csv == to_csv(queue(store))
