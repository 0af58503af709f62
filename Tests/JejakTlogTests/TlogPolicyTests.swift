import Foundation
import JejakCrypto
import Testing

@testable import JejakTlog

func policyError(_ body: () throws(PolicyError) -> Void) -> PolicyError? {
    do {
        try body()
        return nil
    } catch {
        return error
    }
}

func parse(_ text: String) -> PolicyError? {
    policyError { () throws(PolicyError) in _ = try TlogPolicy(parsing: text) }
}

/// vkey strings of the test keys.
enum V {
    static let log = TestKeys.log.verifierKey.description
    static let otherLog = TestKeys.otherLog.verifierKey.description
    static let w = TestKeys.witnesses.map { $0.verifierKey.description }
    /// The first witness's public key under another name, and the log's.
    static let sameKeyOtherName = (try? SignerKey(
        name: "renamed.example/witness", type: .cosignatureV1, privateKey: TestKeys.witnesses[0].privateKey))?
        .verifierKey.description ?? ""
    static let logKeyOtherName = (try? SignerKey(
        name: "renamed.example/log", type: .ed25519, privateKey: TestKeys.log.privateKey))?.verifierKey.description ?? ""
}

/// The structure of the spec's example policy, with real keys.
let specPolicyText = """
    log \(V.log)

    witness X1 \(V.w[0])
    witness X2 \(V.w[1])
    witness X3 \(V.w[2])
    group X-witnesses 2 X1 X2 X3

    witness Y1 \(V.w[3])
    witness Y2 \(V.w[4])
    witness Y3 \(V.w[5])
    group Y-witnesses any Y1 Y2 Y3

    group X-and-Y all X-witnesses Y-witnesses
    quorum X-and-Y

    """

@Suite("tlog-policy")
struct TlogPolicyTests {
    @Test("the spec's example structure parses")
    func specExample() throws {
        let p = try TlogPolicy(parsing: specPolicyText)
        #expect(p.logs.map(\.key) == [TestKeys.log.verifierKey])
        #expect(p.logs[0].url == nil)
        #expect(p.witnesses.map(\.name) == ["X1", "X2", "X3", "Y1", "Y2", "Y3"])
        #expect(p.witnesses.map(\.key) == TestKeys.witnesses.map(\.verifierKey))
        #expect(p.groups.map(\.name) == ["X-witnesses", "Y-witnesses", "X-and-Y"])
        #expect(p.groups.map(\.threshold) == [.atLeast(2), .any, .all])
        #expect(p.groups[2].members == ["X-witnesses", "Y-witnesses"])
        #expect(p.quorum == "X-and-Y")
        // Canonical form round trip.
        let again = try TlogPolicy(parsing: p.serialized)
        #expect(again == p)
        #expect(again.serialized == p.serialized)
    }

    @Test("quorum evaluation: every subset of the six witnesses against 2-of-X and any-of-Y")
    func quorumTable() throws {
        let p = try TlogPolicy(parsing: specPolicyText)
        let names = ["X1", "X2", "X3", "Y1", "Y2", "Y3"]
        var satisfiedCount = 0
        for mask in 0..<64 {
            let set = Set(names.indices.filter { mask & (1 << $0) != 0 }.map { names[$0] })
            let x = set.filter { $0.hasPrefix("X") }.count
            let y = set.filter { $0.hasPrefix("Y") }.count
            let expected = x >= 2 && y >= 1
            #expect(p.isQuorumSatisfied(byWitnessesNamed: set) == expected, "\(set.sorted())")
            if expected { satisfiedCount += 1 }
        }
        // C(3,2)+C(3,3) = 4 ways for X, 7 for Y.
        #expect(satisfiedCount == 28)
    }

