import Foundation
import Jejak
import JejakCrypto
import JejakJSON
import JejakTlog
import Testing

#if canImport(Glibc)
import Glibc
import JejakTestSupport
#endif

/// Faults of the ledger's environment: a missing, damaged or insecure key file, a second writer,
/// a creation that fails half-way, hostile names. Each is a typed error in one sentence, writes
/// nothing, and the ledger opens clean afterwards. (Disk full, read-only directories and a
/// second writer *process* run the real binary: see JejakCLITests/FaultCLITests.)
@Suite struct FaultTests {
    /// The entries of ``ledgerWithEntries()``: genesis, a unit and its key, three events.
    static let size: UInt64 = 6

    /// A closed ledger with a unit and a few entries; returns its fixture and the unit's key.
    func ledgerWithEntries() async throws -> (LedgerFixture, SignerKey) {
        let f = try await LedgerFixture.make(durable: true)
        let key = try await f.unit("biro-a")
        for n in 0..<3 { _ = try await f.ledger.append(try f.event(key, subject: "exchange/\(n)")) }
        #expect(try f.ledger.size() == Self.size)
        f.ledger.close()
        return (f, key)
    }

    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    /// Opening for writing fails with `code`, in one sentence, and leaves the store's bytes as
    /// they were; a read-only open still works.
    func expectOpenRefused(_ f: LedgerFixture, _ code: LedgerError.Code, mentioning: String? = nil,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
        let store = f.dir.path + "/store/data.mdb"
        let before = bytes(store)
        do {
            _ = try Ledger(opening: f.dir.path)
            Issue.record("the ledger opened for writing", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            #expect(!error.message.isEmpty && !error.message.contains("\n"), "\(error.message)", sourceLocation: sourceLocation)
            if let mentioning {
                #expect(error.message.contains(mentioning), "\(error.message)", sourceLocation: sourceLocation)
            }
        }
        #expect(bytes(store) == before, "the store changed", sourceLocation: sourceLocation)
        var options = Ledger.Options()
        options.readOnly = true
        #expect(try Ledger(opening: f.dir.path, options: options).size() == Self.size, sourceLocation: sourceLocation)
    }

    /// The ledger opens for writing, holds its entries, and takes an append.
    func expectReopensClean(_ f: LedgerFixture, _ key: SignerKey, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let ledger = try Ledger(opening: f.dir.path)
        defer { ledger.close() }
        #expect(try ledger.size() == Self.size, sourceLocation: sourceLocation)
        let event = try UnitPublisher(key: key, ledger: ledger).sign(
            type: "id.go.kpu.jejak.test.noted.v1", subject: "exchange/after", data: ["n": 1])
        let receipt = try await ledger.append(event)
        #expect(receipt.index == Self.size, sourceLocation: sourceLocation)
        _ = try receipt.verify(event, policy: try ledger.policy())
        for e in try ledger.entries(from: 0) {
            _ = try ledger.receipt(index: e.index).verify(e.signedEvent, policy: try ledger.policy())
        }
    }

    @Test func aMissingLogKeyIsRefusedAndTheLedgerReopensOnceItIsBack() async throws {
        let (f, key) = try await ledgerWithEntries()
        let keyPath = f.dir.path + "/log.key"
        try FileManager.default.moveItem(atPath: keyPath, toPath: keyPath + ".away")
        try expectOpenRefused(f, .keyFile, mentioning: "log.key")
        try FileManager.default.moveItem(atPath: keyPath + ".away", toPath: keyPath)
        try await expectReopensClean(f, key)
    }

    @Test func aDamagedLogKeyFileIsRefusedWithoutQuotingIt() async throws {
        let (f, key) = try await ledgerWithEntries()
        let keyPath = f.dir.path + "/log.key"
        let original = try #require(bytes(keyPath))
        let secret = String(decoding: original, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let secretTail = SecretText.secret(ofPrivateKey: secret)
        let another = try SignerKey.generate(name: f.origin)
        let witness = try SignerKey.generate(name: f.origin, type: .cosignatureV1)
        let damaged: [(String, Data)] = [
            ("empty", Data()),
            ("garbage", Data("not a key at all".utf8)),
            ("truncated", original.prefix(original.count / 2)),
            ("a flipped base64 character", Data(secret.replacingOccurrences(of: String(secretTail.prefix(4)), with: "AAAA").utf8)),
            ("NUL bytes", Data([0, 0, 0]) + original),
            ("invalid UTF-8", Data([0xFF, 0xFE]) + original),
            ("oversize", Data(repeating: 0x41, count: 10_000)),
            ("another key of the same name", Data(another.privateKeyString().utf8)),
            ("a cosignature key of the same name", Data(witness.privateKeyString().utf8)),
        ]
        for (what, content) in damaged {
            try FileManager.default.removeItem(atPath: keyPath)
            #expect(FileManager.default.createFile(atPath: keyPath, contents: content, attributes: [.posixPermissions: 0o600]))
            let store = f.dir.path + "/store/data.mdb"
            let before = bytes(store)
            do {
                _ = try Ledger(opening: f.dir.path)
                Issue.record("a log key file with \(what) was accepted")
            } catch {
                #expect(error.code == .keyFile, "\(what): \(error)")
                #expect(!error.message.isEmpty && !error.message.contains("\n"), "\(what): \(error.message)")
                #expect(!SecretText.leaks(secretTail, in: error.message), "\(what): the message quotes the private key")
                #expect(!SecretText.leaks(SecretText.secret(ofPrivateKey: another.privateKeyString()), in: error.message), "\(what): the message quotes a private key")
            }
            #expect(bytes(store) == before, "\(what): the store changed")
        }
        // A directory where the key file should be.
        try FileManager.default.removeItem(atPath: keyPath)
        try FileManager.default.createDirectory(atPath: keyPath, withIntermediateDirectories: false)
        try expectOpenRefused(f, .keyFile)
        try FileManager.default.removeItem(atPath: keyPath)

        #expect(FileManager.default.createFile(atPath: keyPath, contents: original, attributes: [.posixPermissions: 0o600]))
        try await expectReopensClean(f, key)
    }

    @Test func aKeyFileOthersCanReadIsRefusedWithTheFix() async throws {
        let (f, key) = try await ledgerWithEntries()
        let keyPath = f.dir.path + "/log.key"
        for mode in [0o640, 0o604, 0o644, 0o660, 0o700, 0o610] as [mode_t] {
            #expect(chmod(keyPath, mode) == 0)
            if mode & 0o077 != 0 {
                try expectOpenRefused(f, .keyFile, mentioning: "chmod 600")
            }
        }
        #expect(chmod(keyPath, 0o600) == 0)
        try await expectReopensClean(f, key)
    }

    @Test func keyFilesAreCreatedOwnerOnlyWhateverTheUmaskAndKeysNeverPrint() async throws {
        let old = umask(0)
        defer { umask(old) }
        let dir = TemporaryDirectory(create: false)
        let ledger = try await Ledger.create(at: dir.path, origin: "umask.jejak.local/ledger",
                                             authorityKey: try SignerKey.generate(name: "umask.jejak.local/authority"))
        ledger.close()
        for file in ["log.key"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: dir.path + "/" + file)
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(file)")
        }
        for file in ["store/data.mdb", "store/lock.mdb", "writer.lock"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: dir.path + "/" + file)
            #expect(((attributes[.posixPermissions] as? Int) ?? 0o777) & 0o077 == 0, "\(file)")
        }
        let key = try SignerKey.generate(name: "biro-a")
        let path = dir.path + "/unit.key"
        try KeyFile.write(key, to: path)
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)

