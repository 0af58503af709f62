#!/usr/bin/env bash
# Runs a peer on the same work as `jejak-bench`: the Python eventsourcing library (9.5.6, SQLite)
# on the same shape of exchange events — one per save, 100 per save, a full replay — and prints
# its figures beside Jejak's.
#
#   bash Tools/peer-bench.sh                     # full sizes; runs jejak-bench --only append --only projections --only size
#   bash Tools/peer-bench.sh --quick             # small sizes on both sides, about a minute
#   bash Tools/peer-bench.sh --jejak bench.json  # beside a saved `jejak-bench --json` instead of a new run
#
# Makes a virtual environment in .venv-peer (once) and pip-installs eventsourcing==9.5.6 into it.
# Uses $JEJAK_BENCH as the jejak-bench binary if set, else .build/release/jejak-bench, building it if missing.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
jejak_json=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick); shift ;;
    --jejak) jejak_json="$2"; shift 2 ;;
    *) echo "Tools/peer-bench.sh: unknown option $1 (use --quick or --jejak FILE)" >&2; exit 64 ;;
  esac
done

venv=.venv-peer
if ! "$venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(0 if m.version("eventsourcing") == "9.5.6" else 1)' 2>/dev/null; then
  echo "Tools/peer-bench.sh: installing eventsourcing 9.5.6 into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check eventsourcing==9.5.6
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$jejak_json" ]; then
  bin=${JEJAK_BENCH:-.build/release/jejak-bench}
  if [ ! -x "$bin" ]; then
    echo "Tools/peer-bench.sh: building jejak-bench (release)" >&2
    swift build -c release --product jejak-bench >&2
  fi
  echo "Tools/peer-bench.sh: jejak-bench ${quick[*]} --json --only append --only projections --only size" >&2
  "$bin" "${quick[@]}" --json --only append --only projections --only size > "$work/jejak.json"
  jejak_json="$work/jejak.json"
fi
# One after the other, never at the same time: each has the machine to itself.
"$venv/bin/python" Tools/peer_eventsourcing.py "${quick[@]}" --jejak "$jejak_json"
