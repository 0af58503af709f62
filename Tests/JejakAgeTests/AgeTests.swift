import Foundation
import JejakAge
import Testing

/// Random bytes for plaintexts.
func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

/// The length of the header of `file` (through the MAC line's newline).
func headerLength(_ file: [UInt8]) throws -> Int {
    let mac = try #require(findSubsequence(Array("\n--- ".utf8), in: file))
    return try #require(file[(mac + 1)...].firstIndex(of: 0x0A)) + 1
}

func findSubsequence(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
}

@Suite("age encryption")
struct AgeTests {
    static let chunk = 64 * 1024

    @Test("round trips", arguments: [0, 1, 100, chunk - 1, chunk, chunk + 1, 2 * chunk, 3 * chunk + 17])
    func roundTrip(size: Int) throws {
        let identity = AgeIdentity.generate()
        let plaintext = randomBytes(size)
        let file = try Age.encrypt(plaintext, to: [identity.recipient])
        #expect(try Age.decrypt(file, identities: [identity]) == plaintext)

        // One chunk per started 64 KiB (and one for an empty payload), each with a 16-byte tag,
        // after the header and the 16-byte nonce.
        let chunks = max(1, (size + Self.chunk - 1) / Self.chunk)
        #expect(file.count == (try headerLength(file)) + 16 + size + 16 * chunks)

        // The streaming form releases whole chunks, the last one possibly shorter.
        var sizes: [Int] = []
        try Age.decrypt(file, identities: [identity]) { sizes.append($0.count) }
        let expected = size == 0 ? [0] : (0..<chunks).map { min(Self.chunk, size - $0 * Self.chunk) }
        #expect(sizes == expected)
    }

