import Foundation
import JejakCrypto
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("key files")
struct KeyFileTests {
    func mode(of path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return try #require(attributes[.posixPermissions] as? Int)
    }

    @Test func writeIsMode0600AndReadsBack() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("log.key").path
        let key = try SignerKey.generate(name: "kpu.go.id/log")
        try KeyFile.write(key, to: path)

        #expect(try mode(of: path) == 0o600)
        let content = try String(contentsOfFile: path, encoding: .utf8)
        #expect(content == key.privateKeyString() + "\n")

        let back = try KeyFile.read(from: path)
        #expect(back.verifierKey == key.verifierKey)
        #expect(back.privateKeyString() == key.privateKeyString())
        let sig = back.sign(noteText: "x\n")
        #expect(key.verifierKey.verify(noteText: "x\n", signature: sig))
    }

    @Test func refusedWhenGroupOrOthersHaveAccess() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("unit.key").path
        try KeyFile.write(try SignerKey.generate(name: "unit.example"), to: path)
        for bad in [0o644, 0o640, 0o604, 0o610, 0o601, 0o660] {
            #expect(chmod(path, mode_t(bad)) == 0)
            do {
                _ = try KeyFile.read(from: path)
                Issue.record("mode \(String(bad, radix: 8)) was accepted")
            } catch {
                #expect(error.code == .insecureKeyFile)
                #expect(error.message.contains("chmod 600 \(path)"), "\(error.message)")
            }
        }
        #expect(chmod(path, 0o400) == 0)
        #expect((try? KeyFile.read(from: path)) != nil)
        #expect(chmod(path, 0o600) == 0)
        #expect((try? KeyFile.read(from: path)) != nil)
    }

    @Test func refusesToOverwrite() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("k.key").path
        let first = try SignerKey.generate(name: "first.example")
        try KeyFile.write(first, to: path)
        expectCode(.keyFileExists, "second write") { () throws(CryptoError) in
            try KeyFile.write(try SignerKey.generate(name: "second.example"), to: path)
        }
        #expect(try KeyFile.read(from: path).verifierKey == first.verifierKey)

        // Nor through a symbolic link, even a dangling one.
        let link = dir.appendingPathComponent("link.key").path
        #expect(symlink(dir.appendingPathComponent("nowhere").path, link) == 0)
        expectCode(.keyFileExists, "dangling symlink") { () throws(CryptoError) in
            try KeyFile.write(first, to: link)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("nowhere").path))
        // Nor onto a directory.
        expectCode(.keyFileExists, "directory") { () throws(CryptoError) in try KeyFile.write(first, to: dir.path) }
    }

    @Test func ioErrorsAreTyped() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = try SignerKey.generate(name: "k.example")
        expectCode(.keyFileIO, "missing file") { () throws(CryptoError) in
            try KeyFile.read(from: dir.appendingPathComponent("missing.key").path)
        }
        expectCode(.keyFileIO, "missing directory") { () throws(CryptoError) in
            try KeyFile.write(key, to: dir.appendingPathComponent("no/such/dir.key").path)
        }
        #expect(chmod(dir.path, 0o700) == 0)
        expectCode(.keyFileIO, "a directory") { () throws(CryptoError) in try KeyFile.read(from: dir.path) }
    }

    func writeRaw(_ text: String, to path: String, mode: mode_t = 0o600) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        try #require(fd >= 0)
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count)
        close(fd)
    }

    @Test func contentIsParsedStrictly() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let key = try SignerKey.generate(name: "k.example")
        let text = key.privateKeyString()

        let crlf = dir.appendingPathComponent("crlf.key").path
        try writeRaw(text + "\r\n", to: crlf)
        #expect(try KeyFile.read(from: crlf).verifierKey == key.verifierKey)

        let bare = dir.appendingPathComponent("bare.key").path
        try writeRaw(text, to: bare)
        #expect(try KeyFile.read(from: bare).verifierKey == key.verifierKey)

        let twoLines = dir.appendingPathComponent("two.key").path
        try writeRaw(text + "\n" + text + "\n", to: twoLines)
        expectCode(.invalidEncoding, "two keys") { () throws(CryptoError) in try KeyFile.read(from: twoLines) }

        let vkey = dir.appendingPathComponent("vkey.key").path
        try writeRaw(key.verifierKey.description + "\n", to: vkey)
        expectCode(.notAKeyFile, "a vkey") { () throws(CryptoError) in try KeyFile.read(from: vkey) }
        #expect(throws: CryptoError.self) { try KeyFile.read(from: vkey) }
        do { _ = try KeyFile.read(from: vkey) } catch { #expect(error.message.contains("it is a public key, a vkey"), "\(error.message)") }

        let empty = dir.appendingPathComponent("empty.key").path
        try writeRaw("", to: empty)
        expectCode(.notAKeyFile, "empty file") { () throws(CryptoError) in try KeyFile.read(from: empty) }

        let huge = dir.appendingPathComponent("huge.key").path
        try writeRaw(String(repeating: "A", count: KeyFile.maximumSize + 1), to: huge)
        expectCode(.keyFileIO, "too large") { () throws(CryptoError) in try KeyFile.read(from: huge) }

        let badUTF8 = dir.appendingPathComponent("utf8.key").path
        let fd = open(badUTF8, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        let bytes: [UInt8] = Array("PRIVATE+KEY+k".utf8) + [0xFF] + Array(text.dropFirst("PRIVATE+KEY+k".count).utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        expectCode(.invalidKeyName, "invalid UTF-8 name") { () throws(CryptoError) in try KeyFile.read(from: badUTF8) }
    }
}
