import Foundation
import Jejak
import JejakBase
import JejakCrypto
import JejakDomain
import JejakInspector
import JejakJSON
import JejakProjections
import JejakTestSupport
import JejakTlog
import Testing

/// Identifiers are compared as bytes everywhere: two spellings that Swift's `String` deems equal
/// (a precomposed and a decomposed "é"; "K" and the Kelvin sign U+212A) are two streams, or two
/// events, in the writer, the rules, the indexes, the read models, the inspector and the
/// offline verifier alike — as they are to LMDB, SQLite and the Python verifier.
@Suite("Identifiers compare as bytes")
struct ExactIdentifierTests {
    /// Pairs of subjects that Swift's `==` takes for one.
    static let twins: [(String, String)] = [
        ("exchange/caf\u{E9}", "exchange/cafe\u{301}"),
        ("exchange/KPU-1", "exchange/\u{212A}PU-1"),
    ]

    struct Fixture {
        let temp: TemporaryDirectory
        let ledger: Ledger
        let authorityKey: SignerKey
        let keys: [String: SignerKey]

        static func make() async throws -> Fixture {
            let temp = TemporaryDirectory()
            var options = Ledger.Options()
            options.durable = false
            options.validator = try domainValidator.get()
            let authorityKey = try SignerKey.generate(name: "bytes.test/authority")
            let ledger = try await Ledger.create(at: temp.file("ledger"), origin: "bytes.test/ledger",
                                                 authorityKey: authorityKey, options: options)
            let authority = RegistryAuthority(key: authorityKey)
            var keys: [String: SignerKey] = [:]
            for id in ["biro-a", "biro-b"] {
                let key = try SignerKey.generate(name: id)
                _ = try await ledger.append([try authority.registerUnit(id, name: id, role: .biro), try authority.addKey(key.verifierKey)])
                keys[id] = key
            }
            return Fixture(temp: temp, ledger: ledger, authorityKey: authorityKey, keys: keys)
        }

        func sign(_ unit: String, _ type: DomainEventType, _ subject: String, _ data: JSONValue, id: String? = nil) throws -> SignedEvent {
            try UnitPublisher(key: keys[unit]!, ledger: ledger)
                .sign(type: type.rawValue, subject: subject, dataschema: type.schemaID, data: data, id: id)
        }

        func audit() async throws -> AuditReport {
            var options = Inspector.Options()
            options.validator = try domainValidator.get()
            options.chunkSize = 7
            return try await Inspector(ledger: ledger, options: options).audit()
        }
    }

    static let request: JSONValue = [
        "provider": "biro-b", "category": "anggaran", "title": "Rekap", "purpose": "Laporan",
        "legalBasis": "UU 7/2017", "dueDate": "2026-12-31", "classification": "terbuka",
    ]
    static let delivery: JSONValue = [
        "items": [["name": "rekap.pdf", "mediaType": "application/pdf", "size": 1,
                   "sha256": .string(String(repeating: "ab", count: 32))]],
    ]

