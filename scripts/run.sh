#!/usr/bin/env bash
# Start every process of the assistant on one machine; Ctrl-C stops them all.
#   scripts/run.sh          action server (5055), Rasa REST (5005), web page (8000)
#   scripts/run.sh --shell  action server, then a terminal conversation
# It waits until each server answers and says which one failed, with its log, instead of
# printing the addresses (issue 14 part 7). Settings for that: RUN_WAIT_SECONDS (600: how long
# each server may take to answer, counted from the start of all three; measured on 2 cores shared
# with other jobs, load 10: action server 170 s, Rasa 266 s), RUN_DIR (var: logs and derived endpoints), FITN7_BIN (.venv/bin: the
# commands python, rasa, assistant; the tests point it at stubs).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${FITN7_BIN:-.venv/bin}"
RUN_DIR="${RUN_DIR:-var}"
WAIT_SECONDS="${RUN_WAIT_SECONDS:-600}"
# .env read by python-dotenv (never sourced as shell: values with spaces or comments are safe);
# variables already set in the environment win (assistant/config.py: shell_exports)
eval "$($BIN/python -c 'from assistant.config import shell_exports; print(shell_exports())')"
export RASA_TELEMETRY_ENABLED="${RASA_TELEMETRY_ENABLED:-false}"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$PWD/var/fitn7.sqlite}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
RASA_PORT="${RASA_PORT:-5005}"
WEB_PORT="${WEB_PORT:-8000}"
CORS_ORIGINS="${CORS_ORIGINS:-http://localhost:$WEB_PORT http://127.0.0.1:$WEB_PORT}"
mkdir -p var "$RUN_DIR"
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
        endpoints.yml > "$RUN_DIR/endpoints.yml"
      ENDPOINTS="$RUN_DIR/endpoints.yml"
    fi ;;
  *) echo "DATABASE_URL non pris en charge : SQLite ou PostgreSQL" >&2; exit 2 ;;
