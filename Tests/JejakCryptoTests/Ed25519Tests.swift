import Foundation
import JejakCrypto
import Testing

@Suite("Ed25519 keys")
struct Ed25519Tests {
    // RFC 8032 §7.1, TEST 1 and TEST 2.
    static let rfcSeed1 = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
    static let rfcPublic1 = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    static let rfcSignature1 =
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    static let rfcSeed2 = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
    static let rfcPublic2 = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
    static let rfcSignature2 =
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"

    @Test func rfc8032VectorsSignAndVerify() throws {
        let key1 = try Ed25519PrivateKey(seed: hex(Self.rfcSeed1))
        #expect(key1.publicKey.bytes == (try hex(Self.rfcPublic1)))
        let sig1 = key1.signature(for: [UInt8]())
        #expect(sig1 == (try hex(Self.rfcSignature1)))
        #expect(key1.publicKey.isValidSignature(sig1, for: [UInt8]()))

        let key2 = try Ed25519PrivateKey(seed: hex(Self.rfcSeed2))
        #expect(key2.publicKey.bytes == (try hex(Self.rfcPublic2)))
        let sig2 = key2.signature(for: [UInt8(0x72)])
        #expect(sig2 == (try hex(Self.rfcSignature2)))
        #expect(key2.publicKey.isValidSignature(sig2, for: [UInt8(0x72)]))
        // Signatures do not transfer between keys or messages.
        #expect(!key1.publicKey.isValidSignature(sig2, for: [UInt8(0x72)]))
        #expect(!key2.publicKey.isValidSignature(sig2, for: [UInt8(0x73)]))
    }

    @Test func rawBufferFastPathAgreesWithCollectionForm() throws {
        let key = Ed25519PrivateKey.generate()
        let message = Array("the quick brown fox".utf8)
        let sig = message.withUnsafeBytes { key.signature(for: $0) }
        #expect(sig == key.signature(for: message))
        let fast = sig.withUnsafeBytes { s in message.withUnsafeBytes { m in key.publicKey.isValidSignature(s, for: m) } }
        #expect(fast)
        var bad = sig
        bad[10] ^= 1
        let fastBad = bad.withUnsafeBytes { s in message.withUnsafeBytes { m in key.publicKey.isValidSignature(s, for: m) } }
        #expect(!fastBad)
        // A non-contiguous collection is accepted too.
        #expect(key.publicKey.isValidSignature(sig, for: message.lazy.map { $0 }))
    }

    @Test func wrongLengthSignaturesAreSimplyInvalid() throws {
        let key = Ed25519PrivateKey.generate()
        let sig = key.signature(for: Array("m".utf8))
        #expect(!key.publicKey.isValidSignature(Array(sig.dropLast()), for: Array("m".utf8)))
        #expect(!key.publicKey.isValidSignature(sig + [0], for: Array("m".utf8)))
        #expect(!key.publicKey.isValidSignature([], for: Array("m".utf8)))
    }

    @Test func lengthsAreChecked() {
        expectCode(.invalidLength, "31-byte public key") { () throws(CryptoError) in
            try Ed25519PublicKey(bytes: [UInt8](repeating: 1, count: 31))
        }
        expectCode(.invalidLength, "33-byte public key") { () throws(CryptoError) in
            try Ed25519PublicKey(bytes: [UInt8](repeating: 1, count: 33))
        }
        expectCode(.invalidLength, "31-byte seed") { () throws(CryptoError) in
            try Ed25519PrivateKey(seed: [UInt8](repeating: 1, count: 31))
        }
        expectCode(.invalidLength, "empty seed") { () throws(CryptoError) in
            try Ed25519PrivateKey(seed: [UInt8]())
        }
    }

    @Test func seedRoundTripsAndGeneratedKeysDiffer() throws {
        let seed = try hex(Self.rfcSeed1)
        let key = try Ed25519PrivateKey(seed: seed)
        let lent = key.withSeed { Array($0) }
        #expect(lent == seed)
        let a = Ed25519PrivateKey.generate(), b = Ed25519PrivateKey.generate()
        #expect(a.publicKey != b.publicKey)
        let again = try a.withSeed { try Ed25519PrivateKey(seed: Array($0)) }
        #expect(again.publicKey == a.publicKey)
    }

    @Test func privateKeyTextIsRedacted() throws {
        let seed = try hex(Self.rfcSeed1)
        let key = try Ed25519PrivateKey(seed: seed)
        var dumped = ""
        dump(key, to: &dumped)
        for text in ["\(key)", String(reflecting: key), dumped] {
            #expect(!text.contains(Self.rfcSeed1), "\(text)")
            #expect(!text.contains(Base64.encode(seed)), "\(text)")
        }
        #expect("\(key)".contains("redacted"))
    }

    @Test func concurrentSigningAndVerification() async throws {
        let key = Ed25519PrivateKey.generate()
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<64 {
                group.addTask {
                    let m = Array("message \(i)".utf8)
                    return key.publicKey.isValidSignature(key.signature(for: m), for: m)
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == 64)
        #expect(results.allSatisfy { $0 })
    }
}
