import Foundation
import Jejak
import JejakCrypto
import JejakJSON
import Testing

/// Every refusal of an append: its typed error, and a ledger left unchanged.
@Suite struct RefusalTests {
    /// Appends `events` expecting a refusal with `code`; checks nothing was written.
    func refuse(_ f: LedgerFixture, _ events: [SignedEvent], _ code: LedgerError.Code,
                expecting: ExpectedVersion = .any, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let size = try f.ledger.size()
        let checkpoint = try f.ledger.latestCheckpoint()
        do {
            _ = try await f.ledger.append(events, expecting: expecting)
            Issue.record("expected a refusal with \(code)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        }
        #expect(try f.ledger.size() == size, sourceLocation: sourceLocation)
        #expect(try f.ledger.latestCheckpoint() == checkpoint, sourceLocation: sourceLocation)
    }

    /// Signs arbitrary payload bytes as a DSSE envelope with `key`.
    func envelope(_ payload: [UInt8], _ key: SignerKey, type: String = CloudEvent.payloadType) -> DSSEEnvelope {
        DSSEEnvelope.sign(payload: payload, payloadType: type, with: [key])
    }

    func eventJSON(_ source: String, drop: String? = nil, set: [(String, JSONValue)] = []) -> [UInt8] {
        var members: [(key: String, value: JSONValue)] = [
            ("specversion", "1.0"), ("id", "x-1"), ("source", .string(source)), ("type", "id.go.kpu.jejak.test.noted.v1"),
            ("subject", "exchange/1"), ("time", "2026-11-29T10:00:00Z"), ("datacontenttype", "application/json"),
            ("dataschema", "https://jejak.kpu.go.id/schemas/test.noted.v1.json"), ("data", ["n": 1]),
        ]
        if let drop { members.removeAll { $0.key == drop } }
        for (k, v) in set {
            if let i = members.firstIndex(where: { $0.key == k }) { members[i].value = v } else { members.append((k, v)) }
        }
        return JSONWriter.bytes(.object(JSONObject(members: members)!))
    }

    @Test func leafTooLarge() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        let big = String(repeating: "x", count: 50_000)
        try await refuse(f, [try f.event(key, data: ["blob": .string(big)])], .leafTooLarge)
        // Just under the limit is fine.
        _ = try await f.ledger.append(try f.event(key, data: ["blob": .string(String(repeating: "x", count: 40_000))]))
    }

    @Test func malformedEnvelopesAndPayloadTypes() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        for json in ["", "{}", "[]", #"{"payloadType":"application/cloudevents+json","payload":"!!","signatures":[]}"#,
                     #"{"payloadType":"application/cloudevents+json","signatures":[]}"#] {
            let error = #expect(throws: LedgerError.self) { _ = try SignedEvent(json: Array(json.utf8)) }
            #expect(error?.code == .malformedEnvelope, "\(json)")
        }
        let wrongType = #expect(throws: LedgerError.self) {
            _ = try SignedEvent(envelope: envelope(eventJSON("biro-a"), key, type: "application/json"))
        }
        #expect(wrongType?.code == .unsupportedPayloadType)

