import JejakBase
import JejakCrypto
import JejakJSON

/// An error from parsing, building or applying a tlog-policy: a code naming the rule that was
/// broken, a one-sentence message, and for parse errors the 1-based line number.
public struct PolicyError: JejakError, Hashable {
    /// What went wrong.
    public typealias Code = ErrorCode<PolicyErrors>

    /// What went wrong.
    public var code: Code
    /// One sentence for a person.
    public var message: String
    /// The 1-based line of the policy file the error is about, for parse errors.
    public var line: Int?

    /// Creates an error.
    public init(_ code: Code, _ message: String, line: Int? = nil) {
        self.code = code
        self.message = message
        self.line = line
    }

    /// The code's name.
    public var codeName: String { code.name }
    /// Policy errors wrap nothing (a vkey's reason is in the message).
    public var underlying: (any Error & Sendable)? { nil }

    /// The message, prefixed with the line number when there is one.
    public var description: String {
        if let line { return "line \(line): \(message)" }
        return message
    }
}

/// A C2SP transparency-log trust policy (c2sp.org/tlog-policy): the logs a verifier accepts,
/// the witnesses it knows, and the quorum of witnesses whose cosignatures make a checkpoint
/// valid.
///
/// ```
/// log example.com/log+1a2b3c4d+AQ...
///
/// witness X1 w1.example+.......+BA...
/// witness X2 w2.example+.......+BA...
/// group X-witnesses any X1 X2
/// quorum X-witnesses
/// ```
///
/// Parsing follows the spec exactly: lines end in a newline (a last line without one is read
/// too); items are separated by runs of spaces and tabs; blank lines and lines whose first
/// non-blank character is `#` are ignored (a `#` later in a line is an ordinary item, so a
/// trailing comment makes the line malformed); only tab, newline, 0x20–0x7E and 0x80–0xFF may
/// appear; names and URLs are opaque byte strings. Logs are `log <vkey> [<url>]` and witnesses
/// `witness <name> <vkey> [<url>]`, no two logs and no two witnesses with the same public key;
/// witnesses and groups share one namespace in which `none` is predefined; a group
/// (`group <name> all|any|<k> <member>...`) and the quorum may only name what is defined on
/// preceding lines; a name may be a group member only once in the whole file; there is exactly
/// one quorum line. Log keys must be Ed25519 (0x01) or cosignature (0x04) vkeys, witness keys
/// cosignature (0x04) vkeys; other signature types (such as ML-DSA-44) are not supported by
/// the crypto layer and are refused as invalid keys.
///
/// ``serialized`` writes the policy in a canonical form (logs, witnesses, groups in their
/// order, then the quorum), without the comments of a parsed file; parsing it gives back an
/// equal policy. A policy can also be made with ``Builder``.
public struct TlogPolicy: Hashable, Sendable {
    /// A log the policy accepts.
    public struct Log: Hashable, Sendable {
        /// The log's verifier key; its name is the log's origin.
        public let key: VerifierKey
        /// The optional URL (bytes with the high bit set decoded as UTF-8).
        public var url: String? { urlBytes.map { String(decoding: $0, as: UTF8.self) } }
        let urlBytes: [UInt8]?
    }

    /// A witness the policy knows.
    public struct Witness: Hashable, Sendable {
        /// The witness's name in the policy (used by groups and the quorum only).
        public var name: String { String(decoding: nameBytes, as: UTF8.self) }
        /// The witness's cosignature verifier key.
        public let key: VerifierKey
        /// The optional URL.
        public var url: String? { urlBytes.map { String(decoding: $0, as: UTF8.self) } }
        let nameBytes: [UInt8]
        let urlBytes: [UInt8]?
    }

    /// A group's threshold, as written.
    public enum Threshold: Hashable, Sendable {
        /// Every member (k = n).
        case all
        /// At least one member (k = 1).
        case any
        /// At least k members, 1 ≤ k ≤ n.
        case atLeast(Int)

