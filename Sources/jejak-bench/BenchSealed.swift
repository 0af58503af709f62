import CSodium
import Dispatch
import Foundation
import Jejak
import JejakAge
import JejakCommands
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakOfflineCommands
import JejakProjections
import Synchronization

/// The sealed-content part of `jejak-bench`: the ledger's append rate with sealed `terbatas`
/// exchanges beside clear `terbuka` ones of the same size (the ledger never decrypts; it reads
/// the age header's stanzas), and a unit's catch-up of the exchanges read model opening every
/// sealed event, beside this machine's X25519 rate on all cores (one scalar multiplication per
/// sealed event is the floor).
extension BenchCommand {
    struct SealedFigures {
        var sealed: AppendFigures.Run
        /// The clear runs' mean rate (one before and one after the sealed run).
        var clearLimit: Double
        var clearBytes: Double
        var sealedBytes: Double
        /// Sealed events opened per second by a catch-up of the exchanges read model.
        var catchUp: Double
        var catchUpEvents: Int
        /// X25519 scalar multiplications per second on all cores.
        var x25519: Double
        /// Sealed members opened per second on all cores, without a read model.
        var opens: Double
    }

    /// The units, recipients and identities of the sealed benchmark ledgers.
    struct SealingUnits: Sendable {
        let synthetic: SyntheticExchanges
        let identities: [String: AgeIdentity]
        let inspektoratKey: SignerKey

        init(_ synthetic: SyntheticExchanges) throws {
            self.synthetic = synthetic
            identities = ["biro-perencanaan": .generate(), "biro-keuangan": .generate(), "inspektorat": .generate()]
            inspektoratKey = try attempt { try SignerKey.generate(name: "inspektorat") }
        }

        /// A new ledger with the synthetic units, the Inspektorat, and each one's recipient.
        func ledger(at path: String, durable: Bool) async throws -> Ledger {
            let authorityKey = try attempt { try SignerKey.generate(name: "bench.jejak.local/authority") }
            var options = Ledger.Options()
            options.durable = durable
            options.validator = try domainValidator()
            let ledger = try await attempt {
                try await Ledger.create(at: path, origin: "bench.jejak.local/sealed", authorityKey: authorityKey, options: options)
            }
            let authority = RegistryAuthority(key: authorityKey)
            var events = [
                try authority.registerUnit("biro-perencanaan", name: "Biro Perencanaan", role: .biro),
                try authority.registerUnit("biro-keuangan", name: "Biro Keuangan", role: .biro),
                try authority.registerUnit("inspektorat", name: "Inspektorat", role: .inspektorat),
                try authority.addKey(synthetic.requester.verifierKey), try authority.addKey(synthetic.provider.verifierKey),
            ]
            for (unit, identity) in identities.sorted(by: { $0.key < $1.key }) {
                events.append(try authority.addRecipient(identity.recipient, to: unit))
            }
            _ = try await attempt { try await ledger.append(events) }
            return ledger
        }
    }

