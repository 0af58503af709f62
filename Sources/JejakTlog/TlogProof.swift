import JejakBase
import JejakCrypto

/// An error from parsing or verifying a tlog-proof: a code naming the rule that was broken, a
/// one-sentence message and, when a lower layer refused, its error.
public struct TlogProofError: JejakError, Hashable {
    /// What went wrong.
    public typealias Code = ErrorCode<TlogProofErrors>

    /// What went wrong.
    public var code: Code
    /// One sentence for a person.
    public var message: String
    /// The checkpoint error, for ``Code/malformedCheckpoint``.
    public var checkpointError: CheckpointError?
    /// The policy's error, for ``Code/policyRejected``.
    public var policyError: PolicyError?
    /// The Merkle proof error, for ``Code/inclusionRejected``.
    public var proofError: ProofError?

    /// Creates an error.
    public init(
        _ code: Code, _ message: String,
        checkpointError: CheckpointError? = nil, policyError: PolicyError? = nil, proofError: ProofError? = nil
    ) {
        self.code = code
        self.message = message
        self.checkpointError = checkpointError
        self.policyError = policyError
        self.proofError = proofError
    }

    /// The message.
    public var description: String { message }
    /// The code's name.
    public var codeName: String { code.name }
    /// The checkpoint's, policy's or proof's error, whichever there is.
    public var underlying: (any Error & Sendable)? { checkpointError ?? policyError ?? proofError }
}

/// A C2SP tlog-proof (`c2sp.org/tlog-proof@v1`): an offline-verifiable receipt that an entry is
/// in a log, made of the entry's index, its RFC 9162 inclusion proof and the (cosigned)
/// checkpoint the proof leads to, plus optional unauthenticated extra data.
///
/// ```
/// c2sp.org/tlog-proof@v1
/// index 73894
/// gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
/// …
///
/// example.com/fancylog
/// 109482
/// sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=
///
/// — example.com/fancylog hI2DJw…
/// ```
///
/// Parsing is strict (canonical base64, no leading zeros, at most 64 proof hashes) and
/// ``serialized`` of a parsed proof is exactly its input.
public struct TlogProof: Hashable, Sendable {
    /// The first line of every tlog-proof.
    public static let header = "c2sp.org/tlog-proof@v1"
    /// The most inclusion proof hashes a proof can need (a tree of up to 2^64 − 1 leaves).
    public static let maxProofHashes = 64

    /// Opaque application data from the `extra` line; not authenticated.
    public let extra: [UInt8]?
    /// The entry's zero-based index in the log.
    public let index: UInt64
    /// The inclusion proof, from the leaf's sibling up to the root's child.
    public let inclusionProof: [SHA256Digest]
    /// The checkpoint the proof leads to, with its signatures.
    public let checkpoint: SignedCheckpoint

    /// Creates a proof.
    public init(extra: [UInt8]? = nil, index: UInt64, inclusionProof: [SHA256Digest], checkpoint: SignedCheckpoint) {
        self.extra = extra
        self.index = index
        self.inclusionProof = inclusionProof
        self.checkpoint = checkpoint
    }

    /// Parses a tlog-proof.
    ///
    /// - Throws: ``TlogProofError`` with code ``TlogProofError/Code/malformedProof`` or
    ///   ``TlogProofError/Code/malformedCheckpoint``.
    public init(parsing text: String) throws(TlogProofError) {
        func malformed(_ why: String) -> TlogProofError {
            TlogProofError(.malformedProof, "not a tlog-proof: \(why)")
        }
        var rest = Substring(text)
        // Reads one line (without its newline); nil when there is no further newline.
        func nextLine() -> Substring? {
            guard let nl = rest.utf8.firstIndex(of: 0x0A) else { return nil }
            let line = rest[..<nl]
            rest = rest[rest.utf8.index(after: nl)...]
            return line
        }
        guard let first = nextLine(), first == Self.header else {
            throw malformed("the first line must be \(Self.header)")
        }
        guard var line = nextLine() else { throw malformed("the index line is missing") }

        var extra: [UInt8]?
        if line.utf8.starts(with: "extra ".utf8) {
            guard let bytes = TextFormat.decodeBase64(Substring(line.utf8.dropFirst(6))) else {
                throw malformed("the extra line is not canonical standard base64")
            }
            extra = bytes
            guard let next = nextLine() else { throw malformed("the index line is missing") }
            line = next
        }
        guard line.utf8.starts(with: "index ".utf8), let index = TextFormat.parseDecimal(Substring(line.utf8.dropFirst(6))) else {
            // The line itself is not quoted: a file given by mistake could hold a secret.
            throw malformed("expected `index <n>` (a decimal without leading zeros) on the line after the header")
        }

        var proof: [SHA256Digest] = []
        while true {
            guard let hashLine = nextLine() else {
                throw malformed("the inclusion proof must end with an empty line before the checkpoint")
            }
            if hashLine.isEmpty { break }
            guard proof.count < Self.maxProofHashes else {
                throw malformed("an inclusion proof has at most \(Self.maxProofHashes) hashes")
            }
            guard let raw = TextFormat.decodeBase64(hashLine), raw.count == SHA256Digest.byteCount,
                  let hash = try? SHA256Digest(bytes: raw)
            else {
                throw malformed("proof line \(proof.count + 1) is not the canonical base64 of a 32-byte hash")
            }
            proof.append(hash)
        }

        let checkpoint: SignedCheckpoint
        do {
            checkpoint = try SignedCheckpoint(parsing: String(rest))
        } catch {
            throw TlogProofError(.malformedCheckpoint, "the proof's checkpoint: \(error.message)", checkpointError: error)
        }
        self.init(extra: extra, index: index, inclusionProof: proof, checkpoint: checkpoint)
    }

