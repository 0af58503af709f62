import Foundation
import Jejak
import JejakCrypto
import JejakTlog
import Testing

@testable import JejakInspector

/// An export verifies offline; each way of tampering with one is refused with the location.
@Suite("Offline verification of exports")
struct ExportVerifierTests {
    struct Exported {
        let copy: LedgerCopy
        let dir: String
        let policy: TlogPolicy
        let size: UInt64
        var log: TiledLog { TiledLog(directory: dir) }

        func verify(authority: VerifierKey? = nil, policy: TlogPolicy? = nil) throws -> AuditReport {
            try ExportVerifier(directory: dir, policy: policy ?? self.policy,
                               authority: authority ?? copy.master.authorityKey.verifierKey,
                               validator: try domainValidator.get()).verify()
        }

        /// Rewrites the entry bundle holding entry `index` with `change` applied to its entries.
        func editBundle(of index: UInt64, _ change: (inout [[UInt8]]) throws -> Void) throws {
            let tile = try #require(Tiles.entryBundle(index: index / 256, treeSize: size))
            var entries = try log.entries(tile)
            try change(&entries)
            try Data(try Tiles.encodeEntryBundle(entries)).write(to: URL(fileURLWithPath: log.filePath(tile.path)))
        }
    }

    func exported() async throws -> Exported {
        let copy = try await LedgerCopy.make()
        let ledger = try copy.open()
        let dir = copy.temp.file("export")
        let summary = try ledger.export(to: dir)
        let policy = try ledger.policy()
        ledger.close()
        return Exported(copy: copy, dir: dir, policy: policy, size: summary.size)
    }

    @Test func anExportVerifiesOfflineWithZeroFindings() async throws {
        let e = try await exported()
        defer { e.copy.cleanUp() }
        let report = try e.verify()
        #expect(report.findings == [])
        #expect(report.auditedTo == e.size && report.checkpointsChecked == 1)
        #expect(report.signaturesVerified > Int(e.size))
    }

    @Test func aFlippedByteInAnEntryBundleIsFoundAtThatEntry() async throws {
        let e = try await exported()
        defer { e.copy.cleanUp() }
        let target: UInt64 = 300
        try e.editBundle(of: target) { entries in
            var leaf = entries[Int(target % 256)]
            let at = try #require(indexOf(Array(#""payload":""#.utf8), in: leaf)) + 30
            leaf[at] = leaf[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            entries[Int(target % 256)] = leaf
        }
        let report = try e.verify()
        #expect(report.has(.entrySignature, at: target) || report.has(.eventFormat, at: target))
        #expect(report.has(.merkleNode, at: target))
        #expect(report.has(.checkpointRoot))
    }

    @Test func swappedEntriesAreFoundWhereTheyAre() async throws {
        let e = try await exported()
        defer { e.copy.cleanUp() }
        try e.editBundle(of: 520) { $0.swapAt(520 % 256, 521 % 256) }
        let report = try e.verify()
        #expect(report.has(.merkleNode, at: 520) && report.has(.merkleNode, at: 521))
        #expect(report.has(.checkpointRoot))
    }

    @Test func deletedEntriesAreFound() async throws {
        let e = try await exported()
        defer { e.copy.cleanUp() }
        let last = try #require(Tiles.entryBundle(index: (e.size - 1) / 256, treeSize: e.size))
        try FileManager.default.removeItem(atPath: e.log.filePath(last.path))
        let report = try e.verify()
        #expect(report.has(.checkpointSize, at: (e.size - 1) / 256 * 256))
    }

    @Test func anEntryReSignedWithAnotherUnitsKeyIsFoundAtThatEntry() async throws {
        let e = try await exported()
        defer { e.copy.cleanUp() }
        let target: UInt64 = 700
        try e.editBundle(of: target) { entries in
            let entry = try LogEntry(index: target, leaf: entries[Int(target % 256)])
            let other = try #require(e.copy.master.keys.first { $0.key != entry.event.source }?.value)
            entries[Int(target % 256)] = try leaf(like: entries[Int(target % 256)], envelope: SignedEvent.sign(entry.event, with: other).jsonBytes)
        }
        let report = try e.verify()
        #expect(report.has(.signerKey, at: target))
    }

    @Test func aForgedCheckpointOrAnotherAuthorityIsRefused() async throws {
        let e = try await exported()
        defer { e.copy.cleanUp() }
        // Another authority pinned: the genesis and every registry event fail.
        let stranger = try SignerKey.generate(name: "inspector.test/authority")
        let report = try e.verify(authority: stranger.verifierKey)
        #expect(report.has(.registryRule, at: 0) || report.has(.signerKey, at: 0))
        // A checkpoint signed by another key of the same name.
        let signed = try e.log.checkpoint()
        let impostor = try SignerKey.generate(name: signed.checkpoint.origin)
        try SignedCheckpoint.sign(signed.checkpoint, with: impostor).serialized
            .write(toFile: e.log.filePath("checkpoint"), atomically: true, encoding: .utf8)
        #expect(try e.verify().has(.checkpointSignature, size: e.size))
        // A policy that wants a witness which never cosigned.
        let witness = try SignerKey.generate(name: "inspektorat.test", type: .cosignatureV1)
        let strict = try TlogPolicy(parsing: "log \(try #require(e.policy.logs.first).key)\nwitness w \(witness.verifierKey)\nquorum w\n")
        try signed.serialized.write(toFile: e.log.filePath("checkpoint"), atomically: true, encoding: .utf8)
        #expect(try e.verify(policy: strict).has(.cosignature, size: e.size))
    }
}
