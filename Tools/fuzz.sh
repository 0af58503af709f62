#!/usr/bin/env bash
# The full fuzzing run of every parser of untrusted input (Tests/JejakFuzzTests): a seeded
# mutation fuzzer, for SECONDS seconds (default 600), then the hand-made hostile inputs.
#
# Usage: bash Tools/fuzz.sh [SECONDS] [SEED]
#   SECONDS  how long to fuzz (default 600; CI runs 1,000 inputs instead, through `swift test`)
#   SEED     the generator's seed (default 0x4A454A414B = 318990074187); the same seed gives the
#            same inputs, so a failure reproduces with the seed and the input number it names
# Environment:
#   SCRATCH=DIR              build in DIR (swift build --scratch-path), e.g. beside another build
#   JEJAK_FUZZ_SAVE=FILE     write each input to FILE before parsing it (the last one is the culprit
#                            of a crash or a hang)
#   JEJAK_FUZZ_ITERATIONS=N  stop after N inputs instead
#
# It prints the inputs, parser executions and time, the inputs each parser accepted, and the time
# per parser with its slowest input. Any parser that crashes, hangs (over 30 s on one input: the
# watchdog aborts and names it), throws an untyped error or a message that is empty, longer than
# 2,000 characters or more than one line, or loses a parsed value on a round trip fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

export JEJAK_FUZZ_SECONDS="${1:-600}"
if [ -n "${2:-}" ]; then export JEJAK_FUZZ_SEED="$2"; fi
scratch=()
if [ -n "${SCRATCH:-}" ]; then scratch=(--scratch-path "$SCRATCH"); fi
swift test "${scratch[@]}" --filter JejakFuzzTests 2>&1 | grep -E '^fuzz:|^↳|✘|✔ Test run|passed|failed|FUZZ HANG|Fatal|crashed'
exit "${PIPESTATUS[0]}"
