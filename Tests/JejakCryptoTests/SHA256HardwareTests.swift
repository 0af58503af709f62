import Foundation
import JejakCrypto
import Testing

@Suite struct SHA256HardwareTests {
    @Test func knownDigests() {
        #expect(SHA256Digest.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hash([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256Digest.hash(million).hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        let twoBlocks = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256Digest.hash(twoBlocks).hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func theHardwarePathIsUsedWhereTheCPUHasIt() throws {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let hasSHA = cpuinfo.split(separator: "\n").contains { $0.hasPrefix("flags") && $0.split(separator: " ").contains("sha_ni") }
        #expect(SHA256Digest.usesHardware == hasSHA)
    }

    @Test func theFastPathAgreesWithLibsodiumOnEveryLengthAndSplit() {
        var g = SystemRandomNumberGenerator()
        for length in 0..<600 {
            let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &g) }
            let split = length == 0 ? 0 : Int.random(in: 0...length, using: &g)
            data.withUnsafeBytes { all in
                let a = UnsafeRawBufferPointer(rebasing: all[..<split]), b = UnsafeRawBufferPointer(rebasing: all[split...])
                let reference = SHA256Digest.portableHash(parts: [all])
                #expect(SHA256Digest.hash(all) == reference, "length \(length)")
                #expect(SHA256Digest.hash(parts: [a, b]) == reference, "length \(length) split \(split)")
            }
        }
    }
}
