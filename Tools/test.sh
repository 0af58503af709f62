#!/usr/bin/env bash
# Runs the tests: `bash Tools/test.sh` (extra arguments go to both `swift test` runs).
#
# Two passes over one build. The tests that hold a server on 127.0.0.1 — in this process
# (JejakServerTests) or as a `jejak serve` child (the Serve CLI suites) — assert what a client
# sees within time limits: a slow body answered 400, an idle connection closed, a graceful
# shutdown. Swift Testing runs every test of a pass at once on a task pool as wide as the
# machine (2 threads here), so beside the suites that build and seal ledgers synchronously the
# server's handlers can wait for a thread longer than any limit a test may fairly set. The
# network suites therefore run in a second pass, on their own; everything else runs first.
set -uo pipefail
cd "$(dirname "$0")/.."

network='JejakServerTests|ServeCLITests|WitnessServeCLITests'

swift build --build-tests || exit 1
status=0
echo "== pass 1 of 2: everything but the network suites"
swift test --skip-build --skip "$network" "$@" || status=1
echo "== pass 2 of 2: the network suites ($network)"
swift test --skip-build --filter "$network" "$@" || status=1
if [ "$status" -ne 0 ]; then echo "== tests FAILED (see the passes above)"; else echo "== all tests passed"; fi
exit "$status"
