#!/usr/bin/env python3
"""Reads ThreadSanitizer's report files and fails on any report that is not the known false one.

Usage: python3 Tools/sanitizers/check-tsan.py LOG_PREFIX
  (the TSAN_OPTIONS log_path of a run: every process wrote LOG_PREFIX.<pid>)

On Linux, Swift's `Synchronization.Mutex` locks with futex calls that ThreadSanitizer does not
model, so it reports two accesses that are both made while holding the same Mutex as a data
race. A report is taken as that false positive only when it is a data race and *both* of its
access stacks run inside `Mutex.withLock`. Anything else (a race with one side outside a lock,
a lock-order inversion, a signal-unsafe call, a thread leak, a use after free) fails the check.
"""
import glob
import re
import sys

ACCESS = re.compile(r"^\s+(Previous )?(atomic )?(read|write)\b.* of size \d+ at ", re.IGNORECASE)
FRAME = re.compile(r"^\s+#\d+ ")
MUTEX = re.compile(r"Mutex.*withLock|15Synchronization5MutexV.*withLock", re.IGNORECASE)


def stacks(report):
    """The frames of each access of a data race report, in order."""
    out, current = [], None
    for line in report.splitlines():
        if ACCESS.match(line):
            current = []
            out.append(current)
        elif current is not None and FRAME.match(line):
            current.append(line.strip())
        elif current is not None and current:
            current = None
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    files = sorted(glob.glob(sys.argv[1] + ".*"))
    known, unknown = [], []
    for path in files:
        text = open(path, errors="replace").read()
        for report in text.split("WARNING: ThreadSanitizer: ")[1:]:
            report = report.split("==================")[0]
            kind = report.splitlines()[0].split(" (pid")[0]
            summary = next((l for l in report.splitlines() if l.startswith("SUMMARY:")), kind)
            access = stacks(report)
            if kind == "data race" and len(access) == 2 and all(any(MUTEX.search(f) for f in s) for s in access):
                known.append(summary)
            else:
                unknown.append((path, kind, summary, report))
    print(f"{len(files)} report files, {len(known) + len(unknown)} reports: "
          f"{len(known)} inside Mutex.withLock on both sides (futex locking TSan does not see), {len(unknown)} other")
    counts = {}
    for s in known:
        where = re.sub(r"^SUMMARY: ThreadSanitizer: data race ", "", s)
        counts[where] = counts.get(where, 0) + 1
    for where, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {n:4d}  {where[:150]}")
    for path, kind, summary, report in unknown:
        print(f"\nNOT A KNOWN FALSE POSITIVE ({kind}) in {path}:\n{report[:4000]}")
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