    @Test("quorum evaluation: k-of-n, nested groups, a single witness, none")
    func quorumKinds() throws {
        let base = (0..<6).map { "witness W\($0) \(V.w[$0])" }.joined(separator: "\n")
        func policy(_ rest: String) throws -> TlogPolicy {
            try TlogPolicy(parsing: "log \(V.log)\n\(base)\n\(rest)\n")
        }
        let none = try policy("quorum none")
        #expect(none.isQuorumSatisfied(byWitnessesNamed: []))
        let single = try policy("quorum W3")
        #expect(single.isQuorumSatisfied(byWitnessesNamed: ["W3"]))
        #expect(!single.isQuorumSatisfied(byWitnessesNamed: ["W0", "W1", "W2", "W4", "W5"]))
        let threeOfFive = try policy("group G 3 W0 W1 W2 W3 W4\nquorum G")
        #expect(!threeOfFive.isQuorumSatisfied(byWitnessesNamed: ["W0", "W1", "W5"]))
        #expect(threeOfFive.isQuorumSatisfied(byWitnessesNamed: ["W0", "W1", "W4"]))
        #expect(threeOfFive.isQuorumSatisfied(byWitnessesNamed: ["W0", "W1", "W2", "W3", "W4"]))
        // Three levels: (W0 and W1) or (2 of (W2, W3, any(W4, W5))).
        let nested = try policy("""
            group A all W0 W1
            group C any W4 W5
            group B 2 W2 W3 C
            group Top any A B
            quorum Top
            """)
        #expect(nested.isQuorumSatisfied(byWitnessesNamed: ["W0", "W1"]))
        #expect(!nested.isQuorumSatisfied(byWitnessesNamed: ["W0", "W2"]))
        #expect(nested.isQuorumSatisfied(byWitnessesNamed: ["W2", "W5"]))
        #expect(nested.isQuorumSatisfied(byWitnessesNamed: ["W2", "W3"]))
        #expect(!nested.isQuorumSatisfied(byWitnessesNamed: ["W4", "W5"]))
        #expect(!nested.isQuorumSatisfied(byWitnessesNamed: ["W1", "W4", "W5"]))
        #expect(!nested.isQuorumSatisfied(byWitnessesNamed: []))
        // Names the policy does not define count for nothing.
        #expect(!nested.isQuorumSatisfied(byWitnessesNamed: ["A", "B", "Top", "none"]))
    }

