import Foundation
import Jejak
import JejakCrypto
import JejakJSON
import JejakStorage
import JejakTestSupport
import JejakTlog
import Synchronization
import Testing

@Suite struct LedgerTests {
    @Test func createWritesGenesisPolicyAndKeys() async throws {
        let f = try await LedgerFixture.make()
        #expect(try f.ledger.size() == 1)
        let genesis = try f.ledger.entry(at: 0)
        #expect(genesis.event.type == RegistryEvent.genesis)
        #expect(genesis.event.source == f.authority.key.name)
        #expect(genesis.event.data["log"] == .string(f.ledger.logKey.description))

        let policy = try f.ledger.policy()
        #expect(policy.logs.map(\.key) == [f.ledger.logKey])
        let receipt = try f.ledger.receipt(index: 0)
        try receipt.verify(genesis.signedEvent, policy: policy)

        let keyMode = try FileManager.default.attributesOfItem(atPath: f.ledger.directory.logKey)[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        let files = try FileManager.default.contentsOfDirectory(atPath: f.dir.path)
        #expect(!files.contains { $0.hasSuffix(".key") && $0 != "log.key" }, "the authority key is never written to the ledger directory: \(files)")
        for file in files where file != "store" {
            let text = (try? String(contentsOfFile: f.dir.path + "/" + file, encoding: .utf8)) ?? ""
            #expect(!SecretText.leaks(SecretText.secret(ofPrivateKey: f.authority.key.privateKeyString()), in: text), "\(file)")
        }

        await #expect(throws: LedgerError.self) {
            _ = try await Ledger.create(at: f.dir.path, origin: f.origin, authorityKey: f.authority.key)
        }
    }

    @Test func aUnitPublishesAndItsReceiptVerifiesOffline() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-keuangan")
        let publisher = UnitPublisher(key: key, ledger: f.ledger)
        let signed = try publisher.sign(type: "id.go.kpu.jejak.test.noted.v1", subject: "exchange/7", data: ["a": "b"])
        let receipt = try await f.ledger.append(signed)
        #expect(receipt.index == 3)
        #expect(receipt.eventID == signed.event.id)

        // Offline: only the receipt text, the signed event bytes and the policy file.
        let parsed = try Receipt(parsing: receipt.serialized, for: SignedEvent(json: signed.jsonBytes))
        #expect(parsed == receipt, "parsed for its event, a receipt is the one the ledger gave, its event id included")
        #expect(try Receipt(parsing: receipt.serialized, eventID: "other").eventID == "other")
        let policy = try TlogPolicy(parsing: try String(contentsOfFile: f.ledger.directory.policy, encoding: .utf8))
        let event = try SignedEvent(json: signed.jsonBytes)
        let verified = try parsed.verify(event, policy: policy)
        #expect(verified.checkpoint.size == 4)

        // The leaf the receipt rebuilds is exactly the stored leaf.
        #expect(try parsed.leaf(for: event) == (try f.ledger.entry(at: 3)).leaf)

