import Foundation
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakSchema
import Testing

// The JSON Schemas of every event type (`Schemas/`): that each loads, that valid `data` passes,
// and that each kind of bad input fails with the JSON Pointer and the keyword that say why.

// MARK: - Fixtures

/// The repository's `Schemas/` directory (the bundled resource is a copy of it).
private let schemasDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Schemas").resolvingSymlinksInPath()

/// The bundled catalogue, compiled once for the whole suite.
private let bundledCatalog = Result { () throws(DomainError) -> SchemaCatalog in try SchemaCatalog.bundled() }

/// The SHA-256 of `test`.
private let digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
/// Real vkeys made with `jejak key generate` (public halves only).
private let logKey = "jejak.kpu.go.id/ledger+8897f24f+ASxZDU43KQQMwuarNkrHE8j6uwHU96/zkHGJLqV+cqyp"
private let authorityKey = "jejak.kpu.go.id/ledger/authority+1f4c2f91+Aa5u2qOplny9RratD11OsYFtUi9yOz7fDUYtdwfDZQPF"
private let unitKey = "biro-keuangan+fec04912+Ae3u3Xo8sQ3gb8vaghrPWijroGf7q1w+EsDY2inVSLew"
/// An age X25519 recipient (the C2SP age spec's example).
private let recipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

/// A JSON string literal of `count` copies of `unit` (for length limits).
private func text(_ count: Int, _ unit: String = "a") -> String {
    "\"" + String(repeating: unit, count: count) + "\""
}

private let item = #"{"name":"rekap.pdf","mediaType":"application/pdf","size":48213,"sha256":"\#(digest)"}"#

/// A `sealed` member of the schema's shape (what the age file holds is the opener's to check).
private let sealedMember = #"{"to": ["biro-keuangan", "pusdatin", "inspektorat"], "commitment": "\#(digest)", "age": "YWdlLWVuY3J5cHRpb24ub3JnL3YxCg=="}"#

/// `count` delivery items as a JSON array.
private func items(_ count: Int) -> String {
    "[" + Array(repeating: item, count: count).joined(separator: ",") + "]"
}