        /// The number of members that must have witnessed, for a group of `n` members.
        public func required(of n: Int) -> Int {
            switch self {
            case .all: n
            case .any: 1
            case .atLeast(let k): k
            }
        }
    }

    /// A named group of witnesses and/or groups.
    public struct Group: Hashable, Sendable {
        /// The group's name.
        public var name: String { String(decoding: nameBytes, as: UTF8.self) }
        /// The threshold, as written.
        public let threshold: Threshold
        /// The members' names, in order.
        public var members: [String] { memberBytes.map { String(decoding: $0, as: UTF8.self) } }
        let nameBytes: [UInt8]
        let memberBytes: [[UInt8]]
    }

    /// The accepted logs, in file order.
    public let logs: [Log]
    /// The known witnesses, in file order.
    public let witnesses: [Witness]
    /// The groups, in file order.
    public let groups: [Group]
    /// The name the quorum line names: `none`, a witness or a group.
    public var quorum: String { String(decoding: quorumBytes, as: UTF8.self) }
    let quorumBytes: [UInt8]

    /// The predefined name of the empty quorum.
    public static let noneName = "none"

    /// Parses a policy file.
    ///
    /// - Throws: ``PolicyError`` with a parse code and the line number (see ``PolicyError/Code``).
    public init(parsing text: String) throws(PolicyError) {
        try self.init(parsing: Array(text.utf8))
    }

    /// Parses a policy file from its bytes.
    ///
    /// - Throws: ``PolicyError`` with a parse code and the line number (see ``PolicyError/Code``).
    public init(parsing bytes: some Collection<UInt8>) throws(PolicyError) {
        var parser = PolicyParser()
        self = try parser.parse(Array(bytes))
    }

    init(logs: [Log], witnesses: [Witness], groups: [Group], quorumBytes: [UInt8]) {
        self.logs = logs
        self.witnesses = witnesses
        self.groups = groups
        self.quorumBytes = quorumBytes
    }

