#!/usr/bin/env bash
# Crash safety under SIGKILL: a durable publisher with many concurrent appenders, and projection
# workers, are killed at random moments; after each kill the ledger must reopen with an audit of
# zero findings, every receipt the publisher was given must be in the log at its index, every
# batch (a whole exchange of 3 or 5 events) must be all in the log or all absent, and the read
# models must equal a build from scratch (`jejak inspect --db` rebuilds and compares them).
#
# Then, over the network: `jejak serve` is SIGKILLed and restarted while clients with outboxes
# (`jejak-bench stress remote`, each task its own outbox) publish through it, and every other
# time the client is SIGKILLed too and restarted on its outboxes; at the end every event an
# outbox accepted is in the log exactly once, byte for byte, at its receipt's index, every
# receipt verifies, and the ledger audits clean.
#
# Usage: bash Tools/crash-test.sh [--trials N] [--server-trials N] [--tasks N] [--dir DIR] [--keep]
#   --trials N   publisher trials, each followed by a projection trial (default 50)
#   --server-trials N  server kills during publishing through it (default 10)
#   --tasks N    concurrent appending tasks of the publisher (default 16)
#   --dir DIR    work directory (default: a new temporary directory, removed unless --keep)
# JEJAK_BIN=path/to/jejak uses that binary; otherwise a release build is made.
#
# Each publisher trial: start `jejak-bench stress publish` (durable, journaling each batch before its
# append and each receipt as soon as the append returns, one write(2) per line) while a
# `jejak project --follow` worker and one read-only `jejak inspect` run beside it; wait until it
# appends, sleep a random 50-800 ms (every fifth trial: from the process start, so some kills
# land while the ledger opens), SIGKILL the publisher and the worker; then `jejak-bench stress check`
# (receipts, batches), `jejak inspect --json --db` (zero findings; the killed worker's read
# models equal a fresh build at their position). Each projection trial: a fresh read-model file
# is built by `jejak project --follow` over the whole log and SIGKILLed 50-800 ms in, mid
# catch-up; the killed file must equal a fresh build at its position, and the rerun must finish
# and equal a fresh build again.
set -euo pipefail
cd "$(dirname "$0")/.."

trials=50 server_trials=10 tasks=16 dir="" keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --trials) trials="$2"; shift 2 ;;
    --server-trials) server_trials="$2"; shift 2 ;;
    --tasks) tasks="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--trials N] [--server-trials N] [--tasks N] [--dir DIR] [--keep]" >&2; exit 64 ;;
  esac
done

if [ -n "${JEJAK_BIN:-}" ]; then
  jejak="$JEJAK_BIN"
  bench="${JEJAK_BENCH_BIN:-$(dirname "$JEJAK_BIN")/jejak-bench}"
else
  echo "== building jejak and jejak-bench (release)"
  swift build -c release --product jejak >/dev/null
  swift build -c release --product jejak-bench >/dev/null
  jejak="$(swift build -c release --show-bin-path)/jejak"
  bench="$(swift build -c release --show-bin-path)/jejak-bench"
fi
if [ -z "$dir" ]; then
  dir="$(mktemp -d "${TMPDIR:-/tmp}/jejak-crash.XXXXXX")"
  [ "$keep" = 1 ] || trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
ledger="$dir/ledger" keys="$dir/keys" live="$dir/live.sqlite" fresh="$dir/fresh.sqlite"
export JEJAK_AUTHORITY_KEY="$dir/authority.key"   # outside the ledger directory
export JEJAK_LEDGER="$ledger"

