#if canImport(Glibc)
import JejakBase
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JejakJSON

/// One signature of a DSSE envelope.
public struct DSSESignature: Hashable, Sendable {
    /// The unauthenticated key hint; in Jejak the signer's `<name>+<8 hex key id>`
    /// (``VerifierKey/hint``). Empty when the envelope had none (DSSE treats unset and empty alike).
    /// Never a basis for trust: it only narrows which keys to try.
    public var keyid: String
    /// The raw signature bytes (Ed25519: 64 bytes over the PAE encoding).
    public var sig: [UInt8]

    /// Creates a signature entry.
    public init(keyid: String = "", sig: [UInt8]) {
        self.keyid = keyid
        self.sig = sig
    }

    /// Equal when `keyid` (as UTF-8 bytes) and `sig` are equal.
    public static func == (a: DSSESignature, b: DSSESignature) -> Bool {
        a.sig == b.sig && a.keyid.sameBytes(as: b.keyid)
    }
}

/// A DSSE v1 envelope (github.com/secure-systems-lab/dsse, protocol and envelope v1.0.2) with
/// Ed25519 signatures.
///
/// Each signature is Ed25519 over `PAE(payloadType, payload)`:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal.
///
/// ## JSON form
///
/// ``jsonBytes()`` writes the compact form Jejak stores in its leaves, members in exactly this
/// order, standard base64, strings escaped as ``JejakJSON/JSONWriter`` does:
///
/// ```json
/// {"payloadType":"…","payload":"<base64>","signatures":[{"keyid":"…","sig":"<base64>"}]}
/// ```
///
/// ``init(json:)`` accepts any member order and whitespace; `payloadType`, `payload`,
/// `signatures` and each `sig` are required, `keyid` is optional, unknown members are ignored,
/// and `payload` and `sig` may use standard or URL-safe base64, padded or not. The JSON itself
/// must be strict RFC 8259 without duplicate member names.
///
/// Two JSON texts of one envelope are one envelope: the ledger stores, hashes into its leaf
/// and binds its receipts to the compact form of ``jsonBytes()``, never to the bytes a
/// publisher sent. A relying party checks a receipt against that form (`jejak verify-receipt`
/// takes the event in it, as `jejak publish --event-out` writes it).
///
/// ## Verifying
///
/// ``verifySignature(at:with:)`` answers whether one signature verifies under a key you chose;
/// ``verifiedKeys(_:)`` tries a set of trusted keys. Hand the application the ``payload`` bytes
/// of the envelope you verified — never re-parse the JSON after verification.
public struct DSSEEnvelope: Hashable, Sendable {
    /// How to interpret the payload, e.g. `application/cloudevents+json`. Authenticated.
    public var payloadType: String
    /// The exact payload bytes that were signed.
    public var payload: [UInt8]
    /// The signatures, in order.
    public var signatures: [DSSESignature]

    /// Creates an envelope from its parts (no signing or checking).
    public init(payloadType: String, payload: [UInt8], signatures: [DSSESignature]) {
        self.payloadType = payloadType
        self.payload = payload
        self.signatures = signatures
    }

    /// Equal when `payloadType` (as UTF-8 bytes), `payload` and the signatures are equal.
    public static func == (a: DSSEEnvelope, b: DSSEEnvelope) -> Bool {
        a.payload == b.payload && a.signatures == b.signatures && a.payloadType.sameBytes(as: b.payloadType)
    }

    /// The DSSE v1 pre-authentication encoding of `payloadType` (its UTF-8 bytes) and `payload`:
    /// `"DSSEv1 <len(type)> <type> <len(payload)> <payload>"`.
    public static func pae(payloadType: String, payload: some Collection<UInt8>) -> [UInt8] {
        let typeBytes = payloadType.utf8
        let typeLength = String(typeBytes.count).utf8
        let payloadLength = String(payload.count).utf8
        var out = [UInt8]()
        out.reserveCapacity(7 + typeLength.count + 1 + typeBytes.count + 1 + payloadLength.count + 1 + payload.count)
        out.append(contentsOf: "DSSEv1 ".utf8)
        out.append(contentsOf: typeLength)
        out.append(0x20)
        out.append(contentsOf: typeBytes)
        out.append(0x20)
        out.append(contentsOf: payloadLength)
        out.append(0x20)
        out.append(contentsOf: payload)
        return out
    }

    /// Signs `payload` with each key (Ed25519 over the PAE encoding, whatever the keys'
    /// signed-note type), with `keyid` set to each key's ``VerifierKey/hint``.
    public static func sign(payload: [UInt8], payloadType: String, with keys: [SignerKey]) -> DSSEEnvelope {
        let message = pae(payloadType: payloadType, payload: payload)
        let signatures = message.withUnsafeBytes { m in
            keys.map { DSSESignature(keyid: $0.verifierKey.hint, sig: $0.rawSignature(for: m)) }
        }
        return DSSEEnvelope(payloadType: payloadType, payload: payload, signatures: signatures)
    }

