#!/usr/bin/env python3
"""A peer on the same work as `jejak-bench`: the Python `eventsourcing` library (SQLite).

The same shape of events as Jejak's benchmark: exchanges between two units, each requested,
delivered and acknowledged, every fifth one rejected and delivered again first, with the same
data (about 550 bytes per event as JSON). Three runs, each in a new SQLite file:

  one per save   one event per `save()`, one after another (a durable commit each), the events
                 made in advance (as Jejak's are signed in advance); beside its limit, raw
                 durable SQLite commits of one row each, measured just before and after it
  100 per save   100 events per `save()`
  full replay    every stored event read back through the notification log, decoded into its
                 domain event and folded into an in-memory status per exchange

Prints the figures, or with --json one JSON object; with --jejak FILE (the output of
`jejak bench --json`) it prints both side by side.

Run it through Tools/peer-bench.sh, which makes the virtual environment it needs.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

ITEM = {"name": "rekap-anggaran.pdf", "mediaType": "application/pdf", "size": 482113, "sha256": "3f" * 32}


class Exchange(Aggregate):
    """One exchange between a requesting and a providing unit (the same data as Jejak's events)."""

    # Each event carries the CloudEvents attributes Jejak's events carry (`ce`; the library's
    # own timestamp stands for `time`) and the same data.
    @event("Requested")
    def __init__(self, ce: dict[str, str], provider: str, category: str, title: str,
                 purpose: str, legal_basis: str, due_date: str, classification: str) -> None:
        self.subject = ce["subject"]
        self.status = "requested"

    @event("Delivered")
    def deliver(self, ce: dict[str, str], items: list[dict[str, Any]], note: str) -> None:
        self.status = "delivered"

    @event("Rejected")
    def reject(self, ce: dict[str, str], reason: str) -> None:
        self.status = "rejected"

    @event("Acknowledged")
    def acknowledge(self, ce: dict[str, str], note: str) -> None:
        self.status = "acknowledged"


class Exchanges(Application):
    pass


def steps(x: int) -> int:
    return 5 if x % 5 == 0 else 3


def apply_step(aggregates: dict[int, Exchange], x: int, step: int) -> Exchange:
    """Triggers event `step` of exchange `x` (creating the aggregate at step 0)."""
    subject = f"exchange/bench-{x}"

    def ce(kind: str, source: str) -> dict[str, str]:
        return {"specversion": "1.0", "id": f"{subject}/{step}", "source": source,
                "type": f"id.go.kpu.jejak.exchange.{kind}.v1", "subject": subject,
                "datacontenttype": "application/json",
                "dataschema": f"https://jejak.kpu.go.id/schemas/exchange.{kind}.v1.json"}

    if step == 0:
        agg = Exchange(ce=ce("requested", "biro-perencanaan"), provider="biro-keuangan",
                       category="anggaran", title=f"Rekap anggaran {x}",
                       purpose="Penyusunan laporan kinerja triwulan dan evaluasi realisasi anggaran unit kerja",
                       legal_basis="UU 17/2003", due_date="2026-06-30", classification="terbatas")
        aggregates[x] = agg
        return agg
    agg = aggregates[x]
    of = steps(x)
    if step == 1 or (step == 3 and of == 5):
        agg.deliver(ce=ce("delivered", "biro-keuangan"), items=[ITEM, ITEM],
                    note="Data sesuai permintaan; berkas ditandatangani kepala biro.")
    elif step == 2 and of == 5:
        agg.reject(ce=ce("rejected", "biro-perencanaan"),
                   reason="Berkas belum ditandatangani kepala biro dan rincian per satuan kerja belum lengkap.")
    else:
        agg.acknowledge(ce=ce("acknowledged", "biro-perencanaan"),
                        note="Diterima lengkap dan sesuai dengan permintaan; terima kasih atas penyerahan tepat waktu.")
        del aggregates[x]  # the exchange is closed; its publisher forgets it
    return agg


def plan(first_exchange: int):
    """Yields (exchange, step) forever, exchange by exchange."""
    x = first_exchange
    while True:
        for s in range(steps(x)):
            yield x, s
        x += 1


def new_app(path: str) -> Exchanges:
    return Exchanges(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path})


def percentile(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(len(s) * p))] if s else float("nan")


def make_events(count: int) -> list[Any]:
    """The first `count` events of the plan, made in advance (as Jejak's are signed in advance)."""
    aggregates: dict[int, Exchange] = {}
    events: list[Any] = []
    for x, s in plan(0):
        if len(events) >= count:
            break
        events.extend(apply_step(aggregates, x, s).collect_events())
    return events


