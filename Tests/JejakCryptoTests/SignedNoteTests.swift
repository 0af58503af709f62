import Foundation
import JejakCrypto
import Testing

@Suite("signed notes")
struct SignedNoteTests {
    @Test func signingTheVectorTextReproducesTheVectorNote() throws {
        let v = try NoteVectors.load()
        let signer = try SignerKey(parsing: v.signerKey)
        let note = try SignedNote.sign(text: v.text, with: [signer])
        #expect(note.serialized == v.signedNote)
        #expect(Array(note.serialized.utf8) == Array(v.signedNote.utf8))
        // The same through the lower-level pieces.
        let sig = signer.noteSignature(for: v.text)
        #expect(try SignedNote(text: v.text, signatures: [sig]).serialized == v.signedNote)
        #expect(sig.line + "\n" == String(v.signedNote.dropFirst(v.text.count + 1)))
    }

    @Test func parsingTheVectorNotesIsExact() throws {
        let v = try NoteVectors.load()
        for text in [v.signedNote, v.signedNoteTwoSigners] {
            let note = try SignedNote(parsing: text)
            #expect(note.text == v.text)
            #expect(note.serialized == text)
            #expect(try SignedNote(parsing: Array(text.utf8)) == note)
        }
        let two = try SignedNote(parsing: v.signedNoteTwoSigners)
        #expect(two.signatures.map(\.name) == ["PeterNeumann", "EnochRoot"])
        #expect(two.signatures.map(\.keyID) == [0xc74f_20a3, 0xaf0c_fe78])
        #expect(two.signatures.allSatisfy { $0.signature.count == 64 })
    }

    @Test func twoSignersVerifyWithOneOrBothKeys() throws {
        let v = try NoteVectors.load()
        let peter = try VerifierKey(parsing: v.verifierKey)
        let enoch = try VerifierKey(parsing: v.secondVerifierKey)
        let note = try SignedNote(parsing: v.signedNoteTwoSigners)
        #expect(try note.verify([peter]) == [peter])
        #expect(try note.verify([enoch]) == [enoch])
        #expect(try note.verify([peter, enoch]) == [peter, enoch])
        #expect(try note.verify([enoch, peter, enoch]) == [enoch, peter])
        #expect(try SignedNote(parsing: v.signedNote).verify([peter, enoch]) == [peter])
    }

    @Test func unknownKeysAreIgnored() throws {
        let v = try NoteVectors.load()
        let peter = try VerifierKey(parsing: v.verifierKey)
        let enoch = try VerifierKey(parsing: v.secondVerifierKey)
        let stranger = try SignerKey.generate(name: "stranger.example").verifierKey
        // Same name as a signer, different key (so a different id): unknown, ignored.
        let impostor = try SignerKey.generate(name: "PeterNeumann").verifierKey
        #expect(impostor.keyID != peter.keyID)
        let note = try SignedNote(parsing: v.signedNoteTwoSigners)
        #expect(try note.verify([stranger, peter, impostor]) == [peter])

        // A line from an unknown key with garbage bytes does not matter either.
        let junk = try NoteSignature(name: "unknown.example", keyID: 7, signature: [1, 2, 3])
        #expect(try note.adding(junk).verify([enoch]) == [enoch])

        expectCode(.noVerifiedSignature, "only unknown keys") { () throws(CryptoError) in
            try note.verify([stranger, impostor])
        }
        expectCode(.noVerifiedSignature, "no keys") { () throws(CryptoError) in try note.verify([]) }
        // Enoch's key under Peter's name: the name matches but the id does not.
        let enochAsPeter = try VerifierKey(name: "PeterNeumann", type: .ed25519, publicKey: enoch.publicKey)
        expectCode(.noVerifiedSignature, "name matches, id does not") { () throws(CryptoError) in
            try SignedNote(parsing: v.signedNote).verify([enochAsPeter])
        }
    }

    @Test func aMangledSignatureFromAKnownKeyRejectsTheNote() throws {
        let v = try NoteVectors.load()
        let peter = try VerifierKey(parsing: v.verifierKey)
        let enoch = try VerifierKey(parsing: v.secondVerifierKey)
        let note = try SignedNote(parsing: v.signedNoteTwoSigners)
        var bytes = note.signatures[0].signature
        bytes[5] ^= 0x01
        let mangled = try NoteSignature(name: "PeterNeumann", keyID: peter.keyID, signature: bytes)
        let bad = note.adding(mangled)
        #expect(bad.signatures.count == 2)
        do {
            _ = try bad.verify([peter, enoch])
            Issue.record("a mangled signature verified")
        } catch {
            #expect(error.code == .invalidSignature)
            #expect(error.message.contains("PeterNeumann+c74f20a3"))
        }
        // Even though Enoch's signature is good, one bad known signature rejects the note...
        expectCode(.invalidSignature, "bad + good") { () throws(CryptoError) in try bad.verify([enoch, peter]) }
        // ...while a verifier that only trusts Enoch never looks at Peter's line.
        #expect(try bad.verify([enoch]) == [enoch])

        // A good and a bad line by the same key: the bad one is still checked.
        let both = try SignedNote(text: note.text, signatures: [note.signatures[0], mangled])
        expectCode(.invalidSignature, "good then bad") { () throws(CryptoError) in try both.verify([peter]) }

        // A changed text breaks every signature.
        let changed = try SignedNote(text: v.text.uppercased(), signatures: note.signatures)
        expectCode(.invalidSignature, "changed text") { () throws(CryptoError) in try changed.verify([enoch]) }
    }

