import Dispatch
import Foundation
import Jejak
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakProjections
import Synchronization

/// The projections part of `jejak bench`: catch-up throughput of the read models.
extension BenchCommand {
    /// What the projection benchmark measured.
    struct ProjectionFigures {
        var events: Int
        var exchangesPerSecond: Double
        var allPerSecond: Double
        var readPerSecond: Double
    }

    /// Appends `events` synthetic exchange events (requests, deliveries, some rejections and
    /// redeliveries, acknowledgements) to a non-durable ledger in `base`, then times a catch-up
    /// from scratch of the exchange read models alone, and of all built-in read models (each the
    /// median of three runs).
    func projectionFigures(base: String, events: Int) async throws -> ProjectionFigures {
        log("projections: building a ledger of \(events) synthetic exchange events…")
        let ledger = try await SyntheticExchanges().ledger(at: base + "/projection-ledger", events: events)
        defer { ledger.close() }
        let size = try attempt { try ledger.size() }

        // Reading and decoding alone, for reference.
        let t0 = DispatchTime.now().uptimeNanoseconds
        var read: UInt64 = 0
        while read < size { read += UInt64(try attempt { try ledger.entries(from: read, limit: 4096) }.count) }
        let readRate = Double(size) / (Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)

        // Each catch-up runs three times from scratch, into a new file; the median is reported.
        func catchUp(_ projections: [any Projection], file: String) async throws -> Double {
            var rates: [Double] = []
            for run in 1...3 {
                let db = try attempt { try ReadModelDatabase.openForWriting(path: base + "/\(run)-" + file) }
                let runner = try attempt { try ProjectionRunner(ledger: ledger, database: db, projections: projections) }
                let start = DispatchTime.now().uptimeNanoseconds
                _ = try await attempt { try await runner.catchUp() }
                rates.append(Double(size) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
            }
            log("projections: \(file): " + rates.map { String(format: "%.0f", $0) }.joined(separator: ", ") + " events/s")
            return rates.sorted()[1]
        }
        log("projections: catching up…")
        let exchanges = try await catchUp([ExchangesProjection()], file: "exchanges.sqlite")
        let all = try await catchUp(ReadModels.builtIn(), file: "all.sqlite")
        return ProjectionFigures(events: Int(size), exchangesPerSecond: exchanges, allPerSecond: all, readPerSecond: readRate)
    }
}
