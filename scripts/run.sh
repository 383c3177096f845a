#!/usr/bin/env bash
# Start every process of the assistant on one machine; Ctrl-C stops them all.
#   scripts/run.sh          action server (5055), Rasa REST (5005), web page (8000)
#   scripts/run.sh --shell  action server, then a terminal conversation
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# .env read by python-dotenv (never sourced as shell: values with spaces or comments are safe);
# variables already set in the environment win (assistant/config.py: shell_exports)
eval "$($BIN/python -c 'from assistant.config import shell_exports; print(shell_exports())')"
export RASA_TELEMETRY_ENABLED="${RASA_TELEMETRY_ENABLED:-false}"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$PWD/var/fitn7.sqlite}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
RASA_PORT="${RASA_PORT:-5005}"
WEB_PORT="${WEB_PORT:-8000}"
CORS_ORIGINS="${CORS_ORIGINS:-http://localhost:$WEB_PORT http://127.0.0.1:$WEB_PORT}"
mkdir -p var
ENDPOINTS=endpoints.yml
case "$DATABASE_URL" in
  postgresql*)
    # Rasa's SQL tracker store takes the parts of the URL, not the URL itself.
    eval "$($BIN/python - <<'PY'
import os, shlex
from sqlalchemy.engine import make_url
u = make_url(os.environ["DATABASE_URL"])
for k, v in {"DB_HOST": u.host or "localhost", "DB_PORT": u.port or 5432, "DB_NAME": u.database,
             "DB_USER": u.username or "", "DB_PASSWORD": u.password or ""}.items():
    print(f"export {k}={shlex.quote(str(v))}")
PY
)"
    export ACTION_ENDPOINT_URL="http://localhost:$ACTIONS_PORT/webhook"
    ENDPOINTS=endpoints.postgres.yml ;;
  sqlite*)
    # endpoints.yml names the default port and file: derive a copy when either differs.
    db_path=$($BIN/python -c 'import os, pathlib; from sqlalchemy.engine import make_url; print(pathlib.Path(make_url(os.environ["DATABASE_URL"]).database).resolve())')
    if [ "$ACTIONS_PORT" != 5055 ] || [ "$db_path" != "$PWD/var/fitn7.sqlite" ]; then
      sed -e "s|localhost:5055|localhost:$ACTIONS_PORT|" -e "s|db: \"var/fitn7.sqlite\"|db: \"$db_path\"|" \
        endpoints.yml > var/endpoints.yml
      ENDPOINTS=var/endpoints.yml
    fi ;;
  *) echo "DATABASE_URL non pris en charge : SQLite ou PostgreSQL" >&2; exit 2 ;;
esac
# Retention: purge once at start (the web server then purges every PURGE_EVERY_HOURS, 24 by default)
$BIN/assistant purge >var/purge.log 2>&1 || echo "Purge de rétention impossible (voir var/purge.log)" >&2
pids=()
cleanup() { trap - INT TERM EXIT; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup INT TERM EXIT

# What one custom action may receive (the tracker Rasa sends): ACTION_MAX_BYTES, else HTTP 413
SANIC_REQUEST_MAX_SIZE="${ACTION_MAX_BYTES:-4000000}" \
  $BIN/rasa run actions --port "$ACTIONS_PORT" --actions actions >var/actions.log 2>&1 &
pids+=($!)

if [ "${1:-}" = "--shell" ]; then
  $BIN/rasa shell --model models/fitn7.tar.gz --endpoints "$ENDPOINTS"
  exit 0
fi

api_args=()
if [ -n "${RASA_API_TOKEN:-}" ]; then api_args=(--enable-api --auth-token "$RASA_API_TOKEN"); fi
# shellcheck disable=SC2086
$BIN/rasa run --model models/fitn7.tar.gz --endpoints "$ENDPOINTS" --credentials credentials.yml \
  --interface "${RASA_HOST:-127.0.0.1}" --port "$RASA_PORT" --cors $CORS_ORIGINS "${api_args[@]}" >var/rasa.log 2>&1 &
pids+=($!)

$BIN/python -m web.server --port "$WEB_PORT" >var/web.log 2>&1 &
pids+=($!)

echo "Démarrage… (journaux dans var/*.log)"
for i in $(seq 1 120); do
  curl -fs "http://localhost:$RASA_PORT/" >/dev/null 2>&1 && break
  sleep 1
done
echo
echo "  Assistant (REST) : http://localhost:$RASA_PORT/webhooks/rest/webhook"
echo "  Page de démonstration et tchat : http://localhost:$WEB_PORT/"
echo "  File de tri (helpdesk) : http://localhost:$WEB_PORT/triage"
echo "  Ctrl-C arrête tout."
wait -n "${pids[@]}" || true
