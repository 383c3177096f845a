"""rasa_plugins/tracker_store.py on SQLite under concurrent conversations (issue 11's evaluation).

The store runs every database call in a worker thread. With SQLAlchemy's SingletonThreadPool (one
connection per thread, at most 5 kept: the others are closed while another thread may still use
them) a Rasa server handling several conversations at once crashed in libsqlite3 (a segfault: the
simulated user of scripts/eval_conversations.py then got "connection refused" on every scenario).
The conversations are played in a child process, so that a crash there is a failure here.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import asyncio, concurrent.futures, sys
    sys.path.insert(0, {here!r})
    from rasa.shared.core.domain import Domain
    from rasa.core.tracker_store import SQLTrackerStore
    from store_helpers import cached, turn

    domain = Domain.load({domain!r})
    db = {db!r}
    SENDERS, TURNS = 24, 6

    async def conversation(store, sender):
        t = await store.get_or_create_tracker(sender, append_action_listen=False)
        turn(t, domain, "bonjour")
        await store.save(t)
        for i in range(TURNS):
            t = await store.retrieve(sender)
            turn(t, domain, f"réponse {{i}}")
            await store.save(t)

    async def main():
        # more worker threads than SingletonThreadPool keeps connections (5)
        asyncio.get_running_loop().set_default_executor(concurrent.futures.ThreadPoolExecutor(16))
        store = cached(domain, db, cache_size=0)     # every retrieve reads SQL
        await asyncio.gather(*(conversation(store, f"s{{n}}") for n in range(SENDERS)))
        reference = SQLTrackerStore(domain=domain, dialect="sqlite", db=db)
        counts = [len((await reference.retrieve(f"s{{n}}")).events) for n in range(SENDERS)]
        print("COUNTS", sorted(set(counts)))

    asyncio.run(main())
""")


def test_many_conversations_at_once_on_sqlite(tmp_path):
    script = CHILD.format(here=str(Path(__file__).parent), domain=str(ROOT / "domain.yml"),
                          db=str(tmp_path / "t.sqlite"))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"code {done.returncode}:\n{done.stderr[-3000:]}"
    assert "Cannot operate on a closed database" not in done.stderr
    # every conversation complete: its first turn (3 events) and 6 more turns of 3 events
    assert "COUNTS [21]" in done.stdout, done.stdout + done.stderr[-2000:]
