#!/usr/bin/env bash
# The whole test suite under a sanitizer, then a check of every report that any process wrote
# (the CLI tests run the sanitized `jejak` binary too: the crash test, the fault tests and every
# command are covered).
#
# Usage: bash Tools/sanitize.sh address|thread
#   address  AddressSanitizer with LeakSanitizer: fails on any memory error and on any leak
#            not in Tools/sanitizers/lsan.supp (the toolchain's own, see that file)
#   thread   ThreadSanitizer: fails on any report but the one known false positive, two
#            accesses both inside Synchronization.Mutex.withLock (Tools/sanitizers/check-tsan.py)
# Each builds everything in its own scratch path (.build-asan, .build-tsan): ~3 minutes of
# building, then ~25 (address) or ~12 (thread) minutes of tests on 2 cores. Reports are kept in
# .build-asan/reports or .build-tsan/reports.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-}"
case "$kind" in
  address) scratch=.build-asan ;;
  thread) scratch=.build-tsan ;;
  *) echo "usage: bash Tools/sanitize.sh address|thread" >&2; exit 64 ;;
esac
reports="$PWD/$scratch/reports"
rm -rf "$reports"
mkdir -p "$reports"
status=0
if [ "$kind" = address ]; then
  # log_path: each process (the test runner, every jejak child) writes its own report file.
  ASAN_OPTIONS="log_path=$reports/asan" \
  LSAN_OPTIONS="suppressions=$PWD/Tools/sanitizers/lsan.supp:print_suppressions=0" \
    swift test --sanitize=address --scratch-path "$scratch" || status=$?
  # The regex suppression must not hide a real leak of the regex parser: its tests, which
  # compile and drop their patterns, run again without any suppression and must report nothing.
  tests="$(swift build --sanitize=address --scratch-path "$scratch" --show-bin-path)/JejakPackageTests.xctest"
  ASAN_OPTIONS="log_path=$reports/regex-unsuppressed" "$tests" --testing-library swift-testing \
    --filter "RegexTests" > /dev/null || status=$?
  errors=$(cat "$reports"/asan.* "$reports"/regex-unsuppressed.* 2>/dev/null | grep -c "ERROR: " || true)
  echo "AddressSanitizer: $(ls "$reports" | wc -l) report files, $errors errors (memory errors or leaks not suppressed)"
  if [ "$errors" != 0 ]; then grep -h -A12 "ERROR: " "$reports"/* | head -80; status=1; fi
else
  # exitcode=0: a report must not turn a CLI test's child into a failure by its exit status;
  # every report is read by the check below instead.
  TSAN_OPTIONS="exitcode=0 log_path=$reports/tsan" \
    swift test --sanitize=thread --scratch-path "$scratch" || status=$?
  python3 Tools/sanitizers/check-tsan.py "$reports/tsan" || status=1
fi
if [ "$status" = 0 ]; then echo "sanitize.sh $kind: passed"; else echo "sanitize.sh $kind: FAILED"; fi
exit "$status"