esac
pids=()
cleanup() { trap - INT TERM EXIT; for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup INT TERM EXIT

# Progress on one line in a terminal (\r), one line every 15 s in a log.
step() { printf '  [%s] %s… ' "$1" "$2"; }
NEXT_REPORT=15
progress() {  # elapsed seconds
  if [ -t 1 ]; then printf '\r\033[K  [%s] %s… %s s ' "$STEP" "$LABEL" "$1"
  elif (( $1 >= NEXT_REPORT )); then printf '%s s… ' "$1"; NEXT_REPORT=$((NEXT_REPORT + 15)); fi
}
# fail <label> <log> <sentence>: the French report of what failed, the end of its log, exit 1
fail() {
  echo
  {
    echo "Échec du démarrage : $1 $3."
    echo "  Journal à lire : $2 (dernières lignes ci-dessous)"
    tail -n 15 "$2" 2>/dev/null | sed 's/^/  | /'
    echo "Les autres serveurs sont arrêtés. Corrigez puis relancez « make run »."
  } >&2
  exit 1
}
# wait_for <label> <url> <pid> <log>: until the server answers HTTP (any status), its process
# ends, or WAIT_SECONDS pass since LAUNCHED (when the servers were started). A Rasa server opens
# its port only once its model is loaded.
wait_for() {
  local label=$1 url=$2 pid=$3 log=$4 start=$LAUNCHED code
  NEXT_REPORT=$(( (SECONDS - start) / 15 * 15 + 15 ))
  while :; do
    code=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$url" 2>/dev/null) || true
    if [ -n "$code" ] && [ "$code" != 000 ]; then
      if [ -t 1 ]; then printf '\r\033[K  [%s] %s… ' "$STEP" "$LABEL"; fi
      echo "prêt (à $((SECONDS - start)) s du lancement)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      local rc=0
      wait "$pid" 2>/dev/null || rc=$?
      fail "$label" "$log" "s'est arrêté (code de sortie $rc) au bout de $((SECONDS - start)) s, sans répondre sur $url"
    fi
    if (( SECONDS - start >= WAIT_SECONDS )); then
      fail "$label" "$log" "ne répond pas sur $url après $WAIT_SECONDS s (RUN_WAIT_SECONDS)"
    fi
    progress $((SECONDS - start))
    sleep 1
  done
}

echo "Démarrage de l'assistant (journaux dans $RUN_DIR/*.log) :"
# Retention: purge once at start (the web server then purges every PURGE_EVERY_HOURS, 24 by default)
if [ "${1:-}" = "--shell" ]; then TOTAL=2; else TOTAL=4; fi
STEP=1/$TOTAL LABEL="Purge de rétention (RETENTION_DAYS)"
step "$STEP" "$LABEL"
if $BIN/assistant purge >"$RUN_DIR/purge.log" 2>&1; then echo "faite"
else echo "impossible (voir $RUN_DIR/purge.log), on continue"; fi

# What one custom action may receive (the tracker Rasa sends): ACTION_MAX_BYTES, else HTTP 413
SANIC_REQUEST_MAX_SIZE="${ACTION_MAX_BYTES:-4000000}" \
  $BIN/rasa run actions --port "$ACTIONS_PORT" --actions actions >"$RUN_DIR/actions.log" 2>&1 &
actions_pid=$!
pids+=($actions_pid)
LAUNCHED=$SECONDS

if [ "${1:-}" = "--shell" ]; then
  STEP=2/2 LABEL="Serveur d'actions (port $ACTIONS_PORT)"
  step "$STEP" "$LABEL"
  wait_for "le serveur d'actions" "http://localhost:$ACTIONS_PORT/health" "$actions_pid" "$RUN_DIR/actions.log"
  $BIN/rasa shell --model models/fitn7.tar.gz --endpoints "$ENDPOINTS"
  exit 0
fi

api_args=()
if [ -n "${RASA_API_TOKEN:-}" ]; then api_args=(--enable-api --auth-token "$RASA_API_TOKEN"); fi
# shellcheck disable=SC2086
$BIN/rasa run --model models/fitn7.tar.gz --endpoints "$ENDPOINTS" --credentials credentials.yml \
  --interface "${RASA_HOST:-127.0.0.1}" --port "$RASA_PORT" --cors $CORS_ORIGINS "${api_args[@]}" >"$RUN_DIR/rasa.log" 2>&1 &
rasa_pid=$!
pids+=($rasa_pid)

$BIN/python -m web.server --port "$WEB_PORT" >"$RUN_DIR/web.log" 2>&1 &
web_pid=$!
pids+=($web_pid)

# The three start together; each is awaited in turn (the web page says "L'assistant démarre…"
# to a visitor who writes before Rasa is ready).
STEP=2/4 LABEL="Serveur d'actions (port $ACTIONS_PORT)"
step "$STEP" "$LABEL"
wait_for "le serveur d'actions" "http://localhost:$ACTIONS_PORT/health" "$actions_pid" "$RUN_DIR/actions.log"
STEP=3/4 LABEL="Rasa (port $RASA_PORT), chargement du modèle"
step "$STEP" "$LABEL"
wait_for "Rasa" "http://localhost:$RASA_PORT/" "$rasa_pid" "$RUN_DIR/rasa.log"
STEP=4/4 LABEL="Serveur web (port $WEB_PORT)"
step "$STEP" "$LABEL"
wait_for "le serveur web" "http://localhost:$WEB_PORT/healthz" "$web_pid" "$RUN_DIR/web.log"
echo
echo "L'assistant est prêt :"
echo "  Assistant (REST) : http://localhost:$RASA_PORT/webhooks/rest/webhook"
echo "  Page de démonstration et tchat : http://localhost:$WEB_PORT/"
echo "  File de tri (helpdesk) : http://localhost:$WEB_PORT/triage"
echo "  Ctrl-C arrête tout."
rc=0
wait -n "${pids[@]}" || rc=$?
# one server stopped by itself: say which one (the trap then stops the others)
for entry in "le serveur d'actions:$actions_pid:actions" "Rasa:$rasa_pid:rasa" "le serveur web:$web_pid:web"; do
  IFS=: read -r label pid name <<<"$entry"
  if ! kill -0 "$pid" 2>/dev/null; then
    echo >&2
    echo "Arrêt : $label s'est arrêté (code de sortie $rc). Journal à lire : $RUN_DIR/$name.log" >&2
    tail -n 15 "$RUN_DIR/$name.log" 2>/dev/null | sed 's/^/  | /' >&2
    exit 1
  fi
done