    /// The policy file in canonical form, as bytes (names and URLs written exactly as parsed).
    public var serializedBytes: [UInt8] {
        var out: [UInt8] = []
        func line(_ items: [[UInt8]]) {
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(0x20) }
                out.append(contentsOf: item)
            }
            out.append(0x0A)
        }
        for l in logs {
            line([Array("log".utf8), Array(l.key.description.utf8)] + (l.urlBytes.map { [$0] } ?? []))
        }
        for w in witnesses {
            line([Array("witness".utf8), w.nameBytes, Array(w.key.description.utf8)] + (w.urlBytes.map { [$0] } ?? []))
        }
        for g in groups {
            let threshold: String = switch g.threshold {
            case .all: "all"
            case .any: "any"
            case .atLeast(let k): String(k)
            }
            line([Array("group".utf8), g.nameBytes, Array(threshold.utf8)] + g.memberBytes)
        }
        line([Array("quorum".utf8), quorumBytes])
        return out
    }

    /// The policy file in canonical form (see the type's documentation). Exact unless a name or
    /// URL of a parsed file is not valid UTF-8; use ``serializedBytes`` then.
    public var serialized: String { String(decoding: serializedBytes, as: UTF8.self) }

    // MARK: - Quorum

    /// Whether witnesses with these policy names having cosigned satisfies the quorum.
    public func isQuorumSatisfied(byWitnessesNamed names: some Sequence<String>) -> Bool {
        isQuorumSatisfied(by: Set(names.map { Array($0.utf8) }))
    }

    func isQuorumSatisfied(by cosigned: Set<[UInt8]>) -> Bool {
        var satisfied: [[UInt8]: Bool] = [Array(Self.noneName.utf8): true]
        for w in witnesses { satisfied[w.nameBytes] = cosigned.contains(w.nameBytes) }
        // Groups only name earlier definitions, so one pass in order evaluates them all.
        for g in groups {
            let count = g.memberBytes.filter { satisfied[$0] ?? false }.count
            satisfied[g.nameBytes] = count >= g.threshold.required(of: g.memberBytes.count)
        }
        return satisfied[quorumBytes] ?? false
    }

    // MARK: - Verification

    /// Checks a signed checkpoint against the policy: it must carry a valid signature by one of
    /// the policy's logs whose key name equals the origin, and valid cosignatures from witnesses
    /// that satisfy the quorum. Signatures from keys the policy does not know are ignored.
    ///
    /// - Returns: The checkpoint, the log key that signed it and every policy witness that
    ///   validly cosigned it (whether needed for the quorum or not).
    /// - Throws: ``PolicyError`` with code ``PolicyError/Code/unknownOrigin``,
    ///   ``PolicyError/Code/missingLogSignature``, ``PolicyError/Code/invalidLogSignature``,
    ///   ``PolicyError/Code/invalidCosignature`` or ``PolicyError/Code/quorumNotMet``.
    public func verify(_ checkpoint: SignedCheckpoint) throws(PolicyError) -> VerifiedCheckpoint {
        let note = checkpoint.note
        let origin = checkpoint.checkpoint.origin
        let originLogs = logs.filter { $0.key.name.sameBytes(as: origin) }
        guard !originLogs.isEmpty else {
            throw PolicyError(.unknownOrigin, "no log of the policy has the origin \(String(reflecting: String(origin.prefix(100))))\(origin.count > 100 ? "…" : "")")
        }
        let text = Array(note.text.utf8)

        var verifiedLog: Log?
        for s in note.signatures {
            for log in originLogs where s.matches(log.key) {
                guard log.key.verify(noteText: text, signature: s.signature) else {
                    throw PolicyError(
                        .invalidLogSignature, "the signature by log key \(log.key.hint) on the checkpoint does not verify")
                }
                if verifiedLog == nil { verifiedLog = log }
            }
        }
        guard let verifiedLog else {
            throw PolicyError(
                .missingLogSignature, "the checkpoint has no signature from a policy log key for \(String(reflecting: origin))")
        }

        var cosignatures: [VerifiedCosignature] = []
        for w in witnesses {
            var timestamp: UInt64?
            for s in note.signatures where s.matches(w.key) {
                guard w.key.verify(noteText: text, signature: s.signature),
                      let t = w.key.cosignatureTimestamp(s.signature)
                else {
                    throw PolicyError(
                        .invalidCosignature,
                        "the cosignature by witness \(String(reflecting: w.name)) (\(w.key.hint)) does not verify")
                }
                timestamp = max(timestamp ?? 0, t)
            }
            if let timestamp { cosignatures.append(VerifiedCosignature(witness: w, timestamp: timestamp)) }
        }
        guard isQuorumSatisfied(by: Set(cosignatures.map(\.witness.nameBytes))) else {
            let names = cosignatures.map(\.witness.name)
            throw PolicyError(
                .quorumNotMet,
                "the checkpoint's valid cosignatures (\(names.isEmpty ? "none" : names.joined(separator: ", "))) do not satisfy the quorum \(String(reflecting: quorum))")
        }
        return VerifiedCheckpoint(signedCheckpoint: checkpoint, log: verifiedLog, cosignatures: cosignatures)
    }

    /// Parses a signed checkpoint and checks it against the policy (see ``verify(_:)``).
    ///
    /// - Throws: ``PolicyError`` with code ``PolicyError/Code/malformedCheckpoint`` when the
    ///   text is not a signed checkpoint, else as ``verify(_:)``.
    public func verify(signedCheckpoint text: String) throws(PolicyError) -> VerifiedCheckpoint {
        let checkpoint: SignedCheckpoint
        do {
            checkpoint = try SignedCheckpoint(parsing: text)
        } catch {
            throw PolicyError(.malformedCheckpoint, "not a signed checkpoint: \(error.message)")
        }
        return try verify(checkpoint)
    }
}

