import Foundation
import JejakAge
import JejakCrypto
import Testing

/// One vector of the age testkit (Fixtures/age-testkit, see README.md there): a textual header
/// of `key: value` lines, a blank line, then the age file, perhaps zlib-compressed.
struct TestkitVector: Sendable {
    let name: String
    var expect = ""
    var payload: String?
    var identities: [String] = []
    var passphrases: [String] = []
    var armored = false
    var compressed = false
    var unknownKeys: [String] = []
    var file: [UInt8] = []

    /// The keys the testkit README defines.
    static let knownKeys: Set<String> = ["expect", "payload", "identity", "passphrase", "armored", "compressed", "file key", "comment"]

    static var directory: URL? {
        Bundle.module.url(forResource: "age-testkit", withExtension: nil, subdirectory: "Fixtures")
    }

    /// The names of every vector (every file but the README, NOTICE and licence files).
    static let names: [String] = {
        guard let directory,
              let all = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [] }
        return all.filter { !$0.hasPrefix("README") && !$0.hasPrefix("LICENSE") }.sorted()
    }()

    static func load(_ name: String) throws -> TestkitVector {
        let url = try #require(directory).appendingPathComponent(name)
        let bytes = [UInt8](try Data(contentsOf: url))
        var vector = TestkitVector(name: name)
        var offset = 0
        while true {
            let newline = try #require(bytes[offset...].firstIndex(of: 0x0A), "\(name): the textual header does not end")
            let line = String(decoding: bytes[offset..<newline], as: UTF8.self)
            offset = newline + 1
            if line.isEmpty { break }
            let separator = try #require(line.range(of: ": "), "\(name): header line \(line)")
            let key = String(line[..<separator.lowerBound]), value = String(line[separator.upperBound...])
            switch key {
            case "expect": vector.expect = value
            case "payload": vector.payload = value
            case "identity": vector.identities.append(value)
            case "passphrase": vector.passphrases.append(value)
            case "armored": vector.armored = value == "yes"
            case "compressed": vector.compressed = value == "zlib"
            default: if !knownKeys.contains(key) { vector.unknownKeys.append(key) }
            }
        }
        let body = Array(bytes[offset...])
        vector.file = vector.compressed ? try #require(inflateZlib(body), "\(name): zlib") : body
        return vector
    }
}

/// What the test made of a vector.
enum VectorOutcome: Sendable, Equatable {
    /// The expected outcome (and payload hash) was reproduced exactly.
    case checked
    /// The vector needs a recipient type this library does not implement (a passphrase, a
    /// post-quantum identity), and decryption was refused with `unsupportedRecipient`.
    case refused(String)
    /// Not run, for the reason given.
    case skipped(String)
    /// Something was wrong (the failures say what).
    case failed
}

struct VectorReport: Sendable {
    var outcome: VectorOutcome
    var failures: [String] = []
    /// The code decryption failed with, `nil` on success.
    var code: AgeError.Code?
}

/// How each testkit `expect` maps onto ``AgeError`` codes:
///
/// | expect            | codes                                                              |
/// |-------------------|--------------------------------------------------------------------|
/// | `success`         | none (the payload hash must match)                                 |
/// | `no match`        | `noMatch`                                                          |
/// | `HMAC failure`    | `headerMACMismatch`                                                |
/// | `header failure`  | `malformedHeader`, or `truncated` (the file ends inside the header or before the 16-byte nonce) |
/// | `payload failure` | `payloadAuthentication`, `truncated`, `trailingData`, `malformedPayload` (the hash of what was released must match) |
/// | `armor failure`   | `malformedArmor`                                                   |
///
/// Vectors that need a passphrase (scrypt) or a post-quantum identity, which this library does
/// not implement, are run with their X25519 identities (often none): if they still give the
/// expected outcome (a malformed stanza is malformed whatever the identity) they count as
/// checked; otherwise they must be refused with `unsupportedRecipient` naming the stanza
/// type, and their post-quantum identity strings must be refused by `AgeIdentity(parsing:)`
/// with `unsupportedRecipient` too.
enum Testkit {
    static let expectedCodes: [String: Set<AgeError.Code>] = [
        "no match": [.noMatch],
        "HMAC failure": [.headerMACMismatch],
        "header failure": [.malformedHeader, .truncated],
        "payload failure": [.payloadAuthentication, .truncated, .trailingData, .malformedPayload],
        "armor failure": [.malformedArmor],
    ]

    /// Every vector's report, computed once.
    static let reports: [String: VectorReport] = {
        var out: [String: VectorReport] = [:]
        for name in TestkitVector.names { out[name] = evaluate(name) }
        return out
    }()