        // A different event does not verify with this receipt.
        let other = try publisher.sign(type: "id.go.kpu.jejak.test.noted.v1", subject: "exchange/7", data: ["a": "c"])
        #expect(throws: (any Error).self) { try parsed.verify(other, policy: policy) }
    }

    @Test func idempotentRetryReturnsTheOriginalReceipt() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-umum")
        let signed = try f.event(key, id: "req-1")
        let first = try await f.ledger.append(signed)
        let size = try f.ledger.size()
        let again = try await f.ledger.append(signed)
        #expect(again.index == first.index)
        #expect(try f.ledger.size() == size)

        // The same id with other bytes is a conflict, and nothing is written.
        let changed = try f.event(key, id: "req-1", data: ["n": 2])
        let error = await #expect(throws: LedgerError.self) { try await f.ledger.append(changed) }
        #expect(error?.code == .eventIDConflict)
        #expect(error?.eventID == "req-1")
        #expect(try f.ledger.size() == size)
    }

    @Test func aMultiEventAppendIsAllOrNothing() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-hukum")
        let size = try f.ledger.size()
        let good1 = try f.event(key, id: "a1"), good2 = try f.event(key, id: "a2")
        let stranger = try SignerKey.generate(name: "not-registered")
        let bad = try f.event(stranger, id: "a3")
        let error = await #expect(throws: LedgerError.self) { try await f.ledger.append([good1, good2, bad]) }
        #expect(error?.code == .unknownSource)
        #expect(error?.position == 2)
        #expect(try f.ledger.size() == size)
        #expect(try f.ledger.entry(eventID: "a1") == nil)

        let receipts = try await f.ledger.append([good1, good2])
        #expect(receipts.map(\.index) == [size, size + 1])
    }

    @Test func streamVersionsAndExpectations() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-perencanaan")
        let s = "exchange/2026-000123"
        _ = try await f.ledger.append(try f.event(key, subject: s), expecting: .noStream)
        _ = try await f.ledger.append(try f.event(key, subject: s), expecting: .exactly(1))
        #expect(try f.ledger.streamVersion(s) == 2)

        let size = try f.ledger.size()
        let stale = await #expect(throws: LedgerError.self) {
            try await f.ledger.append(try f.event(key, subject: s), expecting: .exactly(1))
        }
        #expect(stale?.code == .streamVersionMismatch)
        #expect(stale?.actualVersion == 2)
        let exists = await #expect(throws: LedgerError.self) {
            try await f.ledger.append(try f.event(key, subject: s), expecting: .noStream)
        }
        #expect(exists?.actualVersion == 2)
        let mixed = await #expect(throws: LedgerError.self) {
            try await f.ledger.append([try f.event(key, subject: s), try f.event(key, subject: "exchange/other")], expecting: .exactly(2))
        }
        #expect(mixed?.code == .mixedStreams)
        #expect(try f.ledger.size() == size)

        let stream = try f.ledger.stream(s)
        #expect(stream.map(\.version) == [1, 2])
        #expect(stream.allSatisfy { $0.entry.event.subject == s })
    }

    @Test func keysAreJudgedByTheRegistryAsItStoodAtThatEntry() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-sdm")
        let before = try await f.ledger.append(try f.event(key))
        let revoked = try await f.ledger.append(try f.authority.revokeKey(key.verifierKey, reason: "laptop lost"))

        let error = await #expect(throws: LedgerError.self) { try await f.ledger.append(try f.event(key)) }
        #expect(error?.code == .keyNotActive)

        let record = try #require(try f.ledger.registry().key(hint: key.verifierKey.hint))
        #expect(record.isActive(at: before.index), "the earlier event was signed by a then-active key")
        #expect(!record.isActive(at: revoked.index + 1))
        #expect(record.revokedAt == revoked.index)

        // A new key works.
        let newKey = try SignerKey.generate(name: "biro-sdm")
        _ = try await f.ledger.append(try f.authority.addKey(newKey.verifierKey))
        _ = try await f.ledger.append(try f.event(newKey))
    }

    @Test func closeAndReopenKeepsEverything() async throws {
        let dir: TemporaryDirectory, key: SignerKey, size: UInt64, root: SHA256Digest
        do {
            let f = try await LedgerFixture.make(durable: true)
            key = try await f.unit("biro-keuangan")
            for i in 0..<10 { _ = try await f.ledger.append(try f.event(key, id: "e\(i)")) }
            size = try f.ledger.size()
            root = try f.ledger.latestCheckpoint().checkpoint.rootHash
            dir = f.dir
            f.ledger.close()
            let refused = await #expect(throws: LedgerError.self) { try await f.ledger.append(try f.event(key)) }
            #expect(refused?.code == .notWritable)
        }

        let reopened = try Ledger(opening: dir.path)
        #expect(try reopened.size() == size)
        #expect(try reopened.latestCheckpoint().checkpoint.rootHash == root)
        #expect(try reopened.registry().units["biro-keuangan"]?.role == .biro)
        let after = try UnitPublisher(key: key, ledger: reopened).sign(type: "id.go.kpu.jejak.test.noted.v1", subject: "exchange/1", data: [:], id: "after-reopen")
        let r = try await reopened.append(after)
        #expect(r.index == size)
        try r.verify(try #require(try reopened.entry(eventID: "after-reopen")).signedEvent, policy: try reopened.policy())
        let consistency = try reopened.consistencyProof(from: size, to: size + 1)
        try ConsistencyProof.verify(oldSize: size, newSize: size + 1, oldRoot: root,
                                    newRoot: try reopened.rootHash(size: size + 1), proof: consistency)
        reopened.close()
    }

    @Test func aSuppliedClockStampsEntriesAndNeverGoesBackwards() async throws {
        let dir = TemporaryDirectory(create: false)
        let times = Mutex([Int64(1_780_000_000_000), 1_790_000_000_000, 1_785_000_000_000])
        var options = Ledger.Options()
        options.durable = false
        options.clock = { LedgerTime(millisecondsSinceEpoch: times.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] }) }
        let authorityKey = try SignerKey.generate(name: "clock.test/authority")
        let ledger = try await Ledger.create(at: dir.path, origin: "clock.test/ledger", authorityKey: authorityKey, options: options)
        let authority = RegistryAuthority(key: authorityKey)
        _ = try await ledger.append(try authority.registerUnit("biro-a", name: "A", role: .biro))
        _ = try await ledger.append(try authority.registerUnit("biro-b", name: "B", role: .biro))
        let stamps = try ledger.entries(from: 0).map(\.appended.millisecondsSinceEpoch)
        #expect(stamps == [1_780_000_000_000, 1_790_000_000_000, 1_790_000_000_000],
                "the third commit's clock went back; its entry keeps the previous time")
        ledger.close()
    }

    @Test func aLedgerThatCannotBeOpenedSaysWhy() async throws {
        let nothing = TemporaryDirectory(create: false)
        let missing = #expect(throws: LedgerError.self) { _ = try Ledger(opening: nothing.path) }
        #expect(missing?.code == .ledgerDirectory)

        let dir: String
        let f = try await LedgerFixture.make()
        dir = f.dir.path
        f.ledger.close()

        // A log key others can read is refused: the ledger will not sign with it.
        chmod(dir + "/log.key", 0o644)
        let insecure = #expect(throws: LedgerError.self) { _ = try Ledger(opening: dir) }
        #expect(insecure?.code == .keyFile)
        chmod(dir + "/log.key", 0o600)

        // Damaged metadata is refused, not guessed around.
        try tamperWithFormat(store: dir + "/store")
        let damaged = #expect(throws: LedgerError.self) { _ = try Ledger(opening: dir) }
        #expect(damaged?.code == .corruptStore)
        _ = f
    }

    /// Overwrites the store's format marker, as damage or an unknown future format would.
    func tamperWithFormat(store: String) throws {
        let env = try Environment(path: store, databases: ["meta"])
        let meta = try env.database("meta")
        try env.write { txn in try txn.put(meta, key: Array("format".utf8), value: Array("something-else/9".utf8)) }
    }

    @Test func aSecondWriterIsRefused() async throws {
        let f = try await LedgerFixture.make()
        let error = #expect(throws: LedgerError.self) { _ = try Ledger(opening: f.dir.path) }
        #expect(error?.code == .ledgerBusy)
    }

    @Test func proofsForAnySizeVerify() async throws {
        let f = try await LedgerFixture.make()
        let key = try await f.unit("biro-umum")
        for i in 0..<40 { _ = try await f.ledger.append(try f.event(key, id: "p\(i)")) }
        let n = try f.ledger.size()
        for size in stride(from: UInt64(1), through: n, by: 7) {
            let root = try f.ledger.rootHash(size: size)
            for index in stride(from: UInt64(0), to: size, by: 5) {
                let proof = try f.ledger.inclusionProof(index: index, size: size)
                try InclusionProof.verify(leafHash: try f.ledger.entry(at: index).leafHash, index: index,
                                          size: size, proof: proof, root: root)
            }
            let proof = try f.ledger.consistencyProof(from: size, to: n)
            try ConsistencyProof.verify(oldSize: size, newSize: n, oldRoot: root,
                                        newRoot: try f.ledger.rootHash(size: n), proof: proof)
        }
        #expect(throws: LedgerError.self) { _ = try f.ledger.inclusionProof(index: n, size: n) }
        #expect(throws: LedgerError.self) { _ = try f.ledger.rootHash(size: n + 1) }
        #expect(throws: LedgerError.self) { _ = try f.ledger.consistencyProof(from: 0, to: n) }
        #expect(throws: LedgerError.self) { _ = try f.ledger.consistencyProof(from: 5, to: 4) }
    }
}
