import Foundation
import JejakCrypto
import Testing

@testable import JejakTlog

func proofError(_ body: () throws(TlogProofError) -> Void) -> TlogProofError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

@Suite("tlog-proof receipts")
struct TlogProofTests {
    static let leaves = (0..<37).map { Array("{\"entry\":\($0)}".utf8) }
    static let tree = MerkleTree(leafHashes: leaves.map { Merkle.leafHash($0) })

    /// A checkpoint of the first `size` leaves, signed by the log and cosigned by X1, X2, Y1
    /// (enough for the spec-structured policy).
    static func signedCheckpoint(size: UInt64) throws -> SignedCheckpoint {
        let cp = try Checkpoint(origin: TestKeys.origin, size: size, rootHash: tree.rootHash(size: size))
        var s = try SignedCheckpoint.sign(cp, with: TestKeys.log)
        for i in [0, 1, 3] { s = try s.cosigned(by: TestKeys.witnesses[i], timestamp: 1_750_000_000) }
        return s
    }

    static func receipt(index: UInt64, size: UInt64, extra: [UInt8]? = nil) throws -> TlogProof {
        TlogProof(
            extra: extra, index: index, inclusionProof: try tree.inclusionProof(index: index, size: size),
            checkpoint: try signedCheckpoint(size: size))
    }

    @Test("every receipt of a 37-leaf log round-trips and verifies")
    func roundTripAndVerify() throws {
        let policy = try TlogPolicy(parsing: specPolicyText)
        let size = UInt64(Self.leaves.count)
        let checkpoint = try Self.signedCheckpoint(size: size)
        for index in 0..<size {
            let extra: [UInt8]? = index % 3 == 0 ? nil : Array("ctx \(index)".utf8)
            let proof = TlogProof(
                extra: extra, index: index, inclusionProof: try Self.tree.inclusionProof(index: index, size: size),
                checkpoint: checkpoint)
            let text = proof.serialized
            #expect(text.hasPrefix("c2sp.org/tlog-proof@v1\n" + (extra == nil ? "index \(index)\n" : "extra ")))
            let parsed = try TlogProof(parsing: text)
            #expect(parsed == proof)
            #expect(parsed.serialized == text)
            let verified = try parsed.verify(leaf: Self.leaves[Int(index)], policy: policy)
            #expect(verified.cosigners == ["X1", "X2", "Y1"])
            #expect(verified.checkpoint.size == size)
            // The wrong leaf is refused.
            let wrong = proofError { () throws(TlogProofError) in
                _ = try parsed.verify(leaf: Self.leaves[Int((index + 1) % size)], policy: policy)
            }
            #expect(wrong?.code == .inclusionRejected)
            #expect(wrong?.proofError?.code == .rootMismatch)
        }
        // A one-leaf log: an empty inclusion proof, then the blank line.
        let single = try Self.receipt(index: 0, size: 1)
        #expect(single.serialized.hasPrefix("c2sp.org/tlog-proof@v1\nindex 0\n\n\(TestKeys.origin)\n1\n"))
        #expect(try TlogProof(parsing: single.serialized) == single)
        _ = try single.verify(leaf: Self.leaves[0], policy: policy)
        // An empty extra line is representable and round-trips.
        let emptyExtra = try Self.receipt(index: 2, size: 5, extra: [])
        #expect(emptyExtra.serialized.contains("\nextra \nindex 2\n"))
        #expect(try TlogProof(parsing: emptyExtra.serialized) == emptyExtra)
    }

