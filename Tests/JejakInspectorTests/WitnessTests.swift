import Foundation
import Jejak
import JejakCrypto
import JejakInspector
import JejakWitness
import JejakTestSupport
import JejakTlog
import Synchronization
import Testing

/// A real ledger (LMDB, libsodium) open for writing, and a witness with its own state directory.
private struct WitnessScenario: Sendable {
    static let origin = "witness-test.jejak.kpu.go.id/ledger"
    static let time: UInt64 = 1_780_000_000
    let dir: TemporaryDirectory
    let ledger: Ledger
    let authority: RegistryAuthority
    let witness: Witness

    static func make() async throws -> WitnessScenario {
        let dir = TemporaryDirectory("witness", create: false)
        try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true)
        let authorityKey = try SignerKey.generate(name: "witness-test.jejak.kpu.go.id/authority")
        var options = Ledger.Options()
        options.durable = false
        let ledger = try await Ledger.create(at: dir.path + "/ledger", origin: origin, authorityKey: authorityKey, options: options)
        let witness = try Witness.initialize(stateDirectory: dir.path + "/witness", name: "inspektorat.kpu.go.id/witness",
                                             clock: { WitnessScenario.time })
        try witness.trust(log: ledger.logKey)
        return WitnessScenario(dir: dir, ledger: ledger, authority: RegistryAuthority(key: authorityKey), witness: witness)
    }

    /// Appends `n` entries (unit registrations) in one commit.
    func grow(by n: Int) async throws {
        let events = try (0..<n).map { _ in
            let id = "unit-" + UUID().uuidString.prefix(8).lowercased()
            return try authority.registerUnit(id, name: id.uppercased(), role: .biro)
        }
        _ = try await ledger.append(events)
    }

    /// The log key, read from DIR/log.key as an attacker with the files would.
    func logKey() throws -> SignerKey {
        try KeyFile.read(from: ledger.directory.logKey)
    }

    /// The witness's record of the last cosigned checkpoint.
    var statePath: String {
        witness.stateDirectory + "/logs/\(SHA256Digest.hash(Array(Self.origin.utf8)).hex)/checkpoint"
    }

    /// The bytes of the witness's record of the last cosigned checkpoint (nil if none).
    func stateBytes() -> Data? {
        FileManager.default.contents(atPath: statePath)
    }

    /// A checkpoint of `size` with another root, signed with the ledger's log key.
    func forged(size: UInt64) throws -> SignedCheckpoint {
        let root = SHA256Digest.hash(Array("forged \(size)".utf8))
        return try SignedCheckpoint.sign(Checkpoint(origin: Self.origin, size: size, rootHash: root), with: logKey())
    }
}

