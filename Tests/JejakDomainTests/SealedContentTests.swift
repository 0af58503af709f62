import Foundation
import Jejak
import JejakAge
import JejakBase
import JejakCrypto
import JejakDomain
import JejakJSON
import Testing

/// A request of `classification` from biro-a to biro-b.
func restrictedRequest(_ classification: String, title: String = "Data pemilih rahasia") -> JSONValue {
    ["provider": "biro-b", "category": "data-pemilih", "title": .string(title), "purpose": "Pemutakhiran",
     "legalBasis": "UU 7/2017", "dueDate": "2026-03-31", "classification": .string(classification)]
}

extension DomainFixture {
    var catalog: SchemaCatalog { get throws { try SchemaCatalog.bundled() } }

    /// `data` of `type` from `unit`, sealed as a publisher seals it (parties and oversight).
    func sealed(_ unit: String, _ type: DomainEventType, _ subject: String, _ data: JSONValue, extra: [String] = []) throws -> JSONValue {
        let prior = ExchangeState.fold(try ledger.stream(subject, limit: .max).map(\.entry.event))
        return try SealedContent.sealIfRestricted(data, type: type, source: unit, exchange: prior, extra: extra,
                                                  registry: try ledger.registry(), catalog: try catalog)
    }
}

@Suite struct SealedContentTests {
    @Test func aRahasiaRequestIsSealedToItsPartiesAndTheInspektorat() async throws {
        let f = try await DomainFixture.make(withRecipients: true)
        defer { f.cleanUp() }
        let s = "exchange/2026-0100"
        let data = try f.sealed("biro-a", .exchangeRequested, s, restrictedRequest("rahasia"))
        // The public part stays; the content is gone from the clear.
        #expect(data["title"] == nil && data["purpose"] == nil && data["legalBasis"] == nil)
        #expect(data["provider"] == "biro-b" && data["classification"] == "rahasia" && data["dueDate"] == "2026-03-31")
        let member = try #require(try SealedMember.parse(data))
        #expect(member.to == ["biro-a", "biro-b", "inspektorat"])
        #expect(try member.stanzaTypes() == ["X25519", "X25519", "X25519"])
        let receipt = try await f.publish("biro-a", .exchangeRequested, s, data)

        // The log holds no plaintext of the content.
        let leaf = try f.ledger.entry(at: receipt.index).leaf
        #expect(String(decoding: leaf, as: UTF8.self).contains("Data pemilih rahasia") == false)

        // Each party and the Inspektorat open it, and it matches the signed commitment; biro-c can't.
        for unit in ["biro-a", "biro-b", "inspektorat"] {
            let opened = try SealedContent.open(member, with: [try #require(f.identities[unit])], as: unit)
            #expect(opened.content["title"] == "Data pemilih rahasia")
            #expect(opened.matches(member.commitment))
            #expect(SealedContent.clearData(data, opened: opened)["purpose"] == "Pemutakhiran")
        }
        #expect(throws: SealingError.self) { try SealedContent.open(member, with: [try #require(f.identities["biro-c"])]) }
        let stranger = try #require(f.identities["biro-c"])
        do {
            _ = try SealedContent.open(member, with: [stranger], as: "biro-c")
            Issue.record("biro-c opened content not sealed to it")
        } catch {
            #expect(error.code == .notARecipient)
            #expect((error.underlying as? AgeError)?.code == .noMatch)
        }

        // The follow-ups are sealed too: the delivery to the same audience.
        let delivered = try f.sealed("biro-b", .exchangeDelivered, s, delivery)
        #expect(delivered["items"] == nil)
        #expect(try SealedMember.parse(delivered)?.to == ["biro-a", "biro-b", "inspektorat"])
        try await f.publish("biro-b", .exchangeDelivered, s, delivered)
        // An acknowledgement without a note has no content: nothing to seal, and it is accepted.
        #expect(try f.sealed("biro-a", .exchangeAcknowledged, s, [:]) == [:])
        try await f.publish("biro-a", .exchangeAcknowledged, s, [:])
    }

    @Test func clearContentOfARestrictedExchangeIsRefused() async throws {
        let f = try await DomainFixture.make(withRecipients: true)
        defer { f.cleanUp() }
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, "exchange/2026-0101", restrictedRequest("rahasia")),
                           rule: "clear-content", field: "/data/title")
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, "exchange/2026-0102", restrictedRequest("terbatas")),
                           rule: "clear-content", field: "/data/title")
        // A sealed request, then a delivery in the clear: refused as well.
        let s = "exchange/2026-0103"
        try await f.publish("biro-a", .exchangeRequested, s, try f.sealed("biro-a", .exchangeRequested, s, restrictedRequest("rahasia")))
        try await f.refuse(try f.sign("biro-b", .exchangeDelivered, s, delivery), rule: "clear-content", field: "/data/items")
        // Public content is not sealed.
        let open = "exchange/2026-0104"
        var sealedPublic = try f.sealed("biro-a", .exchangeRequested, open, restrictedRequest("rahasia"))
        if case .object(var o) = sealedPublic {
            o["classification"] = "terbuka"
            sealedPublic = .object(o)
        }
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, open, sealedPublic), rule: "sealed-public", field: "/data/sealed")
    }

    @Test func aLedgerConfiguredToAllowClearTerbatasAcceptsItButNeverClearRahasia() async throws {
        let dir = NSTemporaryDirectory() + "jejak-sealed-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = Ledger.Options()
        options.durable = false
        options.validator = try DomainValidator.bundled(allowsClearTerbatas: true)
        let authorityKey = try SignerKey.generate(name: "sealed.test/authority")
        let ledger = try await Ledger.create(at: dir, origin: "sealed.test/ledger", authorityKey: authorityKey, options: options)
        defer { ledger.close() }
        let authority = RegistryAuthority(key: authorityKey)
        let key = try SignerKey.generate(name: "biro-a")
        _ = try await ledger.append([try authority.registerUnit("biro-a", name: "A", role: .biro), try authority.addKey(key.verifierKey),
                                     try authority.registerUnit("biro-b", name: "B", role: .biro)])
        let publisher = UnitPublisher(key: key, ledger: ledger)
        _ = try await publisher.publish(type: DomainEventType.exchangeRequested.rawValue, subject: "exchange/1", data: restrictedRequest("terbatas"))
        await #expect(throws: LedgerError.self) {
            _ = try await publisher.publish(type: DomainEventType.exchangeRequested.rawValue, subject: "exchange/2", data: restrictedRequest("rahasia"))
        }
    }

    @Test func theAudienceMustBeComplete() async throws {
        let f = try await DomainFixture.make(withRecipients: true)
        defer { f.cleanUp() }
        let registry = try f.ledger.registry()
        // Without the Inspektorat: refused, naming it.
        let partial = try SealedContent.seal(restrictedRequest("rahasia"), type: .exchangeRequested, catalog: try f.catalog,
                                             to: try SealingAudience.recipients(of: ["biro-a", "biro-b"], in: registry))
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, "exchange/2026-0200", partial),
                           rule: "sealed-recipients", field: "/data/sealed/to")
        // A unit listed in `to` without its stanza: the structure says so before sequencing.
        var member = try #require(try SealedMember.parse(partial))
        member.to.append("inspektorat")
        var data = partial
        if case .object(var o) = data {
            o["sealed"] = member.json
            data = .object(o)
        }
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, "exchange/2026-0201", data), rule: "sealed-age",
                           field: "/data/sealed/age")
        // Garbage instead of an age file.
        member.ageFile = Array("not an age file".utf8)
        if case .object(var o) = data {
            o["sealed"] = member.json
            data = .object(o)
        }
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, "exchange/2026-0202", data), rule: "sealed-age")
        // Sealing to a unit with no recipient is refused by the sealer, naming the command that fixes it.
        let unsealable = try await DomainFixture.make()
        defer { unsealable.cleanUp() }
        do {
            _ = try unsealable.sealed("biro-a", .exchangeRequested, "exchange/1", restrictedRequest("rahasia"))
            Issue.record("expected noRecipient")
        } catch let error as SealingError {
            #expect(error.code == .noRecipient)
            #expect(error.message.contains("jejak unit add-recipient biro-a"))
        }
    }

    @Test func recipientsRotateAndARevokedOneIsNeverSealedToAgain() async throws {
        var f = try await DomainFixture.make(withRecipients: true)
        defer { f.cleanUp() }
        let s1 = "exchange/2026-0300"
        let first = try f.sealed("biro-a", .exchangeRequested, s1, restrictedRequest("rahasia", title: "Sebelum rotasi"))
        try await f.publish("biro-a", .exchangeRequested, s1, first)
        let old = try #require(f.identities["biro-b"])
        let new = AgeIdentity.generate()
        _ = try await f.ledger.append(try f.authority.addRecipient(new.recipient, to: "biro-b"))
        _ = try await f.ledger.append(try f.authority.revokeRecipient(old.recipient, of: "biro-b", reason: "rotasi"))
        f.identities["biro-b"] = new
        // A revoked recipient cannot return, nor be added to another unit.
        await #expect(throws: LedgerError.self) { _ = try await f.ledger.append(try f.authority.addRecipient(old.recipient, to: "biro-b")) }
        await #expect(throws: LedgerError.self) { _ = try await f.ledger.append(try f.authority.addRecipient(new.recipient, to: "biro-c")) }
        #expect(try f.ledger.registry().sealingRecipient(of: "biro-b", at: .max)?.recipient == new.recipient)

        let s2 = "exchange/2026-0301"
        let second = try f.sealed("biro-a", .exchangeRequested, s2, restrictedRequest("rahasia", title: "Sesudah rotasi"))
        try await f.publish("biro-a", .exchangeRequested, s2, second)
        let m1 = try #require(try SealedMember.parse(first)), m2 = try #require(try SealedMember.parse(second))
        // The old identity still opens the old event, and not the new one; the new opens the new.
        #expect(try SealedContent.open(m1, with: [old], as: "biro-b").content["title"] == "Sebelum rotasi")
        #expect(throws: SealingError.self) { try SealedContent.open(m2, with: [old], as: "biro-b") }
        #expect(try SealedContent.open(m2, with: [new], as: "biro-b").content["title"] == "Sesudah rotasi")
        // A unit holding both identities opens both.
        #expect(try SealedContent.open(m1, with: [new, old], as: "biro-b").matches(m1.commitment))
    }

    @Test func theSchemaRefusesContentBothSealedAndInTheClear() throws {
        let catalog = try SchemaCatalog.bundled()
        #expect(catalog.contentMembers[.exchangeRequested] == ["title", "purpose", "legalBasis"])
        #expect(catalog.contentMembers[.exchangeDelivered] == ["items", "note"])
        #expect(catalog.contentMembers[.unitRegistered] == nil)
        var data = restrictedRequest("rahasia")
        if case .object(var o) = data {
            o["sealed"] = ["to": ["biro-a"], "commitment": .string(String(repeating: "0", count: 64)), "age": "YWdl"]
            data = .object(o)
        }
        let violations = catalog.validate(type: .exchangeRequested, data: data)
        #expect(Set(violations.map(\.instanceLocation)) == ["/title", "/purpose", "/legalBasis"], "\(violations)")
        // The plaintext schema is the opener's check.
        let plaintext = try #require(catalog.sealedPlaintextSchemas[.exchangeRequested])
        #expect(plaintext.validate(["key": .string(Base64.encode(Randomness.bytes(32))), "content": ["title": "a", "purpose": "b", "legalBasis": "c"]]).isEmpty)
        #expect(!plaintext.validate(["key": "short", "content": ["title": "a", "purpose": "b", "legalBasis": "c"]]).isEmpty)
        #expect(!plaintext.validate(["key": .string(Base64.encode(Randomness.bytes(32))), "content": ["title": "a"]]).isEmpty)
    }

    @Test func theCommitmentBindsTheContentAndNotItsMemberOrder() throws {
        let key = Randomness.bytes(32)
        let a: JSONValue = ["title": "Rekap", "size": 10]
        let b: JSONValue = ["size": 10, "title": "Rekap"]
        let c: JSONValue = ["title": "Rekap!", "size": 10]
        let commitment = SealedContent.commitment(content: a, key: key)
        #expect(SealedContent.matches(content: b, key: key, commitment: commitment))
        #expect(!SealedContent.matches(content: c, key: key, commitment: commitment))
        #expect(!SealedContent.matches(content: a, key: Randomness.bytes(32), commitment: commitment))
        // The canonical form is Python's sorted compact JSON (Tools/verify-disclosure.py).
        #expect(String(decoding: JSONWriter.canonicalBytes(["b": 1, "a": ["é", "\n"]]), as: UTF8.self) == #"{"a":["é","\n"],"b":1}"#)
    }
}
