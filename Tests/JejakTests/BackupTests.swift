import Foundation
import Jejak
import JejakCrypto
import JejakTestSupport
import JejakTlog
import Testing

/// `Ledger.backup(to:)`: a hot copy taken while the ledger is appended to is the log at one
/// commit, opens as a ledger of its own, and a refused backup leaves nothing behind.
@Suite struct BackupTests {
    @Test func aCopyTakenWhileAppendingIsTheLogAtOneCommit() async throws {
        let f = try await LedgerFixture.make(durable: true)
        let key = try await f.unit("biro-a")
        let target = TemporaryDirectory("backup", create: false)
        let appending = Task {
            for i in 0..<60 {
                let batch = try (0..<5).map { try f.event(key, id: "e-\(i)-\($0)", subject: "exchange/\(i)") }
                _ = try await f.ledger.append(batch)
            }
        }
        try await Task.sleep(for: .milliseconds(20))
        let copy = try f.ledger.backup(to: target.path)
        try await appending.value

        var options = Ledger.Options()
        options.readOnly = true
        let restored = try Ledger(opening: copy.path, options: options)
        let size = try restored.size()
        let sizeNow = try f.ledger.size()
        #expect(size > 0 && size <= sizeNow)
        // The copy's latest checkpoint is one the original signed, and its entries are the
        // original's, byte for byte.
        let signed = try f.ledger.checkpoint(size: size)
        #expect(try restored.latestCheckpoint() == signed)
        for index in [0, size / 2, size - 1] {
            let original = try f.ledger.entry(at: index).leaf
            #expect(try restored.entry(at: index).leaf == original)
        }
        restored.close()

        // The private log key kept its mode; the copy opens for writing and appends.
        let mode = try FileManager.default.attributesOfItem(atPath: copy.logKey)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!FileManager.default.fileExists(atPath: target.path + ".partial"))
        let standby = try Ledger(opening: copy.path)
        defer { standby.close() }
        let receipt = try await standby.append(try f.event(key, id: "after-restore", subject: "exchange/after"))
        #expect(receipt.index == size)
    }

    @Test func aBackupOntoAnExistingDirectoryIsRefused() async throws {
        let f = try await LedgerFixture.make()
        let target = TemporaryDirectory("backup")
        let marker = target.path + "/keep"
        try Data("x".utf8).write(to: URL(fileURLWithPath: marker))
        let error = #expect(throws: LedgerError.self) { _ = try f.ledger.backup(to: target.path) }
        #expect(error?.code == .ledgerDirectory)
        #expect(FileManager.default.fileExists(atPath: marker))
        #expect(!FileManager.default.fileExists(atPath: target.path + "/store"))
        #expect(!FileManager.default.fileExists(atPath: target.path + ".partial"))
    }

    @Test func aStandbyPromotedFromABackupAndAnExportIsTheLogByteForByte() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-a")
        func append(_ batches: Range<Int>) async throws {
            for i in batches {
                let batch = try (0..<7).map { try f.event(key, id: "e-\(i)-\($0)", subject: "exchange/\(i)") }
                _ = try await f.ledger.append(batch)
            }
        }
        try await append(0..<3)
        let target = TemporaryDirectory("standby", create: false)
        let copy = try f.ledger.backup(to: target.path)
        let backedUp = try f.ledger.size()
        // A tail of several entry bundles, several commits each.
        try await append(3..<80)
        let export = TemporaryDirectory("tail")
        try f.ledger.export(to: export.path)
        let size = try f.ledger.size()
        #expect(size > backedUp + 2 * 256)

        let promotion = try await Ledger.promote(copy.path, tail: TiledLog(directory: export.path), witnessed: nil)
        #expect(promotion.backedUpSize == backedUp && promotion.restored == size - backedUp && promotion.size == size && promotion.witnessedSize == nil)
        var options = Ledger.Options()
        options.readOnly = true
        let standby = try Ledger(opening: copy.path, options: options)
        defer { standby.close() }
        #expect(try standby.latestCheckpoint().checkpoint.rootHash == f.ledger.latestCheckpoint().checkpoint.rootHash)
        #expect(try standby.leaves(from: 0, to: size, limit: Int(size)).map(\.leaf) == f.ledger.leaves(from: 0, to: size, limit: Int(size)).map(\.leaf))
    }
}