/// A valid witness cosignature found on a checkpoint.
public struct VerifiedCosignature: Hashable, Sendable {
    /// The policy witness that cosigned.
    public let witness: TlogPolicy.Witness
    /// The cosignature's timestamp (POSIX seconds); the latest if the witness signed twice.
    public let timestamp: UInt64
}

/// A checkpoint that a ``TlogPolicy`` accepted.
public struct VerifiedCheckpoint: Hashable, Sendable {
    /// The signed checkpoint as verified.
    public let signedCheckpoint: SignedCheckpoint
    /// The policy log whose signature verified.
    public let log: TlogPolicy.Log
    /// Every policy witness whose cosignature verified, in policy order.
    public let cosignatures: [VerifiedCosignature]

    /// The checkpoint.
    public var checkpoint: Checkpoint { signedCheckpoint.checkpoint }
    /// The policy names of the witnesses that cosigned, in policy order.
    public var cosigners: [String] { cosignatures.map(\.witness.name) }
}

// MARK: - Parser

struct PolicyParser {
    private var logs: [TlogPolicy.Log] = []
    private var witnesses: [TlogPolicy.Witness] = []
    private var groups: [TlogPolicy.Group] = []
    private var quorum: [UInt8]?
    private var names: Set<[UInt8]> = [Array(TlogPolicy.noneName.utf8)]
    private var members: Set<[UInt8]> = []
    private var logKeys: Set<Ed25519PublicKey> = []
    private var witnessKeys: Set<Ed25519PublicKey> = []
    private var lineNumber = 0

    private static let space: UInt8 = 0x20
    private static let tab: UInt8 = 0x09
    private static let newline: UInt8 = 0x0A

    mutating func parse(_ bytes: [UInt8]) throws(PolicyError) -> TlogPolicy {
        // A key file given by mistake is named as such, and nothing of it is quoted.
        if PrivateKeyText.appears(in: bytes) {
            throw PolicyError(
                .privateKey,
                "this file holds a private key, not a tlog-policy (nothing of it is shown): give the policy file, and keep the key file to its owner")
        }
        // The character set, over the whole file first.
        var line = 1
        for b in bytes {
            if b == Self.newline {
                line += 1
                continue
            }
            guard b == Self.tab || (0x20...0x7E).contains(b) || b >= 0x80 else {
                throw PolicyError(
                    .invalidCharacter,
                    "byte 0x\(Hex.encode([b])) is not allowed in a policy file (only tab, newline, 0x20-0x7E and 0x80-0xFF)",
                    line: line)
            }
        }
        var lines = bytes.split(separator: Self.newline, omittingEmptySubsequences: false)
        if bytes.last == Self.newline { lines.removeLast() }
        for raw in lines {
            lineNumber += 1
            let items = raw.split(whereSeparator: { $0 == Self.space || $0 == Self.tab }).map { Array($0) }
            guard let keyword = items.first else { continue }  // blank line
            if keyword.first == UInt8(ascii: "#") { continue }  // comment line
            let args = Array(items.dropFirst())
            switch String(decoding: keyword, as: UTF8.self) {
            case "log": try parseLog(args)
            case "witness": try parseWitness(args)
            case "group": try parseGroup(args)
            case "quorum": try parseQuorum(args)
            default:
                // The line is not quoted: a file given by mistake could hold a secret.
                throw error(.malformedLine, "the line does not start with a policy keyword (log, witness, group or quorum)")
            }
        }
        guard let quorum else {
            throw PolicyError(.missingQuorum, "a policy needs exactly one quorum line, found none")
        }
        return TlogPolicy(logs: logs, witnesses: witnesses, groups: groups, quorumBytes: quorum)
    }

    private func error(_ code: PolicyError.Code, _ message: String) -> PolicyError {
        PolicyError(code, message, line: lineNumber)
    }

    static func show(_ item: [UInt8]) -> String {
        String(reflecting: String(decoding: item.prefix(80), as: UTF8.self))
    }

