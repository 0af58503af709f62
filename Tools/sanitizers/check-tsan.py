#!/usr/bin/env python3
"""Reads ThreadSanitizer's report files and fails on any report that is not the known false one.

Usage: python3 Tools/sanitizers/check-tsan.py LOG_PREFIX
  (the TSAN_OPTIONS log_path of a run: every process wrote LOG_PREFIX.<pid>)

On Linux, Swift's `Synchronization.Mutex` locks with futex calls that ThreadSanitizer does not
model, so it reports two accesses that are both made while holding the same Mutex as a race
("data race", or "Swift access race" for an exclusive access). A report is taken as that false
positive only when *both* of its accesses are made in the body of a `withLock { ... }` closure:
`withLock` is inlined, so the check reads the source line of each access's first frame and
finds the `withLock` closure that encloses it. Anything else (a race with one side outside a
lock, a lock-order inversion, a signal-unsafe call, a thread leak, a use after free) fails.
"""
import glob
import re
import sys

LOCATION = re.compile(r" (/[^ ]+\.swift):(\d+)(?::\d+)? ")
RACES = ("data race", "Swift access race")
_spans = {}


def lock_spans(path):
    """The line ranges of the bodies of the `withLock { ... }` closures in a Swift file."""
    if path not in _spans:
        spans = []
        try:
            text = open(path, errors="replace").read()
        except OSError:
            text = ""
        for m in re.finditer(r"withLock\s*(\([^)]*\)\s*)?\{", text):
            depth, i = 0, m.end() - 1
            while i < len(text):
                if text[i] == "{":
                    depth += 1
                elif text[i] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            spans.append((text.count("\n", 0, m.start()) + 1, text.count("\n", 0, i) + 1))
        _spans[path] = spans
    return _spans[path]


def in_span(frame):
    m = LOCATION.search(frame + " ")
    if not m:
        return None
    line = int(m.group(2))
    return any(a <= line <= b for a, b in lock_spans(m.group(1)))


def inside_lock(stack):
    """Whether the access's first frame is on a line in the body of a `withLock` closure (or,
    when the symbolizer gave that frame no line, it is a closure called from such a line)."""
    if not stack:
        return False
    first = in_span(stack[0])
    if first is not None:
        return first
    closure = re.search(r"fU_\S* ", stack[0] + " ") is not None
    return closure and len(stack) > 1 and in_span(stack[1]) is True


# "Write of size 8 at …", "Previous atomic read of size 4 at …",
# "Previous modifying access of Swift variable at …" (an exclusive access), each "by thread …:".
ACCESS = re.compile(r"^\s+(Previous )?(atomic )?(read|write|modifying access|access)\b.* at 0x[0-9a-f]+ by ", re.IGNORECASE)
FRAME = re.compile(r"^\s+#\d+ ")


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
            if kind in RACES and len(access) == 2 and all(inside_lock(s) for s in access):
                known.append(summary)
            else:
                unknown.append((path, kind, summary, report))
    print(f"{len(files)} report files, {len(known) + len(unknown)} reports: "
          f"{len(known)} inside Mutex.withLock on both sides (futex locking TSan does not see), {len(unknown)} other")
    counts = {}
    for s in known:
        where = re.sub(r"^SUMMARY: ThreadSanitizer: ", "", s).split(" in ")[0]
        counts[where] = counts.get(where, 0) + 1
    for where, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {n:4d}  {where[:150]}")
    for path, kind, summary, report in unknown:
        print(f"\nNOT A KNOWN FALSE POSITIVE ({kind}) in {path}:\n{report[:4000]}")
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
