import Foundation
import JejakAge
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("age keys")
struct KeyTests {
    /// The example pair of the spec (the identity is 32 bytes of 0x42).
    static let specIdentity = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
    static let specRecipient = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
    /// The spec's example MLKEM768-X25519 recipient.
    static let specPQRecipient = "age1pq1x34nzsvr0rxjsgdn8zgyhfe8j7ceq5r9rdelkjuh3y235jzxshfg87pzf5zrqtzdxz95paef6caq5aapdmwjjqpjfdyxnzr2zampc3uxy0dg4z2n2gm9su72p0pc3u0jvev55l694v78snxg3yzvcl7yda0eyytqj6a0ec477lnhcy5hzpz4zq3pxanve4cn62gqj3pjy5lqj9c6kyj4v2z8alktn8zh99970x79gjkv7522hv9kfz35zsnxhsx8wwtmu9cy3ftzjgwcp4sshn3llnylnpdsyz5jm72vefv4x5vfwytrefxg4wq3mv42wcrvkj742479zrxzpvp2p3e9fed9f0739vcu80r7ma28qfhnvlv4gfzel9q654dj3zmuvvz893azhxdvs9fxd0r7jzchzcfcs5mkyyjxhw0n2z6dvp9yn9qfdp29h0azxqyjw6v7fhyuzj7zel0uq6j9rd7wgrpz7mf5dnj43jwsgvrc8qcnhy7tu6dkdujuxzkp9xj43xe8h92ktre2a3u3s8mm5mrp9nr9pwkgtz4mdlq9hgn4fps4k57ff6wddn2fy23t47sm20r8km8sd2pcyyafnet8f0dajsrlyjeah4n3mssr6aseevuuskdvq5lzguyvpgwpta742c6698vgutzqgny8usfg0w2he7kq5vyxjd0f9hqg8xk26y9e4th0gezq92q4cpp5p2y9hf5f2cje5l0c3sa3a2qxmm38pxxvhxh99yzmfz0zk7r2s64nnwjhkfgfr3gf8xnmppcgmaykvh5sh6g7vk9790rf8ws0axmr2t7z8aae5fq2029uvcn2ghgt4fu4wgwdc0k0cz52qkvwmuzj8p8k5jgf3xzk5zmrkavjekjrpeq408xz3zxazwkc6tyfmhayrkfpjhwtz5mp8j8guqe43k2q6m2kte03vrw27y3wmqyu5etmt9dnkwcnnpmu9gz9dekfhdevf42ucshphnrk38ra6hx8w5f8q5ru0xdhrjxmwqf6cused7zc5xvq43r0zscjglpwlptpwydhqw64xz7ptjdyeyzpq2zkxtmzg29gzjpvzva4d3l0cenn9xs297wf4y4ukwrunf57xj6pm7nvrkwvtrt8hwcmgv8x7ajw7258ugf9wvkmk4052ekg87tw5vnx8nq2swyzv77v8yqlwsenvamr0zssknwts8rrhfuwj7ykysnq9jxy0uv3kuyt22djszjdtvpz6d0s0kwh8ryynddzud92emeyvvyqktd0jtj7rvvg5gch25v8smlvny3kvn5gagyz475ze2y6q466xqmz2n3hs77lddeqyta2nch5k2u5yacuk9ywnwfdzvyejnucz724hj77hrrmakm7pr3kxsrxq22ejexlud9fy2kdqmkg5yncz7jm5wv2qjk5w5kvcpqsry2yqffh2la52dxfjkjq5rzhjzeyn6dupn0qwtyv7s4lwg3xdarsdlwe2y3tujy480y7z39q259fzx6jhd2j0f5hagqpcpees7hzc2yrk5cy788uk3s7qvp5cpepx24gvws3m2g433exgwppnkjscec8qu4y9z9r7vccexjcjaen42245lmgmxmuavg9alej92322gvvyy2t6267v09ch64y0m53jff0vjj96s0ypk60hr3jw4myd6m5hpn3xjstx7tl2szhpr5qe8jj08ydjc4wy2rch2fhuy3pdfjax5awe9j99ly5hkntzz9fe5zatgjvzdd0kgtxs25njnajyf6ssekp7gelxquusn4pt25czh3scj68kq79wdn5tgm6yvm9nzavrg043x3msnygf8dweknw5jmqd0uvny6ttsn09508k0c55zfnegrm9efhxpfqdkmhh6gjtqmwze9pyyzk3tlhl53k2ykx3qheyty7saeq0d3fzv49zc0k"

