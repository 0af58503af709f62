import JejakBase
import JejakCrypto
import JejakTlog

/// Proof that an event is in the log: a C2SP tlog-proof (`c2sp.org/tlog-proof@v1`) whose
/// `extra` line holds the entry's `appended` time, so that a verifier holding the signed event
/// can rebuild the exact leaf:
///
/// ```
/// leaf = {"appended":"<extra>","envelope":<the signed event's envelope JSON>}
/// ```
///
/// It verifies offline, against the ledger's tlog-policy, with no access to the ledger.
///
/// ```swift
/// let receipt = try await ledger.append(signed)
/// try receipt.serialized.write(toFile: "exchange-123.tlog-proof", …)
/// let checked = try receipt.verify(signed, policy: policy)
/// ```
public struct Receipt: Hashable, Sendable, CustomStringConvertible {
    /// The id of the event it proves.
    public let eventID: String
    /// The tlog-proof.
    public let proof: TlogProof

    /// The entry's index in the log.
    public var index: UInt64 { proof.index }
    /// The checkpoint the inclusion proof leads to.
    public var checkpoint: SignedCheckpoint { proof.checkpoint }
    /// The entry's `appended` time, from the `extra` line.
    public var appended: LedgerTime? {
        proof.extra.flatMap { LedgerTime(rfc3339: String(decoding: $0, as: UTF8.self)) }
    }

    /// A receipt from its parts.
    public init(eventID: String, proof: TlogProof) {
        self.eventID = eventID
        self.proof = proof
    }

    /// Parses a receipt (a tlog-proof text) for the event `eventID`. The id is not part of the
    /// text, so the caller names it (it comes with the event file, the disclosure, the outbox
    /// record); ``verify(_:policy:)`` then checks the proof against the event itself.
    ///
    /// ```swift
    /// let receipt = try Receipt(parsing: text, for: signed)   // or eventID: "…"
    /// try receipt.verify(signed, policy: policy)
    /// ```
    ///
    /// - Throws: ``LedgerError/Code/invalidProofRequest`` when the text is not a tlog-proof with
    ///   an `appended` time in its `extra` line.
    public init(parsing text: String, eventID: String) throws(LedgerError) {
        do { proof = try TlogProof(parsing: text) } catch {
            throw LedgerError(.invalidProofRequest, "not a tlog-proof: \(error.message)")
        }
        self.eventID = eventID
        guard appended != nil else {
            throw LedgerError(.invalidProofRequest, "the tlog-proof has no Jejak `appended` time in its extra line")
        }
    }

    /// Parses a receipt (a tlog-proof text) for `event`: ``eventID`` is the event's id.
    ///
    /// - Throws: as ``init(parsing:eventID:)``.
    public init(parsing text: String, for event: SignedEvent) throws(LedgerError) {
        try self.init(parsing: text, eventID: event.event.id)
    }

    /// The tlog-proof text (store it with the extension `.tlog-proof`).
    public var serialized: String { proof.serialized }
    public var description: String { serialized }

    /// The leaf this receipt proves for `event`.
    ///
    /// - Throws: ``LedgerError/Code/invalidProofRequest`` when the `extra` line is not an `appended` time.
    public func leaf(for event: SignedEvent) throws(LedgerError) -> [UInt8] {
        guard let appended else {
            throw LedgerError(.invalidProofRequest, "the receipt has no `appended` time in its extra line")
        }
        return Leaf.encode(appended: appended, envelopeJSON: event.jsonBytes)
    }

    /// Verifies the receipt for the signed event whose envelope is exactly `envelopeJSON` (the
    /// bytes as a holder keeps them, as `jejak publish --event-out` writes them): the leaf is
    /// rebuilt from those bytes, never from a re-serialisation, so bytes the log does not hold
    /// do not verify.
    ///
    /// - Returns: The verified checkpoint (with the witnesses that cosigned it).
    /// - Throws: as ``verify(_:policy:)``.
    @discardableResult
    public func verify(envelopeJSON: [UInt8], policy: TlogPolicy) throws -> VerifiedCheckpoint {
        guard let appended else {
            throw LedgerError(.invalidProofRequest, "the receipt has no `appended` time in its extra line")
        }
        return try proof.verify(leaf: Leaf.encode(appended: appended, envelopeJSON: envelopeJSON), policy: policy)
    }

    /// Verifies the receipt for `event` against `policy`: the checkpoint is signed by a log of
    /// the policy under its origin, cosigned by a quorum of its witnesses, and the event's leaf
    /// is included in it.
    ///
    /// - Returns: The verified checkpoint (with the witnesses that cosigned it).
    /// - Throws: `TlogProofError` naming the failed step (policy, inclusion), or
    ///   ``LedgerError/Code/invalidProofRequest`` when the receipt has no `appended` time.
    @discardableResult
    public func verify(_ event: SignedEvent, policy: TlogPolicy) throws -> VerifiedCheckpoint {
        try proof.verify(leaf: try leaf(for: event), policy: policy)
    }
}
