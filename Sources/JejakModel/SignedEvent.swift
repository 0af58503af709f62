import JejakBase
import JejakCrypto

/// A signed event: a DSSE v1 envelope whose payload is a ``CloudEvent``.
///
/// The envelope's `payloadType` is `application/cloudevents+json`, its `payload` the exact event
/// bytes, and its one signature an Ed25519 signature over `PAE(payloadType, payload)` by a key of
/// the publishing unit, with the key's `<name>+<key id>` as `keyid`.
///
/// ```swift
/// let signed = try SignedEvent.sign(event, with: unitKey)
/// let receipt = try await ledger.append(signed)
/// ```
public struct SignedEvent: Hashable, Sendable {
    /// The DSSE envelope.
    public let envelope: DSSEEnvelope
    /// The event in the payload.
    public let event: CloudEvent

    /// Checks the envelope's payload type and parses its payload as a ``CloudEvent``.
    ///
    /// - Throws: ``LedgerError`` with ``LedgerError/Code/unsupportedPayloadType``,
    ///   ``LedgerError/Code/signatureCount`` or ``LedgerError/Code/malformedEvent``.
    public init(envelope: DSSEEnvelope) throws(LedgerError) {
        guard envelope.payloadType == CloudEvent.payloadType else {
            throw LedgerError(.unsupportedPayloadType,
                              "the envelope's payloadType is \(quoted(envelope.payloadType)), not \"\(CloudEvent.payloadType)\"")
        }
        guard envelope.signatures.count == 1 else {
            throw LedgerError(.signatureCount, "the envelope must carry exactly one signature, it has \(envelope.signatures.count)")
        }
        self.envelope = envelope
        self.event = try CloudEvent(bytes: envelope.payload)
    }

    /// Parses a DSSE envelope in JSON and its event.
    ///
    /// - Throws: ``LedgerError/Code/malformedEnvelope``, then as ``init(envelope:)``.
    public init(json: [UInt8]) throws(LedgerError) {
        try self.init(json: json[...])
    }

    /// Parses the JSON form of a DSSE envelope held in part of a larger buffer (a stored leaf).
    package init(json: ArraySlice<UInt8>) throws(LedgerError) {
        let envelope: DSSEEnvelope
        do { envelope = try DSSEEnvelope(json: json) } catch {
            throw LedgerError(.malformedEnvelope, "the DSSE envelope is malformed: \(error.message)")
        }
        try self.init(envelope: envelope)
    }

    /// Signs `event` with `key` (the key's name should be the event's `source`).
    public static func sign(_ event: CloudEvent, with key: SignerKey) -> SignedEvent {
        let envelope = DSSEEnvelope.sign(payload: event.bytes, payloadType: CloudEvent.payloadType, with: [key])
        return SignedEvent(checked: envelope, event: event)
    }

    private init(checked envelope: DSSEEnvelope, event: CloudEvent) {
        self.envelope = envelope
        self.event = event
    }

    /// The `keyid` of the signature (`<unit>+<8 hex key id>`).
    public var keyHint: String { envelope.signatures.first?.keyid ?? "" }

    /// The envelope as compact JSON, members in the order `payloadType`, `payload`,
    /// `signatures`: the form stored in the leaf.
    public var jsonBytes: [UInt8] { envelope.jsonBytes() }
}