    @Test("the syntax's freedoms are accepted")
    func lenientSyntax() throws {
        let text = "  # a comment, indented\n"
            + "\t#another\n"
            + "log\t\(V.log)   https://log.example/  \n"
            + "   \n"
            + "\n"
            + "witness\tSaksi-\u{03A9}  \(V.w[0])\thttps://w.example/\n"
            + "witness K \(V.w[1])\n"
            + "witness \u{212A} \(V.w[2])\n"  // Kelvin sign: a different name from "K"
            + "group g any Saksi-\u{03A9} K \u{212A}\n"
            + "quorum g"  // no final newline
        let p = try TlogPolicy(parsing: text)
        #expect(p.logs[0].url == "https://log.example/")
        #expect(p.witnesses.map(\.name) == ["Saksi-\u{03A9}", "K", "\u{212A}"])
        #expect(p.witnesses[0].url == "https://w.example/")
        #expect(p.quorum == "g")
        #expect(try TlogPolicy(parsing: p.serialized) == p)

        // Opaque non-UTF-8 names are distinct byte strings.
        var bytes = Array("log \(V.log)\nwitness ".utf8) + [0xFF, 0xFE]
        bytes += Array(" \(V.w[0])\nwitness ".utf8) + [0xFF, 0xFD]
        bytes += Array(" \(V.w[1])\ngroup g all ".utf8) + [0xFF, 0xFE, 0x20, 0xFF, 0xFD]
        bytes += Array("\nquorum g\n".utf8)
        let opaque = try TlogPolicy(parsing: bytes)
        #expect(opaque.witnesses.count == 2)
        #expect(opaque.serializedBytes == bytes)

        // A log-only policy with quorum none and no witnesses; no logs at all is allowed too.
        #expect(try TlogPolicy(parsing: "log \(V.log)\nquorum none\n").witnesses.isEmpty)
        #expect(try TlogPolicy(parsing: "quorum none\n").logs.isEmpty)
        // The same public key as log and witness is undesirable but allowed.
        let sameKey = try SignerKey(name: "w", type: .cosignatureV1, privateKey: TestKeys.log.privateKey)
        #expect(throws: Never.self) {
            try TlogPolicy(parsing: "log \(V.log)\nwitness W \(sameKey.verifierKey)\nquorum W\n")
        }
        // Several logs, numeric threshold equal to n.
        let several = try TlogPolicy(parsing: """
            log \(V.log)
            log \(V.otherLog) https://other.example
            witness A \(V.w[0])
            witness B \(V.w[1])
            group G 2 A B
            quorum G
            """)
        #expect(several.logs.count == 2)
        #expect(several.groups[0].threshold == .atLeast(2))
    }

    @Test("a key file given as a policy is named as such, and nothing of any refused line is quoted")
    func privateKeysAndRefusedLinesAreNeverQuoted() throws {
        let key = try SignerKey.generate(name: "biro-perencanaan")
        let secret = key.privateKeyString()
        let seed = String(secret.split(separator: "+", maxSplits: 4).last ?? "")
        for text in [secret + "\n", "# a comment\n" + secret + "\n", "  " + secret, "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n"] {
            let error = parse(text)
            #expect(error?.code == .privateKey, "\(String(describing: error))")
            #expect(error.map { !$0.message.contains(String(seed.prefix(12))) && !$0.message.contains("QQQQQQQQ") } == true)
        }
        // A line that is not a policy line at all: its number, never its text.
        let unknown = parse("zz9secretzz9 rest\nquorum none\n")
        #expect(unknown?.code == .malformedLine && unknown?.line == 1)
        #expect(unknown.map { !$0.message.contains("zz9secret") } == true, "\(String(describing: unknown))")
    }

    @Test("malformed policies are refused with the rule they break", arguments: [
        // Character set.
        ("# \u{0C}\nquorum none\n", PolicyError.Code.invalidCharacter, 1),
        ("# \u{7F}\nquorum none\n", .invalidCharacter, 1),
        ("quorum none\r\n", .invalidCharacter, 1),
        ("\n\nquorum\u{00} none\n", .invalidCharacter, 3),
        ("quorum none\n\u{1B}\n", .invalidCharacter, 2),
        // Lines.
        ("logs \(V.log)\nquorum none\n", .malformedLine, 1),
        ("Log \(V.log)\nquorum none\n", .malformedLine, 1),
        ("log\nquorum none\n", .malformedLine, 1),
        ("log \(V.log) https://x #comment\nquorum none\n", .malformedLine, 1),
        ("witness W1\nquorum none\n", .malformedLine, 1),
        ("witness W1 \(V.w[0]) https://x extra\nquorum none\n", .malformedLine, 1),
        ("witness W1 \(V.w[0])\ngroup G any\nquorum none\n", .malformedLine, 2),
        ("quorum\n", .malformedLine, 1),
        ("quorum none none\n", .malformedLine, 1),
        ("quorum none # trailing comment\n", .malformedLine, 1),
        // Keys.
        ("log not-a-vkey\nquorum none\n", .invalidKey, 1),
        ("log \(V.log)x\nquorum none\n", .invalidKey, 1),
        ("witness W \(V.w[0].replacingOccurrences(of: "+", with: "+0", options: [], range: nil))\nquorum none\n", .invalidKey, 1),
        ("witness W \(V.log)\nquorum none\n", .wrongKeyType, 1),
        ("log \(V.log)\nlog \(V.log)\nquorum none\n", .duplicateKey, 2),
        ("log \(V.log)\nlog \(V.logKeyOtherName)\nquorum none\n", .duplicateKey, 2),
        ("witness A \(V.w[0])\nwitness B \(V.w[0])\nquorum none\n", .duplicateKey, 2),
        ("witness A \(V.w[0])\nwitness B \(V.sameKeyOtherName)\nquorum none\n", .duplicateKey, 2),
        // Names.
        ("witness A \(V.w[0])\nwitness A \(V.w[1])\nquorum none\n", .duplicateName, 2),
        ("witness none \(V.w[0])\nquorum none\n", .duplicateName, 1),
        ("witness A \(V.w[0])\ngroup A any A\nquorum none\n", .duplicateName, 2),
        ("witness A \(V.w[0])\ngroup none any A\nquorum none\n", .duplicateName, 2),
        ("witness A \(V.w[0])\ngroup G any A B\nwitness B \(V.w[1])\nquorum G\n", .undefinedName, 2),
        ("witness A \(V.w[0])\ngroup G any A\ngroup H any G J\nquorum H\n", .undefinedName, 3),
        ("quorum G\nwitness A \(V.w[0])\ngroup G any A\n", .undefinedName, 1),
        ("witness A \(V.w[0])\nquorum B\n", .undefinedName, 2),
        ("witness A \(V.w[0])\ngroup G any A G\nquorum G\n", .undefinedName, 2),
        ("witness A \(V.w[0])\ngroup G any A none\nquorum G\n", .invalidMember, 2),
        ("witness A \(V.w[0])\ngroup G all A A\nquorum G\n", .duplicateMember, 2),
        ("witness A \(V.w[0])\nwitness B \(V.w[1])\ngroup G all A B\ngroup H any B\nquorum G\n", .duplicateMember, 4),
        // Thresholds.
        ("witness A \(V.w[0])\ngroup G 0 A\nquorum G\n", .invalidThreshold, 2),
        ("witness A \(V.w[0])\ngroup G 2 A\nquorum G\n", .invalidThreshold, 2),
        ("witness A \(V.w[0])\ngroup G -1 A\nquorum G\n", .invalidThreshold, 2),
        ("witness A \(V.w[0])\ngroup G +1 A\nquorum G\n", .invalidThreshold, 2),
        ("witness A \(V.w[0])\ngroup G 1.0 A\nquorum G\n", .invalidThreshold, 2),
        ("witness A \(V.w[0])\ngroup G ALL A\nquorum G\n", .invalidThreshold, 2),
        ("witness A \(V.w[0])\ngroup G 99999999999999999999999 A\nquorum G\n", .invalidThreshold, 2),
        // Quorum count.
        ("", .missingQuorum, 0),
        ("# only a comment\n\n", .missingQuorum, 0),
        ("log \(V.log)\n", .missingQuorum, 0),
        ("quorum none\nquorum none\n", .multipleQuorums, 2),
    ])
    func malformed(_ text: String, _ expected: PolicyError.Code, _ line: Int) {
        let error = parse(text)
        #expect(error?.code == expected, "\(String(describing: error))")
        #expect((error?.line ?? 0) == line, "\(String(describing: error))")
    }

    @Test("the builder writes policies that read back equal, and refuses what cannot be written")
    func builder() throws {
        var b = TlogPolicy.Builder()
        b.addLog(TestKeys.log.verifierKey)
        for i in 0..<3 { b.addWitness(name: "X\(i + 1)", key: TestKeys.witnesses[i].verifierKey) }
        b.addGroup(name: "X-witnesses", threshold: .atLeast(2), members: ["X1", "X2", "X3"])
        for i in 3..<6 { b.addWitness(name: "Y\(i - 2)", key: TestKeys.witnesses[i].verifierKey) }
        b.addGroup(name: "Y-witnesses", threshold: .any, members: ["Y1", "Y2", "Y3"])
        b.addGroup(name: "X-and-Y", threshold: .all, members: ["X-witnesses", "Y-witnesses"])
        b.setQuorum("X-and-Y")
        let built = try b.build()
        #expect(built == (try TlogPolicy(parsing: specPolicyText)))
        #expect(try TlogPolicy(parsing: built.serialized) == built)

        var bad = TlogPolicy.Builder()
        bad.addWitness(name: "two words", key: TestKeys.witnesses[0].verifierKey)
        bad.setQuorum("none")
        #expect(policyError { () throws(PolicyError) in _ = try bad.build() }?.code == .invalidItem)
        var injected = TlogPolicy.Builder()
        injected.addLog(TestKeys.log.verifierKey, url: "https://x\nquorum none")
        injected.setQuorum("none")
        #expect(policyError { () throws(PolicyError) in _ = try injected.build() }?.code == .invalidItem)
        var noQuorum = TlogPolicy.Builder()
        noQuorum.addLog(TestKeys.log.verifierKey)
        #expect(policyError { () throws(PolicyError) in _ = try noQuorum.build() }?.code == .missingQuorum)

        let simple = try TlogPolicy(
            log: TestKeys.log.verifierKey, witnesses: TestKeys.witnesses.prefix(3).map(\.verifierKey), threshold: .atLeast(2))
        #expect(simple.witnesses.map(\.name) == TestKeys.witnesses.prefix(3).map(\.name))
        #expect(simple.isQuorumSatisfied(byWitnessesNamed: Set(TestKeys.witnesses[0...1].map(\.name))))
        #expect(!simple.isQuorumSatisfied(byWitnessesNamed: [TestKeys.witnesses[2].name]))
        let logOnly = try TlogPolicy(log: TestKeys.log.verifierKey, witnesses: [], threshold: .all)
        #expect(logOnly.quorum == "none")
        #expect(policyError { () throws(PolicyError) in
            _ = try TlogPolicy(log: TestKeys.log.verifierKey, witnesses: [TestKeys.witnesses[0].verifierKey], threshold: .atLeast(2))
        }?.code == .invalidThreshold)
    }
}

