import Dispatch
import Foundation
import Jejak
import JejakCommands
import JejakOfflineCommands

/// The append part of `jejak-bench`: pre-signed exchange events appended to a fresh ledger
/// with the KPU domain's rules on, by one publisher one event per call, by one publisher in
/// batches of 100, and by many concurrent publishers one event per call.
extension BenchCommand {
    struct AppendFigures {
        var eventBytes: Double
        var leafBytes: Double
        var signPerSecond: Double
        var single: Run
        var batches: Run
        var concurrent: Run
        var commitsConcurrent: Int
        /// Each run's limit, measured just before and just after it (their mean): raw LMDB
        /// single commits, Ed25519 verification on all cores (twice: a batch's signatures are
        /// verified in parallel too).
        var singleLimit: Double
        var batchVerifyLimit: Double
        var concurrentLimit: Double

        /// Events per second and each call's latency.
        struct Run {
            var events: Int
            var perSecond: Double
            var latencies: [UInt64]

            func percentileMs(_ p: Double) -> Double { BenchCommand.percentile(latencies, p) / 1e6 }
        }
    }

    /// Signs the events of all three runs first (timed: the signing rate on all cores), then
    /// appends them to a new ledger in `base`, durable unless `--no-sync`.
    func appendFigures(base: String, sizes: BenchSizes, synthetic: SyntheticExchanges) async throws -> AppendFigures {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var rawRuns = 0
        func rawSingle(_ entryBytes: Int) throws -> Double {
            rawRuns += 1
            let path = base + "/raw-around-\(rawRuns)"
            defer { try? FileManager.default.removeItem(atPath: path) }
            return try Self.rawLMDBCommitRate(path: path, entryBytes: entryBytes, perCommit: 1,
                                              commits: sizes.rawSingleCommits, seconds: sizes.runSeconds, durable: !noSync)
        }
        let validator = try domainValidator()
        let ledger = try await synthetic.ledger(at: base + "/append-ledger", durable: !noSync, validator: validator)
        defer { ledger.close() }

        log("append: signing \(sizes.singleEvents + sizes.batchEvents + sizes.concurrentEvents) events…")
        let t0 = DispatchTime.now().uptimeNanoseconds
        let single = try synthetic.sign(sizes.singleEvents, firstExchange: 0)
        let batched = try synthetic.sign(sizes.batchEvents, firstExchange: single.nextExchange)
        let concurrent = try synthetic.sign(sizes.concurrentEvents, firstExchange: batched.nextExchange)
        let signSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let all = single.events.count + batched.events.count + concurrent.events.count
        let eventBytes = Double(([single, batched, concurrent].flatMap(\.events)).reduce(0) { $0 + $1.event.bytes.count }) / Double(all)
        let leafBytes = Double(single.leafBytes + batched.leafBytes + concurrent.leafBytes) / Double(all)

        log("append: one publisher, one event per call…")
        let singleBefore = try rawSingle(Int(leafBytes))
        var latencies: [UInt64] = []
        var start = DispatchTime.now().uptimeNanoseconds
        var deadline = start + UInt64(sizes.runSeconds * 1e9)
        for e in single.events {
            let t = DispatchTime.now().uptimeNanoseconds
            if t > deadline { break }
            _ = try await attempt { try await ledger.append(e) }
            latencies.append(DispatchTime.now().uptimeNanoseconds - t)
        }
        let singleRun = AppendFigures.Run(events: latencies.count, perSecond: Self.rate(latencies.count, since: start),
                                          latencies: latencies)
        let singleLimit = (singleBefore + (try rawSingle(Int(leafBytes)))) / 2

        log("append: one publisher, batches of 100…")
        let batchBefore = Self.ed25519VerifyRate(threads: cores, seconds: sizes.verifySeconds)
        latencies = []
        start = DispatchTime.now().uptimeNanoseconds
        deadline = start + UInt64(sizes.runSeconds * 1e9)
        var i = 0
        while i < batched.events.count {
            let batch = Array(batched.events[i..<min(i + 100, batched.events.count)])
            let t = DispatchTime.now().uptimeNanoseconds
            if t > deadline { break }
            _ = try await attempt { try await ledger.append(batch) }
            latencies.append(DispatchTime.now().uptimeNanoseconds - t)
            i += batch.count
        }
        let batchRun = AppendFigures.Run(events: i, perSecond: Self.rate(i, since: start), latencies: latencies)
        let batchVerifyLimit = (batchBefore + Self.ed25519VerifyRate(threads: cores, seconds: sizes.verifySeconds)) / 2

        // Each publisher takes whole exchanges (every `publishers`-th), in order.
        log("append: \(publishers) publishers, one event per call each…")
        let commitsBefore = try attempt { try ledger.checkpointSizes() }.count
        let allBefore = Self.ed25519VerifyRate(threads: cores, seconds: sizes.verifySeconds)
        let concurrentRun = try await Self.appendConcurrently(concurrent.events, publishers: publishers, to: ledger,
                                                              seconds: sizes.runSeconds)
        let commits = try attempt { try ledger.checkpointSizes() }.count - commitsBefore
        let concurrentLimit = (allBefore + Self.ed25519VerifyRate(threads: cores, seconds: sizes.verifySeconds)) / 2
        return AppendFigures(eventBytes: eventBytes, leafBytes: leafBytes, signPerSecond: Double(all) / signSeconds,
                             single: singleRun, batches: batchRun, concurrent: concurrentRun, commitsConcurrent: commits,
                             singleLimit: singleLimit, batchVerifyLimit: batchVerifyLimit, concurrentLimit: concurrentLimit)
    }

    /// Events per second since `start` (a `DispatchTime` uptime in ns).
    static func rate(_ events: Int, since start: UInt64) -> Double {
        Double(events) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
