import Foundation
import Jejak
import JejakCrypto
import JejakJSON
import JejakTestSupport
import JejakTlog
import Synchronization
import Testing

// A seeded mutation fuzzer for every parser of untrusted input: DSSE envelopes, CloudEvents,
// signed events and leaves, signed notes, checkpoints and cosignatures (through a policy),
// tlog-proofs and receipts, tlog-policies, vkeys and private key strings, hash tiles, entry
// bundles and tile paths, RFC 3339 times, and JSON itself.
//
// It starts from valid seeds, applies 1 to 4 mutations (bit flips, interesting bytes,
// truncation, NUL bytes, invalid UTF-8, huge numbers, deep nesting, duplicate JSON keys,
// oversize inputs, splices between seeds, structure-aware rewraps of an inner document), and
// feeds each input to every parser. An input passes when each parser returns or throws its
// typed error with a one-line message of bounded length; a parsed value must survive a
// re-serialisation round trip. A watchdog aborts the process if one input takes over 30 s.
//
//   swift test --filter Fuzz                              # CI: 1,000 inputs (18,000 parser runs), seed 0x4A454A414B
//   JEJAK_FUZZ_SECONDS=600 swift test --filter Fuzz       # the full run (see Tools/fuzz.sh)
//   JEJAK_FUZZ_SEED=123 JEJAK_FUZZ_ITERATIONS=50000 swift test --filter Fuzz
//   JEJAK_FUZZ_SAVE=/tmp/current.bin …                    # write each input there first

/// SplitMix64: small, fast, and the same sequence for the same seed on every platform.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Valid documents of every format, made with real keys.
struct Seeds {
    let unitKey: SignerKey
    let logKey: SignerKey
    let witnessKey: SignerKey
    let policy: TlogPolicy
    let policyNoWitness: TlogPolicy
    let event: SignedEvent
    let eventBytes: [UInt8]
    let envelopeBytes: [UInt8]
    let leaf: [UInt8]
    let checkpointText: String
    let receipt: Receipt
    /// Every seed, by name.
    let all: [(String, [UInt8])]