    @Test("tampered receipts are refused")
    func tampered() throws {
        let policy = try TlogPolicy(parsing: specPolicyText)
        let good = try Self.receipt(index: 11, size: 30)
        let leaf = Self.leaves[11]
        _ = try good.verify(leaf: leaf, policy: policy)

        func code(_ p: TlogProof) -> (TlogProofError.Code?, String?) {
            let e = proofError { () throws(TlogProofError) in _ = try p.verify(leaf: leaf, policy: policy) }
            return (e?.code, e?.proofError?.code.description ?? e?.policyError?.code.description)
        }
        // Index.
        for index: UInt64 in [10, 12, 27, 30, 1000] {
            let p = TlogProof(index: index, inclusionProof: good.inclusionProof, checkpoint: good.checkpoint)
            #expect(code(p).0 == .inclusionRejected, "index \(index)")
        }
        #expect(code(TlogProof(index: 30, inclusionProof: good.inclusionProof, checkpoint: good.checkpoint)).1
            == "indexOutOfRange")
        // Proof hashes: each flipped, one dropped, one added, two swapped.
        for i in good.inclusionProof.indices {
            var hashes = good.inclusionProof
            var bytes = hashes[i].bytes
            bytes[31] ^= 0x80
            hashes[i] = try SHA256Digest(bytes: bytes)
            let p = TlogProof(index: 11, inclusionProof: hashes, checkpoint: good.checkpoint)
            #expect(code(p) == (.inclusionRejected, "rootMismatch"))
        }
        #expect(code(TlogProof(index: 11, inclusionProof: good.inclusionProof.dropLast(), checkpoint: good.checkpoint))
            == (.inclusionRejected, "wrongProofLength"))
        #expect(code(TlogProof(index: 11, inclusionProof: good.inclusionProof + [Merkle.emptyRoot], checkpoint: good.checkpoint))
            == (.inclusionRejected, "wrongProofLength"))
        #expect(code(TlogProof(index: 11, inclusionProof: good.inclusionProof.reversed(), checkpoint: good.checkpoint))
            == (.inclusionRejected, "rootMismatch"))
        // A validly signed and cosigned checkpoint of another size: the proof does not fit it.
        let other = TlogProof(index: 11, inclusionProof: good.inclusionProof, checkpoint: try Self.signedCheckpoint(size: 31))
        #expect(code(other).0 == .inclusionRejected)
        // The checkpoint text changed under its signatures.
        let text = good.serialized.replacingOccurrences(of: "\n\(TestKeys.origin)\n30\n", with: "\n\(TestKeys.origin)\n31\n")
        #expect(text != good.serialized)
        #expect(code(try TlogProof(parsing: text)) == (.policyRejected, "invalidLogSignature"))
        // The root changed under its signatures.
        let rootLine = good.checkpoint.checkpoint.rootHash.base64
        let otherRoot = try Self.tree.rootHash(size: 29).base64
        #expect(code(try TlogProof(parsing: good.serialized.replacingOccurrences(of: rootLine, with: otherRoot)))
            == (.policyRejected, "invalidLogSignature"))
        // The index changed in the text.
        #expect(code(try TlogProof(parsing: good.serialized.replacingOccurrences(of: "\nindex 11\n", with: "\nindex 12\n"))).0
            == .inclusionRejected)
        // Cosignatures stripped: the quorum fails.
        let logOnly = try SignedCheckpoint(
            note: SignedNote(text: good.checkpoint.note.text, signatures: [good.checkpoint.note.signatures[0]]))
        #expect(code(TlogProof(index: 11, inclusionProof: good.inclusionProof, checkpoint: logOnly))
            == (.policyRejected, "quorumNotMet"))
        // A policy that does not know the log.
        let stranger = try TlogPolicy(parsing: "log \(V.otherLog)\nquorum none\n")
        let e = proofError { () throws(TlogProofError) in _ = try good.verify(leaf: leaf, policy: stranger) }
        #expect(e?.policyError?.code == .unknownOrigin)
    }

    @Test("malformed receipts are refused")
    func malformed() throws {
        let good = try Self.receipt(index: 5, size: 9, extra: Array("x".utf8)).serialized
        let lines = good.components(separatedBy: "\n")
        let hash = lines[3]
        let checkpointPart = String(good[try #require(good.range(of: "\n\n")).upperBound...])
        func refused(_ text: String) -> TlogProofError.Code? {
            proofError { () throws(TlogProofError) in _ = try TlogProof(parsing: text) }?.code
        }
        #expect(try TlogProof(parsing: good).serialized == good)
        let cases: [(String, TlogProofError.Code)] = [
            ("", .malformedProof),
            ("c2sp.org/tlog-proof@v2\nindex 5\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1 \nindex 5\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\r\nindex 5\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\nindex 05\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\nindex -5\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\nindex  5\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\nindex\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\nextra eA==\n\n" + checkpointPart, .malformedProof),  // no index
            ("c2sp.org/tlog-proof@v1\nextra eA=\nindex 5\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\nextra eB==\nindex 5\n\n" + checkpointPart, .malformedProof),  // non-canonical
            ("c2sp.org/tlog-proof@v1\nextra\nindex 5\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\nindex 5\nextra eA==\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\nindex 5\n\(hash) \n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\nindex 5\n\(hash.dropLast(4))\n\n" + checkpointPart, .malformedProof),
            ("c2sp.org/tlog-proof@v1\nindex 5\n\(Base64.encode([UInt8](repeating: 1, count: 33)))\n\n" + checkpointPart,
             .malformedProof),
            ("c2sp.org/tlog-proof@v1\nindex 5\n" + String(repeating: hash + "\n", count: 65) + "\n" + checkpointPart,
             .malformedProof),
            ("c2sp.org/tlog-proof@v1\nindex 5\n\(hash)", .malformedProof),  // nothing after the proof
            ("c2sp.org/tlog-proof@v1\nindex 5\n\(hash)\n", .malformedProof),  // no blank line
            ("c2sp.org/tlog-proof@v1\nindex 5\n\n", .malformedCheckpoint),
            ("c2sp.org/tlog-proof@v1\nindex 5\n\n\n" + checkpointPart, .malformedCheckpoint),
            ("c2sp.org/tlog-proof@v1\nindex 5\n\n" + checkpointPart.replacingOccurrences(of: "\n9\n", with: "\n09\n"),
             .malformedCheckpoint),
            ("c2sp.org/tlog-proof@v1\nindex 5\n\n" + checkpointPart + "trailing", .malformedCheckpoint),
        ]
        for (text, expected) in cases {
            #expect(refused(text) == expected, "\(text.prefix(80))")
        }
        let bad = proofError { () throws(TlogProofError) in
            _ = try TlogProof(parsing: "c2sp.org/tlog-proof@v1\nindex 5\n\n" + checkpointPart.replacingOccurrences(of: "\n9\n", with: "\n09\n"))
        }
        #expect(bad?.checkpointError?.code == .invalidSize)
    }
}