fail() { echo "FAIL (trial $trial): $*" >&2; echo "work directory kept: $dir" >&2; trap - EXIT; exit 1; }
# Milliseconds since the epoch, and a random number of milliseconds in [50, 800].
now_ms() { date +%s%3N; }
random_ms() { echo $(( 50 + (RANDOM * 32768 + RANDOM) % 751 )); }
sleep_ms() { sleep "$(printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )))"; }
# Kills a process we started (by its pid) and reaps it.
kill9() { kill -KILL "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# Runs `jejak inspect` and fails the trial unless it reports no findings.
inspect_clean() {
  local what="$1"; shift
  local out rc=0
  out="$("$jejak" inspect --json --quiet "$@" 2>&1)" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "$out" | head -40 >&2
    fail "$what: jejak inspect exited $rc"
  fi
  # A pattern match, not `echo | grep -q`: grep leaving at its first match can kill echo with
  # SIGPIPE on a long report, which pipefail turns into a failed match.
  if [[ "$out" != *'"findingCount" : 0'* ]]; then
    echo "$out" | head -60 >&2
    fail "$what: findings reported"
  fi
}

# Audits a killed worker's read models as they were left: sets $state to "none" (no file yet),
# "early" (killed before its first commit: no tables yet) or "ok" (equal to a fresh build at
# their position); anything else fails the trial.
audit_killed_db() {
  local db="$1" what="$2" out rc=0
  state=none
  [ -e "$db" ] || return 0
  out="$("$jejak" inspect --json --quiet --db "$db" 2>&1)" || rc=$?
  if [ "$rc" = 2 ] && [[ "$out" == *'no such table: projections'* ]]; then
    state=early
  elif [ "$rc" = 0 ] && [[ "$out" == *'"findingCount" : 0'* ]]; then
    state=ok
  else
    echo "$out" | head -40 >&2
    fail "$what: jejak inspect --db exited $rc"
  fi
}

echo "== ledger in $dir ($trials trials, $tasks appending tasks)"
trial=0
"$jejak" init "$ledger" --origin crash.jejak.local/ledger >/dev/null
"$bench" stress setup --keys "$keys" >/dev/null

mid_append=0 from_start=0
concurrent_audits=0 projection_mid=0 projection_early=0
started=$(now_ms)
for trial in $(seq 1 "$trials"); do
  journal="$dir/journal-$trial"
  # The publisher, a following projection worker, and (below) a concurrent audit.
  t0=$(now_ms)
  "$bench" stress publish --keys "$keys" --journal "$journal" --run "t$trial" --tasks "$tasks" \
    >"$dir/publish-$trial.out" 2>&1 &
  pub=$!
  "$jejak" project --db "$live" --follow --batch-size 64 >/dev/null 2>&1 &
  worker=$!
  delay=$(random_ms)
  if [ $(( trial % 5 )) = 0 ]; then
    from_start=$((from_start + 1))
  else
    # Wait (up to 20 s) until the publisher has the ledger open and appends.
    for _ in $(seq 1 400); do
      [ -s "$journal" ] && break
      kill -0 "$pub" 2>/dev/null || break
      sleep 0.05
    done
    [ -s "$journal" ] || { cat "$dir/publish-$trial.out" >&2; fail "the publisher did not start"; }
  fi
  # A read-only audit while appends go on (once every other trial: it costs a full replay).
  if [ $(( trial % 2 )) = 1 ]; then
    "$jejak" inspect --json --quiet >"$dir/concurrent-$trial.json" 2>&1 &
    auditor=$!
  else
    auditor=""
  fi
  sleep_ms "$delay"
  kill9 "$pub"
  kill9 "$worker"
  if [ -n "$auditor" ]; then
    rc=0; wait "$auditor" || rc=$?
    [ "$rc" = 0 ] || { head -40 "$dir/concurrent-$trial.json" >&2; fail "an audit during appends exited $rc"; }
    concurrent_audits=$((concurrent_audits + 1))
  fi
  grep -q '^B ' "$journal" 2>/dev/null && mid_append=$((mid_append + 1))
  [ -e "$journal" ] || : >"$journal"

  # After the crash: the journal holds, the ledger audits clean, the read models match.
  # Every journal so far: receipts of earlier trials must survive later crashes too.
  check="$("$bench" stress check "$dir"/journal-* 2>&1)" || { echo "$check" >&2; fail "stress check"; }
  audit_killed_db "$live" "the worker following appends"
  if [ "$state" != ok ]; then   # no read models yet: build them, then audit
    "$jejak" project --db "$live" >/dev/null 2>&1 || fail "the projection rerun failed"
    inspect_clean "after the kill" --db "$live"
  fi
  echo "trial $trial: killed after $delay ms$([ $(( trial % 5 )) = 0 ] && echo ' from start'); $check"

  # A projection worker killed mid catch-up on a fresh file.
  rm -f "$fresh" "$fresh-wal" "$fresh-shm"
  "$jejak" project --db "$fresh" --follow --batch-size 16 >/dev/null 2>&1 &
  worker=$!
  pdelay=$(random_ms)
  sleep_ms "$pdelay"
  kill9 "$worker"
  size=$("$jejak" checkpoint 2>/dev/null | sed -n 2p)
  position=0
  audit_killed_db "$fresh" "projection killed after $pdelay ms"
  case "$state" in
    none|early) projection_early=$((projection_early + 1)) ;;
    ok)
      position=$("$jejak" project --db "$fresh" 2>&1 >/dev/null | sed -n 's/.*: at \([0-9]*\),.*/\1/p' | sort -n | head -1)
      if [ "${position:-0}" -lt "$size" ]; then projection_mid=$((projection_mid + 1)); fi ;;
  esac
  "$jejak" project --db "$fresh" >/dev/null 2>&1 || fail "the projection rerun failed"
  inspect_clean "projection rerun" --db "$fresh"
  echo "  projection: killed after $pdelay ms at entry ${position:-0} of $size; rerun equals a fresh build"