def timed_saves(path: str, events: list[Any], per_save: int, seconds: float | None) -> dict[str, float]:
    """Saves `events`, `per_save` per save, until done or `seconds` have passed."""
    app = new_app(path)
    latencies: list[float] = []
    done = 0
    start = time.perf_counter()
    deadline = start + seconds if seconds is not None else None
    while done < len(events):
        t = time.perf_counter()
        if deadline is not None and t > deadline:
            break
        chunk = events[done:done + per_save]
        app.save(*chunk)
        latencies.append(time.perf_counter() - t)
        done += len(chunk)
    elapsed = time.perf_counter() - start
    return {"events": done, "perSecond": done / elapsed,
            "p50Ms": percentile(latencies, 0.5) * 1e3, "p99Ms": percentile(latencies, 0.99) * 1e3}


def replay(path: str, events: int) -> dict[str, float]:
    """Stores `events` events, 1,000 per save (made as it goes, to bound memory), then times
    reading them all back through a fresh application."""
    app = new_app(path)
    aggregates: dict[int, Exchange] = {}
    pending: list[Any] = []
    made = 0
    t0 = time.perf_counter()
    for x, s in plan(0):
        if made >= events:
            break
        pending.extend(apply_step(aggregates, x, s).collect_events())
        made += 1
        if len(pending) == 1000:
            app.save(*pending)
            pending = []
    if pending:
        app.save(*pending)
    fill_seconds = time.perf_counter() - t0
    app = new_app(path)  # a fresh application: nothing cached
    status: dict[Any, str] = {}
    read = 0
    start = time.perf_counter()
    position = 1
    while True:
        notifications = app.recorder.select_notifications(position, 1000)
        if not notifications:
            break
        for n in notifications:
            e = app.mapper.to_domain_event(n)
            status[e.originator_id] = type(e).__name__
            read += 1
        position = notifications[-1].id + 1
    elapsed = time.perf_counter() - start
    with sqlite3.connect(path) as db:
        state_bytes = db.execute("SELECT avg(length(state)) FROM stored_events").fetchone()[0] or 0
    disk = sum(os.path.getsize(path + suffix) for suffix in ("", "-wal") if os.path.exists(path + suffix))
    return {"events": read, "perSecond": read / elapsed, "fillPerSecond": events / fill_seconds,
            "storedStateBytes": state_bytes, "diskBytesPerEntry": disk / max(1, read)}


