import JejakCrypto
import Testing

@testable import JejakTlog

/// Keys generated once per test process: a log key named after the origin and witness keys.
enum TestKeys {
    static let origin = "jejak.kpu.example/log"

    static func make(_ name: String, _ type: SignatureType) -> SignerKey {
        do {
            return try SignerKey.generate(name: name, type: type)
        } catch {
            fatalError("cannot generate a test key: \(error)")
        }
    }

    static let log = make(origin, .ed25519)
    static let otherLog = make("other.example/log", .ed25519)
    static let impostor = make(origin, .ed25519)  // same name, different key
    static let witnesses = (1...6).map { make("w\($0).example/witness", .cosignatureV1) }
}

func checkpointCode(_ body: () throws(CheckpointError) -> Void) -> CheckpointError.Code? {
    do {
        try body()
        return nil
    } catch {
        return error.code
    }
}

@Suite("tlog-checkpoint")
struct CheckpointTests {
    static let specRoot = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="

    @Test("the spec example parses and prints back exactly")
    func specExample() throws {
        let text = "example.com/behind-the-sofa\n20852163\n\(Self.specRoot)\n"
        let cp = try Checkpoint(noteText: text)
        #expect(cp.origin == "example.com/behind-the-sofa")
        #expect(cp.size == 20_852_163)
        #expect(cp.rootHash.base64 == Self.specRoot)
        #expect(cp.extensions.isEmpty)
        #expect(cp.text == text)
    }

    @Test("round trips, with and without extension lines, sizes 0 and 2^64-1")
    func roundTrip() throws {
        let root = Merkle.leafHash(Array("x".utf8))
        for (size, ext) in [(UInt64(0), [String]()), (1, []), (UInt64.max, ["ext one", "— two"]), (42, ["x"])] {
            let cp = try Checkpoint(origin: "example.com/log", size: size, rootHash: root, extensions: ext)
            let parsed = try Checkpoint(noteText: cp.text)
            #expect(parsed == cp)
            #expect(parsed.text == cp.text)
            #expect(cp.text.split(separator: "\n", omittingEmptySubsequences: false).count == 4 + ext.count)
        }
        let empty = try Checkpoint(noteText: "o\n0\n\(Merkle.emptyRoot.base64)\n")
        #expect(empty.size == 0 && empty.rootHash == Merkle.emptyRoot)
    }

    @Test("malformed checkpoint texts are refused with the rule they break", arguments: [
        ("o\n1\n\(specRoot)", CheckpointError.Code.malformedText),  // no final newline
        ("o\n1\n", .malformedText),  // two lines
        ("", .malformedText),
        ("\n1\n\(specRoot)\n", .malformedText),  // empty origin line
        ("o\n1\n\(specRoot)\n\n", .malformedText),  // empty extension line
        ("o\n1\n\(specRoot)\next\n\n", .malformedText),
        ("o\r\n1\n\(specRoot)\n", .malformedText),  // CR is a control character
        ("o\t\n1\n\(specRoot)\n", .malformedText),
        ("o\n01\n\(specRoot)\n", .invalidSize),
        ("o\n00\n\(specRoot)\n", .invalidSize),
        ("o\n+1\n\(specRoot)\n", .invalidSize),
        ("o\n-1\n\(specRoot)\n", .invalidSize),
        ("o\n 1\n\(specRoot)\n", .invalidSize),
        ("o\n1 \n\(specRoot)\n", .invalidSize),
        ("o\n1a\n\(specRoot)\n", .invalidSize),
        ("o\n١\n\(specRoot)\n", .invalidSize),  // Arabic-Indic digit one
        ("o\n18446744073709551616\n\(specRoot)\n", .invalidSize),  // 2^64
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", .invalidRootHash),  // non-canonical
        ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n", .invalidRootHash),  // no padding
        ("o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n", .invalidRootHash),  // URL-safe
        ("o\n1\n\(Base64.encode([UInt8](repeating: 7, count: 31)))\n", .invalidRootHash),
        ("o\n1\n\(Base64.encode([UInt8](repeating: 7, count: 33)))\n", .invalidRootHash),
        ("o\n1\n \(specRoot)\n", .invalidRootHash),
    ])
    func malformed(_ text: String, _ expected: CheckpointError.Code) {
        #expect(checkpointCode { () throws(CheckpointError) in _ = try Checkpoint(noteText: text) } == expected)
    }