    @Test func headerIsCanonical() throws {
        let identity = AgeIdentity.generate()
        let file = try Age.encrypt([1, 2, 3], to: [identity.recipient])
        let header = String(decoding: file[..<(try headerLength(file))], as: UTF8.self)
        let lines = header.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "age-encryption.org/v1")
        #expect(lines[1].hasPrefix("-> X25519 ") && lines[1].count == 10 + 43)
        #expect(lines[2].count == 43)  // the 32-byte body: one short line
        #expect(lines[3].hasPrefix("--- ") && lines[3].count == 4 + 43)
        #expect(lines[4].isEmpty && lines.count == 5)
        #expect(!header.contains("="))
    }

    @Test func armoredRoundTrip() throws {
        let identity = AgeIdentity.generate()
        for size in [0, 10, 47, 48, 49, Self.chunk + 5] {
            let plaintext = randomBytes(size)
            let armored = try Age.encrypt(plaintext, to: [identity.recipient], armor: true)
            let text = String(decoding: armored, as: UTF8.self)
            #expect(text.hasPrefix(AgeArmor.beginLine + "\n"))
            #expect(text.hasSuffix(AgeArmor.endLine + "\n"))
            let lines = text.split(separator: "\n").dropFirst().dropLast()
            #expect(lines.dropLast().allSatisfy { $0.count == 64 })
            #expect((1...64).contains(lines.last?.count ?? 0))
            #expect(AgeArmor.isArmored(armored))
            #expect(try Age.decrypt(armored, identities: [identity]) == plaintext)
            let binary = try AgeArmor.decode(armored)
            #expect(AgeArmor.encode(binary) == armored)
            #expect(!AgeArmor.isArmored(binary))
        }
        // CRLF line endings and surrounding whitespace are accepted.
        let armored = try Age.encrypt([7, 7, 7], to: [identity.recipient], armor: true)
        let crlf = "\n \t" + String(decoding: armored, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n") + "  \n"
        #expect(try Age.decrypt(Array(crlf.utf8), identities: [identity]) == [7, 7, 7])
    }

    @Test func noRecipientsIsRefused() {
        expectCode(.noRecipients, "no recipients") { try Age.encrypt([1], to: []) }
    }

    @Test func lowOrderRecipientIsRefused() throws {
        let zero = try AgeRecipient(publicKey: [UInt8](repeating: 0, count: 32))
        expectCode(.malformedKey, "the all-zero point") { try Age.encrypt([1], to: [zero]) }
    }

    @Test func multipleRecipients() throws {
        let identities = (0..<3).map { _ in AgeIdentity.generate() }
        let plaintext = randomBytes(1000)
        let file = try Age.encrypt(plaintext, to: identities.map(\.recipient))
        for identity in identities {
            #expect(try Age.decrypt(file, identities: [identity]) == plaintext)
        }
        // Any order, and with strangers among them.
        let stranger = AgeIdentity.generate()
        #expect(try Age.decrypt(file, identities: [stranger, identities[2]]) == plaintext)
        expectCode(.noMatch, "a fourth identity") { try Age.decrypt(file, identities: [stranger]) }
        expectCode(.noMatch, "no identities") { try Age.decrypt(file, identities: []) }
    }

    @Test func wrongIdentityIsNoMatch() throws {
        let file = try Age.encrypt([1, 2, 3], to: [AgeIdentity.generate().recipient])
        expectCode(.noMatch, "another identity") { try Age.decrypt(file, identities: [AgeIdentity.generate()]) }
    }

    /// What changing the header does, worked out from the spec: the MAC covers the whole
    /// header through `---`, but it can only be checked once a stanza has given the file key,
    /// and stanzas are parsed (strictly) before that.
    @Test func tamperedHeader() throws {
        let identity = AgeIdentity.generate()
        let file = try Age.encrypt(randomBytes(100), to: [identity.recipient])
        let text = String(decoding: file[..<(try headerLength(file))], as: UTF8.self)
        let lines = text.split(separator: "\n").map(String.init)
        let payload = Array(file[(try headerLength(file))...])
        func rebuilt(_ lines: [String]) -> [UInt8] { Array((lines.joined(separator: "\n") + "\n").utf8) + payload }
        func changed(_ s: String, at offset: Int) -> String {
            var chars = Array(s)
            let i = chars.index(chars.startIndex, offsetBy: offset)
            chars[i] = chars[i] == "A" ? "B" : "A"
            return String(chars)
        }

        // The MAC itself (its first character; the last carries padding bits).
        var mac = lines
        mac[3] = changed(mac[3], at: 4)
        expectCode(.headerMACMismatch, "a changed MAC") { try Age.decrypt(rebuilt(mac), identities: [identity]) }

        // An extra stanza of an unknown type: parsed and skipped, but not in the MAC.
        var grease = lines
        grease.insert(contentsOf: ["-> grease-example.com x", ""], at: 1)
        expectCode(.headerMACMismatch, "an inserted stanza") { try Age.decrypt(rebuilt(grease), identities: [identity]) }

        // The ephemeral share or the body: the stanza no longer opens.
        var share = lines
        share[1] = changed(share[1], at: 12)
        expectCode(.noMatch, "a changed share") { try Age.decrypt(rebuilt(share), identities: [identity]) }
        var body = lines
        body[2] = changed(body[2], at: 0)
        expectCode(.noMatch, "a changed body") { try Age.decrypt(rebuilt(body), identities: [identity]) }

        // The version line, the stanza syntax.
        var version = lines
        version[0] = "age-encryption.org/v2"
        expectCode(.malformedHeader, "another version") { try Age.decrypt(rebuilt(version), identities: [identity]) }
        var padded = lines
        padded[2] += "="
        expectCode(.malformedHeader, "padding in a body") { try Age.decrypt(rebuilt(padded), identities: [identity]) }

        // Every single-bit change of every header byte fails, never with plaintext.
        let length = try headerLength(file)
        for i in 0..<length {
            for bit in [0x01, 0x20, 0x80] as [UInt8] {
                var damaged = file
                damaged[i] ^= bit
                do {
                    _ = try Age.decrypt(damaged, identities: [identity])
                    Issue.record("flipping bit \(bit) of header byte \(i) went unnoticed")
                } catch {
                    #expect([.malformedHeader, .noMatch, .headerMACMismatch, .truncated].contains(error.code), "byte \(i): \(error)")
                }
            }
        }
    }

    /// Reordering stanzas changes the bytes the MAC covers, so it is detected like any other
    /// change to the header, even though each stanza still opens.
    @Test func reorderedStanzasFailTheMAC() throws {
        let a = AgeIdentity.generate(), b = AgeIdentity.generate()
        let file = try Age.encrypt(randomBytes(10), to: [a.recipient, b.recipient])
        let length = try headerLength(file)
        let lines = String(decoding: file[..<length], as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        let swapped = [lines[0], lines[3], lines[4], lines[1], lines[2], lines[5]]
        let reordered = Array((swapped.joined(separator: "\n") + "\n").utf8) + file[length...]
        for identity in [a, b] {
            expectCode(.headerMACMismatch, "reordered stanzas") { try Age.decrypt(reordered, identities: [identity]) }
        }
    }

    @Test func tamperedPayload() throws {
        let identity = AgeIdentity.generate()
        let file = try Age.encrypt(randomBytes(3 * Self.chunk + 10), to: [identity.recipient])
        let start = try headerLength(file)
        // The nonce (a different payload key), the first, a middle and the last byte of the
        // chunks, the last tag.
        for offset in [start, start + 15, start + 16, start + 16 + Self.chunk + 20, file.count - 20, file.count - 1] {
            var damaged = file
            damaged[offset] ^= 0x01
            expectCode(.payloadAuthentication, "payload byte \(offset - start)") { try Age.decrypt(damaged, identities: [identity]) }
        }
        // A damaged later chunk: the chunks before it were released (and are genuine).
        var damaged = file
        damaged[start + 16 + 2 * (Self.chunk + 16) + 5] ^= 0x01
        var released = 0
        expectCode(.payloadAuthentication, "third chunk") {
            try Age.decrypt(damaged, identities: [identity]) { released += $0.count }
        }
        #expect(released == 2 * Self.chunk)
    }

    @Test func reorderedChunks() throws {
        let identity = AgeIdentity.generate()
        let file = try Age.encrypt(randomBytes(3 * Self.chunk), to: [identity.recipient])
        let start = try headerLength(file) + 16, sealed = Self.chunk + 16
        let first = file[start..<(start + sealed)], second = file[(start + sealed)..<(start + 2 * sealed)]
        let swapped = Array(file[..<start]) + second + first + file[(start + 2 * sealed)...]
        expectCode(.payloadAuthentication, "swapped chunks") { try Age.decrypt(swapped, identities: [identity]) }
    }

    @Test func truncatedFiles() throws {
        let identity = AgeIdentity.generate()
        let file = try Age.encrypt(randomBytes(2 * Self.chunk + 100), to: [identity.recipient])
        let header = try headerLength(file)
        let sealed = Self.chunk + 16
        // Inside the header, before or inside the nonce, with no chunk, after a non-final chunk.
        for cut in [0, 10, header - 1, header, header + 8, header + 16, header + 16 + sealed, header + 16 + 2 * sealed, header + 16 + 7] {
            expectCode(.truncated, "cut at \(cut)") { try Age.decrypt(Array(file[..<cut]), identities: [identity]) }
        }
        // Cut inside the final chunk, it fails authentication: a cut chunk and a damaged one
        // cannot be told apart.
        expectCode(.payloadAuthentication, "cut inside the final chunk") { try Age.decrypt(Array(file.dropLast(1)), identities: [identity]) }
    }

    @Test func trailingData() throws {
        let identity = AgeIdentity.generate()
        // After a full final chunk, anything more is trailing data.
        let full = try Age.encrypt(randomBytes(Self.chunk), to: [identity.recipient])
        var released = 0
        expectCode(.trailingData, "a byte after a full final chunk") {
            try Age.decrypt(full + [0], identities: [identity]) { released += $0.count }
        }
        #expect(released == Self.chunk)
        // After a short final chunk, the extra byte makes it a different (unauthentic) chunk.
        let short = try Age.encrypt(randomBytes(100), to: [identity.recipient])
        expectCode(.payloadAuthentication, "a byte after a short final chunk") { try Age.decrypt(short + [0], identities: [identity]) }
    }

    @Test func malformedArmor() throws {
        let identity = AgeIdentity.generate()
        let armored = String(decoding: try Age.encrypt(randomBytes(200), to: [identity.recipient], armor: true), as: UTF8.self)
        let cases = [
            "garbage\n" + armored,
            armored + "garbage\n",
            armored.replacingOccurrences(of: "AGE ENCRYPTED FILE", with: "age encrypted file"),
            armored.replacingOccurrences(of: "-----\n", with: "-----\n\n", options: [], range: armored.range(of: "-----\n")),
            armored.replacingOccurrences(of: AgeArmor.endLine, with: ""),
        ]
        for (n, text) in cases.enumerated() {
            expectCode(.malformedArmor, "armor case \(n)") { try AgeArmor.decode(Array(text.utf8)) }
        }
        expectCode(.malformedArmor, "armor, auto-detected") {
            try Age.decrypt(Array(cases[1].utf8), identities: [identity])
        }
    }
}
