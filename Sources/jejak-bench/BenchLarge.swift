#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Jejak
import JejakCommands
import JejakOfflineCommands
import Synchronization

/// The large-ledger part of `jejak-bench`: a ledger of synthetic exchanges built fast
/// (non-durable, big batches, several in flight), then its size on disk, its open time and its
/// proofs.
extension BenchCommand {
    struct LargeLedger {
        var path: String
        var entries: UInt64
        var leafBytes: Double
        var nextExchange: Int
        var buildSeconds: Double
    }

    struct SizeFigures {
        var diskBytesPerEntry: Double
        var openWritableMs: Double
        var openReadOnlyMs: Double
        var checkpointBytes: Double
        var commits: Int
        /// `jejak backup`'s copy (LMDB's compacting copy, the keys beside it), in seconds.
        var backupSeconds: Double
        /// The limit: the store's files copied byte for byte and synced, in seconds.
        var rawCopySeconds: Double
    }

    struct ProofFigures {
        var inclusionP50: Double
        var inclusionP99: Double
        var consistencyP50: Double
        var consistencyP99: Double
        var samples: Int
    }

    /// Builds a non-durable ledger of `entries` synthetic exchange events in `base`, and closes it.
    func buildLargeLedger(base: String, entries: Int, synthetic: SyntheticExchanges) async throws -> LargeLedger {
        let path = base + "/large-ledger"
        log("large ledger: building \(entries) entries (non-durable, batches of 2,000, four in flight)…")
        let start = DispatchTime.now().uptimeNanoseconds
        let signed: SyntheticExchanges.Signed
        let size: UInt64
        do {
            let ledger = try await synthetic.ledger(at: path, durable: false)
            let reported = Mutex(0)
            signed = try await synthetic.append(entries, firstExchange: 0, to: ledger) { done in
                let step = reported.withLock { last -> Bool in
                    guard done / 200_000 > last / 200_000 else { return false }
                    last = done
                    return true
                }
                if step { Self.logLine("large ledger: \(done) events appended") }
            }
            size = try attempt { try ledger.size() }
            ledger.close()
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        log(String(format: "large ledger: %llu entries in %.0f s", size, seconds))
        return LargeLedger(path: path, entries: size, leafBytes: Double(signed.leafBytes) / Double(entries),
                           nextExchange: signed.nextExchange, buildSeconds: seconds)
    }

    /// The ledger's bytes on disk per entry, and the median time to open it (writable with the
    /// domain validator already loaded, and read-only) over `runs` opens.
    func sizeFigures(_ large: LargeLedger, runs: Int) throws -> SizeFigures {
        let bytes = Self.diskBytes(large.path + "/store")
        var options = Ledger.Options()
        options.validator = try domainValidator()
        var readOnly = Ledger.Options()
        readOnly.readOnly = true
        var writable: [Double] = [], reading: [Double] = []
        var commits = 0
        var checkpointBytes = 0.0
        for run in 0..<runs {
            for (opts, into) in [(options, 0), (readOnly, 1)] {
                let t = DispatchTime.now().uptimeNanoseconds
                let ledger = try attempt { try Ledger(opening: large.path, options: opts) }
                let ms = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e6
                if into == 0 { writable.append(ms) } else { reading.append(ms) }
                if run == 0, into == 1 {
                    let counts = try attempt { try ledger.storedCounts() }
                    commits = counts.checkpoints
                    checkpointBytes = Double(try attempt { try ledger.latestCheckpoint() }.serialized.utf8.count)
                }
                ledger.close()
            }
        }
        // A hot backup of the large ledger, against copying its store's files as they are.
        let backupPath = large.path + "-backup", rawPath = large.path + "-raw-copy"
        for path in [backupPath, rawPath] { try? FileManager.default.removeItem(atPath: path) }
        defer { for path in [backupPath, rawPath] { try? FileManager.default.removeItem(atPath: path) } }
        let ledger = try attempt { try Ledger(opening: large.path, options: readOnly) }
        var t = DispatchTime.now().uptimeNanoseconds
        _ = try attempt { try ledger.backup(to: backupPath) }
        let backupSeconds = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
        ledger.close()
        t = DispatchTime.now().uptimeNanoseconds
        try Self.copySynced(large.path + "/store", to: rawPath)
        let rawCopySeconds = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
        return SizeFigures(diskBytesPerEntry: Double(bytes) / Double(large.entries), openWritableMs: Self.median(writable),
                           openReadOnlyMs: Self.median(reading), checkpointBytes: checkpointBytes, commits: commits,
                           backupSeconds: backupSeconds, rawCopySeconds: rawCopySeconds)
    }

    /// Copies the regular files of `directory` into a new directory `target` in 1 MiB reads
    /// and writes, each file synced: what a plain copy of the store costs on this disk.
    static func copySynced(_ directory: String, to target: String) throws {
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name != "lock.mdb" {
            let input = open(directory + "/" + name, O_RDONLY)
            guard input >= 0 else { throw CLIFailure(description: "cannot read \(directory)/\(name)") }
            defer { close(input) }
            let output = open(target + "/" + name, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            guard output >= 0 else { throw CLIFailure(description: "cannot write \(target)/\(name)") }
            defer { close(output) }
            while true {
                let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                guard n > 0 else { break }
                let written = buffer.withUnsafeBytes { write(output, $0.baseAddress, n) }
                guard written == n else { throw CLIFailure(description: "cannot write \(target)/\(name)") }
            }
            fsync(output)
        }
    }

    /// Inclusion proofs of random entries and consistency proofs from random sizes, both to the
    /// latest size, each timed alone.
    func proofFigures(_ ledger: Ledger, samples: Int) throws -> ProofFigures {
        let size = try attempt { try ledger.size() }
        var rng = SystemRandomNumberGenerator()
        var inclusion: [UInt64] = [], consistency: [UInt64] = []
        inclusion.reserveCapacity(samples)
        consistency.reserveCapacity(samples)
        for _ in 0..<samples {
            let index = UInt64.random(in: 0..<size, using: &rng)
            var t = DispatchTime.now().uptimeNanoseconds
            _ = try attempt { try ledger.inclusionProof(index: index, size: size) }
            inclusion.append(DispatchTime.now().uptimeNanoseconds - t)
            let old = UInt64.random(in: 1..<size, using: &rng)
            t = DispatchTime.now().uptimeNanoseconds
            _ = try attempt { try ledger.consistencyProof(from: old, to: size) }
            consistency.append(DispatchTime.now().uptimeNanoseconds - t)
        }
        func µs(_ xs: [UInt64], _ p: Double) -> Double { Self.percentile(xs, p) / 1e3 }
        return ProofFigures(inclusionP50: µs(inclusion, 0.5), inclusionP99: µs(inclusion, 0.99),
                            consistencyP50: µs(consistency, 0.5), consistencyP99: µs(consistency, 0.99), samples: samples)
    }

    /// The bytes the files under `path` occupy on disk (allocated blocks, as `du` counts them).
    static func diskBytes(_ path: String) -> Int {
        guard let names = try? FileManager.default.subpathsOfDirectory(atPath: path) else { return 0 }
        var total = 0
        for name in names {
            var st = stat()
            if lstat(path + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += Int(st.st_blocks) * 512 }
        }
        return total
    }

    /// The `p` percentile of durations in ns (NaN when there are none).
    static func percentile(_ xs: [UInt64], _ p: Double) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        return Double(s[min(s.count - 1, Int(Double(s.count) * p))])
    }

    static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