    private func parseKey(_ item: [UInt8]) throws(PolicyError) -> VerifierKey {
        guard let text = String(validating: item, as: UTF8.self) else {
            throw error(.invalidKey, "a vkey is not valid UTF-8")
        }
        do {
            return try VerifierKey(parsing: text)
        } catch {
            throw self.error(.invalidKey, "invalid vkey: \(error.message)")
        }
    }

    private mutating func parseLog(_ args: [[UInt8]]) throws(PolicyError) {
        guard args.count == 1 || args.count == 2 else {
            throw error(.malformedLine, "a log line is `log <vkey> [<url>]`, got \(args.count) items after the keyword")
        }
        let key = try parseKey(args[0])
        guard key.type == .ed25519 || key.type == .cosignatureV1 else {
            throw error(.wrongKeyType, "log key \(key.hint) is not an Ed25519 or cosignature key")
        }
        guard logKeys.insert(key.publicKey).inserted else {
            throw error(.duplicateKey, "log key \(key.hint) wraps the same public key as an earlier log")
        }
        logs.append(TlogPolicy.Log(key: key, urlBytes: args.count == 2 ? args[1] : nil))
    }

    private mutating func parseWitness(_ args: [[UInt8]]) throws(PolicyError) {
        guard args.count == 2 || args.count == 3 else {
            throw error(
                .malformedLine, "a witness line is `witness <name> <vkey> [<url>]`, got \(args.count) items after the keyword")
        }
        let name = args[0]
        let key = try parseKey(args[1])
        guard key.type == .cosignatureV1 else {
            throw error(.wrongKeyType, "witness key \(key.hint) is not a cosignature (type 0x04) key")
        }
        guard !names.contains(name) else {
            throw error(.duplicateName, "the name \(Self.show(name)) is already defined")
        }
        guard witnessKeys.insert(key.publicKey).inserted else {
            throw error(.duplicateKey, "witness key \(key.hint) wraps the same public key as an earlier witness")
        }
        names.insert(name)
        witnesses.append(TlogPolicy.Witness(key: key, nameBytes: name, urlBytes: args.count == 3 ? args[2] : nil))
    }

    private mutating func parseGroup(_ args: [[UInt8]]) throws(PolicyError) {
        guard args.count >= 3 else {
            throw error(
                .malformedLine, "a group line is `group <name> all|any|<k> <member>...` with at least one member")
        }
        let name = args[0]
        let memberList = Array(args[2...])
        let n = memberList.count
        let threshold: TlogPolicy.Threshold
        switch String(decoding: args[1], as: UTF8.self) {
        case "all": threshold = .all
        case "any": threshold = .any
        default:
            guard args[1].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let k = Int(String(decoding: args[1], as: UTF8.self)), k >= 1, k <= n
            else {
                throw error(
                    .invalidThreshold,
                    "a group threshold is all, any or a decimal k with 1 <= k <= \(n), got \(Self.show(args[1]))")
            }
            threshold = .atLeast(k)
        }
        guard !names.contains(name) else {
            throw error(.duplicateName, "the name \(Self.show(name)) is already defined")
        }
        var seen = Set<[UInt8]>()
        for m in memberList {
            guard m != Array(TlogPolicy.noneName.utf8) else {
                throw error(.invalidMember, "`none` cannot be a group member")
            }
            guard names.contains(m) else {
                throw error(.undefinedName, "group member \(Self.show(m)) is not defined on a preceding line")
            }
            guard !members.contains(m), seen.insert(m).inserted else {
                throw error(.duplicateMember, "\(Self.show(m)) is already a group member; a name may be a member only once")
            }
        }
        members.formUnion(seen)
        names.insert(name)
        groups.append(TlogPolicy.Group(threshold: threshold, nameBytes: name, memberBytes: memberList))
    }

