import JejakBase
import JejakCrypto
import JejakJSON

/// An error from building, parsing or signing a checkpoint: a code naming the rule that was
/// broken and a one-sentence message.
public typealias CheckpointError = CodedError<CheckpointErrors>

/// The kind of ``CheckpointError``: its codes are the static members of `ErrorCode<CheckpointErrors>`.
public enum CheckpointErrors: ErrorKind {
    public static var style: CodedErrorStyle { .plain }
}

extension ErrorCode where Kind == CheckpointErrors {
    /// The note text is not at least three lines each ending in a newline, has an empty
    /// line, or has a control character.
    public static var malformedText: Self { Self("malformedText") }
    /// The origin line is empty or has a control character.
    public static var invalidOrigin: Self { Self("invalidOrigin") }
    /// The tree size is not an ASCII decimal without leading zeros that fits 64 bits.
    public static var invalidSize: Self { Self("invalidSize") }
    /// The root hash is not the strict standard base64 of exactly 32 bytes.
    public static var invalidRootHash: Self { Self("invalidRootHash") }
    /// An extension line is empty or has a control character.
    public static var invalidExtension: Self { Self("invalidExtension") }
    /// The signed checkpoint is not a well-formed signed note (the message says why).
    public static var malformedNote: Self { Self("malformedNote") }
    /// The log key's name is not the checkpoint's origin.
    public static var keyNameMismatch: Self { Self("keyNameMismatch") }
    /// A key of the wrong signature type was used (a witness must have a cosignature key).
    public static var wrongKeyType: Self { Self("wrongKeyType") }
    /// A cosignature timestamp exceeds 2^63 − 1.
    public static var invalidTimestamp: Self { Self("invalidTimestamp") }

}

/// A C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the note text naming a log's origin,
/// tree size and RFC 9162 root hash, plus optional extension lines.
///
/// ```
/// example.com/behind-the-sofa
/// 20852163
/// CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
/// ```
///
/// Parsing is strict: the text is three or more non-empty lines, each ending in a newline; the
/// size has no leading zeros (except `0` itself); the root hash is canonical standard base64 of
/// exactly 32 bytes; no line has a control character. Because every field has exactly one
/// accepted spelling, ``text`` of a parsed checkpoint is byte for byte the text it came from.
public struct Checkpoint: Hashable, Sendable {
    /// The log's origin: the first line, a unique identifier of the log (also its key name).
    public let origin: String
    /// The number of leaves in the tree.
    public let size: UInt64
    /// The root hash of the tree of ``size`` leaves.
    public let rootHash: SHA256Digest
    /// The extension lines after the root hash, without newlines; usually empty.
    public let extensions: [String]

    /// Creates a checkpoint.
    ///
    /// - Throws: ``CheckpointError`` with code ``CheckpointError/Code/invalidOrigin`` for an
    ///   empty origin or one with a control character (a newline included), or
    ///   ``CheckpointError/Code/invalidExtension`` for an empty extension line or one with a
    ///   control character.
    public init(origin: String, size: UInt64, rootHash: SHA256Digest, extensions: [String] = []) throws(CheckpointError) {
        guard !origin.isEmpty, !TextFormat.hasControlCharacter(origin) else {
            throw CheckpointError(
                .invalidOrigin, "a checkpoint origin must be non-empty, without control characters: \(String(reflecting: origin))")
        }
        for e in extensions where e.isEmpty || TextFormat.hasControlCharacter(e) {
            throw CheckpointError(
                .invalidExtension, "a checkpoint extension line must be non-empty, without control characters: \(String(reflecting: e))")
        }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// Parses a checkpoint note text (the text of a signed note, without its signatures).
    ///
    /// - Throws: ``CheckpointError`` with code ``CheckpointError/Code/malformedText``,
    ///   ``CheckpointError/Code/invalidOrigin``, ``CheckpointError/Code/invalidSize`` or
    ///   ``CheckpointError/Code/invalidRootHash``.
    public init(noteText: String) throws(CheckpointError) {
        guard noteText.utf8.last == 0x0A else {
            throw CheckpointError(.malformedText, "a checkpoint text must end with a newline")
        }
        let lines = noteText.utf8.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard lines.count >= 3 else {
            throw CheckpointError(
                .malformedText, "a checkpoint text has at least 3 lines (origin, size, root hash), got \(lines.count)")
        }
        for (n, line) in lines.enumerated() {
            guard !line.isEmpty else {
                throw CheckpointError(.malformedText, "line \(n + 1) of a checkpoint text is empty")
            }
            guard !TextFormat.hasControlCharacter(line) else {
                throw CheckpointError(.malformedText, "line \(n + 1) of a checkpoint text has a control character")
            }
        }
        guard let size = TextFormat.parseDecimal(lines[1]) else {
            throw CheckpointError(
                .invalidSize,
                "line 2 of a checkpoint text must be its tree size: a decimal without leading zeros, below 2^64")
        }
        guard let raw = TextFormat.decodeBase64(lines[2]), raw.count == SHA256Digest.byteCount,
              let root = try? SHA256Digest(bytes: raw)
        else {
            throw CheckpointError(
                .invalidRootHash,
                "line 3 of a checkpoint text must be its root hash: the canonical base64 of 32 bytes")
        }
        try self.init(origin: lines[0], size: size, rootHash: root, extensions: Array(lines[3...]))
    }

    /// The note text: origin, size, base64 root hash and any extension lines, each ending in
    /// a newline.
    public var text: String {
        var out = "\(origin)\n\(size)\n\(rootHash.base64)\n"
        for e in extensions { out += e + "\n" }
        return out
    }
}

/// A checkpoint signed as a C2SP signed note by its log, possibly with witness cosignatures
/// (c2sp.org/tlog-cosignature).
///
/// Parsing checks the form only (the note and the checkpoint text); whose signatures are
/// acceptable is decided by a ``TlogPolicy``.
public struct SignedCheckpoint: Hashable, Sendable {
    /// The checkpoint the note's text encodes.
    public let checkpoint: Checkpoint
    /// The signed note: the checkpoint text and every signature line, in order.
    public let note: SignedNote

