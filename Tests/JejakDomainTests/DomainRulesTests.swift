import Foundation
import Jejak
import JejakAge
import JejakCrypto
import JejakDomain
import JejakJSON
import Testing

/// A ledger with the domain validator, three bureaus and the Inspektorat.
struct DomainFixture {
    let dir: String
    let ledger: Ledger
    let keys: [String: SignerKey]
    /// Each unit's age identity, its recipient in the registry (when made `withRecipients`).
    var identities: [String: AgeIdentity] = [:]
    let authority: RegistryAuthority

    static func make(withRecipients: Bool = false) async throws -> DomainFixture {
        let dir = NSTemporaryDirectory() + "jejak-domain-" + UUID().uuidString
        var options = Ledger.Options()
        options.durable = false
        options.validator = try DomainValidator.bundled()
        let authorityKey = try SignerKey.generate(name: "domain.test/authority")
        let ledger = try await Ledger.create(at: dir, origin: "domain.test/ledger", authorityKey: authorityKey, options: options)
        let authority = RegistryAuthority(key: authorityKey)
        var keys: [String: SignerKey] = [:]
        var identities: [String: AgeIdentity] = [:]
        for (id, role) in [("biro-a", UnitRole.biro), ("biro-b", .biro), ("biro-c", .biro), ("inspektorat", .inspektorat)] {
            let key = try SignerKey.generate(name: id)
            var events = [try authority.registerUnit(id, name: id, role: role), try authority.addKey(key.verifierKey)]
            if withRecipients {
                let identity = AgeIdentity.generate()
                events.append(try authority.addRecipient(identity.recipient, to: id))
                identities[id] = identity
            }
            _ = try await ledger.append(events)
            keys[id] = key
        }
        return DomainFixture(dir: dir, ledger: ledger, keys: keys, identities: identities, authority: authority)
    }

    func sign(_ unit: String, _ type: DomainEventType, _ subject: String, _ data: JSONValue,
              dataschema: String? = nil) throws -> SignedEvent {
        try UnitPublisher(key: keys[unit]!, ledger: ledger)
            .sign(type: type.rawValue, subject: subject, dataschema: dataschema ?? type.schemaID, data: data)
    }

    @discardableResult
    func publish(_ unit: String, _ type: DomainEventType, _ subject: String, _ data: JSONValue) async throws -> Receipt {
        try await ledger.append(try sign(unit, type, subject, data))
    }