    static func evaluate(_ name: String) -> VectorReport {
        let vector: TestkitVector
        do {
            vector = try TestkitVector.load(name)
        } catch {
            return VectorReport(outcome: .failed, failures: ["cannot load: \(error)"])
        }
        if !vector.unknownKeys.isEmpty {
            // The testkit README: "Files with unknown keys should be ignored."
            return VectorReport(outcome: .skipped("unknown header keys \(vector.unknownKeys)"))
        }
        var failures: [String] = []
        var identities: [AgeIdentity] = []
        var unsupportedIdentities = 0
        for text in vector.identities {
            do {
                identities.append(try AgeIdentity(parsing: text))
            } catch where error.code == .unsupportedRecipient && text.hasPrefix("AGE-SECRET-KEY-PQ-") {
                unsupportedIdentities += 1
            } catch {
                failures.append("identity refused with \(error.code): \(error.message)")
            }
        }

        // The testkit harness decodes armor when the vector says it is armored (a file with
        // leading garbage is not recognised as armor otherwise).
        var released: [UInt8] = []
        var result: AgeError?
        do {
            let binary = vector.armored ? try AgeArmor.decode(vector.file) : vector.file
            try Age.decrypt(binary, identities: identities) { released.append(contentsOf: $0) }
        } catch {
            result = error
        }
        // Armor found by Age.decrypt itself gives the same outcome.
        if vector.armored, AgeArmor.isArmored(vector.file) {
            var again: [UInt8] = []
            do {
                try Age.decrypt(vector.file, identities: identities) { again.append(contentsOf: $0) }
                if result != nil { failures.append("auto-detected armor succeeded where explicit decoding failed") }
            } catch {
                if error.code != result?.code { failures.append("auto-detected armor gave \(error.code), not \(String(describing: result?.code))") }
            }
            if again != released { failures.append("auto-detected armor released other bytes") }
        }

        let needsUnsupported = !vector.passphrases.isEmpty || unsupportedIdentities > 0
        let matches: Bool
        if vector.expect == "success" {
            matches = result == nil && vector.payload == sha256Hex(released)
        } else if let codes = expectedCodes[vector.expect] {
            let code = result?.code
            let hashOK = vector.expect == "payload failure" ? vector.payload == sha256Hex(released) : released.isEmpty
            matches = code.map(codes.contains) == true && hashOK
        } else {
            return VectorReport(outcome: .failed, failures: ["unknown expect \(vector.expect)"])
        }
        let got = result.map { "\($0.code): \($0.message)" } ?? "success, payload \(sha256Hex(released))"

        if matches {
            return VectorReport(outcome: failures.isEmpty ? .checked : .failed, failures: failures, code: result?.code)
        }
        if needsUnsupported, let result, result.code == .unsupportedRecipient {
            let type = vector.passphrases.isEmpty ? "mlkem768x25519" : "scrypt"
            if !result.message.contains(type) { failures.append("the refusal does not name \(type): \(result.message)") }
            if !released.isEmpty { failures.append("a refused file released plaintext") }
            let reason = vector.passphrases.isEmpty ? "needs a post-quantum (mlkem768x25519) identity" : "needs an scrypt passphrase"
            return VectorReport(outcome: failures.isEmpty ? .refused(reason) : .failed, failures: failures, code: result.code)
        }
        failures.append("expected \(vector.expect)\(vector.payload.map { ", payload \($0)" } ?? ""); got \(got)")
        return VectorReport(outcome: .failed, failures: failures)
    }
}

@Suite("age testkit")
struct TestkitTests {
    @Test("vector", arguments: TestkitVector.names)
    func vector(_ name: String) throws {
        let report = try #require(Testkit.reports[name])
        for failure in report.failures { Issue.record("\(name): \(failure)") }
        #expect(report.outcome != .failed, "\(name)")
    }

    /// The vectors refused because they need a recipient type this library does not implement.
    /// Every other vector is checked; none is skipped.
    static let refused: Set<String> = [
        // scrypt with a well-formed stanza: only the passphrase can tell the outcome.
        "scrypt", "scrypt_bad_tag", "scrypt_no_match", "scrypt_work_factor_wrong", "armor_scrypt",
        // mlkem768x25519 stanzas that only decapsulation can judge.
        "hybrid", "hybrid_and_x25519", "hybrid_bad_tag", "hybrid_currupted_enc_mlkem",
        "hybrid_currupted_enc_x25519", "hybrid_grease", "hybrid_identity", "hybrid_low_order",
        "hybrid_multiple_recipients", "hybrid_no_match", "armor_hybrid",
    ]

    @Test func everyVectorIsAccountedFor() throws {
        let reports = Testkit.reports
        #expect(reports.count == 143, "the testkit has 143 vectors; found \(reports.count)")
        var checked: [String] = [], refused: [String: String] = [:], skipped: [String: String] = [:]
        for (name, report) in reports {
            switch report.outcome {
            case .checked: checked.append(name)
            case .refused(let why): refused[name] = why
            case .skipped(let why): skipped[name] = why
            case .failed: break
            }
        }
        #expect(Set(refused.keys) == Self.refused)
        #expect(skipped.isEmpty, "\(skipped)")
        #expect(checked.count == reports.count - Self.refused.count)
        if ProcessInfo.processInfo.environment["AGE_TESTKIT_VERBOSE"] != nil {
            for (name, report) in reports.sorted(by: { $0.key < $1.key }) { print("  \(name): \(report.code.map { "\($0)" } ?? "success")") }
        }
        print("age testkit: \(reports.count) vectors, \(checked.count) checked, \(refused.count) refused as unsupported, \(skipped.count) skipped")
        for (name, why) in refused.sorted(by: { $0.key < $1.key }) { print("  refused \(name): \(why)") }
        for (name, why) in skipped.sorted(by: { $0.key < $1.key }) { print("  skipped \(name): \(why)") }
    }
}