    init() throws {
        unitKey = try SignerKey.generate(name: "biro-keuangan")
        logKey = try SignerKey.generate(name: "fuzz.jejak.local/ledger")
        witnessKey = try SignerKey.generate(name: "inspektorat.kpu.go.id", type: .cosignatureV1)
        policy = try TlogPolicy(log: logKey.verifierKey, witnesses: [witnessKey.verifierKey], threshold: .all)
        policyNoWitness = try TlogPolicy(log: logKey.verifierKey, witnesses: [], threshold: .all)

        let cloud = try CloudEvent.make(
            id: "req-2026-000123", source: "biro-keuangan", type: "id.go.kpu.jejak.exchange.requested.v1",
            subject: "exchange/2026-000123", dataschema: "https://jejak.kpu.go.id/schemas/exchange.requested.v1.json",
            data: ["provider": "biro-perencanaan", "title": "Rekap anggaran", "amount": 1234.5, "items": [1, 2, 3],
                   "nested": ["a": ["b": [true, false, nil]]], "dueDate": "2026-12-31"])
        event = SignedEvent.sign(cloud, with: unitKey)
        eventBytes = cloud.bytes
        envelopeBytes = event.jsonBytes
        leaf = Leaf.encode(appended: LedgerTime(millisecondsSinceEpoch: 1_767_225_600_123), envelopeJSON: envelopeBytes)

        // A tree of 5 leaves holding the leaf at index 3.
        var leaves: [[UInt8]] = (0..<5).map { Array("leaf \($0)".utf8) }
        leaves[3] = leaf
        let hashes = leaves.map { Merkle.leafHash($0) }
        let tree = MerkleTree(leafHashes: hashes)
        let root = try tree.rootHash(size: 5)
        let signed = try SignedCheckpoint.sign(Checkpoint(origin: logKey.name, size: 5, rootHash: root), with: logKey)
        let cosigned = try signed.cosigned(by: witnessKey, timestamp: 1_767_225_600)
        checkpointText = cosigned.serialized
        let proof = try tree.inclusionProof(index: 3, size: 5)
        receipt = Receipt(eventID: cloud.id, proof: TlogProof(
            extra: Array("2026-01-01T00:00:00.123Z".utf8), index: 3, inclusionProof: proof, checkpoint: cosigned))

        let policyText = Array(policy.serialized.utf8)
        let tile = Tiles.encodeHashTile(hashes)
        let bundle = try Tiles.encodeEntryBundle(leaves)
        all = [
            ("event", eventBytes), ("envelope", envelopeBytes), ("leaf", leaf),
            ("checkpoint", Array(checkpointText.utf8)), ("checkpoint-unwitnessed", Array(signed.serialized.utf8)),
            ("receipt", Array(receipt.serialized.utf8)), ("policy", policyText),
            ("vkey", Array(unitKey.verifierKey.description.utf8)),
            ("private-key", Array(try SignerKey.generate(name: "fuzz-test-key").privateKeyString().utf8)),
            ("witness-vkey", Array(witnessKey.verifierKey.description.utf8)),
            ("hash-tile", tile), ("entry-bundle", bundle),
            ("tile-path", Array("tile/0/x001/x234/067.p/8".utf8)), ("bundle-path", Array("tile/entries/000".utf8)),
            ("time", Array("2026-01-01T07:00:00.5+07:00".utf8)),
            ("json", Array(#"{"a":[1,-2.5e10,"\u00e9\ud83d\ude00",null,true,{"b":{}}],"c":"\n\t\\\""}"#.utf8)),
        ]
    }
}

/// The mutations.
struct Mutator {
    var rng: SeededRandom
    let seeds: Seeds

    static let interestingBytes: [UInt8] = [0x00, 0x01, 0x0A, 0x0D, 0x09, 0x20, 0x22, 0x2C, 0x2B, 0x2D, 0x2E, 0x2F,
                                            0x30, 0x39, 0x3A, 0x3D, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F, 0x80, 0xBF,
                                            0xC0, 0xC1, 0xE2, 0xED, 0xF4, 0xF5, 0xFE, 0xFF]
    static let invalidUTF8: [[UInt8]] = [[0x80], [0xC0, 0x80], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80],
                                          [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
                                          [0xFE], [0xFF, 0xFE], [0xEF, 0xBB, 0xBF], [0xF0, 0x80, 0x80, 0xAF]]
    static let hugeNumbers: [String] = ["1e999999999", "-1e-999999999", "18446744073709551616", "18446744073709551615",
                                        "9223372036854775808", "-9223372036854775809", "0.000000000000000000000001",
                                        String(repeating: "9", count: 400), "1" + String(repeating: "0", count: 5000),
                                        "-0", "1E+308", "4.9e-324", "2.2250738585072014e-308", "00", "-", "1.", ".5",
                                        "NaN", "Infinity", "0x10", "1e", "1e+", "340282366920938463463374607431768211456"]
    static let tokens: [String] = ["\"payloadType\":", "\"payload\":", "\"signatures\":", "\"keyid\":", "\"sig\":",
                                   "\"specversion\":\"1.0\",", "\"id\":\"x\",", "\"data\":", "\\u0000", "\\ud800",
                                   "\\udc00\\ud800", "\\u", "\\x", "\u{2014} ", "\n\n", "\n", "\r\n", "index ", "extra ",
                                   "log ", "witness ", "group ", "quorum ", "none", "any", "all", "c2sp.org/tlog-proof@v1\n",
                                   "x000/", "x", ".p/", "/", "+", "==", "=", "AAAA", "////", "\u{FEFF}", "\u{0}",
                                   "T", "Z", "+14:00", "-23:59", "60", "2026-02-29", "9999-12-31T23:59:60.999Z"]

    mutating func int(_ n: Int) -> Int { n <= 0 ? 0 : Int(rng.next() % UInt64(n)) }
    mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }

    /// A new input: a seed, a nested rewrap, or a splice, with 1 to 4 mutations applied.
    mutating func next() -> [UInt8] {
        var input: [UInt8]
        switch int(10) {
        case 0: input = rewrapEnvelope()
        case 1: input = rewrapLeaf()
        case 2: input = resignCheckpoint()
        default: input = pick(seeds.all).1
        }
        for _ in 0..<(1 + int(4)) {
            input = mutate(input)
            if input.count > Self.maximumSize { input.removeLast(input.count - Self.maximumSize) }
        }
        return input
    }

    /// Inputs are cut to 72 KiB: past every format's 64 KiB limit, and quick to parse (megabyte
    /// inputs are among the hand-made cases).
    static let maximumSize = 72 * 1024

    mutating func mutate(_ s: [UInt8]) -> [UInt8] {
        var b = s
        let at = int(b.count + 1)
        switch int(17) {
        case 0:  // bit flips
            if b.isEmpty { return [0] }
            for _ in 0..<(1 + int(3)) { b[int(b.count)] ^= 1 << UInt8(int(8)) }
        case 1:  // interesting bytes
            if b.isEmpty { return [pick(Self.interestingBytes)] }
            b[int(b.count)] = pick(Self.interestingBytes)
        case 2:  // truncation
            b = Array(b.prefix(int(b.count)))
        case 3:  // NUL bytes
            b.insert(contentsOf: [UInt8](repeating: 0, count: 1 + int(3)), at: at)
        case 4:  // invalid UTF-8
            b.insert(contentsOf: pick(Self.invalidUTF8), at: at)
        case 5:  // a huge or malformed number, replacing a run of digits if there is one
            let number = Array(pick(Self.hugeNumbers).utf8)
            if let d = find(in: b, where: { (0x30...0x39).contains($0) }) {
                var e = d
                while e < b.count, (0x30...0x39).contains(b[e]) || b[e] == 0x2E { e += 1 }
                b.replaceSubrange(d..<e, with: number)
            } else {
                b.insert(contentsOf: number, at: at)
            }
        case 6:  // deep nesting
            let depth = pick([127, 129, 1000, 10_000])
            let open: [UInt8] = pick([Array("[".utf8), Array("{\"a\":".utf8), Array("[{\"a\":".utf8)])
            b.insert(contentsOf: Array(repeating: open, count: depth).joined(), at: at)
        case 7:  // duplicate a JSON member: "name":value copied after itself
            b = duplicateMember(b)
        case 8:  // oversize: a region repeated until the input passes 64 KiB or 1 MiB
            guard !b.isEmpty else { return b }
            let start = int(b.count), len = 1 + int(min(64, b.count - start))
            let chunk = Array(b[start..<(start + len)])
            let target = pick([65_535, 65_536, 65_600, Self.maximumSize])
            var grown = Array(b[..<start])
            while grown.count < target { grown += chunk }
            b = grown + b[start...]
        case 9:  // delete a range
            guard !b.isEmpty else { return b }
            let start = int(b.count), len = 1 + int(min(32, b.count - start))
            b.removeSubrange(start..<min(b.count, start + len))
        case 10:  // duplicate a range in place
            guard !b.isEmpty else { return b }
            let start = int(b.count), len = 1 + int(min(64, b.count - start))
            b.insert(contentsOf: Array(b[start..<min(b.count, start + len)]), at: start)
        case 11:  // splice with another seed
            let other = pick(seeds.all).1
            let cut = int(other.count + 1)
            b = Array(b.prefix(at)) + other[cut...]
        case 12:  // a format token
            b.insert(contentsOf: Array(pick(Self.tokens).utf8), at: at)
        case 13:  // swap two lines (text formats) or two bytes
            var lines = b.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
            if lines.count > 2 {
                lines.swapAt(int(lines.count), int(lines.count))
                b = Array(lines.joined(separator: [0x0A]))
            } else if b.count > 1 {
                b.swapAt(int(b.count), int(b.count))
            }
        case 14:  // a random byte
            if b.isEmpty { return [UInt8(truncatingIfNeeded: rng.next())] }
            b[int(b.count)] = UInt8(truncatingIfNeeded: rng.next())
        case 15:  // change a base64 character, or the length of a run of them
            if let i = find(in: b, where: isBase64) {
                b[i] = pick(Array("A/+=_-9z".utf8))
            }
        default:  // repeat the whole line many times (many signatures, witnesses, proof hashes)
            var lines = b.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
            if !lines.isEmpty {
                let i = int(lines.count)
                lines.insert(contentsOf: Array(repeating: lines[i], count: pick([2, 65, 101, 300])), at: i)
                b = Array(lines.joined(separator: [0x0A]))
            }
        }
        return b
    }

    /// The first index from a random start on (wrapping around) whose byte matches.
    private mutating func find(in b: [UInt8], where match: (UInt8) -> Bool) -> Int? {
        guard !b.isEmpty else { return nil }
        let start = int(b.count)
        return b[start...].firstIndex(where: match) ?? b[..<start].firstIndex(where: match)
    }

    private func isBase64(_ c: UInt8) -> Bool {
        (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || (0x30...0x39).contains(c) || c == 0x2B || c == 0x2F
    }

    private mutating func duplicateMember(_ b: [UInt8]) -> [UInt8] {
        // Find `"name":` and copy `"name":"x",` (or the same name with another value) before it.
        let quotes = b.indices.filter { b[$0] == 0x22 }
        guard quotes.count >= 2 else { return b }
        for _ in 0..<8 {
            let q = int(quotes.count - 1)
            let open = quotes[q], close = quotes[q + 1]
            guard close + 1 < b.count, b[close + 1] == 0x3A else { continue }
            let name = Array(b[open...close])
            let value: [UInt8] = pick([Array("\"x\"".utf8), Array("1".utf8), Array("null".utf8), Array("[]".utf8)])
            return Array(b[..<open]) + name + [0x3A] + value + [0x2C] + b[open...]
        }
        return b
    }

    /// An envelope whose payload is a mutated event (so the CloudEvent parser sees it).
    mutating func rewrapEnvelope() -> [UInt8] {
        var payload = seeds.eventBytes
        for _ in 0..<(1 + int(3)) { payload = mutate(payload) }
        let env = DSSEEnvelope.sign(payload: payload, payloadType: pick([CloudEvent.payloadType, "application/json", ""]),
                                    with: [seeds.unitKey])
        return env.jsonBytes()
    }

    /// A leaf around a mutated envelope.
    mutating func rewrapLeaf() -> [UInt8] {
        var envelope = int(2) == 0 ? seeds.envelopeBytes : rewrapEnvelope()
        envelope = mutate(envelope)
        return Leaf.encode(appended: LedgerTime(millisecondsSinceEpoch: Int64(bitPattern: rng.next()) % 400_000_000_000_000),
                           envelopeJSON: envelope)
    }

    /// A checkpoint whose text is mutated but validly signed by the log key (and cosigned), so
    /// the policy check goes past the signatures into the checkpoint's text.
    mutating func resignCheckpoint() -> [UInt8] {
        let text = String(decoding: mutate(Array("\(seeds.logKey.name)\n5\n\(Array(repeating: "A", count: 43).joined())=\n".utf8)),
                          as: UTF8.self)
        guard let note = try? SignedNote.sign(text: text, with: [seeds.logKey]) else { return Array(text.utf8) }
        var out = note.serialized
        if int(2) == 0, let cp = try? SignedCheckpoint(note: note),
           let cosigned = try? cp.cosigned(by: seeds.witnessKey, timestamp: rng.next() >> int(64)) {
            out = cosigned.serialized
        }
        return Array(out.utf8)
    }
}

/// One parser's verdict on one input.
enum Verdict {
    case accepted
    case refused(String)
}

/// The parsers under test, each returning its verdict; round trips are checked inside.
struct Parsers {
    let seeds: Seeds

    /// Runs every parser on `bytes`; returns (parser, verdict) pairs and any broken property.
    func run(_ bytes: [UInt8], timing: ((String, Duration) -> Void)? = nil) -> [(String, Verdict, String?)] {
        let text = String(decoding: bytes, as: UTF8.self)
        var out: [(String, Verdict, String?)] = []
        func check(_ name: String, _ body: () throws -> String?) {
            let t0 = ContinuousClock.now
            defer { timing?(name, ContinuousClock.now - t0) }
            do {
                let broken = try body()
                out.append((name, .accepted, broken))
            } catch {
                out.append((name, .refused(Self.message(of: error)), nil))
            }
        }
        check("json") {
            let v = try JSONParser.parse(bytes)
            let again = try JSONParser.parse(JSONWriter.bytes(v))
            return again == v ? nil : "JSON did not survive writing and parsing again"
        }
        check("dsse") {
            let e = try DSSEEnvelope(json: bytes)
            return try DSSEEnvelope(json: e.jsonBytes()) == e ? nil : "a DSSE envelope did not survive a round trip"
        }
        check("signed-event") {
            let e = try SignedEvent(json: bytes)
            _ = e.envelope.verifySignature(at: 0, with: seeds.unitKey.verifierKey)
            return try SignedEvent(json: e.jsonBytes) == e ? nil : "a signed event did not survive a round trip"
        }
        check("cloudevent") {
            let e = try CloudEvent(bytes: bytes)
            return e.bytes == bytes ? nil : "a CloudEvent did not keep its bytes"
        }
        check("leaf") {
            let entry = try LogEntry(index: 3, leaf: bytes)
            // The envelope inside may be any valid DSSE JSON (DSSE parsing is lenient); when it is
            // in the ledger's compact form, the whole leaf must be the ledger's form too.
            guard try Leaf.decode(bytes).envelopeJSON == entry.signedEvent.jsonBytes else { return nil }
            return Leaf.encode(appended: entry.appended, envelopeJSON: entry.signedEvent.jsonBytes) == bytes
                ? nil : "a leaf did not re-encode to its bytes"
        }
        check("signed-note") {
            let n = try SignedNote(parsing: bytes)
            _ = try? n.verify([seeds.logKey.verifierKey, seeds.witnessKey.verifierKey])
            return Array(n.serialized.utf8) == bytes ? nil : "a signed note did not serialise to its input"
        }
        check("checkpoint") {
            let c = try SignedCheckpoint(parsing: bytes)
            let again = try SignedCheckpoint(parsing: c.serialized)
            return again == c ? nil : "a checkpoint did not survive a round trip"
        }
        check("policy-verify") {  // cosignatures and quorum
            _ = try seeds.policy.verify(signedCheckpoint: text)
            return nil
        }
        check("policy-verify-unwitnessed") {
            _ = try seeds.policyNoWitness.verify(signedCheckpoint: text)
            return nil
        }
        check("tlog-proof") {
            let p = try TlogProof(parsing: text)
            _ = try? p.verify(leaf: seeds.leaf, policy: seeds.policy)
            return p.serialized == text ? nil : "a tlog-proof did not serialise to its input"
        }
        check("receipt") {
            let r = try Receipt(parsing: text, for: seeds.event)
            _ = try r.verify(seeds.event, policy: seeds.policy)
            return nil
        }
        check("tlog-policy") {
            let p = try TlogPolicy(parsing: bytes)
            return try TlogPolicy(parsing: p.serializedBytes) == p ? nil : "a policy did not survive a round trip"
        }
        check("vkey") {
            let k = try VerifierKey(parsing: text)
            return try VerifierKey(parsing: k.description) == k ? nil : "a vkey did not survive a round trip"
        }
        check("private-key") {
            _ = try SignerKey(parsing: text)
            return nil
        }
        check("hash-tile") {
            let hashes = try Tiles.decodeHashTile(bytes)
            return Tiles.encodeHashTile(hashes) == bytes ? nil : "a hash tile did not re-encode to its bytes"
        }
        check("entry-bundle") {
            let entries = try Tiles.decodeEntryBundle(bytes)
            return try Tiles.encodeEntryBundle(entries) == bytes ? nil : "an entry bundle did not re-encode to its bytes"
        }
        check("tile-path") {
            let t = try Tile(path: text)
            return t.path == text ? nil : "a tile path did not print as its input"
        }
        check("time") {  // RFC 3339 with any offset (time travel), and the ledger's own form
            guard let t = LedgerTime(parsing: text) else { throw FuzzRefusal() }
            if let exact = LedgerTime(rfc3339: text), exact != t { return "the two time parsers disagree" }
            // Years 0000-9999 print in the ledger's 24-byte form, which must read back the same.
            guard t.rfc3339.utf8.count == LedgerTime.encodedLength else { return nil }
            return LedgerTime(rfc3339: t.rfc3339) == t ? nil : "a time did not survive a round trip"
        }
        return out
    }

    struct FuzzRefusal: Error {}

    /// The typed error's message, or a description of an untyped one (flagged by the caller).
    static func message(of error: any Error) -> String {
        switch error {
        case let e as JSONError: e.message
        case let e as CryptoError: e.message
        case let e as LedgerError: e.message
        case let e as CheckpointError: e.message
        case let e as TlogProofError: e.message
        case let e as PolicyError: e.message
        case let e as TileError: e.message
        case is FuzzRefusal: "not a time"
        default: "UNTYPED \(type(of: error)): \(error)"
        }
    }
}

/// Aborts the process when one input runs longer than `limit` (a hang), saying which.
final class Watchdog: Sendable {
    private struct State { var started: ContinuousClock.Instant?; var label = ""; var done = false }
    private let state = Mutex(State())
    let limit: Duration

    init(limit: Duration) {
        self.limit = limit
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 1)
                let (started, label, done) = state.withLock { ($0.started, $0.label, $0.done) }
                if done { return }
                if let started, ContinuousClock.now - started > limit {
                    FileHandle.standardError.write(Data("FUZZ HANG: \(label) ran over \(limit)\n".utf8))
                    abort()
                }
            }
        }
        thread.start()
    }

    func begin(_ label: String) { state.withLock { $0.started = .now; $0.label = label } }
    func end() { state.withLock { $0.started = nil } }
    func stop() { state.withLock { $0.done = true } }
}