    /// Expects `event` to be refused by the rule `rule`, with nothing written.
    func refuse(_ event: SignedEvent, rule: String, field: String? = nil, keyword: String? = nil,
                sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let size = try ledger.size()
        do {
            _ = try await ledger.append(event)
            Issue.record("expected a refusal by \(rule)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == .rejectedByValidator, "\(error)", sourceLocation: sourceLocation)
            #expect(error.rule == rule, "\(error)", sourceLocation: sourceLocation)
            if let field { #expect(error.field == field, "\(error)", sourceLocation: sourceLocation) }
            if let keyword { #expect(error.keyword == keyword, "\(error)", sourceLocation: sourceLocation) }
        }
        #expect(try ledger.size() == size, sourceLocation: sourceLocation)
    }

    func cleanUp() {
        ledger.close()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

let request: JSONValue = [
    "provider": "biro-b", "category": "anggaran", "title": "Rekap anggaran 2026",
    "purpose": "Penyusunan laporan kinerja", "legalBasis": "UU 7/2017", "dueDate": "2026-03-31",
    "classification": "terbuka",
]
let delivery: JSONValue = [
    "items": [["name": "rekap.pdf", "mediaType": "application/pdf", "size": 1024,
               "sha256": .string(String(repeating: "ab", count: 32))]],
]

@Suite struct ExchangeRulesTests {
    @Test func aRequestRejectedThenRedeliveredThenAcknowledged() async throws {
        let f = try await DomainFixture.make()
        defer { f.cleanUp() }
        let s = "exchange/2026-0001"
        try await f.publish("biro-a", .exchangeRequested, s, request)
        try await f.refuse(try f.sign("biro-a", .exchangeAcknowledged, s, [:]), rule: "no-delivery-pending")
        try await f.refuse(try f.sign("biro-c", .exchangeDelivered, s, delivery), rule: "only-provider-delivers", field: "/source")
        try await f.refuse(try f.sign("biro-a", .exchangeDelivered, s, delivery), rule: "only-provider-delivers")
        try await f.publish("biro-b", .exchangeDelivered, s, delivery)
        try await f.refuse(try f.sign("biro-b", .exchangeAcknowledged, s, [:]), rule: "only-requester-acknowledges")
        try await f.refuse(try f.sign("biro-c", .exchangeRejected, s, ["reason": "x"]), rule: "only-requester-rejects")
        try await f.publish("biro-a", .exchangeRejected, s, ["reason": "Data tidak lengkap"])
        try await f.refuse(try f.sign("biro-a", .exchangeRejected, s, ["reason": "again"]), rule: "no-delivery-pending")
        try await f.publish("biro-b", .exchangeDelivered, s, delivery)
        try await f.publish("biro-a", .exchangeAcknowledged, s, ["note": "Terima kasih"])
        // Closed: nothing more, not even from the right parties.
        try await f.refuse(try f.sign("biro-b", .exchangeDelivered, s, delivery), rule: "exchange-closed")
        try await f.refuse(try f.sign("biro-a", .exchangeWithdrawn, s, ["reason": "x"]), rule: "exchange-closed")
        #expect(try f.ledger.streamVersion(s) == 5)
    }

    @Test func withdrawalsAndDeclinesCloseTheExchange() async throws {
        let f = try await DomainFixture.make()
        defer { f.cleanUp() }
        let w = "exchange/2026-0002", d = "exchange/2026-0003"
        try await f.publish("biro-a", .exchangeRequested, w, request)
        try await f.refuse(try f.sign("biro-b", .exchangeWithdrawn, w, ["reason": "x"]), rule: "only-requester-withdraws")
        try await f.publish("biro-a", .exchangeWithdrawn, w, ["reason": "Tidak diperlukan lagi"])
        try await f.refuse(try f.sign("biro-b", .exchangeDelivered, w, delivery), rule: "exchange-closed")

        try await f.publish("biro-a", .exchangeRequested, d, request)
        try await f.refuse(try f.sign("biro-a", .exchangeDeclined, d, ["reason": "x", "legalBasis": "y"]), rule: "only-provider-declines")
        try await f.publish("biro-b", .exchangeDeclined, d, ["reason": "Data dikecualikan", "legalBasis": "UU 14/2008 Pasal 17"])
        try await f.refuse(try f.sign("biro-b", .exchangeDelivered, d, delivery), rule: "exchange-closed")
    }

    @Test func streamsOpenOnlyOnceAndOnlyWithRegisteredParties() async throws {
        let f = try await DomainFixture.make()
        defer { f.cleanUp() }
        let s = "exchange/2026-0004"
        try await f.refuse(try f.sign("biro-b", .exchangeDelivered, s, delivery), rule: "exchange-not-found")
        var toStranger = request.objectValue!
        toStranger["provider"] = "biro-z"
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, s, .object(toStranger)), rule: "provider-registered",
                           field: "/data/provider")
        var toSelf = request.objectValue!
        toSelf["provider"] = "biro-a"
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, s, .object(toSelf)), rule: "provider-registered")
        try await f.publish("biro-a", .exchangeRequested, s, request)
        try await f.refuse(try f.sign("biro-c", .exchangeRequested, s, request), rule: "exchange-exists")
    }

    @Test func aDistributionIsFinal() async throws {
        let f = try await DomainFixture.make()
        defer { f.cleanUp() }
        let s = "exchange/2026-d001"
        var distribution: JSONObject = ["recipients": ["biro-a", "biro-c"], "category": "regulasi",
                                        "title": "Edaran", "classification": "terbuka"]
        distribution["items"] = delivery["items"]
        var bad = distribution
        bad["recipients"] = ["biro-a", "biro-q"]
        try await f.refuse(try f.sign("biro-b", .exchangeDistributed, s, .object(bad)), rule: "provider-registered",
                           field: "/data/recipients/1")
        try await f.publish("biro-b", .exchangeDistributed, s, .object(distribution))
        try await f.refuse(try f.sign("biro-a", .exchangeAcknowledged, s, [:]), rule: "distribution-final")
        try await f.refuse(try f.sign("biro-b", .exchangeDelivered, s, delivery), rule: "distribution-final")
    }

    @Test func typesSchemasAndSubjectsAreCheckedBeforeSequencing() async throws {
        let f = try await DomainFixture.make()
        defer { f.cleanUp() }
        let s = "exchange/2026-0005"
        let unknown = try UnitPublisher(key: f.keys["biro-a"]!, ledger: f.ledger)
            .sign(type: "id.go.kpu.jejak.exchange.teleported.v1", subject: s, data: [:])
        try await f.refuse(unknown, rule: "unknown-type", field: "/type")
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, s, request, dataschema: "https://example.com/other.json"),
                           rule: "dataschema-mismatch", field: "/dataschema")
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, "audit/2026-1", request), rule: "subject-area", field: "/subject")

        var badDate = request.objectValue!
        badDate["dueDate"] = "2026-02-30"
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, s, .object(badDate)), rule: "schema",
                           field: "/data/dueDate", keyword: "format")
        var extra = request.objectValue!
        extra["secret"] = "x"
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, s, .object(extra)), rule: "schema", keyword: "additionalProperties")

        // What escapes the schema by riding outside `data`: an extension attribute the type
        // does not declare (48 KB of free text once slipped through this way).
        let free = String(repeating: "kata ", count: 9_600)
        let extended = SignedEvent.sign(
            try CloudEvent.make(id: "ext-1", source: "biro-a", type: DomainEventType.exchangeRequested.rawValue, subject: s,
                                dataschema: DomainEventType.exchangeRequested.schemaID, data: request,
                                extensions: [("comment", .string(free))]),
            with: f.keys["biro-a"]!)
        try await f.refuse(extended, rule: "extension-not-declared", field: "/comment")
        var missing = request.objectValue!
        missing["title"] = nil
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, s, .object(missing)), rule: "schema", keyword: "required")
        var wrongType = request.objectValue!
        wrongType["title"] = 5
        try await f.refuse(try f.sign("biro-a", .exchangeRequested, s, .object(wrongType)), rule: "schema",
                           field: "/data/title", keyword: "type")

        try await f.publish("biro-a", .exchangeRequested, s, request)
        let badDigest: JSONValue = ["items": [["name": "x", "mediaType": "text/plain", "size": 1, "sha256": "abc"]]]
        try await f.refuse(try f.sign("biro-b", .exchangeDelivered, s, badDigest), rule: "schema",
                           field: "/data/items/0/sha256", keyword: "pattern")
    }
}