    /// Wraps a signed note whose text is a checkpoint.
    ///
    /// - Throws: ``CheckpointError`` as ``Checkpoint/init(noteText:)`` does.
    public init(note: SignedNote) throws(CheckpointError) {
        self.checkpoint = try Checkpoint(noteText: note.text)
        self.note = note
    }

    /// Parses a signed checkpoint.
    ///
    /// - Throws: ``CheckpointError`` with code ``CheckpointError/Code/malformedNote`` when the
    ///   text is not a signed note with at least one signature line, or a checkpoint text code.
    public init(parsing text: String) throws(CheckpointError) {
        let note: SignedNote
        do {
            note = try SignedNote(parsing: text)
        } catch {
            throw CheckpointError(.malformedNote, "the signed checkpoint is not a valid signed note: \(error.message)")
        }
        try self.init(note: note)
    }

    /// Parses a signed checkpoint from UTF-8 bytes.
    ///
    /// - Throws: as parsing a `String` does; invalid UTF-8 is ``CheckpointError/Code/malformedNote``.
    public init(parsing bytes: some Collection<UInt8>) throws(CheckpointError) {
        let note: SignedNote
        do {
            note = try SignedNote(parsing: bytes)
        } catch {
            throw CheckpointError(.malformedNote, "the signed checkpoint is not a valid signed note: \(error.message)")
        }
        try self.init(note: note)
    }

    /// Signs a checkpoint with the log's key.
    ///
    /// - Throws: ``CheckpointError`` with code ``CheckpointError/Code/keyNameMismatch`` when the
    ///   key's name is not the checkpoint's origin (a policy accepts a log signature only under
    ///   the origin's name).
    public static func sign(_ checkpoint: Checkpoint, with logKey: SignerKey) throws(CheckpointError) -> SignedCheckpoint {
        guard logKey.name.sameBytes(as: checkpoint.origin) else {
            throw CheckpointError(
                .keyNameMismatch,
                "the log key is named \(String(reflecting: logKey.name)), but the checkpoint origin is \(String(reflecting: checkpoint.origin))")
        }
        let text = checkpoint.text
        do {
            let note = try SignedNote(text: text, signatures: [logKey.noteSignature(for: text)])
            return SignedCheckpoint(checkpoint: checkpoint, note: note)
        } catch {
            // Unreachable: a Checkpoint's text is always a valid note text.
            throw CheckpointError(.malformedNote, "the checkpoint text is not a valid note text: \(error.message)")
        }
    }

    private init(checkpoint: Checkpoint, note: SignedNote) {
        self.checkpoint = checkpoint
        self.note = note
    }

    /// This checkpoint with a witness cosignature line added (c2sp.org/tlog-cosignature v1:
    /// Ed25519 over `cosignature/v1`, `time <timestamp>` and the checkpoint text). A previous
    /// cosignature by the same witness key is replaced.
    ///
    /// - Parameters:
    ///   - witness: The witness key; its type must be ``SignatureType/cosignatureV1``.
    ///   - timestamp: POSIX seconds at which the witness cosigns, at most 2^63 − 1.
    /// - Throws: ``CheckpointError`` with code ``CheckpointError/Code/wrongKeyType`` or
    ///   ``CheckpointError/Code/invalidTimestamp``.
    public func cosigned(by witness: SignerKey, timestamp: UInt64) throws(CheckpointError) -> SignedCheckpoint {
        guard witness.type == .cosignatureV1 else {
            throw CheckpointError(
                .wrongKeyType, "witness key \(witness.verifierKey.hint) is not a cosignature (type 0x04) key")
        }
        guard timestamp <= UInt64(Int64.max) else {
            throw CheckpointError(.invalidTimestamp, "a cosignature timestamp must not exceed 2^63 - 1, got \(timestamp)")
        }
        let signature = witness.noteSignature(for: note.text, timestamp: timestamp)
        return SignedCheckpoint(checkpoint: checkpoint, note: note.adding(signature))
    }

    /// The signed note as text: the checkpoint text, a blank line and the signature lines.
    public var serialized: String { note.serialized }
}
