import Dispatch
import Foundation
import Jejak
import JejakCommands
import JejakDomain
import JejakInspector
import JejakOfflineCommands
import JejakTlog
import JejakVerification
import Synchronization

/// The audit part of `jejak-bench`: full and incremental audits (`jejak inspect`), and their memory.
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

    /// Times a full audit of `ledger` (domain rules on, median of `runs`), each beside the
    /// Ed25519 verification limit measured just before and just after it (their mean, as the
    /// machine is shared); then appends 1,000 more exchange events (numbered from
    /// `nextExchange`) and times an incremental audit of them (median of three).
    func inspectFigures(_ ledger: Ledger, nextExchange: Int, runs: Int, verifySeconds: Double,
                        synthetic: SyntheticExchanges) async throws -> InspectFigures {
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
        var rates: [Double] = []
        var verifyRates: [Double] = []
        var report: AuditReport?
        for run in 1...runs {
            log("audit: full audit \(run) of \(runs)…")
            let before = Self.ed25519VerifyRate(threads: cores, seconds: verifySeconds)
            let r = try await attempt { try await Inspector(ledger: ledger, options: options).audit() }
            let after = Self.ed25519VerifyRate(threads: cores, seconds: verifySeconds)
            rates.append(Double(r.auditedTo) / r.seconds)
            verifyRates.append((before + after) / 2)
            report = r
            log(String(format: "audit: %.0f entries/s (verify limit %.0f/s before, %.0f/s after)", rates.last ?? 0, before, after))
        }
        guard let full = report, let text = full.checkpoint else { throw CLIFailure(description: "the audit produced no checkpoint") }

        let since = try attempt { try SignedCheckpoint(parsing: text) }
        try await synthetic.append(1000, firstExchange: nextExchange, to: ledger)
        var incremental = options
        incremental.since = since
        var incrementalTimes: [Double] = []
        var incrementalReport: AuditReport?
        for _ in 0..<3 {
            let r = try await attempt { try await Inspector(ledger: ledger, options: incremental).audit() }
            incrementalTimes.append(r.seconds)
            incrementalReport = r
        }
        return InspectFigures(entries: full.auditedTo, verifyRate: Self.median(verifyRates), fullPerSecond: Self.median(rates),
                              fullFindings: full.findingCount, incrementalSeconds: Self.median(incrementalTimes),
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
