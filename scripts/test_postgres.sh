#!/usr/bin/env bash
# Run the case-store/triage tests against a real PostgreSQL: a throwaway cluster in a temp folder,
# on a loopback port, removed at the end. Installs Debian's postgresql if it is missing (root).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
RUN_AS=()
if [ "$(id -u)" = 0 ]; then RUN_AS=(runuser -u postgres --); fi
dir=$(mktemp -d /tmp/fitn7-pg.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop() { "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap stop EXIT
"${RUN_AS[@]}" "$PGBIN/initdb" -D "$dir/data" -U fitn7 --auth=trust -E UTF8 >/dev/null
"${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir" start >/dev/null
"${RUN_AS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U fitn7 fitn7_test
TRIAGE_TEST_PG_URL="postgresql+psycopg2://fitn7@127.0.0.1:$port/fitn7_test" \
  .venv/bin/pytest -q tests/triage -k postgresql
FITN7_TEST_DATABASE_URL="postgresql+psycopg2://fitn7@127.0.0.1:$port/fitn7_test" \
  .venv/bin/pytest -q -p no:warnings tests/rasa_plugins/test_tracker_store.py -k postgresql