        let unsigned = DSSEEnvelope(payloadType: CloudEvent.payloadType, payload: eventJSON("biro-a"), signatures: [])
        #expect((#expect(throws: LedgerError.self) { _ = try SignedEvent(envelope: unsigned) })?.code == .signatureCount)
        let other = try SignerKey.generate(name: "biro-a")
        let twice = DSSEEnvelope.sign(payload: eventJSON("biro-a"), payloadType: CloudEvent.payloadType, with: [key, other])
        #expect((#expect(throws: LedgerError.self) { _ = try SignedEvent(envelope: twice) })?.code == .signatureCount)
        _ = f
    }

    @Test func malformedEvents() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        let cases: [(String, [UInt8])] = [
            ("not JSON", Array("{".utf8)),
            ("not an object", Array("[1]".utf8)),
            ("no subject", eventJSON("biro-a", drop: "subject")),
            ("no data", eventJSON("biro-a", drop: "data")),
            ("no dataschema", eventJSON("biro-a", drop: "dataschema")),
            ("specversion 0.3", eventJSON("biro-a", set: [("specversion", "0.3")])),
            ("empty id", eventJSON("biro-a", set: [("id", "")])),
            ("numeric id", eventJSON("biro-a", set: [("id", 5)])),
            ("bad time", eventJSON("biro-a", set: [("time", "yesterday")])),
            ("bad date", eventJSON("biro-a", set: [("time", "2026-02-30T10:00:00Z")])),
            ("xml content", eventJSON("biro-a", set: [("datacontenttype", "application/xml")])),
            ("data_base64", eventJSON("biro-a", set: [("data_base64", "AAAA")])),
            ("bad extension name", eventJSON("biro-a", set: [("Trace-ID", "x")])),
            ("object extension", eventJSON("biro-a", set: [("traceparent", ["a": 1])])),
            ("control character", eventJSON("biro-a", set: [("subject", "exchange/\u{0}1")])),
            ("duplicate member", Array(#"{"id":"a","id":"b"}"#.utf8)),
        ]
        for (name, payload) in cases {
            let error = #expect(throws: LedgerError.self, "\(name)") { _ = try SignedEvent(envelope: envelope(payload, key)) }
            #expect(error?.code == .malformedEvent, "\(name): \(String(describing: error))")
        }
        // An extension attribute with a proper name and value is fine.
        let ok = try SignedEvent(envelope: envelope(eventJSON("biro-a", set: [("traceparent", "00-abc")]), key))
        _ = try await f.ledger.append(ok)
    }

    /// Attributes are recognised by their text, however the JSON spells it; a name that only
    /// looks like one (another case, a prefix, a longer name) is an extension.
    @Test func attributeNamesAreReadByTheirText() throws {
        let plain = try CloudEvent(bytes: eventJSON("biro-a"))
        var escaped = String(decoding: eventJSON("biro-a"), as: UTF8.self)
        for (name, spelled) in [("\"type\":", #""t\u0079pe":"#), ("\"id\":", #""\u0069d":"#),
                                ("\"datacontenttype\":", #""datacontent\u0074ype":"#), ("\"data\":", #""dat\u0061":"#)] {
            #expect(escaped.contains(name))
            escaped = escaped.replacingOccurrences(of: name, with: spelled)
        }
        let event = try CloudEvent(bytes: Array(escaped.utf8))
        #expect((event.id, event.type, event.source, event.subject, event.time, event.dataschema)
            == (plain.id, plain.type, plain.source, plain.subject, plain.time, plain.dataschema))
        #expect(event.data == plain.data)
        for lookalike in ["Type", "ids", "subjec", "datacontenttypes"] {
            let bytes = eventJSON("biro-a", set: [(lookalike, "x")])
            if lookalike == lookalike.lowercased() {
                #expect(try CloudEvent(bytes: bytes).object[lookalike] == "x", "\(lookalike)")
            } else {
                #expect(throws: LedgerError.self, "\(lookalike)") { try CloudEvent(bytes: bytes) }
            }
        }
    }

    @Test func unknownSourcesKeysAndBadSignatures() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        try await f.unit("biro-b")

        let stranger = try SignerKey.generate(name: "biro-z")
        try await refuse(f, [try f.event(stranger)], .unknownSource)

        // A key of biro-a that was never added.
        let unregistered = try SignerKey.generate(name: "biro-a")
        try await refuse(f, [try f.event(unregistered)], .keyNotActive)

        // biro-a's key signing an event that claims to come from biro-b.
        let spoof = try SignedEvent(envelope: envelope(eventJSON("biro-b"), key))
        try await refuse(f, [spoof], .keyNotActive)

        // A signature that does not verify: sign one payload, present another.
        let good = try f.event(key, id: "sig-1")
        var env = good.envelope
        env.payload = eventJSON("biro-a", set: [("id", "sig-1"), ("data", ["n": 2])])
        try await refuse(f, [try SignedEvent(envelope: env)], .badSignature)

        // A flipped bit in the signature.
        var flipped = good.envelope
        flipped.signatures[0].sig[10] ^= 0x01
        try await refuse(f, [try SignedEvent(envelope: flipped)], .badSignature)
    }

    /// A batch large enough to have its signatures verified on several cores at once is
    /// refused as the same events checked one by one would be: at the first bad event by
    /// position, whichever lane finds it, with nothing written; a good one lands in order.
    @Test func largeBatchesAreCheckedInOrderOfPosition() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        func batch(_ n: Int, tag: String) throws -> [SignedEvent] {
            try (0..<n).map { try f.event(key, id: "\(tag)-\($0)", subject: "exchange/\(tag)-\($0)") }
        }
        func broken(_ e: SignedEvent) throws -> SignedEvent {
            var env = e.envelope
            env.signatures[0].sig[3] ^= 0x01
            return try SignedEvent(envelope: env)
        }
        var events = try batch(64, tag: "a")
        events[50] = try broken(events[50])
        events[9] = try broken(events[9])
        let size = try f.ledger.size()
        let error = await #expect(throws: LedgerError.self) { _ = try await f.ledger.append(events) }
        #expect(error?.code == .badSignature)
        #expect(error?.position == 9, "the first bad event by position, not the first lane to finish")
        #expect(error?.eventID == "a-9")
        #expect(try f.ledger.size() == size)

        let good = try batch(64, tag: "b")
        let receipts = try await f.ledger.append(good)
        #expect(receipts.map(\.index) == Array(size..<size + 64))
        #expect(try f.ledger.entry(at: size + 63).event.id == "b-63")
    }

    @Test func batchRules() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        let e = try f.event(key, id: "dup")
        try await refuse(f, [e, e], .duplicateInBatch)
        try await refuse(f, [], .emptyAppend)

        _ = try await f.ledger.append(e)
        try await refuse(f, [e, try f.event(key, id: "new")], .partialRetry)
    }

    @Test func registryRules() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")

        // A unit may not publish registry events, even well-formed ones.
        let fake = RegistryAuthority(key: key)
        try await refuse(f, [try fake.registerUnit("biro-x", name: "X", role: .biro)], .registryRule)
        let forged = try SignedEvent(envelope: envelope(eventJSON("biro-a", set: [("type", .string(RegistryEvent.unitRegistered))]), key))
        try await refuse(f, [forged], .registryRule)

        // The authority publishes registry events only.
        let notRegistry = try UnitPublisher(key: f.authority.key, ledger: f.ledger)
            .sign(type: "id.go.kpu.jejak.test.noted.v1", subject: "exchange/1", data: [:])
        try await refuse(f, [notRegistry], .registryRule)

        try await refuse(f, [try f.authority.registerUnit("biro-a", name: "Again", role: .biro,
                                                           time: LedgerTime(millisecondsSinceEpoch: 1))], .eventIDConflict)
        let newID = try f.authority.registerUnit("biro-a", name: "Again", role: .biro)
        var differentID = newID.event.object
        differentID["id"] = "registry/biro-a/registered-again"
        let again = SignedEvent.sign(try CloudEvent(bytes: JSONWriter.bytes(.object(differentID))), with: f.authority.key)
        try await refuse(f, [again], .registryRule)

        let orphan = try SignerKey.generate(name: "nobody")
        try await refuse(f, [try f.authority.addKey(orphan.verifierKey)], .registryRule)
        try await refuse(f, [try f.authority.addKey(key.verifierKey, time: LedgerTime(millisecondsSinceEpoch: 5))], .eventIDConflict)
        let witnessType = try SignerKey.generate(name: "biro-a", type: .cosignatureV1)
        try await refuse(f, [try f.authority.addKey(witnessType.verifierKey)], .registryRule)
        try await refuse(f, [try f.authority.revokeKey(try SignerKey.generate(name: "biro-a").verifierKey, reason: "?")], .registryRule)
        #expect(throws: LedgerError.self) { _ = try f.authority.registerUnit("Biro A", name: "x", role: .biro) }
    }

    /// One raw public key, one unit, once: not under two names, not back under another unit
    /// after its revocation, never the registry authority's own.
    @Test func aRawKeyServesOneUnitOnce() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        _ = try await f.ledger.append(try f.authority.registerUnit("biro-b", name: "B", role: .biro))
        let twin = try VerifierKey(name: "biro-b", type: .ed25519, publicKey: key.verifierKey.publicKey)
        try await refuse(f, [try f.authority.addKey(twin)], .registryRule)
        _ = try await f.ledger.append(try f.authority.revokeKey(key.verifierKey, reason: "rotated"))
        try await refuse(f, [try f.authority.addKey(twin)], .registryRule)
        let authorityAsUnit = try VerifierKey(name: "biro-b", type: .ed25519, publicKey: f.authority.key.verifierKey.publicKey)
        try await refuse(f, [try f.authority.addKey(authorityAsUnit)], .registryRule)
        // A fresh key is still welcome.
        _ = try await f.ledger.append(try f.authority.addKey(try SignerKey.generate(name: "biro-b").verifierKey))
    }

    @Test func registryEventsCarryNoExtensionAttributes() async throws {
        let f = try await LedgerFixture.make()
        let event = try f.authority.registerUnit("biro-x", name: "X", role: .biro)
        var object = event.event.object
        object["note"] = "planted"
        let extended = SignedEvent.sign(try CloudEvent(bytes: JSONWriter.bytes(.object(object))), with: f.authority.key)
        #expect(extended.event.extensionNames == ["note"])
        try await refuse(f, [extended], .registryRule)
    }

    /// U+0000 ends a text for SQLite's tools and C strings: an event holding one is refused,
    /// wherever it is; the escaped text `\\u0000` (a backslash, then u0000) is not one.
    @Test func anEventHoldingUPlus0000IsRefused() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        for data: JSONValue in [["note": "paid\u{0}hidden"], ["n\u{0}ame": 1], ["list": ["a", "\u{0}"]]] {
            let error = #expect(throws: LedgerError.self) { _ = try f.event(key, data: data) }
            #expect(error?.code == .malformedEvent && error?.message.contains("U+0000") == true, "\(String(describing: error))")
        }
        // Written by hand as the escape, in a payload signed directly.
        let bytes = eventJSON("biro-a", set: [("data", ["note": "x"])])
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: #""note":"x""#, with: #""note":"x\u0000y""#)
        #expect(throws: LedgerError.self) { _ = try SignedEvent(envelope: envelope(Array(text.utf8), key)) }
        // Not a NUL: an escaped backslash followed by the letters u0000.
        let literal = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: #""note":"x""#, with: #""note":"x\\u0000y""#)
        #expect(try SignedEvent(envelope: envelope(Array(literal.utf8), key)).event.data["note"] == .string(#"x\u0000y"#))
    }

    @Test func theValidationHookRefusesBeforeAndDuringSequencing() async throws {
        struct Rules: EventValidator {
            func validate(_ event: CloudEvent) throws(ValidationFailure) {
                if case .string("")? = event.data["title"] {
                    throw ValidationFailure(rule: "title-required", message: "the title is empty")
                }
            }
            func validate(_ event: CloudEvent, stream: StreamState, registry: Registry) throws(ValidationFailure) {
                guard event.type == "id.go.kpu.jejak.test.acknowledged.v1" else { return }
                let requests = (try? stream.events())?.filter { $0.event.type == "id.go.kpu.jejak.test.requested.v1" } ?? []
                guard let request = requests.first, request.event.source == event.source else {
                    throw ValidationFailure(rule: "only-requester-acknowledges", message: "only the requester may acknowledge \(stream.subject)")
                }
            }
        }
        let f = try await LedgerFixture.make(validator: Rules())
        let a = try await f.unit("biro-a"), b = try await f.unit("biro-b")
        try await refuse(f, [try f.event(a, data: ["title": ""])], .rejectedByValidator)

        let s = "exchange/9"
        // Acknowledging before any request: refused by the stream rule.
        try await refuse(f, [try f.event(a, type: "id.go.kpu.jejak.test.acknowledged.v1", subject: s)], .rejectedByValidator)
        // A request and its acknowledgement by the requester in one append: the rule sees the
        // request sequenced earlier in the same batch.
        _ = try await f.ledger.append([try f.event(a, type: "id.go.kpu.jejak.test.requested.v1", subject: s),
                                       try f.event(a, type: "id.go.kpu.jejak.test.acknowledged.v1", subject: s)])
        // Another unit acknowledging: refused, with the rule's name in the message.
        let size = try f.ledger.size()
        let error = await #expect(throws: LedgerError.self) {
            try await f.ledger.append(try f.event(b, type: "id.go.kpu.jejak.test.acknowledged.v1", subject: s))
        }
        #expect(error?.message.contains("only-requester-acknowledges") == true)
        #expect(try f.ledger.size() == size)
    }
}
