import Dispatch
import Foundation
import Jejak
import JejakCommands
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakOfflineCommands
import Synchronization

/// Synthetic exchange traffic for `jejak-bench`: two units requesting, delivering, rejecting,
/// redelivering and acknowledging, all valid under the KPU domain's schemas and rules.
///
/// Exchange `x` has five events when `x` is a multiple of 5 (requested, delivered, rejected,
/// delivered, acknowledged) and three otherwise (requested, delivered, acknowledged), so the
/// events of exchanges `0..<n` are always the same sequence however they are cut into chunks.
struct SyntheticExchanges: Sendable {
    let requester: SignerKey
    let provider: SignerKey

    /// Signed events with their total leaf bytes.
    struct Signed: Sendable {
        var events: [SignedEvent]
        /// The exchange after the last one begun.
        var nextExchange: Int
        /// The sum of the leaves these events make (envelope JSON plus the leaf's own bytes).
        var leafBytes: Int

        /// The mean size of these events' DSSE envelopes (a publish's request body).
        var meanEnvelopeBytes: Double {
            events.isEmpty ? 0 : Double(events.reduce(0) { $0 + $1.jsonBytes.count }) / Double(events.count)
        }
    }

    init() throws {
        requester = try SignerKey.generate(name: "biro-perencanaan")
        provider = try SignerKey.generate(name: "biro-keuangan")
    }

    /// A new ledger at `path` with the two units and their keys registered.
    func ledger(at path: String, durable: Bool, validator: (any EventValidator)? = nil) async throws -> Ledger {
        var options = Ledger.Options()
        options.durable = durable
        if let validator { options.validator = validator }
        let authorityKey = try attempt { try SignerKey.generate(name: "bench.jejak.local/authority") }
        let ledger = try await attempt {
            try await Ledger.create(at: path, origin: "bench.jejak.local/synthetic", authorityKey: authorityKey, options: options)
        }
        let authority = RegistryAuthority(key: authorityKey)
        _ = try await attempt {
            try await ledger.append([
                try authority.registerUnit("biro-perencanaan", name: "Biro Perencanaan", role: .biro),
                try authority.registerUnit("biro-keuangan", name: "Biro Keuangan", role: .biro),
                try authority.addKey(requester.verifierKey), try authority.addKey(provider.verifierKey),
            ])
        }
        return ledger
    }

    /// Signs (on all cores) and appends `events` events of exchanges numbered from
    /// `firstExchange`, in chunks of `chunk` events signed together, each appended in batches of
    /// 2,000 with four batches in flight. Returns the signed chunks' totals (no events).
    @discardableResult
    func append(_ events: Int, firstExchange: Int, to ledger: Ledger, chunk: Int = 50_000,
                progress: (@Sendable (Int) -> Void)? = nil) async throws -> Signed {
        var done = 0, next = firstExchange, leafBytes = 0
        while done < events {
            // Whole exchanges per chunk (but the last), so each chunk continues the sequence.
            let signed = try sign(min(chunk, events - done), firstExchange: next, wholeExchanges: events - done > chunk)
            try await Self.appendInBatches(signed.events, to: ledger)
            done += signed.events.count
            next = signed.nextExchange
            leafBytes += signed.leafBytes
            progress?(done)
        }
        return Signed(events: [], nextExchange: next, leafBytes: leafBytes)
    }