    @Test func specExample() throws {
        let identity = try AgeIdentity(parsing: Self.specIdentity)
        #expect(identity.recipient.description == Self.specRecipient)
        #expect(identity.secretKeyString() == Self.specIdentity)
        let recipient = try AgeRecipient(parsing: Self.specRecipient)
        #expect(recipient == identity.recipient)
        #expect(recipient.publicKey.count == 32)
        #expect(recipient.publicKey.prefix(4) == [0x13, 0x2c, 0x44, 0x2b])
    }

    @Test func generatedKeysRoundTrip() throws {
        let identity = AgeIdentity.generate()
        let text = identity.secretKeyString()
        #expect(text.hasPrefix("AGE-SECRET-KEY-1") && text == text.uppercased() && text.count == 74)
        let back = try AgeIdentity(parsing: text)
        #expect(back.recipient == identity.recipient)
        let recipient = identity.recipient.description
        #expect(recipient.hasPrefix("age1") && recipient == recipient.lowercased() && recipient.count == 62)
        #expect(try AgeRecipient(parsing: recipient) == identity.recipient)
        #expect(AgeIdentity.generate().recipient != identity.recipient)
    }

    @Test func identityNeverShowsItsSecret() {
        let identity = AgeIdentity.generate()
        let secret = identity.secretKeyString()
        var dumped = ""
        dump(identity, to: &dumped)
        for shown in ["\(identity)", String(describing: identity), String(reflecting: identity), identity.debugDescription, dumped, "\([identity])"] {
            #expect(!shown.contains("AGE-SECRET-KEY"), "\(shown)")
            #expect(!shown.contains(secret.dropFirst(16).prefix(20)), "\(shown)")
        }
        #expect("\(identity)".contains(identity.recipient.description))
    }

    @Test func malformedRecipients() {
        let cases: [(String, AgeError.Code)] = [
            ("", .malformedKey),
            ("age1", .malformedKey),
            (String(Self.specRecipient.dropLast()) + "k", .malformedKey),                // checksum
            (Self.specRecipient.uppercased(), .malformedKey),                       // must be lowercase
            ("age1ZVKYG2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj", .malformedKey),  // mixed case
            ("age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqar9jk6", .malformedKey),    // 31 bytes
            ("age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqzhlqeg", .malformedKey), // 33 bytes
            ("agf1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqu996sf", .malformedKey),  // another prefix
            ("age1example1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqxwkrg9", .unsupportedRecipient),  // a plugin
            ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKr0 user@host", .unsupportedRecipient),
            (" " + Self.specRecipient, .malformedKey),
        ]
        for (text, code) in cases {
            expectCode(code, text) { try AgeRecipient(parsing: text) }
        }
        expectCode(.malformedKey, "31 bytes") { try AgeRecipient(publicKey: [UInt8](repeating: 1, count: 31)) }
        // An identity given as a recipient is refused without being quoted.
        for secret in [Self.specIdentity, String(Self.specIdentity.dropLast()) + "Y"] {
            do {
                _ = try AgeRecipient(parsing: secret)
                Issue.record("an identity was accepted as a recipient")
            } catch {
                #expect(error.code == .malformedKey)
                #expect(!error.message.contains("GFPYYSJZ"), "\(error.message)")
            }
        }
    }

    @Test func postQuantumKeysAreUnsupported() {
        // The examples of the spec.
        expectCode(.unsupportedRecipient, "PQ identity") {
            try AgeIdentity(parsing: "AGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR")
        }
        // Nearly 2,000 characters: Bech32 without BIP 173's 90-character limit, as the spec
        // says; the checksum is verified before the type is refused.
        #expect(Self.specPQRecipient.count > 1900)
        expectCode(.unsupportedRecipient, "PQ recipient") { try AgeRecipient(parsing: Self.specPQRecipient) }
        expectCode(.malformedKey, "PQ recipient, bad checksum") {
            try AgeRecipient(parsing: String(Self.specPQRecipient.dropLast()) + "q")
        }
        expectCode(.unsupportedRecipient, "tag recipient") {
            try AgeRecipient(parsing: "age1tag1qt8lw0ual6avlwmwatk888yqnmdamm7xfd0wak53ut6elz5c4swx2yqdj4e")
        }
    }

