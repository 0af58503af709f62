import JejakBase
import JejakCrypto

/// An error from parsing a c2sp.org/tlog-witness message: a code naming the rule broken and
/// one sentence. A witness answers it with 400 Bad Request.
public typealias WitnessProtocolError = CodedError<WitnessProtocolErrors>

/// The kind of ``WitnessProtocolError``.
public enum WitnessProtocolErrors: ErrorKind {}

extension ErrorCode where Kind == WitnessProtocolErrors {
    /// The first line is not `old <size>` with an ASCII decimal without leading zeros.
    public static var malformedOldSize: Self { Self("malformedOldSize") }
    /// A consistency-proof line is not the strict standard base64 of 32 bytes.
    public static var malformedProofLine: Self { Self("malformedProofLine") }
    /// More than 63 consistency-proof lines.
    public static var tooManyProofLines: Self { Self("tooManyProofLines") }
    /// No empty line separates the proof from the checkpoint, or a line does not end in a newline.
    public static var malformedBody: Self { Self("malformedBody") }
    /// What follows the empty line is not a signed checkpoint.
    public static var malformedCheckpoint: Self { Self("malformedCheckpoint") }
    /// A `text/x.tlog.size` body is not one decimal and a newline.
    public static var malformedSize: Self { Self("malformedSize") }
    /// A 200 body is not one or more signature lines.
    public static var malformedCosignatures: Self { Self("malformedCosignatures") }
}

/// The body of a c2sp.org/tlog-witness `POST <prefix>/add-checkpoint` request: the size of the
/// checkpoint the witness last cosigned (as the log believes), the RFC 9162 consistency proof
/// from it, and the new checkpoint.
///
/// ```
/// old 20852014
/// PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
/// jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
///
/// example.com/behind-the-sofa
/// 20852163
/// CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
///
/// — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5...
/// ```
///
/// Parsing is strict (every line ends in a newline, the size has no leading zeros, each hash is
/// canonical base64 of 32 bytes, at most ``maxProofLines``), so ``serialized`` of a parsed
/// request is the body it came from.
public struct AddCheckpointRequest: Hashable, Sendable {
    /// The most hashes a consistency proof may have in a request.
    public static let maxProofLines = 63

    /// The size of the checkpoint the witness last cosigned, as the log believes (0 if none).
    public let oldSize: UInt64
    /// The consistency proof from ``oldSize`` to the checkpoint's size.
    public let consistencyProof: [SHA256Digest]
    /// The checkpoint to cosign, with the log's signature (and maybe others).
    public let checkpoint: SignedCheckpoint

    /// A request.
    ///
    /// - Throws: ``WitnessProtocolError/Code/tooManyProofLines``.
    public init(oldSize: UInt64, consistencyProof: [SHA256Digest], checkpoint: SignedCheckpoint) throws(WitnessProtocolError) {
        guard consistencyProof.count <= Self.maxProofLines else {
            throw WitnessProtocolError(
                .tooManyProofLines, "a request may carry at most \(Self.maxProofLines) proof lines, not \(consistencyProof.count)")
        }
        self.oldSize = oldSize
        self.consistencyProof = consistencyProof
        self.checkpoint = checkpoint
    }

