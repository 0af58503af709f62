import ArgumentParser
import Dispatch
import Foundation
import Jejak
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakStorage
import Synchronization

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure append throughput and latency against this machine's limits, measured in the same run.",
        discussion: """
            Limits measured first: Ed25519 verifications per second on all cores, and raw LMDB \
            durable single-put commits per second. Then, on a fresh durable ledger in a temporary \
            directory: pre-signed ~600-byte events appended by many concurrent publishers, and one \
            publisher appending one event per call. Each figure is printed beside its limit, as a ratio.

            With --inspect, it measures the integrity audit on a ledger of synthetic exchange \
            events (domain rules on): a full audit beside the Ed25519 verification limit measured \
            just before it, then an incremental audit of 1,000 new entries, and the peak \
            anonymous memory (the heap; the mapped ledger file is not counted).

            With --projections, it measures instead the catch-up of the read models (`jejak \
            project`) from scratch over synthetic exchange events in a non-durable ledger.

            Examples:
              jejak bench --events 20000 --publishers 64
              jejak bench --projections --projection-events 100000
              jejak bench --inspect --inspect-events 1000000
            """)

    @Option(help: ArgumentHelp("Events for the concurrent run.", valueName: "n"))
    var events = 20_000
    @Option(help: ArgumentHelp("Concurrent publishers.", valueName: "n"))
    var publishers = 64
    @Option(help: ArgumentHelp("Appends for the single-publisher run.", valueName: "n"))
    var single = 300
    @Option(help: ArgumentHelp("Where to create the throwaway ledger (default: a temp directory).", valueName: "dir"))
    var dir: String?
    @Flag(help: "Print the results as one JSON object.")
    var json = false
    @Flag(help: "Skip fsync (MDB_NOSYNC), to see the CPU costs alone. The figures are then not the durable targets.")
    var noSync = false
    @Flag(help: "Measure only the catch-up throughput of the read models (jejak project), over synthetic exchange events.")
    var projections = false
    @Option(help: ArgumentHelp("Events for the --projections run.", valueName: "n"))
    var projectionEvents = 100_000
    @Flag(help: "Measure only the integrity audit (jejak inspect): full audit rate against the Ed25519 verification limit, incremental audit of 1,000 new entries, memory.")
    var inspect = false
    @Option(help: ArgumentHelp("Entries for the --inspect run.", valueName: "n"))
    var inspectEvents = 100_000

    func run() async throws {
        let base = dir ?? (NSTemporaryDirectory() + "jejak-bench-" + UUID().uuidString)
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: base) } }
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        log("machine: \(cores) cores")
        if inspect {
            let f = try await inspectFigures(base: base, events: inspectEvents)
            if json {
                print(jsonLine(["cores": .number(JSONNumber(Int64(cores))), "entries": .number(JSONNumber(Int64(f.entries))),
                                "ed25519VerifyPerSecond": .number(JSONNumber(f.verifyRate) ?? JSONNumber(0)),
                                "fullAuditPerSecond": .number(JSONNumber(f.fullPerSecond) ?? JSONNumber(0)),
                                "fullAuditRatioToVerify": .number(JSONNumber(f.fullPerSecond / f.verifyRate) ?? JSONNumber(0)),
                                "fullAuditFindings": .number(JSONNumber(Int64(f.fullFindings))),
                                "incrementalAuditSeconds": .number(JSONNumber(f.incrementalSeconds) ?? JSONNumber(0)),
                                "incrementalAuditEntries": .number(JSONNumber(Int64(f.incrementalEntries))),
                                "peakAnonymousMB": .number(JSONNumber(f.peakAnonymousMB) ?? JSONNumber(0))]))
            } else {
                print("inspect: \(f.entries) entries (synthetic exchanges, domain rules on), \(f.fullFindings) findings")
                print(String(format: "full audit                 %9.0f entries/s = %.2f × Ed25519 verify rate %.0f/s (target ≥ 0.80)",
                             f.fullPerSecond, f.fullPerSecond / f.verifyRate, f.verifyRate))
                print(String(format: "incremental audit          %9.3f s for %llu new entries, %d findings (target < 0.2 s)",
                             f.incrementalSeconds, f.incrementalEntries, f.incrementalFindings))
                print(String(format: "memory                     %9.0f MiB peak anonymous (%.0f before the audits; target < 150 MB)",
                             f.peakAnonymousMB, f.baselineAnonymousMB))
            }
            return
        }
        if projections {
            let f = try await projectionFigures(base: base, events: projectionEvents)
            if json {
                print(jsonLine(["cores": .number(JSONNumber(Int64(cores))), "projectionEvents": .number(JSONNumber(Int64(f.events))),
                                "exchangeCatchUpPerSecond": .number(JSONNumber(f.exchangesPerSecond) ?? JSONNumber(0)),
                                "allReadModelsCatchUpPerSecond": .number(JSONNumber(f.allPerSecond) ?? JSONNumber(0)),
                                "readAndDecodePerSecond": .number(JSONNumber(f.readPerSecond) ?? JSONNumber(0))]))
            } else {
                print("read models: \(f.events) log entries (synthetic exchanges)")
                print(String(format: "read and decode entries    %9.0f entries/s (the ledger's side alone)", f.readPerSecond))
                print(String(format: "exchange read models       %9.0f events/s caught up, median of 3 (target ≥ 100,000)", f.exchangesPerSecond))
                print(String(format: "all built-in read models   %9.0f events/s caught up, median of 3", f.allPerSecond))
            }
            return
        }

        let verifyRate = Self.ed25519VerifyRate(threads: cores, seconds: 1.5)
        log(String(format: "limit: Ed25519 verify, all cores      %10.0f /s", verifyRate))
        let lmdbRate = try Self.rawLMDBCommitRate(path: base + "/raw", commits: single)
        log(String(format: "limit: LMDB durable single commits   %10.0f /s", lmdbRate))

        var options = Ledger.Options()
        options.durable = !noSync
        let ledger = try await attempt {
            try await Ledger.create(at: base + "/ledger", origin: "bench.jejak.local/ledger", options: options)
        }
        let authority = RegistryAuthority(key: try readKey(ledger.directory.authorityKey))
        let unitKey = try SignerKey.generate(name: "biro-bench")
        _ = try await attempt {
            try await ledger.append([try authority.registerUnit("biro-bench", name: "Biro Bench", role: .biro),
                                     try authority.addKey(unitKey.verifierKey)])
        }
        let publisher = UnitPublisher(key: unitKey, ledger: ledger)
        let padding = String(repeating: "x", count: 240)
        func signed(_ i: Int) throws -> SignedEvent {
            try publisher.sign(type: "id.go.kpu.jejak.bench.noted.v1", subject: "bench/\(i % 1000)",
                               data: ["seq": .number(JSONNumber(Int64(i))), "note": .string(padding)], id: "bench-\(i)")
        }
        log("pre-signing \(events + single) events…")
        var presigned: [SignedEvent] = []
        presigned.reserveCapacity(events + single)
        for i in 0..<(events + single) { presigned.append(try attempt { try signed(i) }) }
        let eventBytes = presigned[0].event.bytes.count
        let envelopeBytes = presigned[0].jsonBytes.count

        // Many concurrent publishers, one event per call each.
        let concurrent = Array(presigned[0..<events])
        let perPublisher = (events + publishers - 1) / publishers
        let started = DispatchTime.now().uptimeNanoseconds
        let latencies: [UInt64] = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for p in 0..<publishers {
                let slice = concurrent[min(p * perPublisher, events)..<min((p + 1) * perPublisher, events)]
                group.addTask {
                    var own: [UInt64] = []
                    own.reserveCapacity(slice.count)
                    for e in slice {
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        _ = try await ledger.append(e)
                        own.append(DispatchTime.now().uptimeNanoseconds - t0)
                    }
                    return own
                }
            }
            var all: [UInt64] = []
            for try await l in group { all += l }
            return all
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let concurrentRate = Double(events) / elapsed
        let sorted = latencies.sorted()
        func pct(_ p: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6 }
        let checkpoints = try attempt { try ledger.checkpointSizes() }.count

        // One publisher, one event per call.
        let t1 = DispatchTime.now().uptimeNanoseconds
        for e in presigned[events...] { _ = try await attempt { try await ledger.append(e) } }
        let singleRate = Double(single) / (Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e9)
        ledger.close()

        let schemaMicros = try Self.schemaValidationMicros()

        let results: [(String, Double)] = [
            ("cores", Double(cores)), ("ed25519VerifyPerSecond", verifyRate), ("lmdbCommitsPerSecond", lmdbRate),
            ("eventBytes", Double(eventBytes)), ("envelopeBytes", Double(envelopeBytes)),
            ("publishers", Double(publishers)), ("events", Double(events)),
            ("concurrentAppendsPerSecond", concurrentRate), ("concurrentRatioToVerify", concurrentRate / verifyRate),
            ("latencyP50Ms", pct(0.50)), ("latencyP99Ms", pct(0.99)), ("commits", Double(checkpoints)),
            ("singleAppendsPerSecond", singleRate), ("singleRatioToLMDB", singleRate / lmdbRate),
            ("schemaValidationMicroseconds", schemaMicros),
        ]
        if json {
            print(jsonLine(.object(JSONObject(members: results.map { (key: $0.0, value: .number(JSONNumber($0.1) ?? JSONNumber(0))) }) ?? JSONObject())))
            return
        }
        print("")
        print("event: \(eventBytes) bytes, envelope \(envelopeBytes) bytes; \(publishers) publishers, \(events) events, \(checkpoints) commits")
        print(String(format: "concurrent durable append  %9.0f events/s  = %.2f × Ed25519 verify rate (target ≥ 0.80)", concurrentRate, concurrentRate / verifyRate))
        print(String(format: "append latency             p50 %.2f ms, p99 %.2f ms (target p99 < 10 ms)", pct(0.5), pct(0.99)))
        print(String(format: "single publisher           %9.0f appends/s = %.2f × raw LMDB commit rate (target ≥ 0.80)", singleRate, singleRate / lmdbRate))
        print(String(format: "schema validation          %9.2f µs per typical event's data (target ~10 µs)", schemaMicros))
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
        FileHandle.standardError.write(Data((s + "\n").utf8))
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

    /// Durable commits per second of one 700-byte put each, on a raw LMDB environment.
    static func rawLMDBCommitRate(path: String, commits: Int) throws -> Double {
        let env = try Environment(path: path, databases: ["bench"])
        let db = try env.database("bench")
        let value = [UInt8](repeating: 0x61, count: 700)
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<commits {
            try env.write { txn in try txn.put(db, key: BigEndian.bytes(UInt64(i)), value: value, options: .append) }
        }
        return Double(commits) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