    @Test func theSpecExampleVerifies() throws {
        let key = try VerifierKey(parsing: "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
        let text = """
            This is an example message.

            — example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=

            """
        let note = try SignedNote(parsing: text)
        #expect(note.text == "This is an example message.\n")
        #expect(try note.verify([key]) == [key])
        #expect(note.serialized == text)
    }

    @Test func textIsSeparatedAtTheLastBlankLine() throws {
        // The first example of signed-note.md: the text itself has an empty line.
        let text = """
            Ognuno sta solo sul cuor della terra
            trafitto da un raggio di sole:

            ed è subito sera.

            — quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=

            """
        let note = try SignedNote(parsing: text)
        #expect(note.text == "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n")
        #expect(note.signatures.count == 1)
        #expect(note.signatures[0].name == "quasimodo.example/salvatore")
        #expect(note.serialized == text)

        // A text ending in an empty line round-trips too.
        let key = try SignerKey.generate(name: "k.example")
        let odd = try SignedNote.sign(text: "a\n\n", with: [key])
        let back = try SignedNote(parsing: odd.serialized)
        #expect(back.text == "a\n\n")
        #expect(try back.verify([key.verifierKey]) == [key.verifierKey])
    }

    @Test func malformedNotesAreRefused() throws {
        let v = try NoteVectors.load()
        let line = String(v.signedNote.dropFirst(v.text.count + 1))  // "— PeterNeumann x08g…=\n"
        let sig = String(line.dropFirst("— PeterNeumann ".count).dropLast())
        let text = "hello\n"
        #expect(sig.hasSuffix("JnAM="))
        let cases: [(String, CryptoError.Code)] = [
            ("", .malformedNote),
            ("\n", .malformedNote),
            ("\n\n", .malformedNote),
            (text, .malformedNote),
            (text + "\n", .malformedNote),  // no signature lines
            (text + line, .malformedNote),  // no blank line
            (text + "\n" + line + "\n", .malformedNote),  // blank line after the signatures
            (text + "\n" + String(line.dropLast()), .malformedNote),  // last line without newline
            (text + "\n- PeterNeumann \(sig)\n", .malformedNote),  // hyphen, not em dash
            (text + "\n—PeterNeumann \(sig)\n", .malformedNote),
            (text + "\n— PeterNeumann\n", .malformedNote),
            (text + "\n— PeterNeumann \n", .malformedNote),
            (text + "\n—  \(sig)\n", .malformedNote),  // empty name
            (text + "\n— Peter+Neumann \(sig)\n", .malformedNote),
            (text + "\n— PeterNeumann \(sig) \n", .malformedNote),  // trailing space
            (text + "\n— PeterNeumann  \(sig)\n", .malformedNote),  // two spaces
            (text + "\n— PeterNeumann \(sig.dropLast())\n", .malformedNote),  // padding missing
            (text + "\n— PeterNeumann \(sig.replacingOccurrences(of: "/", with: "_"))\n", .malformedNote),
            (text + "\n— PeterNeumann AAAAAA==\n", .malformedNote),  // 4 bytes: key id only
            (text + "\n— PeterNeumann AAAAAAB=\n", .malformedNote),  // non-canonical base64
            (text + "\n— PeterNeumann \(sig.dropLast(2))N=\n", .malformedNote),  // "…AM=" with a spare bit set
            (text + "\n" + line + "garbage\n", .malformedNote),
            ("hel\tlo\n\n" + line, .invalidEncoding),
            ("hello\r\n\n" + line, .invalidEncoding),
            ("hello\n\n— PeterNeumann\u{0} \(sig)\n", .invalidEncoding),
            (text + "\n" + line.replacingOccurrences(of: " x08", with: "\u{7}x08"), .invalidEncoding),
        ]
        for (note, code) in cases {
            expectCode(code, note.debugDescription) { () throws(CryptoError) in try SignedNote(parsing: note) }
            expectCode(code, note.debugDescription) { () throws(CryptoError) in try SignedNote(parsing: Array(note.utf8)) }
        }
        // A text may itself look like a signature block: only the last blank line separates.
        let nested = try SignedNote(parsing: text + "\n— PeterNeumann AAAAAAA=\n" + "\n— PeterNeumann AAAAAAA=\n")
        #expect(nested.text == text + "\n— PeterNeumann AAAAAAA=\n")
        #expect(nested.signatures.count == 1)
        // The minimal valid shape, for contrast: 5 decoded bytes.
        let minimal = try SignedNote(parsing: text + "\n— a AAAAAAA=\n")
        #expect(minimal.signatures[0].signature == [0])
    }

    @Test func invalidUTF8IsRefused() {
        let v = [UInt8]("hello ".utf8) + [0xC3, 0x28] + Array("\n\n— a AAAAAAA=\n".utf8)
        expectCode(.invalidEncoding, "bad UTF-8") { () throws(CryptoError) in try SignedNote(parsing: v) }
        let overlong = [UInt8]("x".utf8) + [0xC0, 0xAF] + Array("\n\n— a AAAAAAA=\n".utf8)
        expectCode(.invalidEncoding, "overlong") { () throws(CryptoError) in try SignedNote(parsing: overlong) }
        let good = [UInt8]("h\u{E9}\n\n— a AAAAAAA=\n".utf8)
        #expect((try? SignedNote(parsing: good)) != nil)
    }

    @Test func atMostAHundredSignatures() throws {
        let lines = (0..<100).map { i in "— k\(i).example AAAAAAA=\n" }.joined()
        let hundred = try SignedNote(parsing: "t\n\n" + lines)
        #expect(hundred.signatures.count == 100)
        expectCode(.malformedNote, "101 signatures") { () throws(CryptoError) in
            try SignedNote(parsing: "t\n\n" + lines + "— k100.example AAAAAAA=\n")
        }
        expectCode(.malformedNote, "101 signatures via init") { () throws(CryptoError) in
            try SignedNote(text: "t\n", signatures: hundred.signatures + [hundred.signatures[0]])
        }
    }

    @Test func noteTextsAreValidatedOnConstruction() throws {
        let key = try SignerKey.generate(name: "k.example")
        for (text, code) in [("", CryptoError.Code.malformedNote), ("no newline", .malformedNote), ("tab\there\n", .invalidEncoding)] {
            expectCode(code, text.debugDescription) { () throws(CryptoError) in try SignedNote(text: text, signatures: []) }
            expectCode(code, text.debugDescription) { () throws(CryptoError) in try SignedNote.sign(text: text, with: [key]) }
        }
        expectCode(.malformedNote, "no keys") { () throws(CryptoError) in try SignedNote.sign(text: "t\n", with: []) }
        expectCode(.invalidKeyName, "bad name") { () throws(CryptoError) in
            try NoteSignature(name: "a b", keyID: 1, signature: [1])
        }
        expectCode(.invalidLength, "empty signature") { () throws(CryptoError) in
            try NoteSignature(name: "a", keyID: 1, signature: [])
        }
    }

    @Test func addingReplacesTheSameKeyAndAppendsOthers() throws {
        let a = try SignerKey.generate(name: "a.example")
        let b = try SignerKey.generate(name: "b.example")
        let note = try SignedNote.sign(text: "checkpoint\n", with: [a])
        let withB = note.adding(b.noteSignature(for: note.text))
        #expect(withB.signatures.map(\.name) == ["a.example", "b.example"])
        #expect(try withB.verify([a.verifierKey, b.verifierKey]) == [a.verifierKey, b.verifierKey])

        let replacement = try NoteSignature(name: "a.example", keyID: a.keyID, signature: [9, 9])
        let replaced = withB.adding(replacement)
        #expect(replaced.signatures.count == 2)
        #expect(replaced.signatures[0] == replacement)
        #expect(replaced.signatures[1] == withB.signatures[1])
        // Same name, different id: a different key, so appended.
        let other = try NoteSignature(name: "a.example", keyID: a.keyID ^ 1, signature: [9])
        #expect(withB.adding(other).signatures.count == 3)
        // The result serialises and parses back.
        #expect(try SignedNote(parsing: withB.serialized) == withB)
    }

    @Test func namesAndTextsCompareAsBytesNotAsCanonicalEquivalents() throws {
        let precomposed = "caf\u{E9}.example", decomposed = "cafe\u{301}.example"
        #expect(precomposed == decomposed)  // Swift's String equality...
        let key = try SignerKey.generate(name: precomposed)
        let note = try SignedNote.sign(text: "t\n", with: [key])
        // ...but a line naming the decomposed form is another key, even with the same id.
        let sig = note.signatures[0]
        let lookalike = try NoteSignature(name: decomposed, keyID: sig.keyID, signature: sig.signature)
        #expect(lookalike != sig)
        #expect(!lookalike.matches(key.verifierKey))
        let onlyLookalike = try SignedNote(text: "t\n", signatures: [lookalike])
        expectCode(.noVerifiedSignature, "look-alike name") { () throws(CryptoError) in
            try onlyLookalike.verify([key.verifierKey])
        }
        #expect(note.adding(lookalike).signatures.count == 2)
        #expect(try SignedNote(text: "caf\u{E9}\n", signatures: []) != (try SignedNote(text: "cafe\u{301}\n", signatures: [])))
    }

    @Test func signatureLineFormat() throws {
        let s = try NoteSignature(name: "n.example", keyID: 0x0102_0304, signature: [0xff])
        #expect(s.line == "— n.example AQIDBP8=")
    }
}
