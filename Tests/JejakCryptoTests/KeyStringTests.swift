import Foundation
import JejakCrypto
import JejakTestSupport
import Testing

@Suite("vkeys and private key strings")
struct KeyStringTests {
    /// The example from c2sp.org/signed-note, "Verifier keys".
    static let specVKey = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"

    @Test func vkeyParsePrintRoundTrip() throws {
        let v = try NoteVectors.load()
        for text in [Self.specVKey, v.verifierKey, v.secondVerifierKey] {
            let key = try VerifierKey(parsing: text)
            #expect(key.description == text)
            #expect("\(key)" == text)
            #expect(try VerifierKey(parsing: key.description) == key)
        }
        let key = try VerifierKey(parsing: Self.specVKey)
        #expect(key.name == "example.com/foo")
        #expect(key.keyID == 0x530d_903a)
        #expect(key.keyIDHex == "530d903a")
        #expect(key.hint == "example.com/foo+530d903a")
        #expect(key.type == .ed25519)
        #expect(key.publicKey.bytes.count == 32)
    }

    @Test func keyIDFollowsTheRecommendedRule() throws {
        let key = try VerifierKey(parsing: Self.specVKey)
        // Recompute independently: SHA-256(name || 0x0A || 0x01 || key)[:4].
        let digest = SHA256Digest.hash(Array("example.com/foo\n".utf8) + [0x01] + key.publicKey.bytes).bytes
        let expected = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
        #expect(expected == 0x530d_903a)
        #expect(VerifierKey.keyID(name: "example.com/foo", type: .ed25519, publicKey: key.publicKey) == expected)
        // The type byte is part of the id.
        let cosig = VerifierKey.keyID(name: "example.com/foo", type: .cosignatureV1, publicKey: key.publicKey)
        #expect(cosig != expected)
        let cosigKey = try VerifierKey(name: "example.com/foo", type: .cosignatureV1, publicKey: key.publicKey)
        #expect(cosigKey.keyID == cosig)
        #expect(cosigKey.description.hasPrefix("example.com/foo+\(cosigKey.keyIDHex)+BO"))  // 0x04 || key
        #expect(try VerifierKey(parsing: cosigKey.description) == cosigKey)
    }

    @Test func mangledVectorKeysAreRefused() throws {
        let v = try NoteVectors.load()
        #expect(v.mangledVerifierKeysThatMustFail.count == 2)
        // The first has extra key material that is also non-canonical base64 ("EY==" leaves
        // spare bits set), which the strict decoder refuses before the length is looked at; the
        // second has an unknown type byte.
        expectCode(.invalidEncoding, v.mangledVerifierKeysThatMustFail[0]) { () throws(CryptoError) in
            try VerifierKey(parsing: v.mangledVerifierKeysThatMustFail[0])
        }
        expectCode(.unsupportedKeyType, v.mangledVerifierKeysThatMustFail[1]) { () throws(CryptoError) in
            try VerifierKey(parsing: v.mangledVerifierKeysThatMustFail[1])
        }
    }

    /// Builds `name+id+base64(material)` with the id computed over the material, so that only the
    /// defect under test is present.
    static func vkey(name: String = "example.com/k", material: [UInt8], id: String? = nil) -> String {
        let digest = SHA256Digest.hash(Array(name.utf8) + [0x0A] + material).bytes
        return "\(name)+\(id ?? Hex.encode(digest.prefix(4)))+\(Base64.encode(material))"
    }