@Suite("tlog-policy checkpoint verification")
struct PolicyVerificationTests {
    static let policy = try? TlogPolicy(parsing: specPolicyText)

    static func checkpoint(origin: String = TestKeys.origin, size: UInt64 = 10) throws -> Checkpoint {
        try Checkpoint(origin: origin, size: size, rootHash: Merkle.leafHash(Array("root \(size)".utf8)))
    }

    static func cosign(_ cp: SignedCheckpoint, _ witnesses: [Int]) throws -> SignedCheckpoint {
        var out = cp
        for i in witnesses { out = try out.cosigned(by: TestKeys.witnesses[i], timestamp: 1_000 + UInt64(i)) }
        return out
    }

    @Test("a checkpoint is accepted exactly when its valid cosignatures meet the quorum")
    func quorum() throws {
        let policy = try #require(Self.policy)
        let signed = try SignedCheckpoint.sign(Self.checkpoint(), with: TestKeys.log)
        for mask in 0..<64 {
            let set = (0..<6).filter { mask & (1 << $0) != 0 }
            let cp = try Self.cosign(signed, set)
            let x = set.filter { $0 < 3 }.count
            let y = set.filter { $0 >= 3 }.count
            let error = policyError { () throws(PolicyError) in
                let v = try policy.verify(cp)
                #expect(v.cosigners == set.map { ["X1", "X2", "X3", "Y1", "Y2", "Y3"][$0] })
                #expect(v.cosignatures.map(\.timestamp) == set.map { 1_000 + UInt64($0) })
                #expect(v.log.key == TestKeys.log.verifierKey)
                #expect(v.checkpoint == cp.checkpoint)
            }
            if x >= 2 && y >= 1 {
                #expect(error == nil, "\(set): \(String(describing: error))")
            } else {
                #expect(error?.code == .quorumNotMet, "\(set)")
            }
        }
        // Also from text.
        let text = try Self.cosign(signed, [0, 1, 5]).serialized
        let verified = try policy.verify(signedCheckpoint: text)
        #expect(verified.cosigners == ["X1", "X2", "Y3"])
        // Printed, it reads as a sentence with the root as the checkpoint text has it, and no
        // signature bytes.
        let rootLine = String(text.split(separator: "\n")[2])
        #expect(verified.description == "\(verified.checkpoint.origin) at size \(verified.checkpoint.size), root \(rootLine), signed by the log, cosigned by X1, X2, Y3")
        #expect(!verified.description.contains("—"))
        #expect(policyError { () throws(PolicyError) in _ = try policy.verify(signedCheckpoint: "junk\n") }?.code
            == .malformedCheckpoint)
    }

    @Test("quorum none needs only the log signature")
    func quorumNone() throws {
        let policy = try TlogPolicy(
            parsing: "log \(V.log)\nwitness A \(V.w[0])\nquorum none\n")
        let signed = try SignedCheckpoint.sign(Self.checkpoint(), with: TestKeys.log)
        #expect(try policy.verify(signed).cosigners.isEmpty)
        #expect(try policy.verify(Self.cosign(signed, [0, 1])).cosigners == ["A"])  // w1 is unknown: ignored
    }

    @Test("log signature rules: origin, missing, impostor, tampered")
    func logSignature() throws {
        let policy = try #require(Self.policy)
        // Another origin, signed by its own log, which the policy does not list.
        let other = try SignedCheckpoint.sign(Self.checkpoint(origin: TestKeys.otherLog.name), with: TestKeys.otherLog)
        let otherCosigned = try Self.cosign(other, [0, 1, 3])
        #expect(policyError { () throws(PolicyError) in _ = try policy.verify(otherCosigned) }?.code
            == .unknownOrigin)
        // The right origin, but signed by a different key with the same name: ignored, so missing.
        let impostor = try Self.cosign(SignedCheckpoint.sign(Self.checkpoint(), with: TestKeys.impostor), [0, 1, 3])
        #expect(policyError { () throws(PolicyError) in _ = try policy.verify(impostor) }?.code
            == .missingLogSignature)
        // A log signature whose bytes were altered.
        let good = try Self.cosign(SignedCheckpoint.sign(Self.checkpoint(), with: TestKeys.log), [0, 1, 3])
        var sigs = good.note.signatures
        var bytes = sigs[0].signature
        bytes[10] ^= 1
        sigs[0] = try NoteSignature(name: sigs[0].name, keyID: sigs[0].keyID, signature: bytes)
        let tampered = try SignedCheckpoint(note: SignedNote(text: good.note.text, signatures: sigs))
        #expect(policyError { () throws(PolicyError) in _ = try policy.verify(tampered) }?.code == .invalidLogSignature)
        // The log's signature moved onto another checkpoint text.
        let otherSize = try Self.checkpoint(size: 11)
        let moved = try SignedCheckpoint(note: SignedNote(text: otherSize.text, signatures: good.note.signatures))
        #expect(policyError { () throws(PolicyError) in _ = try policy.verify(moved) }?.code == .invalidLogSignature)
        // A policy listing both logs accepts either origin.
        let both = try TlogPolicy(parsing: "log \(V.log)\nlog \(V.otherLog)\nquorum none\n")
        #expect(try both.verify(other).log.key == TestKeys.otherLog.verifierKey)
        #expect(try both.verify(good).log.key == TestKeys.log.verifierKey)
    }

    @Test("a bad cosignature from a known witness rejects the checkpoint")
    func badCosignature() throws {
        let policy = try #require(Self.policy)
        let signed = try SignedCheckpoint.sign(Self.checkpoint(), with: TestKeys.log)
        let good = try Self.cosign(signed, [0, 1, 2, 3])
        var sigs = good.note.signatures
        var bytes = sigs[2].signature
        bytes[3] ^= 1  // the timestamp changes, so the signature no longer covers it
        sigs[2] = try NoteSignature(name: sigs[2].name, keyID: sigs[2].keyID, signature: bytes)
        let tampered = try SignedCheckpoint(note: SignedNote(text: good.note.text, signatures: sigs))
        #expect(policyError { () throws(PolicyError) in _ = try policy.verify(tampered) }?.code == .invalidCosignature)
        // Cosignatures copied from another checkpoint of the same log.
        let older = try Self.cosign(SignedCheckpoint.sign(Self.checkpoint(size: 9), with: TestKeys.log), [0, 1, 3])
        let mixed = try SignedCheckpoint(
            note: SignedNote(text: signed.note.text, signatures: signed.note.signatures + older.note.signatures.dropFirst()))
        #expect(policyError { () throws(PolicyError) in _ = try policy.verify(mixed) }?.code == .invalidCosignature)
    }
}