    /// Parses a request body.
    ///
    /// - Throws: ``WitnessProtocolError`` naming the broken rule (the witness answers 400).
    public init(parsing body: some Collection<UInt8>) throws(WitnessProtocolError) {
        let bytes = Array(body)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var rest = 0
        var separated = false
        while let newline = bytes[start...].firstIndex(of: 0x0A) {
            let line = bytes[start..<newline]
            start = newline + 1
            if line.isEmpty {
                separated = true
                rest = start
                break
            }
            lines.append(line)
            guard lines.count <= Self.maxProofLines + 1 else {
                throw WitnessProtocolError(
                    .tooManyProofLines, "a request may carry at most \(Self.maxProofLines) proof lines")
            }
        }
        guard separated else {
            throw WitnessProtocolError(.malformedBody, "the body has no empty line between the proof and the checkpoint")
        }
        guard let first = lines.first else {
            throw WitnessProtocolError(.malformedOldSize, "the body does not start with an `old <size>` line")
        }
        let oldPrefix = Array("old ".utf8)
        guard first.starts(with: oldPrefix),
              let old = TextFormat.parseDecimal(String(decoding: first.dropFirst(oldPrefix.count), as: UTF8.self))
        else {
            throw WitnessProtocolError(
                .malformedOldSize, "the first line must be `old` and a size in decimal without leading zeros")
        }
        var proof: [SHA256Digest] = []
        for (n, line) in lines.dropFirst().enumerated() {
            guard let hash = TextFormat.decodeBase64(String(decoding: line, as: UTF8.self)),
                  let digest = try? SHA256Digest(bytes: hash)
            else {
                throw WitnessProtocolError(
                    .malformedProofLine, "proof line \(n + 1) is not the standard base64 of a 32-byte hash")
            }
            proof.append(digest)
        }
        let checkpoint: SignedCheckpoint
        do { checkpoint = try SignedCheckpoint(parsing: bytes[rest...]) } catch {
            throw WitnessProtocolError(
                .malformedCheckpoint, "what follows the empty line is not a signed checkpoint: \(error.message)", underlying: error)
        }
        try self.init(oldSize: old, consistencyProof: proof, checkpoint: checkpoint)
    }

    /// The request body.
    public var serialized: [UInt8] {
        var out = Array("old \(oldSize)\n".utf8)
        for hash in consistencyProof { out += Array((Base64.encode(hash.bytes) + "\n").utf8) }
        out.append(0x0A)
        out += Array(checkpoint.serialized.utf8)
        return out
    }
}

/// The `text/x.tlog.size` body of a 409 Conflict from a witness: the size of the checkpoint it
/// last cosigned, in decimal, and a newline.
public enum TlogSize {
    /// The media type of the body.
    public static let mediaType = "text/x.tlog.size"

    /// The body for `size`.
    public static func serialized(_ size: UInt64) -> [UInt8] { Array("\(size)\n".utf8) }

    /// The size in a body.
    ///
    /// - Throws: ``WitnessProtocolError/Code/malformedSize``.
    public static func parse(_ body: some Collection<UInt8>) throws(WitnessProtocolError) -> UInt64 {
        let bytes = Array(body)
        guard bytes.last == 0x0A, let size = TextFormat.parseDecimal(String(decoding: bytes.dropLast(), as: UTF8.self)) else {
            throw WitnessProtocolError(.malformedSize, "the witness's size is not a decimal followed by a newline")
        }
        return size
    }
}

extension SignedCheckpoint {
    /// The checkpoint with the signature lines of a witness's 200 answer to add-checkpoint
    /// appended (c2sp.org/tlog-witness: the answer is one or more note signature lines). The
    /// lines are not verified here: keep only those by keys you trust, after verifying them.
    ///
    /// - Throws: ``WitnessProtocolError/Code/malformedCosignatures`` when the body is not
    ///   signature lines, or the note would be malformed with them.
    public func adding(cosignatureLines body: some Collection<UInt8>) throws(WitnessProtocolError) -> SignedCheckpoint {
        let bytes = Array(body)
        guard !bytes.isEmpty, bytes.last == 0x0A else {
            throw WitnessProtocolError(.malformedCosignatures, "the witness's answer is not signature lines ending in a newline")
        }
        let text = serialized + String(decoding: bytes, as: UTF8.self)
        do {
            let parsed = try SignedCheckpoint(parsing: text)
            guard parsed.note.signatures.count > note.signatures.count else {
                throw WitnessProtocolError(.malformedCosignatures, "the witness's answer holds no signature line")
            }
            return parsed
        } catch let error as WitnessProtocolError {
            throw error
        } catch {
            throw WitnessProtocolError(
                .malformedCosignatures, "the witness's answer is not signature lines: \(error)", underlying: error)
        }
    }
}