    /// A vkey parser given a private key, or any text that does not parse, never repeats it.
    @Test func aPrivateKeyOrGarbageGivenAsAVKeyIsNotQuoted() throws {
        let key = try SignerKey.generate(name: "biro-perencanaan")
        let secret = SecretText.secret(ofPrivateKey: key.privateKeyString())
        for text in [key.privateKeyString(), key.privateKeyString() + "\n", "secret words here+abcdefgh+xyz",
                     "zz9 secret zz9+0123abcd+AAAA", "a\nsecret zz9secretzz9+b+c"] {
            let error = #expect(throws: CryptoError.self) { _ = try VerifierKey(parsing: text) }
            let message = error?.message ?? ""
            #expect(!SecretText.leaks(secret, in: message) && !message.contains("zz9secret") && !message.contains("secret words"),
                    "\(message)")
        }
        let error = #expect(throws: CryptoError.self) { _ = try VerifierKey(parsing: key.privateKeyString()) }
        #expect(error?.message.contains("private key") == true)
    }

    @Test func malformedVKeysGetTheirOwnCodes() throws {
        let good = try VerifierKey(parsing: Self.specVKey)
        let key = good.publicKey.bytes
        let b64 = "AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
        let cases: [(String, CryptoError.Code)] = [
            ("", .malformedKey),
            ("example.com/foo", .malformedKey),
            ("example.com/foo+530d903a", .malformedKey),
            ("+530d903a+\(b64)", .invalidKeyName),
            ("example com/foo+530d903a+\(b64)", .invalidKeyName),
            ("example.com/\u{00A0}foo+530d903a+\(b64)", .invalidKeyName),  // no-break space
            ("example.com/\u{3000}foo+530d903a+\(b64)", .invalidKeyName),  // ideographic space
            ("example.com/foo\t+530d903a+\(b64)", .invalidKeyName),
            ("example.com/\u{1}foo+530d903a+\(b64)", .invalidKeyName),
            ("example.com/foo++530d903a+\(b64)", .invalidKeyID),
            ("example.com/foo+530D903A+\(b64)", .invalidKeyID),  // hex must be lowercase
            ("example.com/foo+530d903+\(b64)", .invalidKeyID),
            ("example.com/foo+530d903a0+\(b64)", .invalidKeyID),
            ("example.com/foo+530d903g+\(b64)", .invalidKeyID),
            ("example.com/foo+0x530d90+\(b64)", .invalidKeyID),
            ("example.com/foo+530d903a+\(b64.dropLast())", .invalidEncoding),  // not a multiple of 4
            ("example.com/foo+530d903a+\(b64.dropLast())!", .invalidEncoding),
            ("example.com/foo+530d903a+\(b64) ", .invalidEncoding),
            ("example.com/foo+530d903a+\(b64)\n", .invalidEncoding),
            ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq_LDE4izWy10TW", .invalidEncoding),  // URL-safe
            ("example.com/foo+530d903a+", .invalidLength),
            (Self.vkey(material: [0x01]), .invalidLength),
            (Self.vkey(material: [0x01] + key.dropLast()), .invalidLength),
            (Self.vkey(material: [0x01] + key + [0]), .invalidLength),
            (Self.vkey(material: [0x02] + key), .unsupportedKeyType),
            (Self.vkey(material: [0x00] + key), .unsupportedKeyType),
            (Self.vkey(material: [0xff] + key), .unsupportedKeyType),
            ("example.com/foo+530d903b+\(b64)", .keyIDMismatch),
            ("example.com/fo0+530d903a+\(b64)", .keyIDMismatch),
            (Self.vkey(material: [0x04] + key, id: "530d903a").replacingOccurrences(of: "example.com/k", with: "example.com/foo"), .keyIDMismatch),
        ]
        for (text, code) in cases {
            expectCode(code, text.debugDescription) { () throws(CryptoError) in try VerifierKey(parsing: text) }
        }
        // Sanity: the helper builds a valid key when nothing is wrong.
        #expect((try? VerifierKey(parsing: Self.vkey(material: [0x01] + key))) != nil)
    }

    @Test func keyNamesAreValidatedOnConstruction() throws {
        let pk = try VerifierKey(parsing: Self.specVKey).publicKey
        for bad in ["", "a b", "a+b", "a\nb", "\u{2003}", "a\u{2028}b"] {
            expectCode(.invalidKeyName, bad.debugDescription) { () throws(CryptoError) in
                try VerifierKey(name: bad, type: .ed25519, publicKey: pk)
            }
            expectCode(.invalidKeyName, bad.debugDescription) { () throws(CryptoError) in
                try SignerKey.generate(name: bad)
            }
        }
        // Non-ASCII names are fine.
        let k = try VerifierKey(name: "kpu.go.id/pemilu-é", type: .ed25519, publicKey: pk)
        #expect(try VerifierKey(parsing: k.description) == k)
    }

    @Test func signerKeyVectorParsesAndPrints() throws {
        let v = try NoteVectors.load()
        let signer = try SignerKey(parsing: v.signerKey)
        #expect(signer.name == "PeterNeumann")
        #expect(signer.keyID == 0xc74f_20a3)
        #expect(signer.type == .ed25519)
        #expect(signer.verifierKey == (try VerifierKey(parsing: v.verifierKey)))
        #expect(signer.verifierKey.description == v.verifierKey)
        #expect(signer.privateKeyString() == v.signerKey)
        #expect(signer.privateKey.publicKey == signer.verifierKey.publicKey)
    }

    @Test func generatedSignerKeysRoundTrip() throws {
        for type in [SignatureType.ed25519, .cosignatureV1] {
            let key = try SignerKey.generate(name: "kpu.go.id/inspektorat", type: type)
            #expect(key.type == type)
            let text = key.privateKeyString()
            #expect(text.hasPrefix("PRIVATE+KEY+kpu.go.id/inspektorat+\(key.verifierKey.keyIDHex)+"))
            let back = try SignerKey(parsing: text)
            #expect(back.verifierKey == key.verifierKey)
            #expect(back.privateKeyString() == text)
        }
    }

    @Test func signerKeyDescriptionIsRedacted() throws {
        let v = try NoteVectors.load()
        let signer = try SignerKey(parsing: v.signerKey)
        let secretPart = SecretText.secret(ofPrivateKey: v.signerKey)
        #expect(signer.description == "SignerKey(PeterNeumann+c74f20a3, private)")
        var dumped = ""
        dump(signer, to: &dumped)
        for text in ["\(signer)", String(reflecting: signer), dumped, "\([signer])"] {
            #expect(!SecretText.leaks(secretPart, in: text), "\(text)")
            #expect(!text.contains("PRIVATE+KEY"), "\(text)")
        }
    }

    @Test func malformedPrivateKeysGetTheirOwnCodes() throws {
        let v = try NoteVectors.load()
        let good = v.signerKey  // PRIVATE+KEY+PeterNeumann+c74f20a3+<b64>
        let b64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
        let seed = try #require(Base64.decode(b64)).dropFirst()
        // Length and type are checked before the key id, so any well-formed id will do there.
        func priv(_ material: [UInt8], id: String = "00000000") -> String {
            "PRIVATE+KEY+example.com/k+\(id)+\(Base64.encode(material))"
        }
        func validPriv(type: SignatureType) throws -> String {
            let pub = try Ed25519PrivateKey(seed: Array(seed)).publicKey
            let id = VerifierKey.keyID(name: "example.com/k", type: type, publicKey: pub)
            return priv([type.rawValue] + seed, id: String(format: "%08x", id))
        }
        let cases: [(String, CryptoError.Code)] = [
            ("", .malformedKey),
            (v.verifierKey, .malformedKey),  // a vkey is not a private key
            (String(good.dropFirst()), .malformedKey),
            ("private+key+PeterNeumann+c74f20a3+\(b64)", .malformedKey),
            ("PRIVATE+KEYS+PeterNeumann+c74f20a3+\(b64)", .malformedKey),
            ("PRIVATE+KEY+PeterNeumann+c74f20a3", .malformedKey),
            ("PRIVATE+KEY+PeterNeumann", .malformedKey),
            ("PRIVATE+KEY++c74f20a3+\(b64)", .invalidKeyName),
            ("PRIVATE+KEY+Peter Neumann+c74f20a3+\(b64)", .invalidKeyName),
            ("PRIVATE+KEY+PeterNeumann+C74F20A3+\(b64)", .invalidKeyID),
            ("PRIVATE+KEY+PeterNeumann+c74f20a+\(b64)", .invalidKeyID),
            ("PRIVATE+KEY+PeterNeumann+c74f20a3+\(b64.dropLast())", .invalidEncoding),
            ("PRIVATE+KEY+PeterNeumann+c74f20a3+\(b64)\n", .invalidEncoding),
            ("PRIVATE+KEY+PeterNeumann+c74f20a3+", .invalidLength),
            (priv([0x01] + seed.dropLast()), .invalidLength),
            (priv([0x01] + seed + [0]), .invalidLength),
            (priv([0x01]), .invalidLength),
            (priv([0x02] + seed), .unsupportedKeyType),
            (priv([0x00] + seed), .unsupportedKeyType),
            ("PRIVATE+KEY+PeterNeumann+c74f20a4+\(b64)", .keyIDMismatch),
            ("PRIVATE+KEY+PeterNeumanm+c74f20a3+\(b64)", .keyIDMismatch),
        ]
        for (text, code) in cases {
            expectCode(code, text.debugDescription) { () throws(CryptoError) in try SignerKey(parsing: text) }
        }
        // Sanity: the helper builds valid keys when nothing is wrong.
        #expect((try? SignerKey(parsing: try validPriv(type: .ed25519)))?.type == .ed25519)
        #expect((try? SignerKey(parsing: try validPriv(type: .cosignatureV1)))?.type == .cosignatureV1)
    }
}
