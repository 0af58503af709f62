import Foundation
import Jejak
import JejakCrypto
import JejakTlog
import Testing

@testable import JejakInspector

@Suite("Inspector: incremental audits")
struct IncrementalAuditTests {
    /// The copy with a few registry events appended after the scenario.
    func grown() async throws -> (LedgerCopy, SignedCheckpoint, UInt64) {
        let copy = try await LedgerCopy.make()
        let ledger = try copy.open(readOnly: false)
        let since = try #require(try ledger.checkpoint(size: 600))
        let authority = RegistryAuthority(key: copy.master.authorityKey)
        for i in 0..<5 {
            _ = try await ledger.append(try authority.registerUnit("biro-baru-\(i)", name: "Biro Baru \(i)", role: .biro))
        }
        let size = try ledger.size()
        ledger.close()
        return (copy, since, size)
    }

    @Test func anIncrementalAuditProvesConsistencyAndReplaysOnlyTheNewEntries() async throws {
        let (copy, since, size) = try await grown()
        defer { copy.cleanUp() }
        let report = try await copy.audit { $0.since = since }
        #expect(report.findings == [])
        #expect(report.mode == .incremental)
        #expect(report.auditedFrom == 600 && report.auditedTo == size)
        #expect(report.units.reduce(0) { $0 + $1.events } == Int(size - 600))
        let ledger = try copy.open()
        #expect(report.checkpointsChecked == (try ledger.checkpointSizes(from: 601)).count)
        // Its checkpoint starts the next one, which then has nothing to do.
        let next = try SignedCheckpoint(parsing: try #require(report.checkpoint))
        let again = try await copy.audit { $0.since = next }
        #expect(again.findings == [] && again.auditedFrom == size && again.auditedTo == size)
    }

    @Test func aNewEntryEditedAfterTheAuditedCheckpointIsFoundAtThatEntry() async throws {
        let (copy, since, _) = try await grown()
        defer { copy.cleanUp() }
        let target: UInt64 = 800
        try copy.tamper { txn, s in
            var leaves = try allLeaves(txn, s)
            let entry = try LogEntry(index: target, leaf: leaves[Int(target)])
            let text = String(decoding: entry.event.bytes, as: UTF8.self).replacingOccurrences(of: entry.event.id, with: "forged")
            let envelope = DSSEEnvelope(payloadType: CloudEvent.payloadType, payload: Array(text.utf8),
                                        signatures: entry.signedEvent.envelope.signatures)
            leaves[Int(target)] = try leaf(like: leaves[Int(target)], envelope: envelope.jsonBytes())
            try rewriteLog(leaves, txn, s)
        }
        let report = try await copy.audit { $0.since = since }
        #expect(report.has(.entrySignature, at: target))
        #expect(report.has(.consistency))
        #expect(report.auditedFrom == 600)
    }

    @Test func anOldEntryRewrittenBeforeTheAuditedCheckpointBreaksConsistency() async throws {
        let (copy, since, _) = try await grown()
        defer { copy.cleanUp() }
        try copy.tamper { txn, s in
            var leaves = try allLeaves(txn, s)
            leaves.swapAt(100, 101)
            try rewriteLog(leaves, txn, s)
        }
        let report = try await copy.audit { $0.since = since }
        #expect(report.verdict == .findings)
        #expect(report.has(.consistency, size: 600))
    }

    @Test func aCheckpointOfAnotherLogOrPolicyCannotStartAnAudit() async throws {
        let (copy, _, _) = try await grown()
        defer { copy.cleanUp() }
        let stranger = try SignerKey.generate(name: "other.test/ledger")
        let foreign = try SignedCheckpoint.sign(Checkpoint(origin: "other.test/ledger", size: 3, rootHash: Merkle.emptyRoot), with: stranger)
        await #expect(throws: InspectorError.self) { try await copy.audit { $0.since = foreign } }
        let policy = try TlogPolicy(parsing: "log \(stranger.verifierKey)\nquorum none\n")
        let error = await #expect(throws: InspectorError.self) { try await copy.audit { $0.policy = policy } }
        #expect(error?.code == .input)
    }

    @Test func aRollbackBelowTheAuditedCheckpointIsAFinding() async throws {
        let (copy, _, size) = try await grown()
        defer { copy.cleanUp() }
        let ledger = try copy.open()
        let latest = try ledger.latestCheckpoint()
        ledger.close()
        try copy.tamper { txn, s in
            try rewriteLog(Array(try allLeaves(txn, s).prefix(500)), txn, s)
            for k in 501...size { _ = try txn.delete(s.checkpoints, key: key(k)) }
        }
        let report = try await copy.audit { $0.since = latest }
        #expect(report.has(.consistency, size: size))
    }
}