@Suite struct FuzzTests {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    @Test func everyParserRefusesHostileInputWithATypedOneLineError() throws {
        let seconds = Self.environment["JEJAK_FUZZ_SECONDS"].flatMap(Double.init)
        let iterations = Self.environment["JEJAK_FUZZ_ITERATIONS"].flatMap(Int.init) ?? (seconds == nil ? 1000 : .max)
        let seed = Self.environment["JEJAK_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x4A45_4A41_4B
        let save = Self.environment["JEJAK_FUZZ_SAVE"]
        let seeds = try Seeds()
        let parsers = Parsers(seeds: seeds)
        var mutator = Mutator(rng: SeededRandom(seed: seed), seeds: seeds)
        let watchdog = Watchdog(limit: .seconds(30))
        defer { watchdog.stop() }

        // The seeds themselves parse (else the fuzzer would start from nothing).
        let expected: [String: String] = [
            "event": "cloudevent", "envelope": "signed-event", "leaf": "leaf", "checkpoint": "policy-verify",
            "checkpoint-unwitnessed": "policy-verify-unwitnessed", "receipt": "receipt", "policy": "tlog-policy",
            "vkey": "vkey", "private-key": "private-key", "hash-tile": "hash-tile", "entry-bundle": "entry-bundle", "tile-path": "tile-path",
            "time": "time", "json": "json",
        ]
        for (name, bytes) in seeds.all {
            guard let parser = expected[name] else { continue }
            let verdict = parsers.run(bytes).first { $0.0 == parser }
            if case .refused(let why)? = verdict?.1 { Issue.record("the seed \(name) is refused by \(parser): \(why)") }
        }

        let start = ContinuousClock.now
        let deadline = seconds.map { start + .milliseconds(Int64($0 * 1000)) }
        var executions = 0, inputs = 0, accepted: [String: Int] = [:], slowest: Duration = .zero
        var problems: [String] = []
        var time: [String: Duration] = [:], slowestByParser: [String: (Duration, Int)] = [:]
        while inputs < iterations {
            if let deadline, ContinuousClock.now >= deadline { break }
            let input = mutator.next()
            if let save { _ = FileManager.default.createFile(atPath: save, contents: Data(input)) }
            watchdog.begin("input \(inputs) of seed \(seed) (\(input.count) bytes)")
            let t0 = ContinuousClock.now
            let verdicts = parsers.run(input) { parser, took in
                time[parser, default: .zero] += took
                if took > slowestByParser[parser]?.0 ?? .zero { slowestByParser[parser] = (took, input.count) }
            }
            slowest = max(slowest, ContinuousClock.now - t0)
            watchdog.end()
            inputs += 1
            executions += verdicts.count
            for (parser, verdict, broken) in verdicts {
                if let broken { problems.append("\(parser), input \(inputs - 1): \(broken)") }
                switch verdict {
                case .accepted: accepted[parser, default: 0] += 1
                case .refused(let message):
                    if message.isEmpty || message.contains("\n") || message.count > 2000 || message.hasPrefix("UNTYPED") {
                        problems.append("\(parser), input \(inputs - 1): not a typed one-line error: \(message.prefix(300).debugDescription)")
                    }
                }
            }
            if problems.count > 20 { break }
        }
        let elapsed = ContinuousClock.now - start
        print("fuzz: seed \(seed), \(inputs) inputs, \(executions) parser executions in \(elapsed); slowest input \(slowest); "
              + "accepted: " + accepted.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("fuzz: time per parser: " + time.sorted { $0.value > $1.value }.map { name, t in
            let worst = slowestByParser[name].map { " (slowest \($0.0) on \($0.1) bytes)" } ?? ""
            return "\(name) \(t)\(worst)"
        }.joined(separator: "; "))
        for p in problems { Issue.record(Comment(rawValue: p)) }
        #expect(inputs > 0)
    }

    /// Hostile inputs made on purpose, beyond what mutations reach by chance.
    @Test func handMadeHostileInputsAreRefusedWithTypedErrors() throws {
        let seeds = try Seeds()
        let parsers = Parsers(seeds: seeds)
        let env = String(decoding: seeds.envelopeBytes, as: UTF8.self)
        var cases: [(String, [UInt8])] = [
            ("empty", []),
            ("deep arrays", Array(String(repeating: "[", count: 200_000).utf8)),
            ("deep objects", Array(String(repeating: "{\"a\":", count: 40_000).utf8)),
            ("deep closed arrays", Array((String(repeating: "[", count: 129) + String(repeating: "]", count: 129)).utf8)),
            ("huge exponent", Array("1e99999999999999999999".utf8)),
            ("long number", Array(String(repeating: "7", count: 200_000).utf8)),
            ("duplicate payload", Array(env.replacingOccurrences(of: "{\"payloadType\"", with: "{\"payload\":\"\",\"payloadType\"").utf8)),
            ("NUL in a string", Array("{\"a\":\"x\u{0}y\"}".utf8)),
            ("escaped NUL in an id", Array(String(decoding: seeds.eventBytes, as: UTF8.self)
                .replacingOccurrences(of: "\"req-2026", with: "\"\\u0000req-2026").utf8)),
            ("lone surrogate", Array("\"\\ud800\"".utf8)),
            ("overlong NUL", [0x22, 0xC0, 0x80, 0x22]),
            ("BOM", [0xEF, 0xBB, 0xBF] + seeds.envelopeBytes),
            ("lowercase t in a leaf", Array(String(decoding: seeds.leaf, as: UTF8.self)
                .replacingOccurrences(of: "T00:00:00.123Z", with: "t00:00:00.123Z").utf8)),
            ("oversize leaf", Leaf.encode(appended: .now(), envelopeJSON: Array(repeating: 0x20, count: 70_000))),
            ("oversize payload", DSSEEnvelope.sign(payload: Array(repeating: 0x41, count: 300_000),
                                                   payloadType: CloudEvent.payloadType, with: [seeds.unitKey]).jsonBytes()),
            ("257-entry bundle", Array(repeating: [0, 1, 0x41], count: 257).flatMap { $0 }),
            ("bundle cut short", [0xFF, 0xFF, 0x41]),
            ("257-hash tile", Array(repeating: 7, count: 257 * 32)),
            ("tile path overflow", Array("tile/0/x999/x999/x999/x999/x999/x999/x999/999".utf8)),
            ("tile path level", Array("tile/99999999999999999999999/000".utf8)),
            ("tile path width", Array("tile/entries/000.p/256".utf8)),
            ("checkpoint size 2^64", Array(seeds.checkpointText.replacingOccurrences(of: "\n5\n", with: "\n18446744073709551616\n").utf8)),
            ("checkpoint 1000 signatures", Array((seeds.checkpointText + String(repeating: seeds.checkpointText.split(separator: "\n").last! + "\n", count: 1000)).utf8)),
            ("proof of 65 hashes", Array(seeds.receipt.serialized.replacingOccurrences(
                of: "index 3\n", with: "index 3\n" + String(repeating: String(repeating: "A", count: 43) + "=\n", count: 65)).utf8)),
            ("proof index 2^64-1", Array(seeds.receipt.serialized.replacingOccurrences(of: "index 3\n", with: "index 18446744073709551615\n").utf8)),
            ("policy of 10,000 witnesses", Array((String(decoding: Array(seeds.policy.serialized.utf8), as: UTF8.self)
                + String(repeating: "witness w \(seeds.witnessKey.verifierKey)\n", count: 10_000)).utf8)),
            ("time year 0", Array("0000-01-01T00:00:00Z".utf8)),
            ("time far", Array("99999-01-01T00:00:00Z".utf8)),
            ("time fraction", Array(("2026-01-01T00:00:00." + String(repeating: "9", count: 100_000) + "Z").utf8)),
            ("time offset", Array("2026-01-01T00:00:00+99:99".utf8)),
        ]
        for bad in Mutator.invalidUTF8 { cases.append(("invalid UTF-8 \(bad)", Array("{\"a\":\"".utf8) + bad + Array("\"}".utf8))) }
        for n in Mutator.hugeNumbers { cases.append(("number \(n.prefix(20))", Array("{\"size\":\(n)}".utf8))) }
        for (name, input) in cases {
            let t0 = ContinuousClock.now
            for (parser, verdict, broken) in parsers.run(input) {
                if let broken { Issue.record("\(name) / \(parser): \(broken)") }
                if case .refused(let message) = verdict,
                   message.isEmpty || message.contains("\n") || message.count > 2000 || message.hasPrefix("UNTYPED") {
                    Issue.record("\(name) / \(parser): not a typed one-line error: \(message.prefix(300).debugDescription)")
                }
            }
            let took = ContinuousClock.now - t0
            #expect(took < .seconds(20), "\(name) took \(took)")
            if took > .seconds(1) { print("fuzz: the hand-made input \(name) took \(took)") }
        }
        // A private key string that fails to parse must not show up in the error.
        let secret = seeds.unitKey.privateKeyString()
        for cut in [secret.count - 1, secret.count - 5, 20] {
            let broken = String(secret.prefix(cut)) + "!"
            do { _ = try SignerKey(parsing: broken); Issue.record("a damaged private key parsed") } catch {
                #expect(!SecretText.leaks(SecretText.secret(ofPrivateKey: secret), in: error.message),
                        "the error quotes the private key: \(error.message)")
            }
        }
    }
}
