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
        var options = Ledger.Options()
        options.durable = false
        let ledger = try await attempt {
            try await Ledger.create(at: base + "/projection-ledger", origin: "bench.jejak.local/projections", options: options)
        }
        defer { ledger.close() }
        let authority = RegistryAuthority(key: try readKey(ledger.directory.authorityKey))
        let requester = try SignerKey.generate(name: "biro-perencanaan")
        let provider = try SignerKey.generate(name: "biro-keuangan")
        _ = try await attempt {
            try await ledger.append([
                try authority.registerUnit("biro-perencanaan", name: "Biro Perencanaan", role: .biro),
                try authority.registerUnit("biro-keuangan", name: "Biro Keuangan", role: .biro),
                try authority.addKey(requester.verifierKey), try authority.addKey(provider.verifierKey),
            ])
        }
        // Each exchange: requested, delivered, acknowledged; every fifth one rejected and delivered again first.
        struct Plan: Sendable { let exchange: Int; let step: Int; let of: Int }
        var plan: [Plan] = []
        plan.reserveCapacity(events)
        var x = 0
        while plan.count < events {
            let steps = x % 5 == 0 ? 5 : 3
            for s in 0..<steps where plan.count < events { plan.append(Plan(exchange: x, step: s, of: steps)) }
            x += 1
        }
        let item: JSONValue = ["name": "rekap-anggaran.pdf", "mediaType": "application/pdf", "size": 482_113,
                               "sha256": .string(String(repeating: "3f", count: 32))]
        @Sendable func sign(_ p: Plan) throws -> SignedEvent {
            let subject = "exchange/bench-\(p.exchange)"
            let kind: (DomainEventType, SignerKey, JSONValue)
            switch (p.step, p.of) {
            case (0, _):
                kind = (.exchangeRequested, requester, [
                    "provider": "biro-keuangan", "category": "anggaran", "title": .string("Rekap anggaran \(p.exchange)"),
                    "purpose": "Laporan", "legalBasis": "UU 17/2003", "dueDate": "2026-06-30", "classification": "terbatas"])
            case (1, _), (3, 5): kind = (.exchangeDelivered, provider, ["items": [item, item]])
            case (2, 5): kind = (.exchangeRejected, requester, ["reason": "Berkas belum ditandatangani."])
            default: kind = (.exchangeAcknowledged, requester, [:])
            }
            let event = try CloudEvent.make(id: "\(subject)/\(p.step)", source: kind.1.name, type: kind.0.rawValue,
                                            subject: subject, dataschema: kind.0.schemaID, data: kind.2)
            return SignedEvent.sign(event, with: kind.1)
        }
        log("projections: signing \(events) exchange events…")
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = (plan.count + cores - 1) / cores
        let signedChunks = Mutex<[Int: [SignedEvent]]>([:])
        let failure = Mutex<String?>(nil)
        let frozen = plan
        DispatchQueue.concurrentPerform(iterations: cores) { c in
            var out: [SignedEvent] = []
            for p in frozen[min(c * chunk, frozen.count)..<min((c + 1) * chunk, frozen.count)] {
                do { out.append(try sign(p)) } catch { failure.withLock { $0 = "\(error)" } }
            }
            signedChunks.withLock { $0[c] = out }
        }
        if let failure = failure.withLock({ $0 }) { throw CLIFailure(description: "the benchmark's events could not be made: \(failure)") }
        let signed = (0..<cores).flatMap { c in signedChunks.withLock { $0[c] ?? [] } }
        log("projections: appending them (non-durable)…")
        for start in stride(from: 0, to: signed.count, by: 2000) {
            _ = try await attempt { try await ledger.append(Array(signed[start..<min(start + 2000, signed.count)])) }
        }
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
