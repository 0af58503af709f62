import JejakCrypto
import JejakTlog
import Testing

/// The c2sp.org/tlog-witness messages: a request body round-trips byte for byte; each malformed
/// body, size answer and cosignature answer is refused with the rule it breaks.
@Suite struct AddCheckpointTests {
    static func checkpoint() throws -> SignedCheckpoint {
        let key = try SignerKey.generate(name: "example.com/log")
        return try SignedCheckpoint.sign(Checkpoint(origin: "example.com/log", size: 2, rootHash: SHA256Digest.hash([1])), with: key)
    }

    @Test func aRequestRoundTrips() throws {
        let request = try AddCheckpointRequest(oldSize: 1, consistencyProof: [SHA256Digest.hash([2])], checkpoint: Self.checkpoint())
        let parsed = try AddCheckpointRequest(parsing: request.serialized)
        #expect(parsed == request && parsed.serialized == request.serialized)
    }

    @Test func malformedBodiesNameTheirRule() throws {
        let checkpoint = Array(try Self.checkpoint().serialized.utf8)
        let hash = Base64.encode(SHA256Digest.hash([2]).bytes)
        let cases: [(String, WitnessProtocolError.Code)] = [
            ("old 01\n\n", .malformedOldSize), ("older 1\n\n", .malformedOldSize), ("\n", .malformedOldSize),
            ("old 1\n\(hash.dropLast(2))\n\n", .malformedProofLine),
            ("old 1\n" + String(repeating: hash + "\n", count: 64) + "\n", .tooManyProofLines),
        ]
        for (prefix, code) in cases {
            let error = #expect(throws: WitnessProtocolError.self) { try AddCheckpointRequest(parsing: Array(prefix.utf8) + checkpoint) }
            #expect(error?.code == code, "\(prefix.prefix(40).debugDescription)")
        }
        let unseparated = #expect(throws: WitnessProtocolError.self) { try AddCheckpointRequest(parsing: Array("old 1\n".utf8)) }
        #expect(unseparated?.code == .malformedBody)
        let error = #expect(throws: WitnessProtocolError.self) { try AddCheckpointRequest(parsing: Array("old 1\n\nnot a checkpoint\n".utf8)) }
        #expect(error?.code == .malformedCheckpoint)
        #expect(throws: WitnessProtocolError.self) {
            try AddCheckpointRequest(oldSize: 0, consistencyProof: Array(repeating: SHA256Digest.hash([3]), count: 64), checkpoint: Self.checkpoint())
        }
    }

    @Test func theSizeAnswerIsOneDecimalAndANewline() throws {
        #expect(try TlogSize.parse(TlogSize.serialized(42)) == 42)
        for bad in ["42", "042\n", "-1\n", "\n", "4 2\n"] {
            let error = #expect(throws: WitnessProtocolError.self) { try TlogSize.parse(Array(bad.utf8)) }
            #expect(error?.code == .malformedSize)
        }
    }

    @Test func aCosignatureAnswerMustBeSignatureLines() throws {
        let checkpoint = try Self.checkpoint()
        for bad in ["", "no newline", "not a signature line\n"] {
            let error = #expect(throws: WitnessProtocolError.self) { try checkpoint.adding(cosignatureLines: Array(bad.utf8)) }
            #expect(error?.code == .malformedCosignatures, "\(bad.debugDescription)")
        }
        let witness = try SignerKey.generate(name: "w.example", type: .cosignatureV1)
        let cosigned = try checkpoint.cosigned(by: witness, timestamp: 1)
        let line = try #require(cosigned.note.signatures.last).line + "\n"
        #expect(try checkpoint.adding(cosignatureLines: Array(line.utf8)) == cosigned)
    }
}
