import ArgumentParser
import Dispatch
import Foundation
import Jejak
import JejakCommands
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakOfflineCommands
import JejakStorage
import Synchronization

/// When the process began measuring (for the progress lines).
let benchStart = DispatchTime.now().uptimeNanoseconds

/// The sections of `jejak-bench`, in the order they run.
enum BenchSection: String, CaseIterable, ExpressibleByArgument, Sendable {
    case limits, append, server, witness, sealed, size, proofs, projections, audit

    /// Whether the section works on the large ledger.
    var needsLargeLedger: Bool { [.size, .proofs, .projections, .audit].contains(self) }
}

/// How big each measurement is, per mode.
struct BenchSizes: Sendable {
    var verifySeconds: Double
    var rawSingleCommits: Int
    var rawBatchCommits: Int
    var singleEvents: Int
    var batchEvents: Int
    var concurrentEvents: Int
    var largeEntries: Int
    var auditRuns: Int
    var projectionRuns: Int
    var proofSamples: Int
    var openRuns: Int
    /// The longest each append run and each raw LMDB limit may take (it stops early, and its
    /// rate counts what it did), so that a slow disk does not stretch the run.
    var runSeconds: Double

    static let full = BenchSizes(verifySeconds: 1.5, rawSingleCommits: 5000, rawBatchCommits: 100, singleEvents: 5000,
                                 batchEvents: 30_000, concurrentEvents: 40_000, largeEntries: 1_000_000, auditRuns: 1,
                                 projectionRuns: 3, proofSamples: 20_000, openRuns: 5, runSeconds: 4)
    static let quick = BenchSizes(verifySeconds: 0.5, rawSingleCommits: 1000, rawBatchCommits: 20, singleEvents: 1000,
                                  batchEvents: 6000, concurrentEvents: 8000, largeEntries: 20_000, auditRuns: 1,
                                  projectionRuns: 3, proofSamples: 5000, openRuns: 5, runSeconds: 1)
    static let smoke = BenchSizes(verifySeconds: 0.1, rawSingleCommits: 20, rawBatchCommits: 2, singleEvents: 20,
                                  batchEvents: 200, concurrentEvents: 640, largeEntries: 1000, auditRuns: 1,
                                  projectionRuns: 1, proofSamples: 100, openRuns: 1, runSeconds: 0.2)
}

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Measure throughput and latency against this machine's limits, measured in the same run, in one table.",
        discussion: """
            Every figure stands beside its limit, measured in the same run, as a ratio, with its \
            target:

              limits       Ed25519 verifications per second on all cores and on one (libsodium); \
            raw LMDB durable commits of entries of the same size, one per commit and 1,000 per commit.
              append       pre-signed exchange events (KPU domain rules on, durable) appended by \
            one publisher one event per call, in batches of 100, and by 64 concurrent publishers; \
            p50/p99 latency; the signing rate, measured apart.
              server       the same 64-publisher load over loopback HTTP (jejak serve and JejakClient, \
            every receipt verified) beside the embedded rate of the same run; full hash tiles \
            served under a bounded load (wrk when installed) beside a constant 8 KiB route; how \
            soon a Server-Sent Events follower sees a commit.
              sealed       64 publishers appending sealed terbatas exchanges beside clear terbuka \
            ones of the same size; a unit's catch-up of the exchanges read model opening every \
            sealed event beside X25519 on all cores.
              size         disk bytes per entry and open time of the large ledger.
              proofs       inclusion and consistency proofs at the large ledger's size (p50).
              projections  catch-up of the read models (jejak project) over the large ledger.
              audit        full audit (jejak inspect) of the large ledger beside the verification \
            limit; incremental audit of 1,000 new entries; memory.

            The large ledger (synthetic exchanges, built non-durably in big batches) has 1,000,000 \
            entries; --quick uses 20,000 (the table says so) and finishes within a minute; --smoke \
            uses 1,000 and tiny runs, to check that every section works (its figures mean nothing).

            Examples:
              jejak-bench                          # the full run, under 10 minutes
              jejak-bench --quick --json
              jejak-bench --only append --only proofs
              jejak-bench --only audit --entries 200000
            """)

    @Flag(help: "Small sizes (a 20,000-entry large ledger), within a minute.")
    var quick = false
    @Flag(help: "Tiny sizes, only to check that every section runs (for tests); the figures mean nothing.")
    var smoke = false
    @Option(name: .customLong("only"), parsing: .singleValue,
            help: ArgumentHelp("Run only this section (repeatable).", valueName: "section"))
    var only: [BenchSection] = []
    @Option(help: ArgumentHelp("Entries of the large ledger (default 1,000,000; 20,000 with --quick).", valueName: "n"))
    var entries: Int?
    @Option(help: ArgumentHelp("Concurrent publishers.", valueName: "n"))
    var publishers = 64
    @Option(help: ArgumentHelp("Where to create the throwaway ledgers (default: a temp directory).", valueName: "dir"))
    var dir: String?
    @Flag(help: "Print the results as one JSON object.")
    var json = false
    @Flag(help: "Print the table in Markdown.")
    var markdown = false
    @Option(help: ArgumentHelp("Also write the results as JSON to this file (beside the table).", valueName: "file"))
    var jsonOut: String?
    @Flag(help: "Skip fsync (MDB_NOSYNC) in the append section and its LMDB limits, to see the CPU costs alone. The figures are then not the durable targets.")
    var noSync = false

    func validate() throws {
        guard !(quick && smoke) else { throw ValidationError("Choose --quick or --smoke, not both.") }
        guard !(json && markdown) else { throw ValidationError("Choose --json or --markdown, not both.") }
        guard publishers > 0 else { throw ValidationError("--publishers must be at least 1.") }
        if let entries, entries < 100 { throw ValidationError("--entries must be at least 100.") }
    }

    func run() async throws {
        let started = benchStart
        var sizes = smoke ? BenchSizes.smoke : quick ? BenchSizes.quick : BenchSizes.full
        if let entries { sizes.largeEntries = entries }
        let sections = Set(only.isEmpty ? BenchSection.allCases : only)
        let base = dir ?? (NSTemporaryDirectory() + "jejak-bench-" + UUID().uuidString)
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: base) } }
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let machine = BenchReport.machine()
        var report = BenchReport(date: Date(), cores: cores, cpu: machine.cpu, memoryGiB: machine.memoryGiB,
                                 kernel: machine.kernel, mode: smoke ? "smoke" : quick ? "quick" : "full",
                                 largeEntries: sizes.largeEntries, durable: !noSync)
        log("jejak-bench: \(report.mode) run, \(cores) cores, sections: "
            + BenchSection.allCases.filter(sections.contains).map(\.rawValue).joined(separator: ", "))
        let synthetic = try SyntheticExchanges()

        // Limits, measured first; the LMDB limits use entries of the synthetic events' size.
        var verifyAll = 0.0, verifyOne = 0.0, rawSingle = 0.0, rawBatch = 0.0
        let sampleLeafBytes = try synthetic.sign(1700, firstExchange: 0)
        let entryBytes = sampleLeafBytes.leafBytes / max(1, sampleLeafBytes.events.count)
        if !sections.isDisjoint(with: [.limits, .append]) {
            log("limits: Ed25519 verification, all cores and one…")
            verifyAll = Self.ed25519VerifyRate(threads: cores, seconds: sizes.verifySeconds)
            verifyOne = Self.ed25519VerifyRate(threads: 1, seconds: sizes.verifySeconds)
            log("limits: raw LMDB commits of \(entryBytes)-byte entries…")
            rawSingle = try Self.rawLMDBCommitRate(path: base + "/raw-single", entryBytes: entryBytes, perCommit: 1,
                                                   commits: sizes.rawSingleCommits, seconds: sizes.runSeconds, durable: !noSync)
            rawBatch = try Self.rawLMDBCommitRate(path: base + "/raw-batch", entryBytes: entryBytes, perCommit: 1000,
                                                  commits: sizes.rawBatchCommits, seconds: sizes.runSeconds, durable: !noSync)
            let sync = noSync ? "non-durable" : "durable"
            report.rows += [
                BenchRow(section: "limits", key: "limits.ed25519VerifyAllCores", name: "Ed25519 verify, \(cores) cores (libsodium)",
                         value: verifyAll, unit: "/s"),
                BenchRow(section: "limits", key: "limits.ed25519VerifyOneCore", name: "Ed25519 verify, 1 core", value: verifyOne, unit: "/s"),
                BenchRow(section: "limits", key: "limits.lmdbSingleCommits", name: "raw LMDB \(sync) commits, 1 × \(entryBytes) B entry each",
                         value: rawSingle, unit: "/s"),
                BenchRow(section: "limits", key: "limits.lmdbBatchCommitEntries", name: "raw LMDB \(sync) commits, 1,000 entries each",
                         value: rawBatch, unit: "entries/s"),
            ]
        }

        if sections.contains(.append) || sections.contains(.audit) {
            report.notes.append("the limit of each append and audit figure is measured just before and just after its run (their mean), as the machine may be shared; the limits rows are measured first")
        }
        if sections.contains(.append) {
            let f = try await appendFigures(base: base, sizes: sizes, synthetic: synthetic)
            let batchLimit = min(f.batchVerifyLimit, rawBatch)
            report.rows += [
                BenchRow(section: "append", key: "append.single", name: "1 publisher, 1 event per call", value: f.single.perSecond,
                         unit: "events/s", limitName: "raw LMDB single commits", limit: f.singleLimit, target: .ratioAtLeast(0.8)),
                BenchRow(section: "append", key: "append.singleP50Ms", name: "1 publisher: latency p50", value: f.single.percentileMs(0.5), unit: "ms"),
                BenchRow(section: "append", key: "append.singleP99Ms", name: "1 publisher: latency p99", value: f.single.percentileMs(0.99), unit: "ms"),
                BenchRow(section: "append", key: "append.batch100", name: "1 publisher, batches of 100", value: f.batches.perSecond,
                         unit: "events/s", limitName: f.batchVerifyLimit <= rawBatch ? "Ed25519 verify \(cores) cores" : "raw LMDB 1,000/commit",
                         limit: batchLimit, target: .ratioAtLeast(0.8)),
                BenchRow(section: "append", key: "append.batch100P99Ms", name: "batches of 100: latency p99 per call",
                         value: f.batches.percentileMs(0.99), unit: "ms"),
                BenchRow(section: "append", key: "append.concurrent", name: "\(publishers) publishers, 1 event per call",
                         value: f.concurrent.perSecond, unit: "events/s", limitName: "Ed25519 verify \(cores) cores",
                         limit: f.concurrentLimit, target: .ratioAtLeast(0.8),
                         note: String(format: "%.0f events per commit", Double(f.concurrent.events) / Double(max(1, f.commitsConcurrent)))),
                BenchRow(section: "append", key: "append.concurrentP50Ms", name: "\(publishers) publishers: latency p50",
                         value: f.concurrent.percentileMs(0.5), unit: "ms"),
                BenchRow(section: "append", key: "append.concurrentP99Ms", name: "\(publishers) publishers: latency p99",
                         value: f.concurrent.percentileMs(0.99), unit: "ms"),
                BenchRow(section: "append", key: "append.signing", name: "signing events (not in the figures above), \(cores) cores",
                         value: f.signPerSecond, unit: "events/s"),
                BenchRow(section: "append", key: "append.schemaValidationUs", name: "schema validation of a typical event's data",
                         value: try Self.schemaValidationMicros(), unit: "µs"),
                BenchRow(section: "append", key: "append.eventBytes", name: "mean event size (CloudEvent JSON)", value: f.eventBytes, unit: "B",
                         note: String(format: "leaf %.0f B", f.leafBytes)),
            ]
        }

        if sections.contains(.server) {
            let f = try await serverFigures(base: base, sizes: sizes, synthetic: synthetic)
            let follower = f.followerLatencies
            report.rows += [
                BenchRow(section: "server", key: "server.embedded", name: "\(publishers) publishers, embedded (this run)",
                         value: f.embedded.perSecond, unit: "events/s"),
                BenchRow(section: "server", key: "server.http", name: "\(publishers) publishers over HTTP, receipts verified",
                         value: f.http.perSecond, unit: "events/s", limitName: "embedded, this run", limit: f.embedded.perSecond,
                         target: .ratioAtLeast(0.8)),
                BenchRow(section: "server", key: "server.clientRoundTrips", name: "empty HTTP round trips, the same client and server stack",
                         value: f.clientRoundTrips, unit: "requests/s",
                         note: "AsyncHTTPClient and Hummingbird in one process, 64 connections: the ceiling of one request per event here"),
                BenchRow(section: "server", key: "server.clientPosts", name: "HTTP round trips carrying a publish's bytes, the same stack",
                         value: f.clientPosts, unit: "requests/s",
                         note: "POST of \(f.postBytes.request) B collected as a publish is, answered with \(f.postBytes.response) B"),
                BenchRow(section: "server", key: "server.httpCeiling",
                         name: "ceiling of the HTTP ratio here: the ledger and the HTTP stack on the same cores",
                         value: 1 / (1 + f.embedded.perSecond / max(f.clientPosts, 1)), unit: "",
                         note: "1 / (1 + embedded rate / round trips carrying a publish's bytes): each alone takes every core"),
                BenchRow(section: "server", key: "server.httpP50Ms", name: "over HTTP: latency p50", value: f.http.percentileMs(0.5), unit: "ms"),
                BenchRow(section: "server", key: "server.httpP99Ms", name: "over HTTP: latency p99", value: f.http.percentileMs(0.99), unit: "ms",
                         note: String(format: "embedded p99 %.1f ms", f.embedded.percentileMs(0.99))),
                BenchRow(section: "server", key: "server.tiles", name: "full hash tiles served", value: f.tiles, unit: "requests/s",
                         limitName: "constant 8 KiB route", limit: f.tilesLimit, target: .atLeast(20_000), note: f.tilesGenerator),
                BenchRow(section: "server", key: "server.followerP50Ms", name: "SSE follower sees a commit: p50",
                         value: Self.percentile(follower, 0.5) / 1e6, unit: "ms"),
                BenchRow(section: "server", key: "server.followerP99Ms", name: "SSE follower sees a commit: p99",
                         value: Self.percentile(follower, 0.99) / 1e6, unit: "ms", target: .atMost(50),
                         note: "\(follower.count) commits, each entry proven included by the client"),
            ]
        }

        if sections.contains(.witness) {
            let f = try await witnessFigures(base: base, sizes: sizes, synthetic: synthetic)
            let cosign = Self.percentile(f.cosignatures, 0.5) / 1e6
            report.rows += [
                BenchRow(section: "witness", key: "witness.replaces", name: "atomic file replacements (write, fsync, rename, fsync folder)",
                         value: f.replacesPerSecond, unit: "/s", note: "the floor of a witness that syncs each record before answering"),
                BenchRow(section: "witness", key: "witness.cosignP50Ms", name: "a cosignature over loopback: p50", value: cosign, unit: "ms",
                         target: .atMost(5), note: String(format: "p99 %.2f ms", Self.percentile(f.cosignatures, 0.99) / 1e6)),
                BenchRow(section: "witness", key: "witness.addCheckpoint", name: "add-checkpoint requests, one after another",
                         value: f.cosignaturesPerSecond, unit: "requests/s", limitName: "atomic replacements",
                         limit: f.replacesPerSecond, target: .atLeast(500), note: "\(f.cosignatures.count) checkpoints, each one leaf larger"),
                BenchRow(section: "witness", key: "witness.committedP50Ms", name: "publish over HTTP, waiting for the commit: p50",
                         value: f.committed.percentileMs(0.5), unit: "ms"),
                BenchRow(section: "witness", key: "witness.witnessedP50Ms", name: "publish over HTTP, waiting for the witness (wait=witnessed): p50",
                         value: f.witnessed.percentileMs(0.5), unit: "ms", limitName: "waiting for the commit, this run",
                         limit: f.committed.percentileMs(0.5), target: .ratioAtMost(1, plus: 20),
                         note: String(format: "p99 %.1f ms; %d each, alternating", f.witnessed.percentileMs(0.99), f.witnessed.events)),
            ]
        }

        if sections.contains(.sealed) {
            let f = try await sealedFigures(base: base, sizes: sizes, synthetic: synthetic)
            report.rows += [
                BenchRow(section: "sealed", key: "sealed.clearAppend", name: "\(publishers) publishers, clear terbuka events",
                         value: f.clearLimit, unit: "events/s", note: String(format: "mean of a run before and after; %.0f B each", f.clearBytes)),
                BenchRow(section: "sealed", key: "sealed.append", name: "\(publishers) publishers, sealed terbatas events of the same size",
                         value: f.sealed.perSecond, unit: "events/s", limitName: "clear events, this run", limit: f.clearLimit,
                         target: .ratioAtLeast(0.8), note: String(format: "%.0f B each, 3 X25519 stanzas; p99 %.1f ms", f.sealedBytes, f.sealed.percentileMs(0.99))),
                BenchRow(section: "sealed", key: "limits.x25519AllCores", name: "X25519 scalar multiplications, \(cores) cores (libsodium)",
                         value: f.x25519, unit: "/s"),
                BenchRow(section: "sealed", key: "sealed.opens", name: "sealed events opened, \(cores) cores, no read model",
                         value: f.opens, unit: "events/s", limitName: "X25519 \(cores) cores", limit: f.x25519),
                BenchRow(section: "sealed", key: "sealed.catchUp", name: "catch-up of the exchanges read model, opening every sealed event",
                         value: f.catchUp, unit: "events/s", limitName: "X25519 \(cores) cores", limit: f.x25519,
                         target: .ratioAtLeast(0.8), note: "\(f.catchUpEvents) sealed events, median of \(max(1, sizes.projectionRuns)) runs"),
            ]
        }

        if sections.contains(where: \.needsLargeLedger) {
            let large = try await buildLargeLedger(base: base, entries: sizes.largeEntries, synthetic: synthetic)
            report.notes.append(String(format: "large ledger: %@ synthetic exchange events (mean leaf %.0f B) built non-durably in batches of about 2,000 in %.0f s%@",
                                       BenchRow.format(Double(large.entries), ""), large.leafBytes, large.buildSeconds,
                                       sizes.largeEntries < 1_000_000 ? "; the targets are set at 1,000,000 entries" : ""))
            if sections.contains(.size) {
                let f = try sizeFigures(large, runs: sizes.openRuns)
                report.rows += [
                    BenchRow(section: "size", key: "size.diskBytesPerEntry", name: "disk per entry", value: f.diskBytesPerEntry, unit: "B",
                             limitName: "leaf", limit: large.leafBytes, target: .ratioAtMost(1.3, plus: 100)),
                    BenchRow(section: "size", key: "size.openMs", name: "open for writing (median)", value: f.openWritableMs, unit: "ms",
                             target: .atMost(50)),
                    BenchRow(section: "size", key: "size.openReadOnlyMs", name: "open read-only (median)", value: f.openReadOnlyMs, unit: "ms"),
                    BenchRow(section: "size", key: "size.backupSeconds", name: "hot backup of the large ledger (jejak backup's copy)",
                             value: f.backupSeconds, unit: "s", limitName: "the store's files copied and synced", limit: f.rawCopySeconds,
                             note: "compacting copy in one read transaction; the audit of the copy not included"),
                ]
                report.notes.append(String(format: "each commit also stores its signed checkpoint (%.0f B here); the large ledger has %d commits, a ledger of one event per commit has one per entry",
                                           f.checkpointBytes, f.commits))
            }
            var options = Ledger.Options()
            options.durable = false
            let ledger = try attempt { try Ledger(opening: large.path, options: options) }
            defer { ledger.close() }
            if sections.contains(.proofs) {
                log("proofs: \(sizes.proofSamples) inclusion and consistency proofs…")
                let f = try proofFigures(ledger, samples: sizes.proofSamples)
                report.rows += [
                    BenchRow(section: "proofs", key: "proofs.inclusionP50Us", name: "inclusion proof p50", value: f.inclusionP50, unit: "µs",
                             target: .atMost(20)),
                    BenchRow(section: "proofs", key: "proofs.inclusionP99Us", name: "inclusion proof p99", value: f.inclusionP99, unit: "µs",
                             target: .atMost(50)),
                    BenchRow(section: "proofs", key: "proofs.consistencyP50Us", name: "consistency proof p50", value: f.consistencyP50, unit: "µs",
                             target: .atMost(20)),
                    BenchRow(section: "proofs", key: "proofs.consistencyP99Us", name: "consistency proof p99", value: f.consistencyP99, unit: "µs",
                             target: .atMost(50)),
                ]
            }
            if sections.contains(.projections) {
                let f = try await projectionFigures(ledger, base: base, runs: sizes.projectionRuns)
                report.rows += [
                    // A ratio to the same run's reading rate, so that the target does not move
                    // with the machine's load.
                    BenchRow(section: "projections", key: "projections.exchanges", name: "exchange read models, catch-up",
                             value: f.exchangesPerSecond, unit: "events/s", limitName: "read and decode", limit: f.readPerSecond,
                             target: .ratioAtLeast(0.8),
                             note: sizes.projectionRuns > 1 ? "median of \(sizes.projectionRuns)" : nil),
                    BenchRow(section: "projections", key: "projections.all", name: "all built-in read models, catch-up",
                             value: f.allPerSecond, unit: "events/s"),
                    BenchRow(section: "projections", key: "projections.readDecode", name: "read and decode entries (the ledger's side)",
                             value: f.readPerSecond, unit: "events/s", note: "first \(BenchRow.format(Double(f.readEntries), "")) entries"),
                ]
            }
            if sections.contains(.audit) {
                let f = try await inspectFigures(ledger, nextExchange: large.nextExchange, runs: sizes.auditRuns,
                                                 verifySeconds: sizes.verifySeconds, synthetic: synthetic)
                report.rows += [
                    BenchRow(section: "audit", key: "audit.full", name: "full audit, domain rules on", value: f.fullPerSecond,
                             unit: "events/s", limitName: "Ed25519 verify \(cores) cores", limit: f.verifyRate, target: .ratioAtLeast(0.8),
                             note: f.fullFindings == 0 ? nil : "\(f.fullFindings) findings"),
                    BenchRow(section: "audit", key: "audit.incrementalSeconds", name: "incremental audit of \(f.incrementalEntries) new entries",
                             value: f.incrementalSeconds, unit: "s", target: .atMost(0.2),
                             note: f.incrementalFindings == 0 ? nil : "\(f.incrementalFindings) findings"),
                    BenchRow(section: "audit", key: "audit.peakMemoryMiB", name: "audit memory, peak anonymous", value: f.peakAnonymousMB,
                             unit: "MiB", target: .atMost(150), note: String(format: "%.0f MiB before", f.baselineAnonymousMB)),
                ]
            }
        }

        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        if let jsonOut { try writeFile(report.json + "\n", to: jsonOut) }
        if json {
            print(report.json)
        } else {
            if !smoke { log("") }
            print(markdown ? report.markdown : report.text, terminator: "")
        }
    }

    /// Microseconds to validate a typical event's `data` (a delivery of two items) against its schema.
    static func schemaValidationMicros() throws -> Double {
        let catalog = try domainValidator().catalog
        let item: JSONValue = ["name": "rekap-anggaran-2026.pdf", "mediaType": "application/pdf", "size": 482_113,
                               "sha256": .string(String(repeating: "3f", count: 32))]
        let data: JSONValue = ["items": [item, item], "note": "Data sesuai permintaan nomor 2026-000123"]
        guard catalog.validate(type: .exchangeDelivered, data: data).isEmpty else {
            throw CLIFailure(description: "the benchmark's sample data does not match its schema")
        }
        let rounds = 20_000
        let start = DispatchTime.now().uptimeNanoseconds
        var failures = 0
        for _ in 0..<rounds where !catalog.validate(type: .exchangeDelivered, data: data).isEmpty { failures += 1 }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e3
        return failures == 0 ? elapsed / Double(rounds) : .nan
    }

    func log(_ s: String) {
        Self.logLine(s)
    }

    /// Writes `s` to standard error, after the seconds since the run began.
    static func logLine(_ s: String) {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - benchStart) / 1e9
        FileHandle.standardError.write(Data((String(format: "[%6.1f s] ", seconds) + s + "\n").utf8))
    }

    /// Verifications per second of one Ed25519 signature over ~700 bytes, on `threads` threads.
    static func ed25519VerifyRate(threads: Int, seconds: Double) -> Double {
        guard let key = try? SignerKey.generate(name: "bench") else { return 0 }
        let message = [UInt8](repeating: 0x61, count: 700)
        let sig = key.rawSignature(for: message)
        let pub = key.verifierKey.publicKey
        let total = Mutex(0)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var n = 0
            while DispatchTime.now().uptimeNanoseconds < deadline {
                for _ in 0..<32 where pub.isValidSignature(sig, for: message) { n += 1 }
            }
            total.withLock { $0 += n }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(total.withLock { $0 }) / elapsed
    }

    /// Entries per second written by `commits` commits of `perCommit` puts of `entryBytes` each
    /// (or as many as fit in `seconds`), on a raw LMDB environment (durable: one fsync per commit).
    static func rawLMDBCommitRate(path: String, entryBytes: Int, perCommit: Int, commits: Int, seconds: Double,
                                  durable: Bool) throws -> Double {
        var options = Environment.Options()
        options.durable = durable
        let env = try attempt { try Environment(path: path, databases: ["bench"], options: options) }
        let db = try attempt { try env.database("bench") }
        let value = [UInt8](repeating: 0x61, count: entryBytes)
        var key: UInt64 = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        var done = 0
        while done < commits, done == 0 || DispatchTime.now().uptimeNanoseconds < deadline {
            done += 1
            try attempt {
                try env.write { txn in
                    for _ in 0..<perCommit {
                        try txn.put(db, key: BigEndian.bytes(key), value: value, options: .append)
                        key += 1
                    }
                }
            }
        }
        return rate(done * perCommit, since: start)
    }
}