    func sealedFigures(base: String, sizes: BenchSizes, synthetic: SyntheticExchanges) async throws -> SealedFigures {
        let units = try SealingUnits(synthetic)
        // The registry the events are sealed under (the same units and recipients in every ledger).
        let probe = try await units.ledger(at: base + "/sealed-probe", durable: false)
        let registry = try attempt { try probe.registry() }
        probe.close()
        let catalog = try domainValidator().catalog
        let count = sizes.concurrentEvents / 2

        log("sealed: sealing and signing \(count) terbatas events, and \(count) terbuka ones of the same size…")
        let sealedEvents = try synthetic.sign(count, firstExchange: 0, sealing: .init(registry: registry, catalog: catalog))
        let clearEvents = try synthetic.sign(count, firstExchange: 0, sealing: .init(registry: registry, catalog: catalog, clearOfTheSameSize: true))
        let bytes = { (s: SyntheticExchanges.Signed) in Double(s.events.reduce(0) { $0 + $1.event.bytes.count }) / Double(max(1, s.events.count)) }

        func run(_ signed: [SignedEvent], _ name: String) async throws -> AppendFigures.Run {
            let ledger = try await units.ledger(at: base + "/sealed-" + name, durable: !noSync)
            defer { ledger.close() }
            log("sealed: \(publishers) publishers appending \(name) events…")
            return try await Self.appendConcurrently(signed, publishers: publishers, to: ledger, seconds: sizes.runSeconds)
        }
        let clearBefore = try await run(clearEvents.events, "clear-1")
        let sealed = try await run(sealedEvents.events, "sealed")
        let clearAfter = try await run(clearEvents.events, "clear-2")

        // A unit's catch-up: the Inspektorat opens every sealed event of a ledger built at once.
        let catchUpLedger = try await units.ledger(at: base + "/sealed-catch-up", durable: false)
        defer { catchUpLedger.close() }
        try await SyntheticExchanges.appendInBatches(sealedEvents.events, to: catchUpLedger)
        let reader = SealedContentReader(unit: "inspektorat", identities: [try requireIdentity(units.identities["inspektorat"])])
        var rates: [Double] = []
        for r in 0..<max(1, sizes.projectionRuns) {
            log("sealed: catch-up of the exchanges read model as the Inspektorat, run \(r + 1)…")
            let path = base + "/sealed-rm-\(r).sqlite"
            defer { try? FileManager.default.removeItem(atPath: path) }
            let database = try attempt { try ReadModelDatabase.openForWriting(path: path) }
            let runner = try attempt {
                try ProjectionRunner(ledger: catchUpLedger, database: database, projections: [ExchangesProjection(reader: reader)])
            }
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try await attempt { try await runner.catchUp() }
            rates.append(Self.rate(sealedEvents.events.count, since: start))
            let unread = try attempt { try ReadModels(reader: database).exchanges() }.filter(\.sealed).count
            guard unread == 0 else { throw CLIFailure(description: "the catch-up left \(unread) exchanges sealed to the Inspektorat unopened") }
        }
        let x25519 = Self.x25519Rate(threads: ProcessInfo.processInfo.activeProcessorCount, seconds: sizes.verifySeconds)
        // The opening alone, on all cores: what the catch-up spends beyond it is the read model's.
        let members = sealedEvents.events.compactMap { try? SealedMember.parse($0.event.data) }
        let identity = try requireIdentity(units.identities["inspektorat"])
        let opened = Mutex(0)
        let openStart = DispatchTime.now().uptimeNanoseconds
        let cores = ProcessInfo.processInfo.activeProcessorCount
        DispatchQueue.concurrentPerform(iterations: cores) { c in
            var n = 0, k = c
            while k < members.count {
                if (try? SealedContent.open(members[k], with: [identity], as: "inspektorat")) != nil { n += 1 }
                k += cores
            }
            opened.withLock { $0 += n }
        }
        let opens = Self.rate(opened.withLock { $0 }, since: openStart)
        return SealedFigures(sealed: sealed, clearLimit: (clearBefore.perSecond + clearAfter.perSecond) / 2,
                             clearBytes: bytes(clearEvents), sealedBytes: bytes(sealedEvents),
                             catchUp: rates.sorted()[rates.count / 2], catchUpEvents: sealedEvents.events.count, x25519: x25519,
                             opens: opens)
    }

    /// Appends `events` by `publishers` tasks (each taking whole exchanges, in order), one event
    /// per call, for at most `seconds`.
    static func appendConcurrently(_ events: [SignedEvent], publishers: Int, to ledger: Ledger, seconds: Double) async throws -> AppendFigures.Run {
        var lanes = Array(repeating: [SignedEvent](), count: publishers)
        var lane = -1, subject = ""
        for e in events {
            if e.event.subject != subject { subject = e.event.subject; lane = (lane + 1) % publishers }
            lanes[lane].append(e)
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let stop = start + UInt64(seconds * 1e9)
        let frozen = lanes
        let latencies = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for events in frozen {
                group.addTask {
                    var own: [UInt64] = []
                    for e in events {
                        let t = DispatchTime.now().uptimeNanoseconds
                        if t > stop { break }
                        _ = try await attempt { try await ledger.append(e) }
                        own.append(DispatchTime.now().uptimeNanoseconds - t)
                    }
                    return own
                }
            }
            var all: [UInt64] = []
            for try await l in group { all += l }
            return all
        }
        return AppendFigures.Run(events: latencies.count, perSecond: rate(latencies.count, since: start), latencies: latencies)
    }

    /// X25519 scalar multiplications (libsodium's `crypto_scalarmult`, a random point and
    /// scalar) per second on `threads` threads, for about `seconds`.
    static func x25519Rate(threads: Int, seconds: Double) -> Double {
        _ = sodium_init()
        let total = Mutex(0)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            var scalar = [UInt8](repeating: 0, count: 32), point = [UInt8](repeating: 0, count: 32), out = [UInt8](repeating: 0, count: 32)
            randombytes_buf(&scalar, 32)
            randombytes_buf(&point, 32)
            _ = crypto_scalarmult_base(&point, scalar)
            var n = 0
            while DispatchTime.now().uptimeNanoseconds < deadline {
                for _ in 0..<64 { _ = crypto_scalarmult(&out, scalar, point) }
                n += 64
            }
            total.withLock { $0 += n }
        }
        return Double(total.withLock { $0 }) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}

/// The identity, or a failure naming it.
private func requireIdentity(_ identity: AgeIdentity?) throws -> AgeIdentity {
    guard let identity else { throw CLIFailure(description: "the benchmark's Inspektorat has no identity") }
    return identity
}
