#!/usr/bin/env bash
# One step of `make run` (install, referential, training) with visible progress:
#   scripts/step.sh <n/N> <label> <log file> -- <command> [args...]
# prints "[n/N] <label>…", runs the command with its output in the log file, shows the time
# spent and the last line of the log (pip's "Collecting …", Rasa's "Epochs: 35% … 14/40") on one
# line in a terminal, or every 15 s in a log; then "fait (N s)", or the failure in French with the
# log to read and its last lines (exit code of the command).
set -uo pipefail
if [ $# -lt 5 ] || [ "$4" != "--" ]; then
  echo "usage : scripts/step.sh <n/N> <libellé> <journal> -- <commande> [arguments…]" >&2
  exit 2
fi
step=$1 label=$2 log=$3
shift 4
mkdir -p "$(dirname "$log")"
start=$SECONDS
last_line() {  # the last non-empty line of the log, \r-separated progress bars included, 70 chars
  tail -c 2000 "$log" 2>/dev/null | tr '\r' '\n' | sed -e 's/\x1b\[[0-9;]*m//g' -e 's/[[:space:]]*$//' \
    | grep -v '^$' | tail -n 1 | cut -c 1-70
}
printf '  [%s] %s… ' "$step" "$label"
"$@" >"$log" 2>&1 &
pid=$!
shown=0 next=15
trap 'kill "$pid" 2>/dev/null; exit 130' INT TERM
while kill -0 "$pid" 2>/dev/null; do
  sleep 1
  elapsed=$((SECONDS - start))
  if [ -t 1 ]; then
    printf '\r\033[K  [%s] %s… %s s  %s' "$step" "$label" "$elapsed" "$(last_line)"
  elif (( elapsed >= next )); then
    printf '\n      %s s : %s' "$elapsed" "$(last_line)"
    shown=1 next=$((next + 15))
  fi
done
wait "$pid"
rc=$?
if [ -t 1 ]; then printf '\r\033[K  [%s] %s… ' "$step" "$label"; elif [ "$shown" = 1 ]; then printf '\n      '; fi
if [ "$rc" -eq 0 ]; then
  echo "fait ($((SECONDS - start)) s)"
  exit 0
fi
echo "échec"
{
  echo "Échec de l'étape « $label » (code de sortie $rc)."
  echo "  Journal à lire : $log (dernières lignes ci-dessous)"
  tail -n 20 "$log" | tr '\r' '\n' | tail -n 20 | sed 's/^/  | /'
} >&2
exit "$rc"