    /// Parses a JSON envelope (see "JSON form" above).
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/malformedEnvelope`` when the bytes
    ///   are not strict JSON, not an object, a required member is missing or has the wrong JSON
    ///   type, a member DSSE does not define is present (the envelope would not be stored as
    ///   given), or `payload` or a `sig` is not base64.
    public init(json: some Collection<UInt8>) throws(CryptoError) {
        // The form ``jsonBytes()`` writes (every stored leaf) is read by a direct scan; anything
        // else, including every malformed input, goes through the JSON parser.
        if let envelope = ByteUtil.withContiguous(json, { Self.compactForm($0) }) {
            self = envelope
            return
        }
        try self.init(parsingJSON: json)
    }

    /// Parses with the general JSON parser (any member order, whitespace, escapes).
    init(parsingJSON json: some Collection<UInt8>) throws(CryptoError) {
        let raw = try Self.parseJSON(json)
        guard let payload = StrictBase64.decode(raw.payload, mode: .lenient) else {
            throw CryptoError(.malformedEnvelope, "the DSSE payload is not valid base64")
        }
        var signatures = [DSSESignature]()
        signatures.reserveCapacity(raw.signatures.count)
        for (i, s) in raw.signatures.enumerated() {
            guard let sig = StrictBase64.decode(s.sig, mode: .lenient) else {
                throw CryptoError(.malformedEnvelope, "DSSE signature \(i) is not valid base64")
            }
            signatures.append(DSSESignature(keyid: s.keyid, sig: sig))
        }
        self.init(payloadType: raw.payloadType, payload: payload, signatures: signatures)
    }