    /// Appends `signed` in batches of about 2,000, four in flight. Batches in flight together
    /// commit in any order, so they are cut between exchanges: each exchange's events stay in
    /// one batch, in order.
    static func appendInBatches(_ signed: [SignedEvent], to ledger: Ledger) async throws {
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

    /// How the events' content is sealed: `terbatas` exchanges sealed to their parties and the
    /// Inspektorat under `registry`, or — with `clearOfTheSameSize` — `terbuka` ones whose free
    /// text is padded to the size the sealed event has.
    struct Sealing: Sendable {
        var registry: Registry
        var catalog: SchemaCatalog
        var clearOfTheSameSize = false
    }

    /// Signs `events` events of exchanges numbered from `firstExchange`, in order, on all
    /// cores. With `wholeExchanges`, the count is rounded up to end with a whole exchange; with
    /// `sealing`, as ``Sealing`` says.
    func sign(_ events: Int, firstExchange: Int, wholeExchanges: Bool = false, sealing: Sealing? = nil) throws -> Signed {
        struct Plan: Sendable { let exchange: Int; let step: Int; let of: Int }
        var plan: [Plan] = []
        plan.reserveCapacity(events + 4)
        var x = firstExchange
        while plan.count < events {
            let steps = x % 5 == 0 ? 5 : 3
            for s in 0..<steps where wholeExchanges || plan.count < events { plan.append(Plan(exchange: x, step: s, of: steps)) }
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
                    "purpose": "Penyusunan laporan kinerja triwulan dan evaluasi realisasi anggaran unit kerja",
                    "legalBasis": "UU 17/2003", "dueDate": "2026-06-30", "classification": "terbuka"])
            case (1, _), (3, 5):
                kind = (.exchangeDelivered, provider, [
                    "items": [item, item], "note": "Data sesuai permintaan; berkas ditandatangani kepala biro."])
            case (2, 5):
                kind = (.exchangeRejected, requester, [
                    "reason": "Berkas belum ditandatangani kepala biro dan rincian per satuan kerja belum lengkap."])
            default:
                kind = (.exchangeAcknowledged, requester, [
                    "note": "Diterima lengkap dan sesuai dengan permintaan; terima kasih atas penyerahan tepat waktu."])
            }
            var data = kind.2
            if let sealing { data = try Self.seal(data, type: kind.0, source: kind.1.name, sealing) }
            let event = try CloudEvent.make(id: "\(subject)/\(p.step)", source: kind.1.name, type: kind.0.rawValue,
                                            subject: subject, dataschema: kind.0.schemaID, data: data)
            return SignedEvent.sign(event, with: kind.1)
        }
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = (plan.count + cores - 1) / cores
        let signedChunks = Mutex<[Int: ([SignedEvent], Int)]>([:])
        let failure = Mutex<String?>(nil)
        let frozen = plan
        DispatchQueue.concurrentPerform(iterations: cores) { c in
            var out: [SignedEvent] = []
            var bytes = 0
            for p in frozen[min(c * chunk, frozen.count)..<min((c + 1) * chunk, frozen.count)] {
                do {
                    let e = try sign(p)
                    bytes += e.jsonBytes.count + Leaf.overhead
                    out.append(e)
                } catch { failure.withLock { $0 = "\(error)" } }
            }
            signedChunks.withLock { $0[c] = (out, bytes) }
        }
        if let failure = failure.withLock({ $0 }) { throw CLIFailure(description: "the benchmark's events could not be made: \(failure)") }
        let parts = (0..<cores).map { c in signedChunks.withLock { $0[c] ?? ([], 0) } }
        return Signed(events: parts.flatMap(\.0), nextExchange: x, leafBytes: parts.reduce(0) { $0 + $1.1 })
    }

    /// `data` (a `terbuka` event's) made `terbatas` and sealed, or left clear and padded to the
    /// sealed size (see ``Sealing``).
    static func seal(_ data: JSONValue, type: DomainEventType, source: String, _ sealing: Sealing) throws -> JSONValue {
        func with(_ data: JSONValue, _ name: String, _ value: JSONValue) -> JSONValue {
            guard case .object(var o) = data else { return data }
            o[name] = value
            return .object(o)
        }
        let restricted = type == .exchangeRequested ? with(data, "classification", "terbatas") : data
        let exchange = ExchangeState(opening: .exchangeRequested, by: "biro-perencanaan",
                                     data: ["provider": "biro-keuangan", "classification": "terbatas"])
        let sealed = try SealedContent.sealIfRestricted(restricted, type: type, source: source, exchange: exchange,
                                                        registry: sealing.registry, catalog: sealing.catalog)
        guard sealing.clearOfTheSameSize else { return sealed }
        let pad = JSONWriter.bytes(sealed).count - JSONWriter.bytes(data).count
        let member = ["purpose", "note", "reason"].first { data[$0]?.stringValue != nil } ?? "note"
        return with(data, member, .string((data[member]?.stringValue ?? "") + String(repeating: "x", count: max(0, pad))))
    }

    /// The exchanges that `events` events starting at exchange 0 span (for numbering later ones).
    static func exchanges(spannedBy events: Int) -> Int {
        var x = 0, n = 0
        while n < events {
            n += x % 5 == 0 ? 5 : 3
            x += 1
        }
        return x
    }
}