private func expectRefusal(_ code: WitnessError.Code, _ scenario: WitnessScenario, _ body: () throws -> Void,
                           sourceLocation: SourceLocation = #_sourceLocation) {
    let before = scenario.stateBytes()
    do {
        try body()
        Issue.record("expected a \(code) refusal", sourceLocation: sourceLocation)
    } catch let e as WitnessError {
        #expect(e.code == code, "\(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
    #expect(scenario.stateBytes() == before, "a refusal leaves the witness's state as it was", sourceLocation: sourceLocation)
}

@Suite struct WitnessTests {
    @Test func cosignGrowsWithTheLog() async throws {
        let s = try await WitnessScenario.make()
        #expect(s.witness.key.type == .cosignatureV1)
        let keyMode = try FileManager.default.attributesOfItem(atPath: s.witness.stateDirectory + "/witness.key")[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        #expect(try s.witness.lastCosigned(origin: WitnessScenario.origin) == nil)

        // First use (the log was trusted, nothing cosigned yet): the root is checked against the tree.
        #expect(s.witness.awaitsFirstUse(origin: WitnessScenario.origin))
        var cosigned = try s.witness.cosign(ledger: s.ledger)
        #expect(!s.witness.awaitsFirstUse(origin: WitnessScenario.origin))
        #expect(cosigned.checkpoint.size == 1)
        #expect(try s.witness.trustedLogKey(origin: WitnessScenario.origin) == s.ledger.logKey)
        for n in [1, 3, 8] {
            try await s.grow(by: n)
            let before = try s.witness.lastCosigned(origin: WitnessScenario.origin)?.checkpoint.size ?? 0
            cosigned = try s.witness.cosign(ledger: s.ledger)
            #expect(cosigned.checkpoint.size == before + UInt64(n))
            #expect(cosigned.checkpoint == (try s.ledger.latestCheckpoint().checkpoint))
            #expect(try s.witness.lastCosigned(origin: WitnessScenario.origin) == cosigned)
        }
        #expect(cosigned.checkpoint.size == 13)
        let line = try #require(cosigned.note.signatures.first { $0.matches(s.witness.key) })
        #expect(s.witness.key.cosignatureTimestamp(line.signature) == WitnessScenario.time)
        #expect(s.witness.key.verify(noteText: cosigned.note.text, signature: line.signature))

        // Cosigning the same size again is allowed (the same root) and stores no second line.
        _ = try s.witness.cosign(ledger: s.ledger)
        let stored = try #require(try s.ledger.checkpoint(size: 13))
        #expect(stored.note.signatures.count == 2)
    }

    @Test func theStoredCheckpointVerifiesUnderAPolicyRequiringTheWitness() async throws {
        let s = try await WitnessScenario.make()
        try await s.grow(by: 4)
        let policy = try s.ledger.addWitness(name: "inspektorat", key: s.witness.key)
        #expect(policy.quorum == "inspektorat")
        #expect(try s.ledger.policy() == policy, "DIR/policy is rewritten")

        // Before cosigning, the quorum is not met.
        #expect(throws: PolicyError.self) { try policy.verify(try s.ledger.latestCheckpoint()) }
        _ = try s.witness.cosign(ledger: s.ledger)

        // The writer's latest checkpoint and the stored one both carry the cosignature.
        let verified = try policy.verify(try s.ledger.latestCheckpoint())
        #expect(verified.cosigners == ["inspektorat"])
        #expect(verified.cosignatures.first?.timestamp == WitnessScenario.time)
        let stored = try #require(try s.ledger.checkpoint(size: 5))
        #expect(try policy.verify(stored).checkpoint.size == 5)
        // A receipt made now carries it too, so it verifies offline under the policy.
        let receipt = try s.ledger.receipt(index: 4)
        let entry = try s.ledger.entry(at: 4)
        _ = try receipt.verify(entry.signedEvent, policy: policy)

        // The ledger keeps appending after the cosignature was stored beside its writer.
        try await s.grow(by: 2)
        #expect(throws: PolicyError.self) { try policy.verify(try s.ledger.latestCheckpoint()) }
        _ = try s.witness.cosign(ledger: s.ledger)
        #expect(try policy.verify(try s.ledger.latestCheckpoint()).checkpoint.size == 7)
    }

    @Test func refusesASmallerCheckpoint() async throws {
        let s = try await WitnessScenario.make()
        try await s.grow(by: 2)
        _ = try s.witness.cosign(ledger: s.ledger)  // size 3
        try await s.grow(by: 2)
        _ = try s.witness.cosign(ledger: s.ledger)  // size 5
        let older = try #require(try s.ledger.checkpoint(size: 3))
        expectRefusal(.rollback, s) { _ = try s.witness.cosign(checkpoint: older, proof: []) }
    }

    @Test func refusesAForkedCheckpoint() async throws {
        let s = try await WitnessScenario.make()
        try await s.grow(by: 4)
        _ = try s.witness.cosign(ledger: s.ledger)  // size 5
        let fork = try s.forged(size: 5)
        expectRefusal(.fork, s) { _ = try s.witness.cosign(checkpoint: fork, proof: []) }
        // The ledger refuses to store a cosignature on another text for that size.
        let cosignedFork = try fork.cosigned(by: try SignerKey.generate(name: "w", type: .cosignatureV1), timestamp: 1)
        #expect(throws: LedgerError.self) { try s.ledger.addCosignatures(cosignedFork) }
    }

    @Test func refusesAnInconsistentCheckpoint() async throws {
        let s = try await WitnessScenario.make()
        try await s.grow(by: 2)
        _ = try s.witness.cosign(ledger: s.ledger)  // size 3
        try await s.grow(by: 5)                      // size 8
        let proof = try s.ledger.consistencyProof(from: 3, to: 8)
        // A larger checkpoint signed by the log key, but with a root the proof doesn't lead to.
        let forged = try s.forged(size: 8)
        expectRefusal(.inconsistent, s) { _ = try s.witness.cosign(checkpoint: forged, proof: proof) }
        // The real checkpoint with a damaged proof, a proof of the wrong length, or none.
        let real = try #require(try s.ledger.checkpoint(size: 8))
        var damaged = proof
        damaged[0] = SHA256Digest.hash(Array("x".utf8))
        expectRefusal(.inconsistent, s) { _ = try s.witness.cosign(checkpoint: real, proof: damaged) }
        expectRefusal(.inconsistent, s) { _ = try s.witness.cosign(checkpoint: real, proof: proof.dropLast()) }
        expectRefusal(.inconsistent, s) { _ = try s.witness.cosign(checkpoint: real, proof: []) }
        // The right proof is accepted.
        #expect(try s.witness.cosign(checkpoint: real, proof: proof).checkpoint.size == 8)
    }

    @Test func refusesACheckpointSignedByAnotherKey() async throws {
        let s = try await WitnessScenario.make()
        _ = try s.witness.cosign(ledger: s.ledger)  // size 1
        try await s.grow(by: 2)
        let real = try #require(try s.ledger.checkpoint(size: 3))
        let proof = try s.ledger.consistencyProof(from: 1, to: 3)

        // The same checkpoint signed by another key under the log's name.
        let impostor = try SignerKey.generate(name: WitnessScenario.origin)
        let byImpostor = try SignedCheckpoint.sign(real.checkpoint, with: impostor)
        expectRefusal(.missingLogSignature, s) { _ = try s.witness.cosign(checkpoint: byImpostor, proof: proof) }

        // A line with the log key's name and id whose signature is wrong.
        let logLine = try #require(real.note.signatures.first)
        var bad = logLine.signature
        bad[0] ^= 1
        let tampered = try SignedCheckpoint(note: SignedNote(
            text: real.note.text, signatures: [try NoteSignature(name: logLine.name, keyID: logLine.keyID, signature: bad)]))
        expectRefusal(.invalidLogSignature, s) { _ = try s.witness.cosign(checkpoint: tampered, proof: proof) }

        // A log the witness does not know.
        let other = try SignerKey.generate(name: "other.example/log")
        let unknown = try SignedCheckpoint.sign(Checkpoint(origin: "other.example/log", size: 0, rootHash: Merkle.emptyRoot), with: other)
        expectRefusal(.unknownLog, s) { _ = try s.witness.cosign(checkpoint: unknown, proof: []) }

        // The ledger's own checkpoint, with the impostor's line beside the real one, is cosigned
        // with the impostor's line dropped.
        let both = try SignedCheckpoint(note: real.note.adding(try #require(byImpostor.note.signatures.first)))
        let cosigned = try s.witness.cosign(checkpoint: both, proof: proof)
        #expect(cosigned.note.signatures.count == 2)
        #expect(cosigned.note.signatures.first == logLine)
    }

    @Test func concurrentCosignersNeverRollTheStateBack() async throws {
        let s = try await WitnessScenario.make()
        // A second witness on the same state directory, as another process would be.
        let second = try Witness(stateDirectory: s.witness.stateDirectory)
        let results = Mutex<[Result<UInt64, WitnessError>]>([])
        let done = Mutex(false)
        // Four cosigners race each other and the appends until the log stops growing.
        let cosigners = Task.detached {
            DispatchQueue.concurrentPerform(iterations: 4) { i in
                let witness = i.isMultiple(of: 2) ? s.witness : second
                var last = false
                while !last {
                    last = done.withLock { $0 }
                    let result: Result<UInt64, WitnessError>
                    do throws(WitnessError) { result = .success(try witness.cosign(ledger: s.ledger).checkpoint.size) } catch {
                        result = .failure(error)
                    }
                    results.withLock { $0.append(result) }
                }
            }
        }
        for _ in 0..<12 { try await s.grow(by: 1) }
        done.withLock { $0 = true }
        await cosigners.value
        let all = results.withLock { $0 }
        let sizes = all.compactMap { try? $0.get() }
        for case .failure(let e) in all {
            #expect(e.code == .rollback, "a cosigner that lost the race is refused as a rollback, nothing else: \(e)")
        }
        let largest = try #require(sizes.max())
        #expect(largest == 13, "the last round of cosigners saw the final size")
        #expect(try s.witness.lastCosigned(origin: WitnessScenario.origin)?.checkpoint.size == largest)
        let stored = try #require(try s.ledger.checkpoint(size: largest))
        #expect(stored.note.signatures.contains { $0.matches(s.witness.key) })
    }

    @Test func aWitnessIsOpenedFromItsStateAndKeepsItsKey() async throws {
        let s = try await WitnessScenario.make()
        _ = try s.witness.cosign(ledger: s.ledger)
        let reopened = try Witness(stateDirectory: s.witness.stateDirectory)
        #expect(reopened.key == s.witness.key)
        #expect(try reopened.lastCosigned(origin: WitnessScenario.origin)?.checkpoint.size == 1)
        #expect(throws: WitnessError.self) {
            _ = try Witness.initialize(stateDirectory: s.witness.stateDirectory, name: "again")
        }
        #expect(throws: WitnessError.self) { try reopened.trust(log: try SignerKey.generate(name: WitnessScenario.origin).verifierKey) }
        try reopened.trust(log: s.ledger.logKey)  // the same key: nothing to do
        do {
            _ = try Witness(stateDirectory: s.dir.path + "/nowhere")
            Issue.record("opened a witness without state")
        } catch {
            #expect(error.code == .notInitialized)
        }
    }
}

/// A witness never forgets silently: a lost, damaged or rolled-back record is refused, and only
/// a checkpoint it cosigned itself brings it back.
@Suite struct WitnessStateTests {
    @Test func aLogTheWitnessWasNotToldToTrustIsUnknownWhateverTheLedgerSays() async throws {
        let dir = TemporaryDirectory("witness", create: false)
        try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true)
        let ledger = try await Ledger.create(at: dir.path + "/ledger", origin: WitnessScenario.origin,
                                             authorityKey: try SignerKey.generate(name: "a.test/authority"))
        let witness = try Witness.initialize(stateDirectory: dir.path + "/witness", name: "w.test/witness")
        // The ledger's policy lists its log key; the witness takes keys only from its operator.
        #expect(throws: WitnessError.self) { _ = try witness.cosign(ledger: ledger) }
        do { _ = try witness.cosign(ledger: ledger) } catch { #expect(error.code == .unknownLog, "\(error)") }
        try witness.trust(log: ledger.logKey)
        #expect(try witness.cosign(ledger: ledger).checkpoint.size == 1)
    }

    @Test func aDeletedRecordIsRefusedUntilTheOperatorSaysFirstUseOrRestoresIt() async throws {
        let s = try await WitnessScenario.make()
        try await s.grow(by: 2)
        _ = try s.witness.cosign(ledger: s.ledger)  // size 3
        try FileManager.default.removeItem(atPath: s.statePath)
        try await s.grow(by: 2)
        expectRefusal(.stateMissing, s) { _ = try s.witness.cosign(ledger: s.ledger) }
        let latest = try s.ledger.latestCheckpoint()
        expectRefusal(.stateMissing, s) { _ = try s.witness.cosign(checkpoint: latest, proof: []) }
        // Trusting the same key again does not make it a first use.
        try s.witness.trust(log: s.ledger.logKey)
        expectRefusal(.stateMissing, s) { _ = try s.witness.cosign(ledger: s.ledger) }
        // The ledger still holds the checkpoint of size 3 the witness cosigned: that restores the record.
        try s.witness.restore(from: try #require(try s.ledger.checkpoint(size: 3)))
        #expect(try s.witness.lastCosigned(origin: WitnessScenario.origin)?.checkpoint.size == 3)
        #expect(try s.witness.cosign(ledger: s.ledger).checkpoint.size == 5)
        // Only a checkpoint it cosigned can restore it, never an older one.
        expectRefusal(.rollback, s) { try s.witness.restore(from: try #require(try s.ledger.checkpoint(size: 3))) }
        let notCosigned = try #require(try s.ledger.checkpoint(size: 1))
        expectRefusal(.corruptState, s) { try s.witness.restore(from: notCosigned) }
    }

    @Test func aLogWhoseWholeStateIsDeletedIsNotANewLogWhenTrustedAgain() async throws {
        let s = try await WitnessScenario.make()
        try await s.grow(by: 2)
        _ = try s.witness.cosign(ledger: s.ledger)  // size 3
        let logDirectory = (s.statePath as NSString).deletingLastPathComponent
        try FileManager.default.removeItem(atPath: logDirectory)
        try await s.grow(by: 1)
        // The key went with the directory; the list of origins ever trusted did not.
        expectRefusal(.stateMissing, s) { _ = try s.witness.cosign(ledger: s.ledger) }
        try s.witness.trust(log: s.ledger.logKey)
        expectRefusal(.stateMissing, s) { _ = try s.witness.cosign(ledger: s.ledger) }
        try s.witness.restore(from: try #require(try s.ledger.checkpoint(size: 3)))
        #expect(try s.witness.cosign(ledger: s.ledger).checkpoint.size == 4)
    }

    @Test func restoreReplacesADamagedRecordButNotOneItCannotRead() async throws {
        let s = try await WitnessScenario.make()
        try await s.grow(by: 2)
        _ = try s.witness.cosign(ledger: s.ledger)  // size 3
        let three = try #require(try s.ledger.checkpoint(size: 3))
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: s.statePath))
        try s.witness.restore(from: three)
        #expect(try s.witness.lastCosigned(origin: WitnessScenario.origin)?.checkpoint.size == 3)
        // A record that can't be read at all (here a directory in its place) stops the restore.
        try FileManager.default.removeItem(atPath: s.statePath)
        try FileManager.default.createDirectory(atPath: s.statePath, withIntermediateDirectories: false)
        expectRefusal(.stateIO, s) { try s.witness.restore(from: three) }
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: s.statePath, isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    @Test func anAuditorReadsTheRecordWithoutThePrivateKey() async throws {
        let s = try await WitnessScenario.make()
        try await s.grow(by: 2)
        let cosigned = try s.witness.cosign(ledger: s.ledger)
        try FileManager.default.removeItem(atPath: s.witness.stateDirectory + "/witness.key")
        let read = try Witness.lastCosigned(stateDirectory: s.witness.stateDirectory, origin: WitnessScenario.origin)
        #expect(read == cosigned)
        #expect(try Witness.lastCosigned(stateDirectory: s.witness.stateDirectory, origin: "other.test/log") == nil)
        do {
            _ = try Witness.lastCosigned(stateDirectory: s.witness.stateDirectory + "/none", origin: WitnessScenario.origin)
            Issue.record("a directory without a witness was read")
        } catch { #expect(error.code == .notInitialized, "\(error)") }
    }

    @Test func aFirstUseIsTakenOnlyWhenSaidAndNotOverTheWitnessesOwnCosignature() async throws {
        let s = try await WitnessScenario.make()
        // The marker `trust` left is gone before any cosignature: refused until the operator says so.
        let marker = (s.statePath as NSString).deletingLastPathComponent + "/first-use"
        try FileManager.default.removeItem(atPath: marker)
        expectRefusal(.stateMissing, s) { _ = try s.witness.cosign(ledger: s.ledger) }
        #expect(try s.witness.cosign(ledger: s.ledger, firstUse: true).checkpoint.size == 1)
        // Record lost after cosigning: the ledger's checkpoint carries its cosignature, so a
        // claimed first use is caught all the same.
        try FileManager.default.removeItem(atPath: s.statePath)
        try await s.grow(by: 1)
        expectRefusal(.stateRolledBack, s) { _ = try s.witness.cosign(ledger: s.ledger, firstUse: true) }
    }

    @Test func aRecordRestoredFromAnOlderCopyIsCaughtByTheWitnessesOwnCosignature() async throws {
        let s = try await WitnessScenario.make()
        try await s.grow(by: 2)
        _ = try s.witness.cosign(ledger: s.ledger)  // size 3
        let old = try #require(s.stateBytes())
        try await s.grow(by: 3)
        _ = try s.witness.cosign(ledger: s.ledger)  // size 6, attached to the ledger
        try old.write(to: URL(fileURLWithPath: s.statePath))  // the record restored from a backup
        try await s.grow(by: 1)
        expectRefusal(.stateRolledBack, s) { _ = try s.witness.cosign(ledger: s.ledger) }
        // Submitted directly (no ledger to look at), a checkpoint already cosigned by it gives it away.
        let six = try #require(try s.ledger.checkpoint(size: 6))
        expectRefusal(.stateRolledBack, s) { _ = try s.witness.cosign(checkpoint: six, proof: try s.ledger.consistencyProof(from: 3, to: 6)) }
        try s.witness.restore(from: six)
        #expect(try s.witness.cosign(ledger: s.ledger).checkpoint.size == 7)
    }

    @Test func aDamagedOrForeignRecordIsCorruptState() async throws {
        let s = try await WitnessScenario.make()
        try await s.grow(by: 2)
        _ = try s.witness.cosign(ledger: s.ledger)
        // A checkpoint signed by the log but not cosigned by the witness, put in its place.
        let uncosigned = try #require(try s.ledger.checkpoint(size: 1))
        for content in [Data("garbage\n".utf8), Data(uncosigned.serialized.utf8), Data()] {
            try content.write(to: URL(fileURLWithPath: s.statePath))
            expectRefusal(.corruptState, s) { _ = try s.witness.cosign(ledger: s.ledger) }
        }
    }
}

@Suite struct LedgerCosignatureTests {
    @Test func addCosignaturesMergesLinesOnce() async throws {
        let s = try await WitnessScenario.make()
        try await s.grow(by: 2)
        let checkpoint = try s.ledger.latestCheckpoint()
        let w1 = try SignerKey.generate(name: "w1.example", type: .cosignatureV1)
        let w2 = try SignerKey.generate(name: "w2.example", type: .cosignatureV1)
        try s.ledger.addCosignatures(try checkpoint.cosigned(by: w1, timestamp: 10))
        try s.ledger.addCosignatures(try checkpoint.cosigned(by: w1, timestamp: 10))
        let stored = try s.ledger.addCosignatures(try checkpoint.cosigned(by: w2, timestamp: 20).cosigned(by: w1, timestamp: 10))
        #expect(stored.note.signatures.map(\.name) == [WitnessScenario.origin, "w1.example", "w2.example"])
        // An older cosignature by w1 doesn't replace its newer one; a newer one does.
        try s.ledger.addCosignatures(try checkpoint.cosigned(by: w1, timestamp: 5))
        var line = try #require(try s.ledger.checkpoint(size: 3)?.note.signatures.first { $0.matches(w1.verifierKey) })
        #expect(w1.verifierKey.cosignatureTimestamp(line.signature) == 10)
        try s.ledger.addCosignatures(try checkpoint.cosigned(by: w1, timestamp: 30))
        line = try #require(try s.ledger.checkpoint(size: 3)?.note.signatures.first { $0.matches(w1.verifierKey) })
        #expect(w1.verifierKey.cosignatureTimestamp(line.signature) == 30)
        #expect(try s.ledger.checkpoint(size: 3)?.note.signatures.count == 3)
        #expect(try s.ledger.latestCheckpoint() == (try s.ledger.checkpoint(size: 3)))
    }

    @Test func addCosignaturesRefusesWhatIsNotTheStoredCheckpoint() async throws {
        let s = try await WitnessScenario.make()
        try await s.grow(by: 2)
        let checkpoint = try s.ledger.latestCheckpoint()
        let before = try s.ledger.checkpoint(size: 3)
        let w = try SignerKey.generate(name: "w.example", type: .cosignatureV1)
        func refusal(_ code: LedgerError.Code, _ cosigned: SignedCheckpoint, sourceLocation: SourceLocation = #_sourceLocation) {
            do {
                try s.ledger.addCosignatures(cosigned)
                Issue.record("expected \(code)", sourceLocation: sourceLocation)
            } catch {
                #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            }
            #expect((try? s.ledger.checkpoint(size: 3)) == before, "nothing is written", sourceLocation: sourceLocation)
        }
        // Another text of the same size (a fork, validly signed with the log key).
        refusal(.checkpointMismatch, try s.forged(size: 3).cosigned(by: w, timestamp: 1))
        // The stored text, but signed by another key under the log's name.
        let impostor = try SignerKey.generate(name: WitnessScenario.origin)
        refusal(.checkpointMismatch, try SignedCheckpoint.sign(checkpoint.checkpoint, with: impostor).cosigned(by: w, timestamp: 1))
        refusal(.checkpointMismatch, try SignedCheckpoint(
            note: checkpoint.note.adding(try #require(SignedCheckpoint.sign(checkpoint.checkpoint, with: impostor).note.signatures.first))))
        // A size the ledger signed no checkpoint for.
        refusal(.notFound, try SignedCheckpoint.sign(Checkpoint(origin: WitnessScenario.origin, size: 99, rootHash: Merkle.emptyRoot),
                                                     with: s.logKey()))
        // A policy witness's line that does not verify.
        try s.ledger.addWitness(name: "w", key: w.verifierKey)
        let good = try #require(try checkpoint.cosigned(by: w, timestamp: 1).note.signatures.last)
        var sig = good.signature
        sig[20] ^= 1
        refusal(.invalidCosignature, try SignedCheckpoint(
            note: checkpoint.note.adding(try NoteSignature(name: good.name, keyID: good.keyID, signature: sig))))
    }

    @Test func aReadOnlyLedgerTakesCosignaturesOnlyWhenOpenedForCosigning() async throws {
        let dir = TemporaryDirectory("witness", create: false)
        try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true)
        let path = dir.path + "/ledger"
        let authorityKey = try SignerKey.generate(name: "witness-test.jejak.kpu.go.id/authority")
        // One LMDB environment per process at a time: the writing ledger is gone before the
        // others open.
        let checkpoint = try await { () async throws -> SignedCheckpoint in
            let ledger = try await Ledger.create(at: path, origin: WitnessScenario.origin, authorityKey: authorityKey)
            ledger.close()
            return try ledger.latestCheckpoint()
        }()
        let w = try SignerKey.generate(name: "w.example", type: .cosignatureV1)
        do {
            var options = Ledger.Options()
            options.readOnly = true
            let readOnly = try Ledger(opening: path, options: options)
            #expect(throws: LedgerError.self) { try readOnly.addCosignatures(try checkpoint.cosigned(by: w, timestamp: 1)) }
            #expect(throws: LedgerError.self) { try readOnly.addWitness(name: "w", key: w.verifierKey) }
        }
        var options = Ledger.Options()
        options.readOnly = true
        options.cosigning = true
        let cosigning = try Ledger(opening: path, options: options)
        let stored = try cosigning.addCosignatures(try checkpoint.cosigned(by: w, timestamp: 1))
        #expect(stored.note.signatures.count == 2)
        #expect(try cosigning.latestCheckpoint() == stored)
        #expect(try cosigning.addWitness(name: "w", key: w.verifierKey).quorum == "w")
        do {
            let authority = RegistryAuthority(key: authorityKey)
            _ = try await cosigning.append(try authority.registerUnit("u", name: "U", role: .biro))
            Issue.record("a cosigning ledger appended")
        } catch {
            #expect(error.code == .notWritable)
        }
    }

    @Test func addWitnessRewritesThePolicy() async throws {
        let s = try await WitnessScenario.make()
        let w1 = try SignerKey.generate(name: "w1.example", type: .cosignatureV1)
        let w2 = try SignerKey.generate(name: "w2.example", type: .cosignatureV1)
        var policy = try s.ledger.addWitness(name: "inspektorat", key: w1.verifierKey)
        #expect(policy.logs.map(\.key) == [s.ledger.logKey])
        #expect(policy.witnesses.map(\.key) == [w1.verifierKey] && policy.quorum == "inspektorat")
        // The same name again replaces the key; another name becomes the quorum.
        policy = try s.ledger.addWitness(name: "inspektorat", key: w2.verifierKey)
        #expect(policy.witnesses.map(\.key) == [w2.verifierKey])
        policy = try s.ledger.addWitness(name: "backup", key: w1.verifierKey)
        #expect(policy.witnesses.map(\.name) == ["inspektorat", "backup"] && policy.quorum == "backup")
        #expect(try s.ledger.policy() == policy)
        let text = try String(contentsOfFile: s.ledger.directory.policy, encoding: .utf8)
        #expect(text.hasPrefix("# Jejak trust policy"))
        // Refused: not a cosignature key; a key already listed under another name.
        for (name, key) in [("x", try SignerKey.generate(name: "x").verifierKey), ("y", w2.verifierKey)] {
            do {
                try s.ledger.addWitness(name: name, key: key)
                Issue.record("added \(name)")
            } catch {
                #expect(error.code == .invalidWitness)
            }
        }
        #expect(try s.ledger.policy() == policy, "a refused witness leaves the policy as it was")
    }
}