    /// The envelope in exactly the compact form of ``jsonBytes()`` (strings without escapes or
    /// control characters, canonical padded base64), or `nil` for anything else — which the
    /// JSON parser then reads, so that this changes only the speed, never the outcome.
    static func compactForm(_ json: UnsafeRawBufferPointer) -> DSSEEnvelope? {
        let bytes = json.bindMemory(to: UInt8.self)
        var at = 0
        func expect(_ literal: StaticString) -> Bool {
            let n = literal.utf8CodeUnitCount
            guard at + n <= bytes.count else { return false }
            let p = literal.utf8Start
            for k in 0..<n where bytes[at + k] != p[k] { return false }
            at += n
            return true
        }
        /// The bytes up to the next `"`: a string with no escape or control character.
        func stringBytes() -> Range<Int>? {
            let start = at
            while at < bytes.count {
                let c = bytes[at]
                if c == UInt8(ascii: "\"") { at += 1; return start..<(at - 1) }
                if c < 0x20 || c == UInt8(ascii: "\\") { return nil }
                at += 1
            }
            return nil
        }
        func text() -> String? {
            guard let range = stringBytes() else { return nil }
            // The payload type and key ids recur in every envelope of a log: shared, not copied.
            return StringInterner.shared.string(utf8: UnsafeBufferPointer(rebasing: bytes[range]))
        }
        func base64() -> [UInt8]? {
            // Up to the next quote (memchr); an escape or a control character before it is not
            // base64, so the decoder refuses it and the parser takes over.
            guard at < bytes.count, let base = bytes.baseAddress,
                  let quote = memchr(base + at, Int32(UInt8(ascii: "\"")), bytes.count - at) else { return nil }
            let end = base.distance(to: quote.assumingMemoryBound(to: UInt8.self))
            let start = at
            at = end + 1
            return StrictBase64.decode(UnsafeBufferPointer(rebasing: bytes[start..<end]), mode: .standard)
        }
        guard expect(#"{"payloadType":""#), let payloadType = text(),
              expect(#","payload":""#), let payload = base64(),
              expect(#","signatures":["#) else { return nil }
        var signatures: [DSSESignature] = []
        if !expect("]") {
            repeat {
                guard expect(#"{"keyid":""#), let keyid = text(), expect(#","sig":""#), let sig = base64(),
                      expect(#"}"#) else { return nil }
                signatures.append(DSSESignature(keyid: keyid, sig: sig))
            } while expect(",")
            guard expect("]") else { return nil }
        }
        guard expect("}"), at == bytes.count else { return nil }
        return DSSEEnvelope(payloadType: payloadType, payload: payload, signatures: signatures)
    }

    /// The envelope's members as text, before base64 decoding. The only place that knows which
    /// JSON parser is used.
    private static func parseJSON(_ json: some Collection<UInt8>) throws(CryptoError)
        -> (payloadType: String, payload: String, signatures: [(keyid: String, sig: String)])
    {
        let value: JSONValue
        do {
            value = try JSONParser.parse(json)
        } catch {
            throw CryptoError(.malformedEnvelope, "a DSSE envelope is not valid JSON: \(error.description)")
        }
        guard let object = value.objectValue else {
            throw CryptoError(.malformedEnvelope, "a DSSE envelope is a JSON object, got \(value.typeName)")
        }
        func string(_ member: String, in o: JSONObject, _ context: String) throws(CryptoError) -> String {
            guard let v = o[member] else {
                throw CryptoError(.malformedEnvelope, "\(context) has no \"\(member)\" member")
            }
            guard let s = v.stringValue else {
                throw CryptoError(.malformedEnvelope, "\(context) member \"\(member)\" must be a string, got \(v.typeName)")
            }
            return s
        }
        // DSSE lets consumers ignore members it does not define; the ledger would then store an
        // envelope without them, and someone holding the published one could claim the log
        // says what it never kept. So such an envelope is refused, never stripped.
        func onlyDefined(_ o: JSONObject, _ names: Set<ExactText>, _ context: String) throws(CryptoError) {
            if let extra = o.first(where: { !names.contains(ExactText($0.key)) }) {
                throw CryptoError(.malformedEnvelope, "\(context) has the member \(String(reflecting: String(extra.key.prefix(40)))), which DSSE does not define; an envelope carries only what the log keeps")
            }
        }
        try onlyDefined(object, ["payloadType", "payload", "signatures"], "the DSSE envelope")
        let payloadType = try string("payloadType", in: object, "the DSSE envelope")
        let payload = try string("payload", in: object, "the DSSE envelope")
        guard let sigsValue = object["signatures"] else {
            throw CryptoError(.malformedEnvelope, "the DSSE envelope has no \"signatures\" member")
        }
        guard let sigs = sigsValue.arrayValue else {
            throw CryptoError(.malformedEnvelope, "DSSE \"signatures\" must be an array, got \(sigsValue.typeName)")
        }
        var signatures = [(keyid: String, sig: String)]()
        signatures.reserveCapacity(sigs.count)
        for (i, s) in sigs.enumerated() {
            guard let o = s.objectValue else {
                throw CryptoError(.malformedEnvelope, "DSSE signature \(i) must be an object, got \(s.typeName)")
            }
            try onlyDefined(o, ["keyid", "sig"], "DSSE signature \(i)")
            let sig = try string("sig", in: o, "DSSE signature \(i)")
            var keyid = ""
            if let k = o["keyid"], !k.isNull {
                guard let ks = k.stringValue else {
                    throw CryptoError(.malformedEnvelope, "DSSE signature \(i) member \"keyid\" must be a string, got \(k.typeName)")
                }
                keyid = ks
            }
            signatures.append((keyid, sig))
        }
        return (payloadType, payload, signatures)
    }

    /// The compact JSON form: `{"payloadType":…,"payload":…,"signatures":[{"keyid":…,"sig":…},…]}`,
    /// in exactly that member order, no whitespace, standard padded base64, and `keyid` always
    /// present (empty when unset).
    public func jsonBytes() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(64 + payloadType.utf8.count + (payload.count + 2) / 3 * 4 + signatures.count * (110 + 40))
        out.append(contentsOf: #"{"payloadType":"#.utf8)
        JSONWriter.appendString(payloadType, into: &out)
        out.append(contentsOf: #","payload":""#.utf8)
        payload.withUnsafeBytes { StrictBase64.encode($0, into: &out) }
        out.append(contentsOf: #"","signatures":["#.utf8)
        for (i, s) in signatures.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"keyid":"#.utf8)
            JSONWriter.appendString(s.keyid, into: &out)
            out.append(contentsOf: #","sig":""#.utf8)
            s.sig.withUnsafeBytes { StrictBase64.encode($0, into: &out) }
            out.append(contentsOf: #""}"#.utf8)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    /// Whether the signature at `index` is a valid Ed25519 signature by `key` over
    /// `PAE(payloadType, payload)`.
    ///
    /// Only the key's Ed25519 public key is used; the signature's `keyid` is not consulted.
    /// Returns `false` when `index` is out of range.
    public func verifySignature(at index: Int, with key: VerifierKey) -> Bool {
        guard signatures.indices.contains(index) else { return false }
        let message = Self.pae(payloadType: payloadType, payload: payload)
        return key.publicKey.isValidSignature(signatures[index].sig, for: message)
    }

    /// The keys among `keys` that have a valid signature on this envelope, in the order of
    /// `keys`, without duplicates.
    ///
    /// A signature is tried against a key only when its `keyid` is empty or equals the key's
    /// ``VerifierKey/hint`` (the hint narrows the search; it grants nothing). Signatures that
    /// fail are skipped, as DSSE's multi-signature verification prescribes; apply your
    /// threshold to the result.
    public func verifiedKeys(_ keys: [VerifierKey]) -> [VerifierKey] {
        let message = Self.pae(payloadType: payloadType, payload: payload)
        var result = [VerifierKey]()
        message.withUnsafeBytes { m in
            for key in keys where !result.contains(key) {
                let hint = key.hint
                for s in signatures where s.keyid.isEmpty || s.keyid.sameBytes(as: hint) {
                    let ok = s.sig.withUnsafeBytes { key.publicKey.isValidSignature($0, for: m) }
                    if ok {
                        result.append(key)
                        break
                    }
                }
            }
        }
        return result
    }
}
