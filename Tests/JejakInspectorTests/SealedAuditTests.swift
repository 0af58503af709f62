import Foundation
import Jejak
import JejakAge
import JejakBase
import JejakCrypto
import JejakDomain
import JejakInspector
import JejakJSON
import JejakProjections
import JejakTestSupport
import Testing

/// A small domain ledger whose units (two bureaus and the Inspektorat) have age recipients.
private struct SealedLedger {
    let temp: TemporaryDirectory
    let ledger: Ledger
    let keys: [String: SignerKey]
    let identities: [String: AgeIdentity]

    static func make() async throws -> SealedLedger {
        let temp = TemporaryDirectory()
        var options = Ledger.Options()
        options.durable = false
        options.validator = try domainValidator.get()
        let authorityKey = try SignerKey.generate(name: "sealed.test/authority")
        let ledger = try await Ledger.create(at: temp.file("ledger"), origin: "sealed.test/ledger", authorityKey: authorityKey, options: options)
        let authority = RegistryAuthority(key: authorityKey)
        var keys: [String: SignerKey] = [:], identities: [String: AgeIdentity] = [:]
        for (id, role) in [("biro-a", UnitRole.biro), ("biro-b", .biro), ("inspektorat", .inspektorat)] {
            let key = try SignerKey.generate(name: id), identity = AgeIdentity.generate()
            _ = try await ledger.append([try authority.registerUnit(id, name: id, role: role), try authority.addKey(key.verifierKey),
                                         try authority.addRecipient(identity.recipient, to: id)])
            keys[id] = key
            identities[id] = identity
        }
        return SealedLedger(temp: temp, ledger: ledger, keys: keys, identities: identities)
    }

    /// Publishes a rahasia request from biro-a whose sealed member `tamper` may change.
    @discardableResult
    func request(_ subject: String, title: String, tamper: (inout SealedMember, [AgeRecipient]) throws -> Void = { _, _ in }) async throws -> UInt64 {
        let data: JSONValue = ["provider": "biro-b", "category": "data-pemilih", "title": .string(title), "purpose": "Audit",
                               "legalBasis": "UU 7/2017", "dueDate": "2026-03-31", "classification": "rahasia"]
        let registry = try ledger.registry()
        var sealed = try SealedContent.sealIfRestricted(data, type: .exchangeRequested, source: "biro-a", exchange: nil,
                                                        registry: registry, catalog: try SchemaCatalog.bundled())
        var member = try #require(try SealedMember.parse(sealed))
        let recipients = try SealingAudience.recipients(of: member.to, in: registry).map(\.recipient)
        try tamper(&member, recipients)
        if case .object(var o) = sealed {
            o["sealed"] = member.json
            sealed = .object(o)
        }
        let event = try UnitPublisher(key: try #require(keys["biro-a"]), ledger: ledger)
            .sign(type: DomainEventType.exchangeRequested.rawValue, subject: subject, data: sealed)
        return try await ledger.append(event).index
    }

    func audit(as unit: String) async throws -> AuditReport {
        var options = Inspector.Options()
        options.validator = try domainValidator.get()
        options.sealedReader = SealedContentReader(unit: unit, identities: [try #require(identities[unit])])
        return try await Inspector(ledger: ledger, options: options).audit()
    }
}

@Suite struct SealedAuditTests {
    @Test func theInspektoratOpensEverySealedEventAndFindsTheOnesThatLie() async throws {
        let f = try await SealedLedger.make()
        defer { f.ledger.close(); f.temp.cleanUp() }
        try await f.request("exchange/1", title: "Sah")
        // Sealed to a stranger in the Inspektorat's place: it passes the ledger (a stanza per
        // unit), and only the Inspektorat can tell.
        let garbage = try await f.request("exchange/2", title: "Tidak terbuka") { member, recipients in
            var r = recipients
            r[2] = AgeIdentity.generate().recipient
            let key = Randomness.bytes(32)
            let content: JSONValue = ["title": "Tidak terbuka", "purpose": "Audit", "legalBasis": "UU 7/2017"]
            member.commitment = SealedContent.commitment(content: content, key: key)
            member.ageFile = try Age.encrypt(JSONWriter.bytes(["key": .string(Base64.encode(key)), "content": content]), to: r)
        }
        // The right audience, but a commitment to something else.
        let broken = try await f.request("exchange/3", title: "Komitmen palsu") { member, _ in
            member.commitment = Randomness.bytes(32)
        }
        // Content that opens and matches its commitment but not its schema (a title that is a number).
        let misfit = try await f.request("exchange/4", title: "Salah bentuk") { member, recipients in
            let key = Randomness.bytes(32)
            let content: JSONValue = ["title": 42, "purpose": "x", "legalBasis": "y"]
            member.commitment = SealedContent.commitment(content: content, key: key)
            member.ageFile = try Age.encrypt(JSONWriter.bytes(["key": .string(Base64.encode(key)), "content": content]), to: recipients)
        }

        let report = try await f.audit(as: "inspektorat")
        let sealed = report.findings.filter { $0.rule == "sealed-content" }
        #expect(Set(sealed.compactMap(\.index)) == [garbage, broken, misfit], "\(report.findings)")
        #expect(sealed.first { $0.index == garbage }?.message.contains("does not open") == true)
        #expect(sealed.first { $0.index == broken }?.message.contains("commitment") == true)
        #expect(sealed.first { $0.index == misfit }?.message.contains("schema") == true)
        #expect(report.sealedOpened == 1)
        #expect(report.verdict != .clean)

        // Without an identity the log itself is intact: the lies are in what only recipients see.
        var plain = Inspector.Options()
        plain.validator = try domainValidator.get()
        let without = try await Inspector(ledger: f.ledger, options: plain).audit()
        #expect(without.verdict == .clean, "\(without.findings)")

        // biro-a can open its own stanza of exchange/2 (only the Inspektorat's was replaced).
        let asBiro = try await f.audit(as: "biro-a")
        #expect(Set(asBiro.findings.filter { $0.rule == "sealed-content" }.compactMap(\.index)) == [broken, misfit])
    }
}