    @Test(arguments: twins)
    func twoSpellingsOfAStreamAreTwoStreamsInTheWriterRulesIndexesAndAudit(_ first: String, _ second: String) async throws {
        #expect(first == second, "the test needs two spellings Swift's String takes for one")
        let f = try await Fixture.make()
        defer { f.temp.cleanUp() }

        // The first spelling opened; the second opened and delivered to (version 2).
        _ = try await f.ledger.append(try f.sign("biro-a", .exchangeRequested, first, Self.request), expecting: .noStream)
        _ = try await f.ledger.append(try f.sign("biro-a", .exchangeRequested, second, Self.request), expecting: .noStream)
        _ = try await f.ledger.append(try f.sign("biro-b", .exchangeDelivered, second, Self.delivery), expecting: .exactly(1))
        #expect(try f.ledger.streamVersion(first) == 1)
        #expect(try f.ledger.streamVersion(second) == 2)

        // One commit with an event of each spelling: each at its own stream's next version (the
        // twin's version once made this commit fail whole with MDB_KEYEXIST).
        let both = try await f.ledger.append([try f.sign("biro-a", .exchangeWithdrawn, first, ["reason": "tidak perlu"]),
                                               try f.sign("biro-a", .exchangeAcknowledged, second, [:])])
        #expect(both.count == 2)
        #expect(try f.ledger.stream(first).map(\.version) == [1, 2])
        #expect(try f.ledger.stream(second).map(\.version) == [1, 2, 3])

        // The rules read each stream's own history: the first spelling was never delivered to.
        let size = try f.ledger.size()
        let ack = try f.sign("biro-a", .exchangeAcknowledged, first, [:])
        let refused = await #expect(throws: LedgerError.self) { _ = try await f.ledger.append(ack) }
        #expect(refused?.rule == "exchange-closed", "\(String(describing: refused))")
        #expect(try f.ledger.size() == size)

        // A refused event of one spelling beside a valid one of the other: only the refused
        // request fails.
        let third = first + "-3", thirdTwin = second + "-3"
        _ = try await f.ledger.append(try f.sign("biro-a", .exchangeRequested, third, Self.request))
        let good = try f.sign("biro-b", .exchangeDelivered, third, Self.delivery)
        let bad = try f.sign("biro-b", .exchangeDelivered, thirdTwin, Self.delivery)
        let ledger = f.ledger
        @Sendable func refusal(_ e: SignedEvent) async -> LedgerError? {
            do { _ = try await ledger.append(e); return nil } catch { return error }
        }
        async let valid = refusal(good)
        async let invalid = refusal(bad)
        let (v, i) = await (valid, invalid)
        #expect(v == nil, "\(String(describing: v))")
        #expect(i?.rule == "exchange-not-found", "\(String(describing: i))")
        #expect(try f.ledger.streamVersion(thirdTwin) == 0)

        // The audit re-decides everything from the log and finds nothing: the same rule as the writer.
        let report = try await f.audit()
        #expect(report.findings == [], "\(report.findings)")
        #expect(report.verdict != .findings)

        // The read models hold one exchange per spelling.
        let db = try ReadModelDatabase.openForWriting(path: f.temp.file("rm.sqlite"))
        _ = try await ProjectionRunner(ledger: f.ledger, database: db, projections: ReadModels.builtIn()).catchUp()
        let exchanges = try ReadModels(reader: db).exchanges()
        #expect(Set(exchanges.map { ExactText($0.id) }) == Set([first, second, third].map { ExactText($0) }))
        #expect(exchanges.first { $0.id.sameBytes(as: first) }?.status == "withdrawn")
        #expect(exchanges.first { $0.id.sameBytes(as: second) }?.status == "acknowledged")

        // An export verifies offline with the same verdict.
        let export = f.temp.file("export")
        _ = try f.ledger.export(to: export)
        let verified = try ExportVerifier(directory: export, policy: try f.ledger.policy(),
                                          authority: f.authorityKey.verifierKey, validator: try domainValidator.get()).verify()
        #expect(verified.findings == [], "\(verified.findings)")
    }

    @Test func twoSpellingsOfAnEventIDAreTwoEvents() async throws {
        let f = try await Fixture.make()
        defer { f.temp.cleanUp() }
        let a = try f.sign("biro-a", .exchangeRequested, "exchange/1", Self.request, id: "req-caf\u{E9}")
        let b = try f.sign("biro-a", .exchangeRequested, "exchange/2", Self.request, id: "req-cafe\u{301}")
        let receipts = try await f.ledger.append([a, b])
        #expect(receipts[0].index != receipts[1].index)
        // Each retry returns its own entry (idempotency by the id's bytes).
        #expect(try await f.ledger.append(a).index == receipts[0].index)
        #expect(try await f.ledger.append(b).index == receipts[1].index)
        #expect(try f.ledger.entry(eventID: "req-caf\u{E9}")?.index == receipts[0].index)
        #expect(try f.ledger.entry(eventID: "req-cafe\u{301}")?.index == receipts[1].index)

        let report = try await f.audit()
        #expect(report.findings == [], "\(report.findings)")
        let export = f.temp.file("export")
        _ = try f.ledger.export(to: export)
        let verified = try ExportVerifier(directory: export, policy: try f.ledger.policy(),
                                          authority: f.authorityKey.verifierKey, validator: try domainValidator.get()).verify()
        #expect(verified.findings == [], "\(verified.findings)")
    }

    @Test func anOriginSpelledOtherwiseThanTheLogKeyIsAnotherLog() throws {
        let key = try SignerKey.generate(name: "kpu.go.id/\u{212A}")
        let twin = "kpu.go.id/K"
        #expect(key.name == twin)
        var builder = TlogPolicy.Builder()
        builder.addLog(key.verifierKey)
        builder.setQuorum("none")
        let policy = try builder.build()
        // The log key refuses to sign a checkpoint for the twin origin, and a note claiming it
        // names an origin the policy does not know.
        #expect(throws: (any Error).self) {
            _ = try SignedCheckpoint.sign(try Checkpoint(origin: twin, size: 1, rootHash: Merkle.emptyRoot), with: key)
        }
        let text = try Checkpoint(origin: twin, size: 0, rootHash: Merkle.emptyRoot).text
        let forged = try SignedNote(text: text, signatures: [try NoteSignature(name: key.name, keyID: key.keyID,
                                                                                signature: key.sign(noteText: text))])
        let error = #expect(throws: PolicyError.self) { _ = try policy.verify(try SignedCheckpoint(note: forged)) }
        #expect(error?.code == .unknownOrigin, "\(String(describing: error))")
    }
}