@Suite struct AuditRulesTests {
    let opened: JSONValue = ["auditedUnit": "biro-b", "scope": "Pengelolaan anggaran", "periodStart": "2026-01-01",
                             "periodEnd": "2026-06-30"]
    func finding(_ id: String) -> JSONValue {
        ["finding": .string(id), "criteria": "PMK 62/2023", "condition": "Bukti tidak lengkap", "severity": "sedang",
         "recommendation": "Lengkapi bukti"]
    }
    func followUp(_ id: String) -> JSONValue {
        ["finding": .string(id), "action": "Bukti dilengkapi",
         "evidence": [["name": "bukti.pdf", "sha256": .string(String(repeating: "0f", count: 32))]]]
    }

    @Test func theInspektoratAuditsAndTheAuditedUnitFollowsUp() async throws {
        let f = try await DomainFixture.make()
        defer { f.cleanUp() }
        let s = "audit/2026-01"
        try await f.refuse(try f.sign("inspektorat", .auditFindingRecorded, s, finding("F-01")), rule: "audit-not-found")
        try await f.refuse(try f.sign("biro-a", .auditOpened, s, opened), rule: "only-inspektorat", field: "/source")
        var stranger = opened.objectValue!
        stranger["auditedUnit"] = "biro-z"
        try await f.refuse(try f.sign("inspektorat", .auditOpened, s, .object(stranger)), rule: "audited-unit-registered")
        try await f.publish("inspektorat", .auditOpened, s, opened)
        try await f.refuse(try f.sign("inspektorat", .auditOpened, s, opened), rule: "audit-exists")

        try await f.refuse(try f.sign("biro-b", .auditFindingRecorded, s, finding("F-01")), rule: "only-inspektorat")
        try await f.publish("inspektorat", .auditFindingRecorded, s, finding("F-01"))
        try await f.publish("inspektorat", .auditFindingRecorded, s, finding("F-02"))
        try await f.refuse(try f.sign("inspektorat", .auditFindingRecorded, s, finding("F-01")), rule: "finding-exists")

        try await f.refuse(try f.sign("biro-a", .auditFollowUpRecorded, s, followUp("F-01")), rule: "only-audited-unit-follows-up")
        try await f.refuse(try f.sign("biro-b", .auditFollowUpRecorded, s, followUp("F-09")), rule: "finding-not-found",
                           field: "/data/finding")
        try await f.publish("biro-b", .auditFollowUpRecorded, s, followUp("F-01"))

        try await f.refuse(try f.sign("biro-b", .auditClosed, s, ["summary": "x"]), rule: "only-inspektorat")
        try await f.publish("inspektorat", .auditClosed, s, ["summary": "Satu temuan belum ditindaklanjuti"])
        try await f.refuse(try f.sign("biro-b", .auditFollowUpRecorded, s, followUp("F-02")), rule: "audit-closed")

        let state = try #require(AuditState.fold(try f.ledger.stream(s).map(\.entry.event)))
        #expect(state.findings == ["F-01", "F-02"])
        #expect(state.followedUp == ["F-01"])
        #expect(state.closed)
    }
}