done
elapsed=$(( ($(now_ms) - started) / 1000 ))

# Over the network: the server killed under clients with outboxes.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
outboxes="$dir/outboxes"
serve() {
  "$jejak" serve --listen "127.0.0.1:$port" >"$dir/serve.out" 2>&1 &
  server=$!
  for _ in $(seq 1 200); do
    grep -q '^listening on' "$dir/serve.out" 2>/dev/null && return 0
    kill -0 "$server" 2>/dev/null || break
    sleep 0.05
  done
  cat "$dir/serve.out" >&2
  fail "jejak serve did not start"
}
remote() {
  "$bench" stress remote --keys "$keys" --server "$url" --policy "$ledger/policy" --outboxes "$outboxes" \
    --run "net" --tasks 8 --exchanges "$((server_trials * 15))" >>"$dir/remote.out" 2>&1 &
  client=$!
}
server_kills=0 client_kills=0 net_started=$(now_ms)
trial="network"
serve
remote
for t in $(seq 1 "$server_trials"); do
  sleep_ms "$(random_ms)"
  kill -0 "$client" 2>/dev/null || break
  kill9 "$server"; server_kills=$((server_kills + 1))
  if [ $(( t % 2 )) = 0 ]; then kill9 "$client"; client_kills=$((client_kills + 1)); fi
  sleep_ms "$(random_ms)"
  serve
  kill -0 "$client" 2>/dev/null || remote
done
rc=0; wait "$client" || rc=$?
if [ "$rc" != 0 ]; then
  # A client killed last may have left its outboxes mid-delivery: run it once more to the end.
  remote
  rc=0; wait "$client" || rc=$?
  [ "$rc" = 0 ] || { tail -20 "$dir/remote.out" >&2; fail "the client did not deliver its outboxes"; }
fi
kill -TERM "$server"; wait "$server" 2>/dev/null || true
net_check="$("$bench" stress check-remote --outboxes "$outboxes" --run net 2>&1)" || { echo "$net_check" >&2; fail "stress check-remote"; }
inspect_clean "after the server kills"
net_elapsed=$(( ($(now_ms) - net_started) / 1000 ))

size=$("$jejak" checkpoint | sed -n 2p)
echo
echo "== crash test: $trials publisher trials in ${elapsed} s, log of $size entries"
echo "   kills while appending: $mid_append (from process start: $from_start)"
echo "   journals against the final log: $check"
echo "   audits during appends: $concurrent_audits clean; audits after kills: $trials clean"
echo "   projection workers killed: $((trials * 2)) ($trials following appends; $trials on a fresh file: $projection_mid mid catch-up, $projection_early before their first commit); all equal a fresh build"
echo "   over the network in ${net_elapsed} s: server killed $server_kills times, client $client_kills times; $net_check; audit clean"
echo "PASS"