    private mutating func parseQuorum(_ args: [[UInt8]]) throws(PolicyError) {
        guard args.count == 1 else {
            throw error(.malformedLine, "a quorum line is `quorum <name>`, got \(args.count) items after the keyword")
        }
        guard quorum == nil else {
            throw error(.multipleQuorums, "a policy has exactly one quorum line; this is the second")
        }
        guard names.contains(args[0]) else {
            throw error(.undefinedName, "the quorum \(Self.show(args[0])) is not defined on a preceding line")
        }
        quorum = args[0]
    }
}

// MARK: - Builder

extension TlogPolicy {
    /// Builds a policy to write to a file, e.g. the one a ledger publishes for its verifiers.
    ///
    /// ```swift
    /// var b = TlogPolicy.Builder()
    /// b.addLog(logKey.verifierKey)
    /// b.addWitness(name: "inspektorat-1", key: w1)
    /// b.addWitness(name: "inspektorat-2", key: w2)
    /// b.addGroup(name: "inspektorat", threshold: .any, members: ["inspektorat-1", "inspektorat-2"])
    /// b.setQuorum("inspektorat")
    /// let policy = try b.build()
    /// try policy.serialized.write(...)
    /// ```
    ///
    /// ``build()`` applies exactly the rules of parsing (it writes the file and parses it), so a
    /// built policy always reads back equal.
    public struct Builder: Sendable {
        private var lines: [[String]] = []
        private var quorumName: String?

        /// An empty builder.
        public init() {}

        /// Adds a log (its key's name is its origin).
        public mutating func addLog(_ key: VerifierKey, url: String? = nil) {
            lines.append(["log", key.description] + (url.map { [$0] } ?? []))
        }

        /// Adds a witness under a policy name.
        public mutating func addWitness(name: String, key: VerifierKey, url: String? = nil) {
            lines.append(["witness", name, key.description] + (url.map { [$0] } ?? []))
        }

        /// Adds a group of earlier witnesses and groups.
        public mutating func addGroup(name: String, threshold: Threshold, members: [String]) {
            let t: String = switch threshold {
            case .all: "all"
            case .any: "any"
            case .atLeast(let k): String(k)
            }
            lines.append(["group", name, t] + members)
        }

        /// Sets the quorum: `none`, a witness or a group name (replacing an earlier call).
        public mutating func setQuorum(_ name: String) {
            quorumName = name
        }

        /// The policy.
        ///
        /// - Throws: ``PolicyError`` with code ``PolicyError/Code/invalidItem`` for a name or URL
        ///   that is empty or has whitespace or control characters, or any parse code (a
        ///   duplicate key or name, an undefined member, a bad threshold, a missing quorum).
        public func build() throws(PolicyError) -> TlogPolicy {
            var text = ""
            for items in lines + (quorumName.map { [["quorum", $0]] } ?? []) {
                for item in items {
                    guard !item.isEmpty,
                          !item.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
                    else {
                        throw PolicyError(
                            .invalidItem,
                            "\(String(reflecting: item)) cannot be a policy item: it must be non-empty, without whitespace or control characters")
                    }
                }
                text += items.joined(separator: " ") + "\n"
            }
            return try TlogPolicy(parsing: text)
        }
    }

    /// A policy with one log and a k-of-n quorum over witnesses named by their key names
    /// (`quorum none` when `witnesses` is empty).
    ///
    /// - Throws: ``PolicyError`` as ``Builder/build()`` does (e.g. two witness keys with the
    ///   same name, or a threshold above the number of witnesses).
    public init(log: VerifierKey, logURL: String? = nil, witnesses: [VerifierKey], threshold: Threshold) throws(PolicyError) {
        var b = Builder()
        b.addLog(log, url: logURL)
        for w in witnesses { b.addWitness(name: w.name, key: w) }
        if witnesses.isEmpty {
            b.setQuorum(Self.noneName)
        } else {
            var group = "witnesses"
            let taken = Set(witnesses.map(\.name))
            var n = 1
            while taken.contains(group) || group == Self.noneName {
                group = "witnesses-\(n)"
                n += 1
            }
            b.addGroup(name: group, threshold: threshold, members: witnesses.map(\.name))
            b.setQuorum(group)
        }
        self = try b.build()
    }
}

