import Dispatch
import Foundation
import Jejak
import JejakDomain
import JejakInspector
import JejakTlog
import Synchronization

/// The inspector part of `jejak bench`: full and incremental audits, and their memory.
extension BenchCommand {
    struct InspectFigures {
        var entries: UInt64
        var verifyRate: Double
        var fullPerSecond: Double
        var fullFindings: Int
        var incrementalSeconds: Double
        var incrementalEntries: UInt64
        var incrementalFindings: Int
        var peakAnonymousMB: Double
        var baselineAnonymousMB: Double
    }

    /// Builds a non-durable ledger of `events` synthetic exchange events, measures the
    /// Ed25519 verification limit, times a full audit (domain rules on, median of `runs`), then
    /// appends 1,000 more events and times an incremental audit of them.
    func inspectFigures(base: String, events: Int) async throws -> InspectFigures {
        let synthetic = try SyntheticExchanges()
        log("inspect: building a ledger of \(events) synthetic exchange events…")
        let ledger = try await synthetic.ledger(at: base + "/inspect-ledger", events: events)
        defer { ledger.close() }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let validator = try domainValidator()

        // Give the heap freed while building back to the system, so the audit's own memory shows.
        #if os(Linux)
        _ = mallocTrim(0)
        #endif
        let baseline = Self.anonymousMemoryMB()
        let peak = Mutex(baseline)
        var options = Inspector.Options()
        options.validator = validator
        options.progress = { _, _ in
            let now = Self.anonymousMemoryMB()
            peak.withLock { $0 = max($0, now) }
        }
        log("inspect: full audits…")
        var rates: [Double] = []
        var verifyRates: [Double] = []
        var report: AuditReport?
        for _ in 0..<3 {
            verifyRates.append(Self.ed25519VerifyRate(threads: cores, seconds: 1.0))
            let r = try await attempt { try await Inspector(ledger: ledger, options: options).audit() }
            rates.append(Double(r.auditedTo) / r.seconds)
            report = r
            log(String(format: "inspect: full audit %.0f entries/s (verify limit %.0f/s)", rates.last ?? 0, verifyRates.last ?? 0))
        }
        guard let full = report, let text = full.checkpoint else { throw CLIFailure(description: "the audit produced no checkpoint") }

        let since = try attempt { try SignedCheckpoint(parsing: text) }
        try await synthetic.append(1000, firstExchange: SyntheticExchanges.exchanges(spannedBy: events), to: ledger)
        var incremental = options
        incremental.since = since
        var incrementalTimes: [Double] = []
        var incrementalReport: AuditReport?
        for _ in 0..<3 {
            let r = try await attempt { try await Inspector(ledger: ledger, options: incremental).audit() }
            incrementalTimes.append(r.seconds)
            incrementalReport = r
        }
        return InspectFigures(entries: full.auditedTo, verifyRate: verifyRates.sorted()[1], fullPerSecond: rates.sorted()[1],
                              fullFindings: full.findingCount, incrementalSeconds: incrementalTimes.sorted()[1],
                              incrementalEntries: (incrementalReport?.auditedTo ?? 0) - (incrementalReport?.auditedFrom ?? 0),
                              incrementalFindings: incrementalReport?.findingCount ?? -1,
                              peakAnonymousMB: peak.withLock { $0 }, baselineAnonymousMB: baseline)
    }

    /// The process's resident anonymous memory (heap, not the mapped ledger file), in MiB.
    static func anonymousMemoryMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }
}

#if os(Linux)
/// glibc's `malloc_trim(3)`: returns freed heap memory to the system (not exported by the Glibc module).
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
#endif