/// One valid `data` object of every type; samples are these with edits.
private let base: [DomainEventType: String] = [
    .ledgerGenesis: #"""
        {"origin": "jejak.kpu.go.id/ledger", "log": "\#(logKey)", "authority": "\#(authorityKey)"}
        """#,
    .unitRegistered: #"{"unit": "biro-keuangan", "name": "Biro Keuangan", "role": "biro"}"#,
    .keyAdded: #"{"unit": "biro-keuangan", "key": "\#(unitKey)"}"#,
    .keyRevoked: #"{"unit": "biro-keuangan", "key": "\#(unitKey)", "reason": "Rotasi kunci tahunan"}"#,
    .recipientAdded: #"{"unit": "biro-keuangan", "recipient": "\#(recipient)"}"#,
    .recipientRevoked: #"{"unit": "biro-keuangan", "recipient": "\#(recipient)", "reason": "Identitas lama diganti"}"#,
    .exchangeRequested: #"""
        {"provider": "pusdatin", "category": "hasil-rekapitulasi", "title": "Rekapitulasi suara",
         "purpose": "Bahan laporan pimpinan", "legalBasis": "UU 7/2017 Pasal 14",
         "dueDate": "2026-03-31", "classification": "terbatas"}
        """#,
    .exchangeDelivered: #"""
        {"items": [{"name": "rekap.pdf", "mediaType": "application/pdf", "size": 48213,
                    "sha256": "\#(digest)"}], "note": "Data triwulan I"}
        """#,
    .exchangeAcknowledged: #"{"note": "Diterima lengkap"}"#,
    .exchangeRejected: #"{"reason": "Lampiran tidak lengkap"}"#,
    .exchangeWithdrawn: #"{"reason": "Data sudah tidak diperlukan"}"#,
    .exchangeDeclined: #"{"reason": "Informasi dikecualikan", "legalBasis": "UU 14/2008 Pasal 17"}"#,
    .exchangeDistributed: #"""
        {"recipients": ["kpu-prov-jabar", "kpu-prov-jatim"], "category": "regulasi",
         "title": "Petunjuk teknis", "classification": "terbuka",
         "items": [{"name": "juknis.txt", "mediaType": "text/plain", "size": 5,
                    "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
                    "content": "hello"}]}
        """#,
    .auditOpened: #"""
        {"auditedUnit": "biro-keuangan", "scope": "Pertukaran data keuangan",
         "periodStart": "2026-01-01", "periodEnd": "2026-12-31"}
        """#,
    .auditFindingRecorded: #"""
        {"finding": "T-01", "criteria": "Data diserahkan sebelum tenggat",
         "condition": "12 dari 80 permintaan terlambat", "recommendation": "Tetapkan pengingat",
         "severity": "sedang"}
        """#,
    .auditFollowUpRecorded: #"""
        {"finding": "T-01", "action": "Pengingat diaktifkan",
         "evidence": [{"name": "sk-pengingat.pdf", "sha256": "\#(digest)"}]}
        """#,
    .auditClosed: #"{"summary": "Satu temuan, telah ditindaklanjuti"}"#,
]

/// A change to a sample: set the value at a JSON Pointer (given as JSON text), or remove it.
enum Edit: Sendable {
    case set(String, String)
    case remove(String)
}

struct EditError: Error, CustomStringConvertible {
    var description: String
}

/// `value` with `edit` applied; throws if the pointer does not lead where it should (so a typo in
/// a test case fails the test instead of leaving the sample unchanged).
private func applying(_ edit: Edit, to value: JSONValue) throws -> JSONValue {
    let pointer: String
    let replacement: JSONValue?
    switch edit {
    case .set(let p, let json): pointer = p; replacement = try JSONParser.parse(json)
    case .remove(let p): pointer = p; replacement = nil
    }
    guard pointer.isEmpty || pointer.hasPrefix("/") else { throw EditError(description: "bad pointer \(pointer)") }
    let tokens = pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map {
        $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
    }
    func change(_ value: JSONValue, _ rest: ArraySlice<String>) throws -> JSONValue? {
        guard let token = rest.first else { return replacement }
        switch value {
        case .object(var object):
            if rest.count == 1 {
                guard replacement != nil || object.contains(key: token) else {
                    throw EditError(description: "nothing to remove at \(pointer)")
                }
                object[token] = replacement
            } else {
                guard let member = object[token] else { throw EditError(description: "no \(token) in \(pointer)") }
                object[token] = try change(member, rest.dropFirst())
            }
            return .object(object)
        case .array(var array):
            guard let index = Int(token), array.indices.contains(index) else {
                throw EditError(description: "no index \(token) in \(pointer)")
            }
            if let new = try change(array[index], rest.dropFirst()) { array[index] = new } else { array.remove(at: index) }
            return .array(array)
        default:
            throw EditError(description: "\(pointer) goes through a scalar")
        }
    }
    guard let result = try change(value, tokens[...]) else { throw EditError(description: "cannot remove the root") }
    return result
}

/// The base sample of `type` with `edits` applied.
private func sample(_ type: DomainEventType, _ edits: [Edit]) throws -> JSONValue {
    var value = try JSONParser.parse(try #require(base[type], "no base sample for \(type.rawValue)"))
    for edit in edits { value = try applying(edit, to: value) }
    return value
}

/// Valid `data`: the base sample with some edits.
struct Valid: Sendable, CustomTestStringConvertible {
    let type: DomainEventType
    let what: String
    let edits: [Edit]
    var testDescription: String { "\(type.schemaFile): \(what)" }
}

/// Invalid `data` and the one violation it must produce.
struct Invalid: Sendable, CustomTestStringConvertible {
    let type: DomainEventType
    let what: String
    let edits: [Edit]
    /// The expected `instanceLocation`.
    let at: String
    /// The expected `keyword`.
    let keyword: String
    var testDescription: String { "\(type.schemaFile): \(what) → \(at.isEmpty ? "(root)" : at) \(keyword)" }
}

private func ok(_ type: DomainEventType, _ what: String, _ edits: Edit...) -> Valid {
    Valid(type: type, what: what, edits: edits)
}

private func bad(_ type: DomainEventType, _ what: String, _ edits: Edit..., at: String, _ keyword: String) -> Invalid {
    Invalid(type: type, what: what, edits: edits, at: at, keyword: keyword)
}

private let roles = ["biro", "inspektorat", "pusdatin", "kpu-provinsi", "kpu-kabkota", "external"]

private let validSamples: [Valid] = [
    ok(.ledgerGenesis, "as written by Ledger.create"),
    ok(.ledgerGenesis, "a one-character origin", .set("/origin", #""x""#)),
    ok(.unitRegistered, "a bureau"),
    ok(.unitRegistered, "a one-character unit id", .set("/unit", #""a""#)),
    ok(.unitRegistered, "a 64-character unit id", .set("/unit", text(64))),
    ok(.unitRegistered, "a unit id with . _ / -", .set("/unit", #""kpu/prov.31_dki-jakarta""#)),
    ok(.unitRegistered, "a 200-character name of non-ASCII letters", .set("/name", text(200, "é"))),
    ok(.keyAdded, "a unit's key"),
    ok(.keyRevoked, "a unit's key with a reason"),
    ok(.recipientAdded, "a unit's age recipient"),
    ok(.recipientRevoked, "a unit's age recipient with a reason"),
    ok(.keyRevoked, "a 500-character reason", .set("/reason", text(500))),
    ok(.exchangeRequested, "a restricted request"),
    ok(.exchangeRequested, "a leap day", .set("/dueDate", #""2028-02-29""#)),
    ok(.exchangeRequested, "an open request", .set("/classification", #""terbuka""#)),
    ok(.exchangeRequested, "a confidential request", .set("/classification", #""rahasia""#)),
    ok(.exchangeRequested, "a sealed request", .remove("/title"), .remove("/purpose"), .remove("/legalBasis"),
       .set("/sealed", sealedMember)),
    ok(.exchangeDelivered, "a sealed delivery", .remove("/items"), .remove("/note"), .set("/sealed", sealedMember)),
    ok(.exchangeRequested, "a 64-character category", .set("/category", text(64, "9"))),
    ok(.exchangeRequested, "the longest texts", .set("/title", text(300)), .set("/purpose", text(2000)),
       .set("/legalBasis", text(500))),
    ok(.exchangeDelivered, "one item with a note"),
    ok(.exchangeDelivered, "no note", .remove("/note")),
    ok(.exchangeDelivered, "an empty file", .set("/items/0/size", "0")),
    ok(.exchangeDelivered, "a size written 1.0 (integral)", .set("/items/0/size", "1.0")),
    ok(.exchangeDelivered, "the largest size", .set("/items/0/size", "9007199254740991")),
    ok(.exchangeDelivered, "a 4,096-character inline content", .set("/items/0/content", text(4096))),
    ok(.exchangeDelivered, "an OOXML media type",
       .set("/items/0/mediaType", #""application/vnd.openxmlformats-officedocument.spreadsheetml.sheet""#)),
    ok(.exchangeDelivered, "100 items", .set("/items", items(100))),
    ok(.exchangeAcknowledged, "with a note"),
    ok(.exchangeAcknowledged, "an empty object", .remove("/note")),
    ok(.exchangeAcknowledged, "an empty note", .set("/note", #""""#)),
    ok(.exchangeRejected, "with a reason"),
    ok(.exchangeRejected, "a 2,000-character reason", .set("/reason", text(2000))),
    ok(.exchangeWithdrawn, "with a reason"),
    ok(.exchangeDeclined, "with a reason and legal basis"),
    ok(.exchangeDistributed, "two recipients, inline content"),
    ok(.exchangeDistributed, "one recipient with a note", .set("/recipients", #"["kpu-prov-jabar"]"#),
       .set("/note", #""Untuk diketahui""#)),
    ok(.auditOpened, "a fiscal year"),
    ok(.auditOpened, "a one-day period", .set("/periodEnd", #""2026-01-01""#)),
    ok(.auditFindingRecorded, "a medium finding"),
    ok(.auditFindingRecorded, "a low finding", .set("/severity", #""rendah""#)),
    ok(.auditFindingRecorded, "a high finding", .set("/severity", #""tinggi""#), .set("/finding", #""2026.T_01-a""#)),
    ok(.auditFollowUpRecorded, "one piece of evidence"),
    ok(.auditFollowUpRecorded, "no evidence yet", .set("/evidence", "[]")),
    ok(.auditFollowUpRecorded, "a 4,000-character action", .set("/action", text(4000))),
    ok(.auditClosed, "a summary"),
    ok(.auditClosed, "a 4,000-character summary", .set("/summary", text(4000))),
] + roles.map { ok(.unitRegistered, "role \($0)", .set("/role", "\"\($0)\"")) }

private let invalidSamples: [Invalid] = [
    // ledger.genesis
    bad(.ledgerGenesis, "no authority", .remove("/authority"), at: "", "required"),
    bad(.ledgerGenesis, "an extra member", .set("/witness", #""x""#), at: "/witness", "additionalProperties"),
    bad(.ledgerGenesis, "a number as origin", .set("/origin", "42"), at: "/origin", "type"),
    bad(.ledgerGenesis, "an empty origin", .set("/origin", #""""#), at: "/origin", "pattern"),
    bad(.ledgerGenesis, "an origin with a space", .set("/origin", #""jejak kpu""#), at: "/origin", "pattern"),
    bad(.ledgerGenesis, "an origin with a +", .set("/origin", #""jejak+kpu""#), at: "/origin", "pattern"),
    bad(.ledgerGenesis, "a vkey padded to 43+= characters",
        .set("/log", #""x+520db867+AfsGdtI+NakRcdUeIlcQ/d/Zw7v3r6b/Tul08JTsBKA=""#), at: "/log", "pattern"),
    bad(.ledgerGenesis, "a vkey with an upper-case key id",
        .set("/authority", #""x+520DB867+AfsGdtI+NakRcdUeIlcQ/d/Zw7v3r6b/Tul08JTsBKAE""#), at: "/authority", "pattern"),
    bad(.ledgerGenesis, "a vkey without a name",
        .set("/log", #""+520db867+AfsGdtI+NakRcdUeIlcQ/d/Zw7v3r6b/Tul08JTsBKAE""#), at: "/log", "pattern"),
    bad(.ledgerGenesis, "null as log key", .set("/log", "null"), at: "/log", "type"),
    // registry.unit-registered
    bad(.unitRegistered, "no role", .remove("/role"), at: "", "required"),
    // sealed content
    bad(.exchangeRequested, "sealed with a short commitment", .remove("/title"), .remove("/purpose"), .remove("/legalBasis"),
        .set("/sealed", sealedMember), .set("/sealed/commitment", #""abc""#), at: "/sealed/commitment", "pattern"),
    bad(.exchangeRequested, "sealed to nobody", .remove("/title"), .remove("/purpose"), .remove("/legalBasis"),
        .set("/sealed", sealedMember), .set("/sealed/to", "[]"), at: "/sealed/to", "minItems"),
    bad(.exchangeRequested, "sealed without the age file",
        .set("/sealed", #"{"to": ["pusdatin"], "commitment": "\#(digest)"}"#), .remove("/title"), .remove("/purpose"),
        .remove("/legalBasis"), at: "/sealed", "required"),
    bad(.exchangeDelivered, "sealed with base64 that is not", .remove("/items"), .remove("/note"),
        .set("/sealed", sealedMember), .set("/sealed/age", #""not base64!""#), at: "/sealed/age", "pattern"),
    bad(.unitRegistered, "no unit", .remove("/unit"), at: "", "required"),
    bad(.unitRegistered, "an unknown role", .set("/role", #""bureau""#), at: "/role", "enum"),
    bad(.unitRegistered, "a role in capitals", .set("/role", #""BIRO""#), at: "/role", "enum"),
    bad(.unitRegistered, "an upper-case unit id", .set("/unit", #""Biro-Keuangan""#), at: "/unit", "pattern"),
    bad(.unitRegistered, "a unit id ending in -", .set("/unit", #""biro-""#), at: "/unit", "pattern"),
    bad(.unitRegistered, "a 65-character unit id", .set("/unit", text(65)), at: "/unit", "pattern"),
    bad(.unitRegistered, "an empty unit id", .set("/unit", #""""#), at: "/unit", "pattern"),
    bad(.unitRegistered, "an empty name", .set("/name", #""""#), at: "/name", "minLength"),
    bad(.unitRegistered, "a 201-character name", .set("/name", text(201)), at: "/name", "maxLength"),
    bad(.unitRegistered, "an array as name", .set("/name", #"["Biro"]"#), at: "/name", "type"),
    bad(.unitRegistered, "an extra member", .set("/parent", #""kpu""#), at: "/parent", "additionalProperties"),
    // registry.key-added
    bad(.keyAdded, "no key", .remove("/key"), at: "", "required"),
    bad(.keyAdded, "a key hint instead of a vkey", .set("/key", #""biro-keuangan+fec04912""#), at: "/key", "pattern"),
    bad(.keyAdded, "a number as unit", .set("/unit", "7"), at: "/unit", "type"),
    bad(.keyAdded, "an extra member", .set("/type", #""ed25519""#), at: "/type", "additionalProperties"),
    // registry.key-revoked
    bad(.keyRevoked, "no reason", .remove("/reason"), at: "", "required"),
    bad(.recipientAdded, "no recipient", .remove("/recipient"), at: "", "required"),
    bad(.recipientAdded, "an upper-case recipient", .set("/recipient", #""AGE1QL3Z7HJY54PW3HYWW5AYYFG7ZQGVC7W3J2ELW8ZMRJ2KG5SFN9AQMCAC8P""#),
        at: "/recipient", "pattern"),
    bad(.recipientAdded, "a recipient as a number", .set("/recipient", "1"), at: "/recipient", "type"),
    bad(.recipientAdded, "an extra member", .set("/key", #""x""#), at: "/key", "additionalProperties"),
    bad(.recipientRevoked, "no reason", .remove("/reason"), at: "", "required"),
    bad(.recipientRevoked, "a reason as a number", .set("/reason", "1"), at: "/reason", "type"),
    bad(.recipientRevoked, "an extra member", .set("/at", "3"), at: "/at", "additionalProperties"),
    bad(.keyRevoked, "an empty reason", .set("/reason", #""""#), at: "/reason", "minLength"),
    bad(.keyRevoked, "a 501-character reason", .set("/reason", text(501)), at: "/reason", "maxLength"),
    bad(.keyRevoked, "a key name with a space",
        .set("/key", #""biro keuangan+fec04912+Ae3u3Xo8sQ3gb8vaghrPWijroGf7q1w+EsDY2inVSLew""#), at: "/key", "pattern"),
    bad(.keyRevoked, "a key as an object", .set("/key", #"{"name": "biro-keuangan"}"#), at: "/key", "type"),
    bad(.keyRevoked, "an extra member", .set("/at", "3"), at: "/at", "additionalProperties"),
    // exchange.requested
    bad(.exchangeRequested, "no due date", .remove("/dueDate"), at: "", "required"),
    bad(.exchangeRequested, "no classification", .remove("/classification"), at: "", "required"),
    bad(.exchangeRequested, "no provider", .remove("/provider"), at: "", "required"),
    bad(.exchangeRequested, "30 February", .set("/dueDate", #""2026-02-30""#), at: "/dueDate", "format"),
    bad(.exchangeRequested, "29 February of a common year", .set("/dueDate", #""2027-02-29""#), at: "/dueDate", "format"),
    bad(.exchangeRequested, "\"tomorrow\"", .set("/dueDate", #""tomorrow""#), at: "/dueDate", "format"),
    bad(.exchangeRequested, "a date without zero padding", .set("/dueDate", #""2026-3-31""#), at: "/dueDate", "format"),
    bad(.exchangeRequested, "a date-time", .set("/dueDate", #""2026-03-31T00:00:00Z""#), at: "/dueDate", "format"),
    bad(.exchangeRequested, "a date as a number", .set("/dueDate", "20260331"), at: "/dueDate", "type"),
    bad(.exchangeRequested, "an unknown classification", .set("/classification", #""publik""#), at: "/classification", "enum"),
    bad(.exchangeRequested, "a capitalised classification", .set("/classification", #""Terbuka""#),
        at: "/classification", "enum"),
    bad(.exchangeRequested, "a category with spaces", .set("/category", #""Rekap Suara""#), at: "/category", "pattern"),
    bad(.exchangeRequested, "a 65-character category", .set("/category", text(65)), at: "/category", "pattern"),
    bad(.exchangeRequested, "an empty provider", .set("/provider", #""""#), at: "/provider", "pattern"),
    bad(.exchangeRequested, "an empty title", .set("/title", #""""#), at: "/title", "minLength"),
    bad(.exchangeRequested, "a 2,001-character purpose", .set("/purpose", text(2001)), at: "/purpose", "maxLength"),
    bad(.exchangeRequested, "a 501-character legal basis", .set("/legalBasis", text(501)), at: "/legalBasis", "maxLength"),
    bad(.exchangeRequested, "the requester in data", .set("/requester", #""biro-keuangan""#), at: "/requester",
        "additionalProperties"),
    bad(.exchangeRequested, "an array as data", .set("", "[]"), at: "", "type"),
    // exchange.delivered
    bad(.exchangeDelivered, "no items", .remove("/items"), at: "", "required"),
    bad(.exchangeDelivered, "no item", .set("/items", "[]"), at: "/items", "minItems"),
    bad(.exchangeDelivered, "101 items", .set("/items", items(101)), at: "/items", "maxItems"),
    bad(.exchangeDelivered, "an object as items", .set("/items", "{}"), at: "/items", "type"),
    bad(.exchangeDelivered, "a short digest", .set("/items/0/sha256", #""abc""#), at: "/items/0/sha256", "pattern"),
    bad(.exchangeDelivered, "a 63-character digest", .set("/items/0/sha256", text(63, "0")), at: "/items/0/sha256", "pattern"),
    bad(.exchangeDelivered, "a 65-character digest", .set("/items/0/sha256", text(65, "0")), at: "/items/0/sha256", "pattern"),
    bad(.exchangeDelivered, "an upper-case digest", .set("/items/0/sha256", text(64, "A")), at: "/items/0/sha256", "pattern"),
    bad(.exchangeDelivered, "a non-hex digest", .set("/items/0/sha256", text(64, "g")), at: "/items/0/sha256", "pattern"),
    bad(.exchangeDelivered, "a negative size", .set("/items/0/size", "-1"), at: "/items/0/size", "minimum"),
    bad(.exchangeDelivered, "a size beyond 2^53 - 1", .set("/items/0/size", "9007199254740992"), at: "/items/0/size",
        "maximum"),
    bad(.exchangeDelivered, "a fractional size", .set("/items/0/size", "1.5"), at: "/items/0/size", "type"),
    bad(.exchangeDelivered, "a size as a string", .set("/items/0/size", #""48213""#), at: "/items/0/size", "type"),
    bad(.exchangeDelivered, "a media type without a subtype", .set("/items/0/mediaType", #""pdf""#),
        at: "/items/0/mediaType", "pattern"),
    bad(.exchangeDelivered, "an item without a name", .remove("/items/0/name"), at: "/items/0", "required"),
    bad(.exchangeDelivered, "an item without a digest", .remove("/items/0/sha256"), at: "/items/0", "required"),
    bad(.exchangeDelivered, "an item with an extra member", .set("/items/0/digest", #""abc""#), at: "/items/0/digest",
        "additionalProperties"),
    bad(.exchangeDelivered, "an empty item name", .set("/items/0/name", #""""#), at: "/items/0/name", "minLength"),
    bad(.exchangeDelivered, "a 4,097-character inline content", .set("/items/0/content", text(4097)),
        at: "/items/0/content", "maxLength"),
    bad(.exchangeDelivered, "a 2,001-character note", .set("/note", text(2001)), at: "/note", "maxLength"),
    bad(.exchangeDelivered, "an extra member", .set("/provider", #""pusdatin""#), at: "/provider", "additionalProperties"),
    // exchange.acknowledged
    bad(.exchangeAcknowledged, "a number as note", .set("/note", "5"), at: "/note", "type"),
    bad(.exchangeAcknowledged, "a 2,001-character note", .set("/note", text(2001)), at: "/note", "maxLength"),
    bad(.exchangeAcknowledged, "an extra member", .set("/reason", #""x""#), at: "/reason", "additionalProperties"),
    bad(.exchangeAcknowledged, "a string as data", .set("", #""ok""#), at: "", "type"),
    // exchange.rejected
    bad(.exchangeRejected, "no reason", .remove("/reason"), at: "", "required"),
    bad(.exchangeRejected, "an empty reason", .set("/reason", #""""#), at: "/reason", "minLength"),
    bad(.exchangeRejected, "a 2,001-character reason", .set("/reason", text(2001)), at: "/reason", "maxLength"),
    bad(.exchangeRejected, "null as reason", .set("/reason", "null"), at: "/reason", "type"),
    bad(.exchangeRejected, "an extra member", .set("/note", #""x""#), at: "/note", "additionalProperties"),
    // exchange.withdrawn
    bad(.exchangeWithdrawn, "no reason", .remove("/reason"), at: "", "required"),
    bad(.exchangeWithdrawn, "an empty reason", .set("/reason", #""""#), at: "/reason", "minLength"),
    bad(.exchangeWithdrawn, "a Boolean as reason", .set("/reason", "true"), at: "/reason", "type"),
    bad(.exchangeWithdrawn, "an extra member", .set("/legalBasis", #""x""#), at: "/legalBasis", "additionalProperties"),
    // exchange.declined
    bad(.exchangeDeclined, "no legal basis", .remove("/legalBasis"), at: "", "required"),
    bad(.exchangeDeclined, "no reason", .remove("/reason"), at: "", "required"),
    bad(.exchangeDeclined, "a 501-character legal basis", .set("/legalBasis", text(501)), at: "/legalBasis", "maxLength"),
    bad(.exchangeDeclined, "an empty reason", .set("/reason", #""""#), at: "/reason", "minLength"),
    bad(.exchangeDeclined, "an object as reason", .set("/reason", "{}"), at: "/reason", "type"),
    bad(.exchangeDeclined, "an extra member", .set("/dueDate", #""2026-01-01""#), at: "/dueDate", "additionalProperties"),
    // exchange.distributed
    bad(.exchangeDistributed, "no recipients", .remove("/recipients"), at: "", "required"),
    bad(.exchangeDistributed, "no items", .remove("/items"), at: "", "required"),
    bad(.exchangeDistributed, "no classification", .remove("/classification"), at: "", "required"),
    bad(.exchangeDistributed, "empty recipients", .set("/recipients", "[]"), at: "/recipients", "minItems"),
    bad(.exchangeDistributed, "duplicate recipients", .set("/recipients", #"["kpu-prov-jabar", "kpu-prov-jabar"]"#),
        at: "/recipients", "uniqueItems"),
    bad(.exchangeDistributed, "a bad recipient id", .set("/recipients", #"["kpu-prov-jabar", "KPU Jatim"]"#),
        at: "/recipients/1", "pattern"),
    bad(.exchangeDistributed, "a string as recipients", .set("/recipients", #""kpu-prov-jabar""#), at: "/recipients", "type"),
    bad(.exchangeDistributed, "an unknown classification", .set("/classification", #""publik""#), at: "/classification",
        "enum"),
    bad(.exchangeDistributed, "a bad digest", .set("/items/0/sha256", #""zz""#), at: "/items/0/sha256", "pattern"),
    bad(.exchangeDistributed, "no item", .set("/items", "[]"), at: "/items", "minItems"),
    bad(.exchangeDistributed, "an empty title", .set("/title", #""""#), at: "/title", "minLength"),
    bad(.exchangeDistributed, "an extra member", .set("/provider", #""pusdatin""#), at: "/provider", "additionalProperties"),
    // audit.opened
    bad(.auditOpened, "no scope", .remove("/scope"), at: "", "required"),
    bad(.auditOpened, "no period end", .remove("/periodEnd"), at: "", "required"),
    bad(.auditOpened, "30 February", .set("/periodStart", #""2026-02-30""#), at: "/periodStart", "format"),
    bad(.auditOpened, "\"tomorrow\"", .set("/periodEnd", #""tomorrow""#), at: "/periodEnd", "format"),
    bad(.auditOpened, "a month 13", .set("/periodEnd", #""2026-13-01""#), at: "/periodEnd", "format"),
    bad(.auditOpened, "a date as a number", .set("/periodStart", "2026"), at: "/periodStart", "type"),
    bad(.auditOpened, "an upper-case unit id", .set("/auditedUnit", #""Biro""#), at: "/auditedUnit", "pattern"),
    bad(.auditOpened, "an empty scope", .set("/scope", #""""#), at: "/scope", "minLength"),
    bad(.auditOpened, "an extra member", .set("/auditor", #""inspektorat""#), at: "/auditor", "additionalProperties"),
    // audit.finding-recorded
    bad(.auditFindingRecorded, "no recommendation", .remove("/recommendation"), at: "", "required"),
    bad(.auditFindingRecorded, "no severity", .remove("/severity"), at: "", "required"),
    bad(.auditFindingRecorded, "an unknown severity", .set("/severity", #""kritis""#), at: "/severity", "enum"),
    bad(.auditFindingRecorded, "an English severity", .set("/severity", #""high""#), at: "/severity", "enum"),
    bad(.auditFindingRecorded, "a finding id starting with -", .set("/finding", #""-01""#), at: "/finding", "pattern"),
    bad(.auditFindingRecorded, "an empty finding id", .set("/finding", #""""#), at: "/finding", "pattern"),
    bad(.auditFindingRecorded, "a 4,001-character criteria", .set("/criteria", text(4001)), at: "/criteria", "maxLength"),
    bad(.auditFindingRecorded, "an empty condition", .set("/condition", #""""#), at: "/condition", "minLength"),
    bad(.auditFindingRecorded, "a number as condition", .set("/condition", "7"), at: "/condition", "type"),
    bad(.auditFindingRecorded, "an extra member", .set("/unit", #""biro-keuangan""#), at: "/unit", "additionalProperties"),
    // audit.follow-up-recorded
    bad(.auditFollowUpRecorded, "no evidence member", .remove("/evidence"), at: "", "required"),
    bad(.auditFollowUpRecorded, "no action", .remove("/action"), at: "", "required"),
    bad(.auditFollowUpRecorded, "a short evidence digest", .set("/evidence/0/sha256", #""abc""#), at: "/evidence/0/sha256",
        "pattern"),
    bad(.auditFollowUpRecorded, "evidence without a digest", .remove("/evidence/0/sha256"), at: "/evidence/0", "required"),
    bad(.auditFollowUpRecorded, "evidence with a size", .set("/evidence/0/size", "5"), at: "/evidence/0/size",
        "additionalProperties"),
    bad(.auditFollowUpRecorded, "an empty evidence name", .set("/evidence/0/name", #""""#), at: "/evidence/0/name",
        "minLength"),
    bad(.auditFollowUpRecorded, "an object as evidence", .set("/evidence", "{}"), at: "/evidence", "type"),
    bad(.auditFollowUpRecorded, "a finding id with a space", .set("/finding", #""T 01""#), at: "/finding", "pattern"),
    bad(.auditFollowUpRecorded, "an empty action", .set("/action", #""""#), at: "/action", "minLength"),
    bad(.auditFollowUpRecorded, "an extra member", .set("/note", #""x""#), at: "/note", "additionalProperties"),
    // audit.closed
    bad(.auditClosed, "no summary", .remove("/summary"), at: "", "required"),
    bad(.auditClosed, "an empty summary", .set("/summary", #""""#), at: "/summary", "minLength"),
    bad(.auditClosed, "a 4,001-character summary", .set("/summary", text(4001)), at: "/summary", "maxLength"),
    bad(.auditClosed, "a number as summary", .set("/summary", "1"), at: "/summary", "type"),
    bad(.auditClosed, "an extra member", .set("/closedAt", #""2026-12-31""#), at: "/closedAt", "additionalProperties"),
]

// MARK: - Scratch schema directories

/// A fresh temporary directory holding a copy of every schema file; removed by `body`'s caller.
private func withScratchCopy<R>(_ body: (URL) throws -> R) throws -> R {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("jejak-schemas-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    for file in DomainEventType.allCases.map(\.schemaFile) + [DataCategories.fileName] {
        try FileManager.default.copyItem(at: schemasDirectory.appendingPathComponent(file), to: dir.appendingPathComponent(file))
    }
    return try body(dir)
}

/// Rewrites `type`'s schema in `dir` with `edits` applied.
private func rewrite(_ type: DomainEventType, in dir: URL, _ edits: Edit...) throws {
    let url = dir.appendingPathComponent(type.schemaFile)
    var value = try JSONParser.parse(try Data(contentsOf: url))
    for edit in edits { value = try applying(edit, to: value) }
    try Data(JSONWriter.bytes(value)).write(to: url)
}

/// The `DomainError` that loading `dir` throws, or `nil` (recorded as an issue) if it loads.
private func loadError(_ dir: URL) -> DomainError? {
    do {
        _ = try SchemaCatalog(directory: dir.path)
        Issue.record("the catalogue loaded")
        return nil
    } catch {
        return error
    }
}

/// A schema change that must make the catalogue refuse to load.
struct Breakage: Sendable, CustomTestStringConvertible {
    let type: DomainEventType
    let what: String
    let edit: Edit
    /// Text the error message must contain.
    let mentions: String
    var testDescription: String { "\(type.schemaFile): \(what)" }
}

private let breakages: [Breakage] = [
    Breakage(type: .exchangeRejected, what: "a misspelt keyword", edit: .set("/properties/reason/maxLenght", "5"),
             mentions: "maxLenght"),
    Breakage(type: .exchangeRequested, what: "draft-07 definitions", edit: .set("/definitions", "{}"),
             mentions: "definitions"),
    Breakage(type: .exchangeDelivered, what: "additionalItems in an item definition",
             edit: .set("/$defs/item/additionalItems", "false"), mentions: "additionalItems"),
    Breakage(type: .auditOpened, what: "an unasserted format", edit: .set("/properties/scope/format", #""hostname""#),
             mentions: "hostname"),
    Breakage(type: .auditClosed, what: "another dialect",
             edit: .set("/$schema", #""http://json-schema.org/draft-07/schema#""#), mentions: "draft-07"),
    Breakage(type: .auditFindingRecorded, what: "an unsupported regex",
             edit: .set("/$defs/findingId/pattern", #""^\\p{Script=Latin}+$""#), mentions: "audit.finding-recorded.v1.json"),
    Breakage(type: .exchangeDistributed, what: "a $ref to nowhere", edit: .set("/properties/recipients/items/$ref",
             ##""#/$defs/unitID""##), mentions: "unitID"),
]

/// `$id`s that are not the type's `dataschema`.
struct WrongID: Sendable, CustomTestStringConvertible {
    let type: DomainEventType
    let what: String
    let edit: Edit
    var testDescription: String { "\(type.schemaFile): \(what)" }
}

private let wrongIDs: [WrongID] = [
    WrongID(type: .exchangeRequested, what: "the next version's $id",
            edit: .set("/$id", #""https://jejak.kpu.go.id/schemas/exchange.requested.v2.json""#)),
    WrongID(type: .exchangeRejected, what: "another type's $id",
            edit: .set("/$id", #""https://jejak.kpu.go.id/schemas/exchange.withdrawn.v1.json""#)),
    WrongID(type: .keyAdded, what: "another host", edit: .set("/$id", #""https://jejak.example/schemas/registry.key-added.v1.json""#)),
    WrongID(type: .auditClosed, what: "no $id", edit: .remove("/$id")),
    WrongID(type: .ledgerGenesis, what: "a number as $id", edit: .set("/$id", "1")),
]

// MARK: - Tests

@Suite("Schemas")
struct SchemaTests {
    func catalog() throws -> SchemaCatalog { try bundledCatalog.get() }

    @Test("the bundled catalogue compiles a schema for every event type")
    func bundledCatalogLoads() throws {
        let catalog = try catalog()
        #expect(Set(catalog.schemas.keys) == Set(DomainEventType.allCases))
        #expect(catalog.schemas.count == 17)
    }

    @Test("Schemas/ holds exactly one file per event type, and the data categories")
    func noStrayFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: schemasDirectory.path)
            .filter { $0.hasSuffix(".json") }
        #expect(Set(files) == Set(DomainEventType.allCases.map(\.schemaFile) + [DataCategories.fileName]))
    }

    @Test("a catalog without its data categories does not load")
    func categoriesAreRequired() throws {
        try withScratchCopy { dir in
            try FileManager.default.removeItem(at: dir.appendingPathComponent(DataCategories.fileName))
            #expect(throws: DomainError.self) { try SchemaCatalog(directory: dir.path) }
        }
    }

    @Test("each schema document is complete and bilingual", arguments: DomainEventType.allCases)
    func documentIsComplete(_ type: DomainEventType) throws {
        let doc = try JSONParser.parse(try Data(contentsOf: schemasDirectory.appendingPathComponent(type.schemaFile)))
        #expect(doc["$schema"] == "https://json-schema.org/draft/2020-12/schema")
        #expect(doc["$id"] == .string(type.schemaID))
        #expect(type.schemaID == "https://jejak.kpu.go.id/schemas/" + type.schemaFile)
        #expect(doc["type"] == "object")
        #expect(doc["additionalProperties"] == false)
        #expect(isBilingual(doc["title"]), "title")
        #expect(isBilingual(doc["description"]), "description")
        let properties = try #require(doc["properties"]?.objectValue)
        #expect(!properties.isEmpty)
        for (name, schema) in properties {
            #expect(isBilingual(schema["description"]), "property \(name) needs a bilingual description")
        }
        for name in doc["required"]?.arrayValue ?? [] {
            #expect(properties.contains(key: name.stringValue ?? "?"), "required \(name) is not a property")
        }
        for (name, schema) in doc["$defs"]?.objectValue ?? JSONObject() {
            #expect(isBilingual(schema["description"]), "$defs/\(name) needs a bilingual description")
            for (member, sub) in schema["properties"]?.objectValue ?? JSONObject() {
                #expect(isBilingual(sub["description"]), "$defs/\(name)/properties/\(member) needs a description")
            }
        }
    }

    /// "Indonesian / English": two non-empty halves.
    private func isBilingual(_ value: JSONValue?) -> Bool {
        guard let text = value?.stringValue else { return false }
        let halves = text.components(separatedBy: " / ")
        return halves.count >= 2 && halves.allSatisfy { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    @Test("each schema's own examples are valid", arguments: DomainEventType.allCases)
    func examplesAreValid(_ type: DomainEventType) throws {
        let doc = try JSONParser.parse(try Data(contentsOf: schemasDirectory.appendingPathComponent(type.schemaFile)))
        let examples = try #require(doc["examples"]?.arrayValue)
        #expect(!examples.isEmpty)
        let catalog = try catalog()
        for example in examples {
            #expect(catalog.validate(type: type, data: example) == [])
        }
    }

    @Test("every type has valid samples, invalid samples and the basic refusals")
    func samplesCoverEveryType() {
        for type in DomainEventType.allCases {
            let invalid = invalidSamples.filter { $0.type == type }
            #expect(validSamples.contains { $0.type == type }, "no valid sample of \(type.rawValue)")
            #expect(invalid.count >= 3, "too few invalid samples of \(type.rawValue)")
            #expect(invalid.contains { $0.keyword == "additionalProperties" }, "no extra property for \(type.rawValue)")
            #expect(invalid.contains { $0.keyword == "type" }, "no wrong type for \(type.rawValue)")
            if type != .exchangeAcknowledged {
                #expect(invalid.contains { $0.keyword == "required" }, "no missing field for \(type.rawValue)")
            }
        }
    }

    @Test("valid data passes", arguments: validSamples)
    func validSamplePasses(_ valid: Valid) throws {
        let data = try sample(valid.type, valid.edits)
        let violations = try catalog().validate(type: valid.type, data: data)
        #expect(violations == [], "\(violations.map(\.description))")
    }

    @Test("invalid data fails with the field and the keyword", arguments: invalidSamples)
    func invalidSampleFails(_ invalid: Invalid) throws {
        let data = try sample(invalid.type, invalid.edits)
        let violations = try catalog().validate(type: invalid.type, data: data)
        #expect(violations.count == 1, "\(violations.map(\.description))")
        let violation = try #require(violations.first)
        #expect(violation.instanceLocation == invalid.at)
        #expect(violation.keyword == invalid.keyword)
        #expect(violation.keywordLocation.hasSuffix("/" + invalid.keyword))
        #expect(violation.absoluteKeywordLocation.hasPrefix(invalid.type.schemaID + "#"))
        #expect(!violation.message.isEmpty)
        if invalid.keyword == "required", case .remove(let pointer) = invalid.edits.first {
            let field = String(pointer.split(separator: "/").last ?? "")
            #expect(violation.message.contains("\"\(field)\""), "the message names the missing field")
        }
    }

    @Test("a missing required field is named in every type's violation", arguments: DomainEventType.allCases)
    func everyRequiredFieldIsRequired(_ type: DomainEventType) throws {
        let doc = try JSONParser.parse(try Data(contentsOf: schemasDirectory.appendingPathComponent(type.schemaFile)))
        // The clear form's: the public members, and the content members a clear event needs (`else`).
        let required = ((doc["required"]?.arrayValue ?? []) + (doc["else"]?["required"]?.arrayValue ?? [])).compactMap(\.stringValue)
        let catalog = try catalog()
        #expect(try catalog.validate(type: type, data: sample(type, [])) == [])
        for field in required {
            let violations = catalog.validate(type: type, data: try sample(type, [.remove("/" + field)]))
            #expect(violations.map(\.keyword) == ["required"], "\(field)")
            #expect(violations.first?.instanceLocation == "")
        }
    }

    @Test("the data contract's required fields")
    func requiredFields() throws {
        let expected: [DomainEventType: Set<String>] = [
            .ledgerGenesis: ["origin", "log", "authority"],
            .unitRegistered: ["unit", "name", "role"],
            .keyAdded: ["unit", "key"],
            .keyRevoked: ["unit", "key", "reason"],
            .recipientAdded: ["unit", "recipient"],
            .recipientRevoked: ["unit", "recipient", "reason"],
            .exchangeRequested: ["provider", "category", "title", "purpose", "legalBasis", "dueDate", "classification"],
            .exchangeDelivered: ["items"],
            .exchangeAcknowledged: [],
            .exchangeRejected: ["reason"],
            .exchangeWithdrawn: ["reason"],
            .exchangeDeclined: ["reason", "legalBasis"],
            .exchangeDistributed: ["recipients", "category", "title", "classification", "items"],
            .auditOpened: ["auditedUnit", "scope", "periodStart", "periodEnd"],
            .auditFindingRecorded: ["finding", "criteria", "condition", "recommendation", "severity"],
            .auditFollowUpRecorded: ["finding", "action", "evidence"],
            .auditClosed: ["summary"],
        ]
        #expect(Set(expected.keys) == Set(DomainEventType.allCases))
        for (type, fields) in expected {
            let doc = try JSONParser.parse(try Data(contentsOf: schemasDirectory.appendingPathComponent(type.schemaFile)))
            // Of the clear form: a sealed event carries its content members inside `sealed` (`else`).
            let required = (doc["required"]?.arrayValue ?? []) + (doc["else"]?["required"]?.arrayValue ?? [])
            #expect(Set(required.compactMap(\.stringValue)) == fields, "\(type.rawValue)")
        }
    }

    @Test("freshly generated vkeys match the vkey pattern")
    func generatedKeysPass() throws {
        let catalog = try catalog()
        var checked = 0
        for name in ["biro-keuangan", "kpu/prov.31_dki", "a"] {
            for _ in 0..<40 {
                let key = try SignerKey.generate(name: name).verifierKey.description
                let added: JSONValue = ["unit": .string(name), "key": .string(key)]
                #expect(catalog.validate(type: .keyAdded, data: added) == [], "\(key)")
                checked += 1
            }
        }
        let log = try SignerKey.generate(name: "jejak.kpu.go.id/ledger").verifierKey.description
        let authority = try SignerKey.generate(name: "jejak.kpu.go.id/ledger/authority").verifierKey.description
        let genesis: JSONValue = ["origin": "jejak.kpu.go.id/ledger", "log": .string(log), "authority": .string(authority)]
        #expect(catalog.validate(type: .ledgerGenesis, data: genesis) == [])
        #expect(checked == 120)
    }

    // MARK: Loading

    @Test("a complete copy of the schemas loads")
    func scratchCopyLoads() throws {
        try withScratchCopy { dir in
            let catalog = try SchemaCatalog(directory: dir.path)
            #expect(catalog.schemas.count == DomainEventType.allCases.count)
        }
    }

    @Test("a missing schema file: schemaMissing", arguments: DomainEventType.allCases)
    func missingFile(_ type: DomainEventType) throws {
        try withScratchCopy { dir in
            try FileManager.default.removeItem(at: dir.appendingPathComponent(type.schemaFile))
            let error = try #require(loadError(dir))
            #expect(error.code == .schemaMissing)
            #expect(error.message.contains(type.schemaFile))
        }
    }

    @Test("an empty directory: schemaMissing")
    func emptyDirectory() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jejak-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(loadError(dir)?.code == .schemaMissing)
    }

    @Test("a schema the validator cannot enforce: schemaInvalid", arguments: breakages)
    func unsupportedSchema(_ breakage: Breakage) throws {
        try withScratchCopy { dir in
            try rewrite(breakage.type, in: dir, breakage.edit)
            let error = try #require(loadError(dir))
            #expect(error.code == .schemaInvalid)
            #expect(
                error.message.contains(breakage.type.schemaFile) || error.message.contains(breakage.type.rawValue),
                "the message names the schema: \(error.message)")
            #expect(error.message.contains(breakage.mentions), "\(error.message)")
        }
    }

    @Test("a wrong $id: schemaInvalid", arguments: wrongIDs)
    func wrongID(_ wrong: WrongID) throws {
        try withScratchCopy { dir in
            try rewrite(wrong.type, in: dir, wrong.edit)
            let error = try #require(loadError(dir))
            #expect(error.code == .schemaInvalid)
            #expect(error.message.contains("$id"), "\(error.message)")
            #expect(error.message.contains(wrong.type.schemaID), "\(error.message)")
        }
    }

    @Test("a schema file that is not JSON: schemaInvalid")
    func notJSON() throws {
        try withScratchCopy { dir in
            try Data("{\"$id\": ".utf8).write(to: dir.appendingPathComponent(DomainEventType.auditOpened.schemaFile))
            let error = try #require(loadError(dir))
            #expect(error.code == .schemaInvalid)
            #expect(error.message.contains(DomainEventType.auditOpened.schemaFile))
        }
    }
}
