import Foundation
import GRDB
import Jejak
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakProjections
import JejakStorage
import JejakTlog
import Testing

@testable import JejakInspector

/// Each way someone with write access to the ledger's files could change history is found,
/// at the entry (or checkpoint, or row) where it happened; an untouched ledger has no findings.
@Suite("Inspector: tampering is found and located")
struct TamperTests {
    @Test func anUntouchedLedgerAndItsReadModelsGiveZeroFindings() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let db = copy.temp.file("read-models.sqlite")
        try await buildReadModels(copy, db)
        let ledger = try copy.open()
        let size = try ledger.size()
        let report = try await copy.audit { $0.readModels = db }
        #expect(report.findings == [])
        #expect(report.verdict == .clean && report.exitCode == 0)
        #expect(report.auditedFrom == 0 && report.auditedTo == size)
        #expect(report.checkpointsChecked == (try ledger.checkpointSizes()).count)
        #expect(report.readModelTables ?? 0 >= 5)
        #expect(report.units.reduce(0) { $0 + $1.events } == Int(size))
        #expect(report.signaturesVerified >= Int(size))
        #expect(report.checkpoint == (try ledger.storedCheckpointText(size: size)))
    }

    @Test func oneFlippedByteInsideAnEntryIsFoundAtThatEntry() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let target: UInt64 = 500
        try copy.tamper { txn, s in
            var leaf = try #require(try storedLeaf(target, txn, s))
            let payload = try #require(indexOf(Array(#""payload":""#.utf8), in: leaf)) + 40
            leaf[payload] = leaf[payload] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            try replaceLeaf(target, with: leaf, txn, s)
        }
        let report = try await copy.audit()
        #expect(report.verdict == .findings)
        #expect(report.has(.entrySignature, at: target) || report.has(.eventFormat, at: target))
        #expect(report.has(.merkleNode, at: target))
        #expect(firstBadCheckpoint(report) == target + 1)
        let signatureRules: Set<String> = [AuditRule.entrySignature.rawValue, AuditRule.eventFormat.rawValue, AuditRule.signerKey.rawValue]
        #expect(Set(report.findings.filter { signatureRules.contains($0.rule) }.compactMap(\.index)) == [target])
    }

    @Test func anEntryReSignedWithAnotherUnitsKeyIsFoundAtThatEntry() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let ledger = try copy.open()
        let target: UInt64 = 400
        let entry = try ledger.entry(at: target)
        let other = try #require(copy.master.keys.first { $0.key != entry.event.source }?.value)
        ledger.close()
        try copy.tamper { txn, s in
            var leaves = try allLeaves(txn, s)
            let forged = SignedEvent.sign(entry.event, with: other)
            leaves[Int(target)] = try leaf(like: leaves[Int(target)], envelope: forged.jsonBytes)
            try rewriteLog(leaves, txn, s)
        }
        let report = try await copy.audit()
        #expect(report.has(.signerKey, at: target))
        #expect(Set(report.findings.filter { [AuditRule.signerKey.rawValue, AuditRule.entrySignature.rawValue].contains($0.rule) }.compactMap(\.index)) == [target])
        #expect(firstBadCheckpoint(report) == target + 1)
    }

    @Test func anEntryEditedWithTheWholeMerkleStateRecomputedIsFoundAtThatEntry() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let target: UInt64 = 321
        try copy.tamper { txn, s in
            var leaves = try allLeaves(txn, s)
            let entry = try LogEntry(index: target, leaf: leaves[Int(target)])
            // Another payload under the original signature: the attacker can hash, not sign.
            var text = String(decoding: entry.event.bytes, as: UTF8.self)
            text = text.replacingOccurrences(of: entry.event.id, with: entry.event.id + "x")
            let envelope = DSSEEnvelope(payloadType: CloudEvent.payloadType, payload: Array(text.utf8),
                                        signatures: entry.signedEvent.envelope.signatures)
            leaves[Int(target)] = try leaf(like: leaves[Int(target)], envelope: envelope.jsonBytes())
            try rewriteLog(leaves, txn, s)
        }
        let report = try await copy.audit()
        #expect(report.has(.entrySignature, at: target))
        #expect(!report.has(.merkleNode) && !report.has(.idIndex) && !report.has(.streamIndex))
        #expect(firstBadCheckpoint(report) == target + 1)
    }

    @Test func theLastEntriesDeletedAreFoundByTheCheckpointsBeyondTheLog() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        var size: UInt64 = 0
        try copy.tamper { txn, s in
            let leaves = try allLeaves(txn, s)
            size = UInt64(leaves.count)
            try rewriteLog(Array(leaves.dropLast(3)), txn, s)
        }
        let report = try await copy.audit()
        for s in (size - 2)...size { #expect(report.has(.checkpointSize, size: s)) }
        #expect(!report.has(.checkpointRoot))
    }

    @Test func aDroppedMiddleEntryIsFoundWhereItWas() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let target: UInt64 = 450
        try copy.tamper { txn, s in
            var leaves = try allLeaves(txn, s)
            leaves.remove(at: Int(target))
            try rewriteLog(leaves, txn, s)
        }
        let report = try await copy.audit()
        #expect(firstBadCheckpoint(report) == target + 1)
        #expect(report.has(.checkpointRoot, at: target))
    }

    @Test func anEntryRecordDeletedFromTheStoreIsAMissingEntryNotATrapOrAHang() async throws {
        for target: UInt64 in [450, 3] {
            let copy = try await LedgerCopy.make()
            defer { copy.cleanUp() }
            // Only the record goes: the entries after it keep their indexes (a gap in the keys).
            let size = try copy.open().size()
            try copy.tamper { txn, s in try deleteLeaf(target, txn, s) }
            let report = try await copy.audit()
            #expect(report.has(.missingEntry, at: target), "\(report.findings.prefix(5))")
            #expect(report.verdict == .findings)
            _ = size
        }
        // The last entry's record: nothing after it to see the gap by, still found.
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let last = try copy.open().size() - 1
        try copy.tamper { txn, s in try deleteLeaf(last, txn, s) }
        let report = try await copy.audit()
        #expect(report.verdict == .findings)
        #expect(report.has(.checkpointSize) || report.has(.missingEntry), "\(report.findings.prefix(5))")
    }

    @Test func viewsTriggersAndIndexesPlantedInTheReadModelsAreFound() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let (path, _) = try await editedReadModels(copy) { db in
            // A view that hides an exchange from whoever queries it, a trigger that would rewrite
            // rows as the worker writes them, and an index no projection makes.
            try db.execute(sql: "CREATE VIEW open_exchanges AS SELECT * FROM exchanges WHERE id <> 'x'")
            try db.execute(sql: "CREATE TRIGGER quiet AFTER INSERT ON exchanges BEGIN UPDATE exchanges SET late = 0 WHERE id = new.id; END")
            try db.execute(sql: "CREATE INDEX planted ON exchanges(status)")
        }
        let report = try await copy.audit { $0.readModels = path }
        for (kind, name) in [("view", "open_exchanges"), ("trigger", "quiet"), ("index", "planted")] {
            #expect(report.findings.contains { $0.rule == AuditRule.readModel.rawValue && $0.table == name && $0.message.contains(kind) },
                    "\(name): \(report.findings)")
        }
        #expect(report.findingCount == 3, "\(report.findings)")
    }

    @Test func twoSwappedEntriesAreFoundWhereTheyWere() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let target: UInt64 = 610
        try copy.tamper { txn, s in
            var leaves = try allLeaves(txn, s)
            leaves.swapAt(Int(target), Int(target) + 1)
            try rewriteLog(leaves, txn, s)
        }
        let report = try await copy.audit()
        #expect(firstBadCheckpoint(report) == target + 1)
    }

    @Test func aKeyUsedAfterItsRevocationIsFoundAtThatEntry() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let (unit, unitKey) = try #require(copy.master.keys.sorted { $0.key < $1.key }.first)
        let ledger = try copy.open(readOnly: false)
        let authority = RegistryAuthority(key: copy.master.authorityKey)
        _ = try await ledger.append(try authority.revokeKey(unitKey.verifierKey, reason: "lost"))
        // An earlier event of the unit, copied under a new id and signed with the revoked key.
        let original = try #require(try ledger.entries(from: 0, limit: 10_000).last { $0.event.source == unit })
        let size = try ledger.size()
        ledger.close()
        var text = String(decoding: original.event.bytes, as: UTF8.self)
        text = text.replacingOccurrences(of: original.event.id, with: original.event.id + "-again")
        let event = try CloudEvent(bytes: Array(text.utf8))
        let forged = SignedEvent.sign(event, with: unitKey)
        try copy.tamper { txn, s in
            var leaves = try allLeaves(txn, s)
            let last = try #require(leaves.last)
            leaves.append(try leaf(like: last, envelope: forged.jsonBytes))
            try rewriteLog(leaves, txn, s)
        }
        let report = try await copy.audit()
        #expect(report.has(.signerKey, at: size))
        #expect(report.findings.first { $0.rule == AuditRule.signerKey.rawValue }?.message.contains("revoked") == true)
        #expect(report.has(.checkpointSize, size: size + 1))
        #expect(Set(report.findings.filter { $0.rule == AuditRule.signerKey.rawValue }.compactMap(\.index)) == [size])
    }

    @Test func analteredIndexRecordIsFoundAtItsEntry() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let ledger = try copy.open()
        let a = try ledger.entry(at: 300), b = try ledger.entry(at: 301)
        let bVersion = try #require(try ledger.stream(b.event.subject).first { $0.entry.index == 301 }?.version)
        ledger.close()
        try copy.tamper { txn, s in
            try txn.put(s.ids, key: Array(a.event.id.utf8), value: key(301))
            try txn.put(s.streams, key: Array(b.event.subject.utf8) + [0] + key(bVersion), value: [1, 2, 3])
        }
        let report = try await copy.audit()
        #expect(report.has(.idIndex, at: 300))
        #expect(report.has(.streamIndex, at: 301))
        #expect(report.entryFindings.allSatisfy { $0.index == 300 || $0.index == 301 })
    }

    @Test func anAlteredReadModelRowIsFoundNamingTheTableAndRow() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let (path, id) = try await editedReadModels(copy) { db -> String in
            let id = try #require(try String.fetchOne(db, sql: "SELECT id FROM exchanges WHERE status = 'requested' ORDER BY id LIMIT 1"))
            try db.execute(sql: "UPDATE exchanges SET status = 'acknowledged' WHERE id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM units WHERE id = (SELECT id FROM units ORDER BY id LIMIT 1)")
            return id
        }
        let report = try await copy.audit { $0.readModels = path }
        let exchange = try #require(report.findings.first { $0.table == "exchanges" })
        #expect(exchange.rule == AuditRule.readModel.rawValue)
        #expect(exchange.message.contains(id) && exchange.message.contains("status"))
        #expect(report.findings.contains { $0.table == "units" && $0.message.contains("missing") })
        #expect(report.findings.allSatisfy { $0.rule == AuditRule.readModel.rawValue })
    }

    @Test func aNullWhereAReadModelHoldsAValueIsAQueryErrorNotATrap() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let (path, _) = try await editedReadModels(copy) { db in
            // The table remade by hand without its NOT NULL constraints, and a name emptied.
            try db.execute(sql: "ALTER TABLE units RENAME TO units_old")
            try db.execute(sql: "CREATE TABLE units (id TEXT, name TEXT, role TEXT, registered_index INTEGER, registered_at TEXT, active_keys INTEGER)")
            try db.execute(sql: "INSERT INTO units SELECT * FROM units_old")
            try db.execute(sql: "DROP TABLE units_old")
            try db.execute(sql: "UPDATE units SET name = NULL WHERE id = (SELECT id FROM units ORDER BY id LIMIT 1)")
        }
        let models = try ReadModels(path: path)
        #expect(throws: ProjectionError.self) { _ = try models.units() }
        do { _ = try models.units() } catch { #expect(error.code == .query, "\(error)") }
        #expect(!(try models.exchanges()).isEmpty)
        let report = try await copy.audit { $0.readModels = path }
        #expect(report.findings.contains { $0.rule == AuditRule.readModel.rawValue && $0.table == "units" }, "\(report.findings)")
    }

    @Test func aCheckpointForgedWithAnotherKeyIsFoundAtItsSize() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let ledger = try copy.open()
        let stored = try #require(try ledger.checkpoint(size: 400))
        ledger.close()
        let impostor = try SignerKey.generate(name: "inspector.test/ledger")
        let forged = try SignedCheckpoint.sign(stored.checkpoint, with: impostor)
        try copy.tamper { txn, s in
            try txn.put(s.checkpoints, key: key(400), value: Array(forged.serialized.utf8))
        }
        let report = try await copy.audit()
        #expect(report.has(.checkpointSignature, size: 400))
        #expect(report.findingCount == 1)
    }

    @Test func aRollbackIsFoundOnlyAgainstAWitnessedCheckpoint() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let ledger = try copy.open()
        let size = try ledger.size()
        let witnessed = try ledger.latestCheckpoint()
        ledger.close()
        try copy.tamper { txn, s in
            let leaves = try allLeaves(txn, s)
            try rewriteLog(Array(leaves.prefix(Int(size) - 10)), txn, s)
            for k in (size - 9)...size { _ = try txn.delete(s.checkpoints, key: key(k)) }
        }
        // The rolled-back ledger is consistent in itself …
        #expect(try await copy.audit().findings == [])
        // … but not with the checkpoint the Inspektorat holds.
        let report = try await copy.audit { $0.trusted = witnessed }
        #expect(report.has(.consistency, at: size - 10, size: size))
        #expect(report.findingCount == 1)
    }

    @Test func aForkIsFoundAgainstAWitnessedCheckpoint() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        let ledger = try copy.open()
        let witnessed = try #require(try ledger.checkpoint(size: 700))
        ledger.close()
        try copy.tamper { txn, s in
            var leaves = try allLeaves(txn, s)
            leaves.swapAt(100, 101)
            try rewriteLog(leaves, txn, s)
        }
        let report = try await copy.audit { $0.trusted = witnessed }
        #expect(report.has(.consistency, size: 700))
        #expect(firstBadCheckpoint(report) == 101)
    }

    @Test func aRepeatedEventIsFoundAsADuplicateID() async throws {
        let copy = try await LedgerCopy.make()
        defer { copy.cleanUp() }
        var size: UInt64 = 0
        try copy.tamper { txn, s in
            var leaves = try allLeaves(txn, s)
            size = UInt64(leaves.count)
            let last = try #require(leaves.last)
            leaves.append(try leaf(like: last, envelope: try LogEntry(index: 200, leaf: leaves[200]).signedEvent.jsonBytes))
            try rewriteLog(leaves, txn, s)
        }
        let report = try await copy.audit()
        let dup = try #require(report.findings.first { $0.rule == AuditRule.duplicateEventID.rawValue })
        #expect(dup.index == size && dup.message.contains("entries 200 and \(size)"))
    }

    // MARK: Helpers

    /// The smallest checkpoint size with a root finding.
    func firstBadCheckpoint(_ report: AuditReport) -> UInt64? {
        report.findings.filter { $0.rule == AuditRule.checkpointRoot.rawValue }.compactMap(\.checkpointSize).min()
    }
}

func indexOf(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) {
        return i + needle.count
    }
    return nil
}

/// The copy's read models, built, then changed by `edit` as someone with the file could; their path.
func editedReadModels<T: Sendable>(_ copy: LedgerCopy, _ edit: @escaping @Sendable (GRDB.Database) throws -> T) async throws -> (path: String, edited: T) {
    let path = copy.temp.file("read-models.sqlite")
    try await buildReadModels(copy, path)
    let db = try ReadModelDatabase.openForWriting(path: path)
    let edited = try await db.write(edit)
    try db.close()
    return (path, edited)
}

func buildReadModels(_ copy: LedgerCopy, _ path: String) async throws {
    let ledger = try copy.open()
    let db = try ReadModelDatabase.openForWriting(path: path)
    let runner = try ProjectionRunner(ledger: ledger, database: db, projections: ReadModels.builtIn())
    try await runner.catchUp()
    try db.close()
}