/// The kind of ``PolicyError``: its codes are the static members of `ErrorCode<PolicyErrors>`.
public enum PolicyErrors: ErrorKind {}

extension ErrorCode where Kind == PolicyErrors {
    // Parsing and building.

    /// A byte outside the policy character set (tab, newline, 0x20–0x7E, 0x80–0xFF).
    public static var invalidCharacter: Self { Self("invalidCharacter") }
    /// An unknown keyword, or a line with the wrong number of items.
    public static var malformedLine: Self { Self("malformedLine") }
    /// The file holds a private key (`PRIVATE+KEY+…`, `AGE-SECRET-KEY-…`), not a policy.
    public static var privateKey: Self { Self("privateKey") }
    /// A vkey that does not parse (the message carries the crypto layer's reason).
    public static var invalidKey: Self { Self("invalidKey") }
    /// A log key that is not an Ed25519 or cosignature key, or a witness key that is not a
    /// cosignature (type 0x04) key.
    public static var wrongKeyType: Self { Self("wrongKeyType") }
    /// Two logs, or two witnesses, wrap the same public key.
    public static var duplicateKey: Self { Self("duplicateKey") }
    /// A witness or group name is defined twice, or is the reserved name `none`.
    public static var duplicateName: Self { Self("duplicateName") }
    /// A group member or the quorum names something not defined on a preceding line.
    public static var undefinedName: Self { Self("undefinedName") }
    /// `none` is listed as a group member.
    public static var invalidMember: Self { Self("invalidMember") }
    /// A name is listed as a group member more than once (in one group or across groups).
    public static var duplicateMember: Self { Self("duplicateMember") }
    /// A group threshold is not `all`, `any` or a decimal k with 1 ≤ k ≤ n.
    public static var invalidThreshold: Self { Self("invalidThreshold") }
    /// The policy has no quorum line.
    public static var missingQuorum: Self { Self("missingQuorum") }
    /// The policy has more than one quorum line.
    public static var multipleQuorums: Self { Self("multipleQuorums") }
    /// A name or URL given to the builder cannot be written as one policy item (empty, or
    /// with whitespace or control characters).
    public static var invalidItem: Self { Self("invalidItem") }

    // Verifying a checkpoint.

    /// The text to verify is not a signed checkpoint.
    public static var malformedCheckpoint: Self { Self("malformedCheckpoint") }
    /// No log of the policy has a key named after the checkpoint's origin.
    public static var unknownOrigin: Self { Self("unknownOrigin") }
    /// No signature line is from a policy log key for the origin.
    public static var missingLogSignature: Self { Self("missingLogSignature") }
    /// A signature line from a policy log key does not verify.
    public static var invalidLogSignature: Self { Self("invalidLogSignature") }
    /// A signature line from a policy witness key does not verify (signed-note: a failing
    /// signature from a known key rejects the whole note).
    public static var invalidCosignature: Self { Self("invalidCosignature") }
    /// The verified cosignatures do not satisfy the quorum.
    public static var quorumNotMet: Self { Self("quorumNotMet") }
    
}

extension VerifiedCheckpoint: CustomStringConvertible {
    /// One line a person can read: the origin, the size, the root (base64, as in the checkpoint
    /// text) and who vouched for it — never signature bytes.
    ///
    /// ```
    /// jejak.kpu.go.id/ledger at size 932, root 3q2+7w…=, signed by the log, cosigned by inspektorat
    /// ```
    public var description: String {
        let root = Base64.encode(checkpoint.rootHash.bytes)
        let cosigned = cosigners.isEmpty ? "not cosigned" : "cosigned by " + cosigners.joined(separator: ", ")
        return "\(checkpoint.origin) at size \(checkpoint.size), root \(root), signed by the log, \(cosigned)"
    }
}