    /// The proof as text: header, optional `extra` line, `index` line, one base64 hash per line,
    /// an empty line and the signed checkpoint.
    public var serialized: String {
        var out = Self.header + "\n"
        if let extra { out += "extra " + Base64.encode(extra) + "\n" }
        out += "index \(index)\n"
        for h in inclusionProof { out += h.base64 + "\n" }
        out += "\n"
        out += checkpoint.serialized
        return out
    }

    /// Verifies the proof for the leaf bytes the application expects (tlog-proof steps 1–4):
    /// hashes the leaf (RFC 9162, `SHA-256(0x00 || leaf)`), checks the checkpoint against the
    /// policy (log signature for the origin, witness quorum), and checks that the inclusion
    /// proof binds the leaf at ``index`` to the checkpoint's root.
    ///
    /// - Returns: The verified checkpoint, naming the log key and the witnesses that cosigned.
    /// - Throws: ``TlogProofError`` with code ``TlogProofError/Code/policyRejected`` or
    ///   ``TlogProofError/Code/inclusionRejected``, carrying the underlying error.
    public func verify<Bytes: Sequence<UInt8>>(leaf: Bytes, policy: TlogPolicy) throws(TlogProofError) -> VerifiedCheckpoint {
        try verify(leafHash: Merkle.leafHash(leaf), policy: policy)
    }

    /// Verifies the proof for a leaf hash the application computed itself (see
    /// ``verify(leaf:policy:)``).
    ///
    /// - Throws: ``TlogProofError`` with code ``TlogProofError/Code/policyRejected`` or
    ///   ``TlogProofError/Code/inclusionRejected``.
    public func verify(leafHash: SHA256Digest, policy: TlogPolicy) throws(TlogProofError) -> VerifiedCheckpoint {
        let verified: VerifiedCheckpoint
        do {
            verified = try policy.verify(checkpoint)
        } catch {
            throw TlogProofError(.policyRejected, "the policy refused the checkpoint: \(error.message)", policyError: error)
        }
        let cp = checkpoint.checkpoint
        do {
            try InclusionProof.verify(
                leafHash: leafHash, index: index, size: cp.size, proof: inclusionProof, root: cp.rootHash)
        } catch {
            throw TlogProofError(
                .inclusionRejected, "the inclusion proof for index \(index) does not verify: \(error.message)",
                proofError: error)
        }
        return verified
    }
}

/// The kind of ``TlogProofError``: its codes are the static members of `ErrorCode<TlogProofErrors>`.
public enum TlogProofErrors: ErrorKind {}

extension ErrorCode where Kind == TlogProofErrors {
    /// The text does not follow the tlog-proof format (header, `extra`, `index`, hash lines,
    /// blank line); the message says where.
    public static var malformedProof: Self { Self("malformedProof") }
    /// The embedded checkpoint is not a signed checkpoint (see ``TlogProofError/checkpointError``).
    public static var malformedCheckpoint: Self { Self("malformedCheckpoint") }
    /// The policy refused the checkpoint: unknown origin, log signature, cosignatures or
    /// quorum (see ``TlogProofError/policyError``).
    public static var policyRejected: Self { Self("policyRejected") }
    /// The inclusion proof does not bind the leaf to the checkpoint's root at the index
    /// (see ``TlogProofError/proofError``).
    public static var inclusionRejected: Self { Self("inclusionRejected") }
    
}
