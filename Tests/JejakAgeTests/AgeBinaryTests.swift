import Foundation
import JejakAge
import Testing

/// Whether Debian's `age` and `age-keygen` are installed.
let ageBinariesInstalled = FileManager.default.isExecutableFile(atPath: "/usr/bin/age")
    && FileManager.default.isExecutableFile(atPath: "/usr/bin/age-keygen")

/// Interoperability with the reference implementation: Debian's `age` and `age-keygen`
/// (/usr/bin; the tests are skipped, visibly, where they are not installed).
@Suite("age binary interoperability", .enabled(if: ageBinariesInstalled, "needs /usr/bin/age and /usr/bin/age-keygen"))
struct AgeBinaryTests {
    static let age = "/usr/bin/age"
    static let keygen = "/usr/bin/age-keygen"

    static let sizes = [0, 1, 64 * 1024, 64 * 1024 + 1, 200_000]

    func write(_ bytes: [UInt8], to url: URL) throws {
        try Data(bytes).write(to: url)
    }

    func read(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }

    /// Ours encrypts (binary and armored); `age -d -i <identity file written by us>` decrypts.
    @Test func ageDecryptsOurs() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let identity = AgeIdentity.generate(), other = AgeIdentity.generate()
        let keyFile = dir.appendingPathComponent("key.txt")
        try AgeIdentityFile.write(identity, to: keyFile.path)
        for size in Self.sizes {
            for armor in [false, true] {
                let plaintext = randomBytes(size)
                let encrypted = dir.appendingPathComponent("file-\(size)-\(armor).age")
                try write(try Age.encrypt(plaintext, to: [other.recipient, identity.recipient], armor: armor), to: encrypted)
                // Standard output rather than -o: age creates no output file for an empty plaintext.
                let result = try await run(Self.age, ["-d", "-i", keyFile.path, encrypted.path])
                #expect(result.status == 0, "age -d, \(size) bytes, armor \(armor): \(result.stderr)")
                #expect(result.output == plaintext, "\(size) bytes, armor \(armor)")
            }
        }
    }

    /// `age-keygen -o` writes an identity file; ours reads it, agrees with `age-keygen -y` on
    /// the recipient and decrypts what `age -r` (binary and `-a` armored) encrypts to it.
    @Test func oursDecryptsAge() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyFile = dir.appendingPathComponent("keygen.txt")
        let generated = try await run(Self.keygen, ["-o", keyFile.path])
        #expect(generated.status == 0, "\(generated.stderr)")
        let identities = try AgeIdentityFile.read(from: keyFile.path)
        #expect(identities.count == 1)
        let identity = try #require(identities.first)
        let publicKey = try await run(Self.keygen, ["-y", keyFile.path])
        #expect(publicKey.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == identity.recipient.description)

        for size in Self.sizes {
            for armor in [false, true] {
                let plaintext = randomBytes(size)
                let input = dir.appendingPathComponent("plain-\(size)-\(armor)")
                let encrypted = dir.appendingPathComponent("plain-\(size)-\(armor).age")
                try write(plaintext, to: input)
                let result = try await run(
                    Self.age, ["-r", identity.recipient.description] + (armor ? ["-a"] : []) + ["-o", encrypted.path, input.path])
                #expect(result.status == 0, "age -r: \(result.stderr)")
                let file = try read(encrypted)
                #expect(AgeArmor.isArmored(file) == armor)
                #expect(try Age.decrypt(file, identities: identities) == plaintext, "\(size) bytes, armor \(armor)")
                expectCode(.noMatch, "another identity") { try Age.decrypt(file, identities: [AgeIdentity.generate()]) }
            }
        }
    }

    /// `age` refuses what ours refuses: a tampered payload.
    @Test func ageRejectsTamperedFile() async throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let identity = AgeIdentity.generate()
        let keyFile = dir.appendingPathComponent("key.txt")
        try AgeIdentityFile.write(identity, to: keyFile.path)
        var file = try Age.encrypt(randomBytes(1000), to: [identity.recipient])
        file[file.count - 1] ^= 1
        let encrypted = dir.appendingPathComponent("bad.age")
        try write(file, to: encrypted)
        let result = try await run(Self.age, ["-d", "-i", keyFile.path, encrypted.path])
        #expect(result.status != 0)
        expectCode(.payloadAuthentication, "tampered") { try Age.decrypt(file, identities: [identity]) }
    }
}
