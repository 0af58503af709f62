import Dispatch
import Foundation
import Jejak
import JejakCrypto
import JejakDomain
import JejakJSON
import Synchronization

/// Synthetic exchange traffic for `jejak bench`: two units requesting, delivering, rejecting,
/// redelivering and acknowledging, all valid under the KPU domain's schemas and rules.
struct SyntheticExchanges: Sendable {
    let requester: SignerKey
    let provider: SignerKey

    init() throws {
        requester = try SignerKey.generate(name: "biro-perencanaan")
        provider = try SignerKey.generate(name: "biro-keuangan")
    }

    /// A non-durable ledger at `path` with the two units registered and `events` exchange
    /// events appended.
    func ledger(at path: String, events: Int) async throws -> Ledger {
        var options = Ledger.Options()
        options.durable = false
        let ledger = try await attempt {
            try await Ledger.create(at: path, origin: "bench.jejak.local/synthetic", options: options)
        }
        let authority = RegistryAuthority(key: try readKey(ledger.directory.authorityKey))
        _ = try await attempt {
            try await ledger.append([
                try authority.registerUnit("biro-perencanaan", name: "Biro Perencanaan", role: .biro),
                try authority.registerUnit("biro-keuangan", name: "Biro Keuangan", role: .biro),
                try authority.addKey(requester.verifierKey), try authority.addKey(provider.verifierKey),
            ])
        }
        try await append(events, firstExchange: 0, to: ledger)
        return ledger
    }

    /// Signs (on all cores) and appends `events` events of new exchanges numbered from
    /// `firstExchange`, in batches of 2,000, four batches in flight.
    func append(_ events: Int, firstExchange: Int, to ledger: Ledger) async throws {
        let signed = try sign(events, firstExchange: firstExchange)
        // Batches in flight together commit in any order: cut them between exchanges, so each
        // exchange's events stay in one batch, in order.
        var batches: [[SignedEvent]] = []
        var current: [SignedEvent] = []
        for e in signed {
            if current.count >= 2000, current.last?.event.subject != e.event.subject {
                batches.append(current)
                current = []
            }
            current.append(e)
        }
        if !current.isEmpty { batches.append(current) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                guard next < batches.count else { return }
                let batch = batches[next]
                next += 1
                group.addTask { _ = try await attempt { try await ledger.append(batch) } }
            }
            for _ in 0..<4 { add() }
            while try await group.next() != nil { add() }
        }
    }

    /// Each exchange: requested, delivered, acknowledged; every fifth one rejected and
    /// delivered again first.
    func sign(_ events: Int, firstExchange: Int) throws -> [SignedEvent] {
        struct Plan: Sendable { let exchange: Int; let step: Int; let of: Int }
        var plan: [Plan] = []
        plan.reserveCapacity(events)
        var x = firstExchange
        while plan.count < events {
            let steps = x % 5 == 0 ? 5 : 3
            for s in 0..<steps where plan.count < events { plan.append(Plan(exchange: x, step: s, of: steps)) }
            x += 1
        }
        let item: JSONValue = ["name": "rekap-anggaran.pdf", "mediaType": "application/pdf", "size": 482_113,
                               "sha256": .string(String(repeating: "3f", count: 32))]
        let requester = self.requester, provider = self.provider
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
        return (0..<cores).flatMap { c in signedChunks.withLock { $0[c] ?? [] } }
    }

    /// The exchanges `events` events starting at exchange 0 span (for numbering later ones).
    static func exchanges(spannedBy events: Int) -> Int {
        var x = 0, n = 0
        while n < events {
            n += x % 5 == 0 ? 5 : 3
            x += 1
        }
        return x
    }
}
