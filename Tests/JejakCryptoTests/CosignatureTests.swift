import Foundation
import JejakCrypto
import Testing

@Suite("tlog-cosignature v1")
struct CosignatureTests {
    static let checkpoint = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"

    @Test func signVerifyRoundTrip() throws {
        let witness = try SignerKey.generate(name: "witness.example.com/w1", type: .cosignatureV1)
        let sig = witness.sign(noteText: Self.checkpoint, timestamp: 1_679_315_147)
        #expect(sig.count == 72)
        #expect(Array(sig.prefix(8)) == [0, 0, 0, 0, 0x64, 0x18, 0x50, 0xCB])
        #expect(witness.verifierKey.verify(noteText: Self.checkpoint, signature: sig))
        #expect(witness.verifierKey.cosignatureTimestamp(sig) == 1_679_315_147)

        // Independently: the last 64 bytes are Ed25519 over the cosignature/v1 message.
        let message = Array("cosignature/v1\ntime 1679315147\n\(Self.checkpoint)".utf8)
        #expect(witness.privateKey.publicKey.isValidSignature(Array(sig.suffix(64)), for: message))
        // ...and not over the bare note text (domain separation).
        #expect(!witness.privateKey.publicKey.isValidSignature(Array(sig.suffix(64)), for: Array(Self.checkpoint.utf8)))
    }

    @Test func aTamperedTimestampFails() throws {
        let witness = try SignerKey.generate(name: "witness.example.com/w1", type: .cosignatureV1)
        let sig = witness.sign(noteText: Self.checkpoint, timestamp: 1_700_000_000)
        for byte in 0..<8 {
            var tampered = sig
            tampered[byte] ^= 0x01
            #expect(!witness.verifierKey.verify(noteText: Self.checkpoint, signature: tampered), "byte \(byte)")
        }
        var tamperedSig = sig
        tamperedSig[40] ^= 0x80
        #expect(!witness.verifierKey.verify(noteText: Self.checkpoint, signature: tamperedSig))
        #expect(!witness.verifierKey.verify(noteText: Self.checkpoint + "x\n", signature: sig))
        // Wrong lengths are not valid.
        #expect(!witness.verifierKey.verify(noteText: Self.checkpoint, signature: Array(sig.suffix(64))))
        #expect(!witness.verifierKey.verify(noteText: Self.checkpoint, signature: sig + [0]))
        #expect(witness.verifierKey.cosignatureTimestamp(Array(sig.suffix(64))) == nil)
    }

    @Test func timestampsAboveTwoToTheSixtyThreeAreRefused() throws {
        let witness = try SignerKey.generate(name: "w.example", type: .cosignatureV1)
        // Build a genuinely signed message with a too-large timestamp by hand.
        let ts: UInt64 = 1 << 63
        let message = Array("cosignature/v1\ntime \(ts)\n\(Self.checkpoint)".utf8)
        let sig = withUnsafeBytes(of: ts.bigEndian) { Array($0) } + witness.rawSignature(for: message)
        #expect(!witness.verifierKey.verify(noteText: Self.checkpoint, signature: sig))
        #expect(witness.verifierKey.cosignatureTimestamp(sig) == nil)
        // The largest allowed value works.
        let max = UInt64(Int64.max)
        let ok = witness.sign(noteText: Self.checkpoint, timestamp: max)
        #expect(witness.verifierKey.verify(noteText: Self.checkpoint, signature: ok))
        #expect(witness.verifierKey.cosignatureTimestamp(ok) == max)
    }

    @Test func timestampDefaultsToNow() throws {
        let witness = try SignerKey.generate(name: "w.example", type: .cosignatureV1)
        let before = UInt64(Date().timeIntervalSince1970)
        let sig = witness.sign(noteText: Self.checkpoint)
        let after = UInt64(Date().timeIntervalSince1970)
        let ts = try #require(witness.verifierKey.cosignatureTimestamp(sig))
        #expect(ts >= before && ts <= after)
        #expect(witness.verifierKey.verify(noteText: Self.checkpoint, signature: sig))
    }

    @Test func typesDoNotMix() throws {
        let seed = [UInt8](repeating: 7, count: 32)
        let plain = try SignerKey(name: "k.example", type: .ed25519, privateKey: Ed25519PrivateKey(seed: seed))
        let cosigner = try SignerKey(name: "k.example", type: .cosignatureV1, privateKey: Ed25519PrivateKey(seed: seed))
        #expect(plain.keyID != cosigner.keyID)
        let plainSig = plain.sign(noteText: Self.checkpoint, timestamp: 5)  // timestamp ignored
        #expect(plainSig.count == 64)
        #expect(plainSig == plain.sign(noteText: Self.checkpoint))
        let coSig = cosigner.sign(noteText: Self.checkpoint, timestamp: 5)
        #expect(plain.verifierKey.verify(noteText: Self.checkpoint, signature: plainSig))
        #expect(!cosigner.verifierKey.verify(noteText: Self.checkpoint, signature: plainSig))
        #expect(!plain.verifierKey.verify(noteText: Self.checkpoint, signature: coSig))
        #expect(plain.verifierKey.cosignatureTimestamp(coSig) == nil)
    }

    @Test func aCosignedCheckpointVerifiesAsANote() throws {
        let log = try SignerKey.generate(name: "example.com/behind-the-sofa")
        let witness = try SignerKey.generate(name: "witness.example.com/w1", type: .cosignatureV1)
        let signed = try SignedNote.sign(text: Self.checkpoint, with: [log])
        let cosigned = signed.adding(witness.noteSignature(for: signed.text, timestamp: 1_679_315_147))
        let parsed = try SignedNote(parsing: cosigned.serialized)
        #expect(try parsed.verify([log.verifierKey, witness.verifierKey]) == [log.verifierKey, witness.verifierKey])
        #expect(try parsed.verify([witness.verifierKey]) == [witness.verifierKey])
        #expect(witness.verifierKey.cosignatureTimestamp(parsed.signatures[1].signature) == 1_679_315_147)

        // A fresher cosignature replaces the old one.
        let fresher = parsed.adding(witness.noteSignature(for: parsed.text, timestamp: 1_679_315_200))
        #expect(fresher.signatures.count == 2)
        #expect(witness.verifierKey.cosignatureTimestamp(fresher.signatures[1].signature) == 1_679_315_200)

        // Changing the timestamp in the line breaks it.
        var bytes = parsed.signatures[1].signature
        bytes[7] ^= 1
        let forged = parsed.adding(try NoteSignature(name: witness.name, keyID: witness.keyID, signature: bytes))
        expectCode(.invalidSignature, "forged timestamp") { () throws(CryptoError) in
            try forged.verify([log.verifierKey, witness.verifierKey])
        }
    }

    @Test func theSpecExampleTimestampDecodes() throws {
        let note = try SignedNote(parsing: """
            example.com/behind-the-sofa
            20852163
            CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

            — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
            — witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==

            """)
        #expect(note.text == Self.checkpoint)
        let w = note.signatures[1]
        #expect(w.name == "witness.example.com/w1")
        #expect(w.signature.count == 72)
        // The spec's key is not published; any cosignature-type key reads the timestamp.
        let anyKey = try SignerKey.generate(name: "witness.example.com/w1", type: .cosignatureV1).verifierKey
        #expect(anyKey.cosignatureTimestamp(w.signature) == 1_679_315_147)
        // And without the right key nothing verifies.
        expectCode(.noVerifiedSignature, "no matching key") { () throws(CryptoError) in try note.verify([anyKey]) }
    }
}