    @Test func malformedIdentities() {
        let cases = [
            Self.specIdentity.lowercased(),                                               // must be uppercase
            String(Self.specIdentity.dropLast()) + "Y",                                    // checksum
            "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ6J6TAE",   // 31 bytes
            Self.specRecipient,
            "AGE-SECRET-KEY-1",
            "",
        ]
        for text in cases {
            do {
                _ = try AgeIdentity(parsing: text)
                Issue.record("accepted a malformed identity")
            } catch {
                #expect(error.code == .malformedKey)
                // The message never quotes the would-be secret.
                #expect(text.isEmpty || !error.message.contains(text.dropFirst(16).prefix(12)), "\(error.message)")
            }
        }
    }

    // MARK: Identity files

    func mode(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int)
    }

    @Test func identityFileWritesAndReadsBack() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("key.txt").path
        let identity = AgeIdentity.generate()
        try AgeIdentityFile.write(identity, to: path)
        #expect(try mode(of: path) == 0o600)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("# created: 20") && lines[0].hasSuffix("Z"))
        #expect(lines[1] == "# public key: \(identity.recipient)")
        #expect(lines[2] == identity.secretKeyString())
        let back = try AgeIdentityFile.read(from: path)
        #expect(back.map(\.recipient) == [identity.recipient])
        // No stray temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["key.txt"])

        expectCode(.keyFileExists, "an existing file") { try AgeIdentityFile.write(AgeIdentity.generate(), to: path) }
        #expect(try AgeIdentityFile.read(from: path).map(\.recipient) == [identity.recipient])
    }

    @Test func identityFileRefusedWhenGroupOrOthersHaveAccess() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("key.txt").path
        try AgeIdentityFile.write(AgeIdentity.generate(), to: path)
        for bad in [0o644, 0o640, 0o604, 0o660] {
            #expect(chmod(path, mode_t(bad)) == 0)
            do {
                _ = try AgeIdentityFile.read(from: path)
                Issue.record("mode \(String(bad, radix: 8)) was accepted")
            } catch {
                #expect(error.code == .insecureKeyFile)
                #expect(error.message.contains("chmod 600 \(path)"), "\(error.message)")
            }
        }
        #expect(chmod(path, 0o400) == 0)
        #expect((try? AgeIdentityFile.read(from: path)) != nil)
    }

    /// Writes `text` to a new 0600 file and reads it as an identity file.
    func readIdentities(_ text: String) throws(AgeError) -> [AgeIdentity] {
        let dir = (try? makeTemporaryDirectory()) ?? FileManager.default.temporaryDirectory
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ids.txt").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        return try AgeIdentityFile.read(from: path)
    }

    @Test func identityFileFormat() throws {
        let a = AgeIdentity.generate(), b = AgeIdentity.generate()
        let text = "# created: 2025-01-01T00:00:00+07:00\r\n# public key: \(a.recipient)\r\n\(a.secretKeyString())\r\n\n\n#another\n\(b.secretKeyString())  \n"
        #expect(try readIdentities(text).map(\.recipient) == [a.recipient, b.recipient])

        expectCode(.malformedKey, "no identity") { try readIdentities("# only a comment\n\n") }
        expectCode(.malformedKey, "empty") { try readIdentities("") }
        do {
            _ = try readIdentities("# ok\n\(a.secretKeyString())\nnot-a-key-SECRETISH\n")
            Issue.record("a bad line was accepted")
        } catch {
            #expect(error.code == .malformedKey)
            #expect(error.message.contains("line 3"), "\(error.message)")
            #expect(!error.message.contains("SECRETISH"), "\(error.message)")
        }
        expectCode(.unsupportedRecipient, "a PQ identity") {
            try readIdentities("AGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR\n")
        }
        expectCode(.keyFileIO, "a missing file") { try AgeIdentityFile.read(from: "/nonexistent/jejak/age.key") }
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(chmod(dir.path, 0o700) == 0)
        expectCode(.keyFileIO, "a directory") { try AgeIdentityFile.read(from: dir.path) }
        expectCode(.keyFileIO, "too large") {
            try readIdentities(String(repeating: "#\n", count: AgeIdentityFile.maximumSize))
        }
    }
}