def raw_sqlite_commits(path: str, row_bytes: int, seconds: float) -> float:
    """The limit beside one per save: commits per second of one row each on a raw SQLite file
    in the same mode (WAL, synchronous=FULL), measured in the same run."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)")
    value = b"a" * row_bytes
    commits = 0
    start = time.perf_counter()
    while commits < 20_000 and (commits == 0 or time.perf_counter() - start < seconds):
        db.execute("BEGIN")
        db.execute("INSERT INTO t (v) VALUES (?)", (value,))
        db.execute("COMMIT")
        commits += 1
    rate = commits / (time.perf_counter() - start)
    db.close()
    return rate


def sqlite_settings(path: str) -> str:
    app = new_app(path)
    with app.recorder.datastore.transaction(commit=False) as c:
        c.execute("PRAGMA journal_mode")
        journal = c.fetchone()[0]
        c.execute("PRAGMA synchronous")
        sync = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(c.fetchone()[0], "?")
    return f"journal_mode={journal}, synchronous={sync}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, about 10 seconds")
    parser.add_argument("--replay-events", type=int, help="events stored for the full replay (default 1,000,000; 20,000 with --quick)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--jejak", metavar="FILE", help="the output of `jejak bench --json`, to print side by side")
    parser.add_argument("--dir", help="where to put the SQLite files (default: a temporary directory)")
    args = parser.parse_args()
    seconds = 1.0 if args.quick else 4.0
    replay_events = args.replay_events or (20_000 if args.quick else 1_000_000)

    with tempfile.TemporaryDirectory(prefix="peer-eventsourcing-", dir=args.dir) as tmp:
        print("peer: making events…", file=sys.stderr)
        t0 = time.perf_counter()
        events = make_events(50_000 if not args.quick else 10_000)
        making = len(events) / (time.perf_counter() - t0)
        print("peer: one event per save, between two runs of its limit…", file=sys.stderr)
        before = raw_sqlite_commits(os.path.join(tmp, "raw-before.sqlite"), 610, seconds / 2)
        one = timed_saves(os.path.join(tmp, "one.sqlite"), events, 1, seconds)
        one["limit"] = (before + raw_sqlite_commits(os.path.join(tmp, "raw-after.sqlite"), 610, seconds / 2)) / 2
        settings = sqlite_settings(os.path.join(tmp, "one.sqlite"))
        print("peer: 100 events per save…", file=sys.stderr)
        hundred = timed_saves(os.path.join(tmp, "hundred.sqlite"), events, 100, seconds)
        print(f"peer: storing {replay_events} events (1,000 per save), then replaying them…", file=sys.stderr)
        full = replay(os.path.join(tmp, "replay.sqlite"), replay_events)

    peer = {"library": f"eventsourcing {importlib.metadata.version('eventsourcing')}",
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "sqliteSettings": settings,
            "makingPerSecond": making, "onePerSave": one, "hundredPerSave": hundred, "replay": full}
    if args.json:
        print(json.dumps(peer))
        return 0
    jejak = None
    if args.jejak:
        with open(args.jejak, encoding="utf-8") as f:
            jejak = json.load(f)
    print_table(peer, jejak)
    return 0


def fmt(v: float | None, unit: str = "") -> str:
    if v is None:
        return "n/a"
    s = f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"
    return s + (" " + unit if unit else "")


def print_table(peer: dict[str, Any], jejak: dict[str, Any] | None) -> None:
    j = (jejak or {}).get("figures", {})

    def jv(key: str) -> float | None:
        return j.get(key)

    def row(key: str) -> dict[str, Any]:
        return next((r for r in (jejak or {}).get("rows", []) if r.get("key") == key), {})

    def jv_limit(key: str) -> float | None:
        return row(key).get("limit")

    def ratio_of(key: str) -> float | None:
        return row(key).get("ratio")

    def ratio(a: float | None, b: float | None) -> str:
        return f"{a / b:.2f}" if a and b else ""

    one, hundred, full = peer["onePerSave"], peer["hundredPerSave"], peer["replay"]
    rows = [
        ("one event per call / save", jv("append.single"), one["perSecond"], "events/s"),
        ("  its limit: raw durable commits of one row", jv_limit("append.single"), one["limit"], "/s"),
        ("  ratio to that limit", ratio_of("append.single"), one["perSecond"] / one["limit"], ""),
        ("  latency p50", jv("append.singleP50Ms"), one["p50Ms"], "ms"),
        ("  latency p99", jv("append.singleP99Ms"), one["p99Ms"], "ms"),
        ("100 events per call / save", jv("append.batch100"), hundred["perSecond"], "events/s"),
        ("  latency p99 per call", jv("append.batch100P99Ms"), hundred["p99Ms"], "ms"),
        ("full replay (Jejak: exchange read models)", jv("projections.exchanges"), full["perSecond"], "events/s"),
        ("full replay (Jejak: read and decode only)", jv("projections.readDecode"), full["perSecond"], "events/s"),
        ("making events (Jejak: signing, all cores)", jv("append.signing"), peer["makingPerSecond"], "events/s"),
        ("event bytes (Jejak: CloudEvent; peer: stored state)", jv("append.eventBytes"), full["storedStateBytes"], "B"),
        ("disk per entry", jv("size.diskBytesPerEntry"), full["diskBytesPerEntry"], "B"),
    ]
    head = ("work", "jejak", f"{peer['library']} (SQLite {peer['sqlite']})", "jejak / peer")
    table = [head] + [(name, fmt(a, unit), fmt(b, unit), ratio(a, b)) for name, a, b, unit in rows]
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    if jejak:
        print(f"jejak: {jejak.get('mode')} run of {jejak.get('date')}, {jejak.get('cores')} cores ({jejak.get('cpu')}), "
              f"large ledger {jejak.get('largeEntries'):,} entries")
    print(f"peer: {peer['library']}, Python {peer['python']}, SQLite {peer['sqlite']} ({peer['sqliteSettings']}); "
          f"replay of {full['events']:,} events stored at {full['fillPerSecond']:,.0f} events/s (1,000 per save)")
    print()
    for n, r in enumerate(table):
        print("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print()
    print("Per event, Jejak verifies an Ed25519 signature, checks the KPU domain's schema and rules, extends the Merkle "
          "tree, writes three indexes and signs a checkpoint per commit; the peer stores unsigned events.")


if __name__ == "__main__":
    sys.exit(main())