        // Printing, interpolating or dumping a key never shows its secret.
        let secret = SecretText.secret(ofPrivateKey: key.privateKeyString())
        #expect(secret.utf8.count == 44, "the whole base64 seed, '+' and all")
        var dumped = ""
        dump(key, to: &dumped)
        for text in [String(describing: key), String(reflecting: key), "\(key)", dumped, "\([key])"] {
            #expect(!SecretText.leaks(secret, in: text) && !text.contains("PRIVATE"), "\(text)")
        }
    }

    @Test func aSecondWriterIsRefusedUntilTheFirstCloses() async throws {
        let (f, key) = try await ledgerWithEntries()
        let first = try Ledger(opening: f.dir.path)
        do {
            _ = try Ledger(opening: f.dir.path)
            Issue.record("a second writer opened the ledger")
        } catch {
            #expect(error.code == .ledgerBusy, "\(error)")
            #expect(error.message == "another process has this ledger open for writing; stop it, or open the ledger read-only")
        }
        // Readers are welcome beside the writer.
        var options = Ledger.Options()
        options.readOnly = true
        #expect(try Ledger(opening: f.dir.path, options: options).size() == Self.size)
        first.close()
        try await expectReopensClean(f, key)
    }

    @Test func aCreationThatFailsLeavesNothingBehind() async throws {
        // The log key is given but the authority key is refused only after the directory was
        // made; the directory must be gone, and a second attempt must work.
        let parent = TemporaryDirectory(create: false)
        try FileManager.default.createDirectory(atPath: parent.path, withIntermediateDirectories: false)
        let path = parent.path + "/ledger"
        let origin = "half.jejak.local/ledger"
        let badAuthority = try SignerKey.generate(name: origin)  // the origin's name: refused
        do {
            _ = try await Ledger.create(at: path, origin: origin, authorityKey: badAuthority)
            Issue.record("a creation with the authority named as the origin succeeded")
        } catch {
            #expect(error.code == .keyFile)
        }
        #expect(!FileManager.default.fileExists(atPath: path))

        // The store can't be created (a file where its directory goes): the keys, vkeys and
        // policy this call wrote are removed again, a file that was there before is kept.
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: path + "/store", contents: Data("in the way".utf8)))
        #expect(FileManager.default.createFile(atPath: path + "/README", contents: Data("kept".utf8)))
        let authorityKey = try SignerKey.generate(name: "authority.test")
        do {
            _ = try await Ledger.create(at: path, origin: origin, authorityKey: authorityKey)
            Issue.record("a creation over a file named store succeeded")
        } catch {
            #expect(error.code == .storage, "\(error)")
            #expect(!error.message.contains("\n"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).sorted() == ["README", "store"])
        try FileManager.default.removeItem(atPath: path + "/store")
        let ledger = try await Ledger.create(at: path, origin: origin, authorityKey: try SignerKey.generate(name: "authority.test"))
        #expect(try ledger.size() == 1)
        ledger.close()
    }

    @Test func aCreationKilledHalfWayIsRefusedAndStartedOverByTheNextOne() async throws {
        // A kill leaves the marker `Ledger.create` writes first and removes last. Two moments:
        // after the log key (no store yet), and after the genesis entry (a whole store).
        let parent = TemporaryDirectory(create: false)
        try FileManager.default.createDirectory(atPath: parent.path, withIntermediateDirectories: false)
        let origin = "killed.jejak.local/ledger"
        for moment in ["after the log key", "before the marker's removal"] {
            let dir = LedgerDirectory(path: parent.path + "/\(moment.count)")
            let first = try await Ledger.create(at: dir.path, origin: origin, authorityKey: try SignerKey.generate(name: "authority.test"))
            first.close()
            let oldKey = bytes(dir.logKey)
            #expect(FileManager.default.createFile(atPath: dir.incompleteMarker, contents: Data("x".utf8)))
            if moment == "after the log key" {
                for file in [dir.store + "/data.mdb", dir.store + "/lock.mdb", dir.writerLock, dir.policy,
                             dir.logVerifierKey, dir.authorityVerifierKey] {
                    try FileManager.default.removeItem(atPath: file)
                }
                try FileManager.default.removeItem(atPath: dir.store)
            }
            #expect(dir.isHalfCreated && !dir.exists, "\(moment)")
            for readOnly in [false, true] {
                do {
                    var options = Ledger.Options()
                    options.readOnly = readOnly
                    _ = try Ledger(opening: dir.path, options: options)
                    Issue.record("a half-created ledger opened (\(moment), read-only \(readOnly))")
                } catch {
                    #expect(error.code == .ledgerDirectory)
                    #expect(error.message.contains("creation was interrupted") && error.message.contains("jejak init"), "\(error)")
                }
            }
            let again = try await Ledger.create(at: dir.path, origin: origin, authorityKey: try SignerKey.generate(name: "authority.test"))
            #expect(try again.size() == 1, "\(moment)")
            #expect(!dir.isHalfCreated && dir.exists)
            #expect(bytes(dir.logKey) != oldKey, "the interrupted creation's key was kept")
            again.close()
            _ = try Ledger(opening: dir.path).close()
        }
    }

    @Test func namesFromEventsAndExportsNeverBecomePaths() async throws {
        // Hostile tile paths are refused by the parser (exports are read only through it).
        for path in ["../checkpoint", "/etc/passwd", "tile/../../etc/passwd", "tile/0/../000", "tile/entries/000/../../x",
                     "tile/0/x../000", "tile/0/000/", "tile//000", "tile/0/000.p/..", "tile/entries/x000/001"] {
            #expect(throws: TileError.self, "\(path)") { _ = try Tile(path: path) }
        }
        // Events with path-like subjects and ids, and an origin with dots and slashes: the
        // ledger's files stay in its directory, and an export holds only tlog-tiles paths.
        let parent = TemporaryDirectory(create: false)
        try FileManager.default.createDirectory(atPath: parent.path, withIntermediateDirectories: false)
        let authorityKey = try SignerKey.generate(name: "escape.test/authority")
        let ledger = try await Ledger.create(at: parent.path + "/ledger", origin: "../../escape/ledger", authorityKey: authorityKey)
        let authority = RegistryAuthority(key: authorityKey)
        _ = try await ledger.append(try authority.registerUnit("biro-a", name: "A", role: .biro))
        let key = try SignerKey.generate(name: "biro-a")
        _ = try await ledger.append(try authority.addKey(key.verifierKey))
        let publisher = UnitPublisher(key: key, ledger: ledger)
        for (n, subject) in ["exchange/../../../etc", "exchange/%2e%2e", "exchange/\u{0}x"].enumerated() {
            _ = try? await ledger.append(try publisher.sign(type: "id.go.kpu.jejak.test.noted.v1", subject: subject,
                                                            data: ["n": .number(JSONNumber(n))],
                                                            id: "../../id-\(n)"))
        }
        _ = try ledger.export(to: parent.path + "/export")
        ledger.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).sorted() == ["export", "ledger"])
        let files = FileManager.default.enumerator(atPath: parent.path + "/export")?.compactMap { $0 as? String } ?? []
        for file in files {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: parent.path + "/export/" + file, isDirectory: &isDir)
            if isDir.boolValue || file == "checkpoint" { continue }
            #expect(throws: Never.self, "\(file)") { _ = try Tile(path: file) }
        }
    }
}
