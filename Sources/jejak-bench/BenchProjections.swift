import Dispatch
import Foundation
import Jejak
import JejakCommands
import JejakOfflineCommands
import JejakProjections

/// The projections part of `jejak-bench`: catch-up throughput of the read models (`jejak project`).
extension BenchCommand {
    /// What the projection benchmark measured.
    struct ProjectionFigures {
        var events: Int
        var exchangesPerSecond: Double
        var allPerSecond: Double
        var readPerSecond: Double
        var readEntries: Int
    }

    /// Times reading and decoding the first 200,000 entries of `ledger` (the ledger's side
    /// alone), then a catch-up from scratch of the exchange read models alone (median of
    /// `runs`), and of all built-in read models (once), each into a new file in `base`.
    func projectionFigures(_ ledger: Ledger, base: String, runs: Int) async throws -> ProjectionFigures {
        let size = try attempt { try ledger.size() }

        let sample = min(size, 200_000)
        log("projections: reading and decoding \(sample) entries…")
        let t0 = DispatchTime.now().uptimeNanoseconds
        var read: UInt64 = 0
        while read < sample { read += UInt64(try attempt { try ledger.entries(from: read, to: sample, limit: 4096) }.count) }
        let readRate = Self.rate(Int(sample), since: t0)

        func catchUp(_ projections: [any Projection], file: String, runs: Int) async throws -> Double {
            var rates: [Double] = []
            for run in 1...runs {
                let path = base + "/\(run)-" + file
                let db = try attempt { try ReadModelDatabase.openForWriting(path: path) }
                let runner = try attempt { try ProjectionRunner(ledger: ledger, database: db, projections: projections) }
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try await attempt { try await runner.catchUp() }
                rates.append(Self.rate(Int(size), since: start))
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
            log("projections: \(file): " + rates.map { String(format: "%.0f", $0) }.joined(separator: ", ") + " events/s")
            return Self.median(rates)
        }
        log("projections: catching up…")
        let exchanges = try await catchUp([ExchangesProjection()], file: "exchanges.sqlite", runs: runs)
        let all = try await catchUp(ReadModels.builtIn(), file: "all.sqlite", runs: 1)
        return ProjectionFigures(events: Int(size), exchangesPerSecond: exchanges, allPerSecond: all, readPerSecond: readRate,
                                 readEntries: Int(sample))
    }
}