    @Test("building refuses an empty origin, control characters and empty extensions")
    func buildRules() {
        let r = Merkle.emptyRoot
        #expect(checkpointCode { () throws(CheckpointError) in _ = try Checkpoint(origin: "", size: 0, rootHash: r) }
            == .invalidOrigin)
        #expect(checkpointCode { () throws(CheckpointError) in _ = try Checkpoint(origin: "a\nb", size: 0, rootHash: r) }
            == .invalidOrigin)
        #expect(checkpointCode { () throws(CheckpointError) in
            _ = try Checkpoint(origin: "a", size: 0, rootHash: r, extensions: [""])
        } == .invalidExtension)
        #expect(checkpointCode { () throws(CheckpointError) in
            _ = try Checkpoint(origin: "a", size: 0, rootHash: r, extensions: ["x\ny"])
        } == .invalidExtension)
    }

    @Test("signing, cosigning, printing and parsing a signed checkpoint")
    func signedCheckpoint() throws {
        let cp = try Checkpoint(origin: TestKeys.origin, size: 5, rootHash: Merkle.leafHash(Array("r".utf8)))
        let signed = try SignedCheckpoint.sign(cp, with: TestKeys.log)
        #expect(signed.checkpoint == cp)
        #expect(signed.note.text == cp.text)
        #expect(signed.note.signatures.count == 1)
        #expect(try signed.note.verify([TestKeys.log.verifierKey]) == [TestKeys.log.verifierKey])
        #expect(signed.serialized.hasPrefix(cp.text + "\n\u{2014} \(TestKeys.origin) "))

        let w = TestKeys.witnesses[0]
        let cosigned = try signed.cosigned(by: w, timestamp: 1_700_000_000)
        #expect(cosigned.note.signatures.count == 2)
        let line = try #require(cosigned.note.signatures.last)
        #expect(line.name == w.name && line.keyID == w.keyID)
        // Independent check of the tlog-cosignature v1 message: timestamp, then Ed25519 over
        // "cosignature/v1\ntime <t>\n" + checkpoint text.
        #expect(line.signature.count == 72)
        #expect(Array(line.signature.prefix(8)) == [0, 0, 0, 0, 0x65, 0x53, 0xF1, 0x00])
        let message = Array("cosignature/v1\ntime 1700000000\n\(cp.text)".utf8)
        #expect(w.verifierKey.publicKey.isValidSignature(Array(line.signature.dropFirst(8)), for: message))

        let parsed = try SignedCheckpoint(parsing: cosigned.serialized)
        #expect(parsed == cosigned)
        #expect(parsed.serialized == cosigned.serialized)
        #expect(try SignedCheckpoint(parsing: Array(cosigned.serialized.utf8)) == cosigned)

        // Re-cosigning by the same witness replaces its line.
        let again = try cosigned.cosigned(by: w, timestamp: 1_700_000_001)
        #expect(again.note.signatures.count == 2)
        #expect(again != cosigned)
    }

    @Test("signing and cosigning refuse the wrong keys")
    func signingRules() throws {
        let cp = try Checkpoint(origin: TestKeys.origin, size: 1, rootHash: Merkle.emptyRoot)
        #expect(checkpointCode { () throws(CheckpointError) in _ = try SignedCheckpoint.sign(cp, with: TestKeys.otherLog) }
            == .keyNameMismatch)
        let signed = try SignedCheckpoint.sign(cp, with: TestKeys.log)
        #expect(checkpointCode { () throws(CheckpointError) in _ = try signed.cosigned(by: TestKeys.otherLog, timestamp: 1) }
            == .wrongKeyType)
        #expect(checkpointCode { () throws(CheckpointError) in
            _ = try signed.cosigned(by: TestKeys.witnesses[0], timestamp: UInt64(Int64.max) + 1)
        } == .invalidTimestamp)
    }

    @Test("malformed signed checkpoints are refused")
    func malformedSigned() throws {
        let cp = try Checkpoint(origin: TestKeys.origin, size: 1, rootHash: Merkle.emptyRoot)
        let good = try SignedCheckpoint.sign(cp, with: TestKeys.log).serialized
        // No signature lines, no blank line, a broken signature line, not UTF-8.
        #expect(checkpointCode { () throws(CheckpointError) in _ = try SignedCheckpoint(parsing: cp.text + "\n") }
            == .malformedNote)
        #expect(checkpointCode { () throws(CheckpointError) in _ = try SignedCheckpoint(parsing: cp.text) }
            == .malformedNote)
        #expect(checkpointCode { () throws(CheckpointError) in
            _ = try SignedCheckpoint(parsing: good.replacingOccurrences(of: "\u{2014} ", with: "- "))
        } == .malformedNote)
        #expect(checkpointCode { () throws(CheckpointError) in
            _ = try SignedCheckpoint(parsing: Array(good.utf8) + [0xFF, 0x0A])
        } == .malformedNote)
        // A well-formed signed note whose text is not a checkpoint.
        let note = try SignedNote.sign(text: "hello\nworld\n", with: [TestKeys.log])
        #expect(checkpointCode { () throws(CheckpointError) in _ = try SignedCheckpoint(parsing: note.serialized) }
            == .malformedText)
        let bad = try SignedNote.sign(text: "o\n01\n\(Merkle.emptyRoot.base64)\n", with: [TestKeys.log])
        #expect(checkpointCode { () throws(CheckpointError) in _ = try SignedCheckpoint(note: bad) } == .invalidSize)
    }
}
