import JejakBase

/// Key name rules shared by vkeys, private keys and note signature lines.
enum KeyName {
    /// Whether `name` is a valid signed-note key name: non-empty, no Unicode white space
    /// (the `White_Space` property, which is what Go's `unicode.IsSpace` tests), no `+`, and —
    /// because a name must be writable in a signed note — no ASCII control character.
    static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        for s in name.unicodeScalars {
            if s == "+" || s.value < 0x20 || s.properties.isWhitespace { return false }
        }
        return true
    }

    /// Throws unless `name` ``isValid(_:)``. With `quoting` false (a name read from a file,
    /// which could be a secret given by mistake) the message does not repeat it.
    static func validate(_ name: String, quoting: Bool = true) throws(CryptoError) {
        guard isValid(name) else {
            let what = quoting ? "invalid key name \(String(reflecting: String(name.prefix(80))))" : "the key name (before the first '+') is invalid"
            throw CryptoError(
                .invalidKeyName, "\(what): a key name must be non-empty, without spaces, '+' or control characters")
        }
    }

    /// Splits `text` at its first `parts - 1` plus signs (compared as bytes, not characters, so
    /// a combining mark after `+` cannot hide it). Empty parts are kept.
    static func splitPlus(_ text: Substring, parts: Int) -> [Substring] {
        text.utf8.split(separator: UInt8(ascii: "+"), maxSplits: parts - 1, omittingEmptySubsequences: false)
            .map { Substring($0) }
    }

    /// Parses the 8-digit lowercase hex key id of a key string.
    static func parseKeyID(_ hex: some Collection<UInt8>) throws(CryptoError) -> UInt32 {
        guard hex.count == 8 else {
            throw CryptoError(.invalidKeyID, "a key id is 8 lowercase hex digits, got \(hex.count) bytes")
        }
        var v: UInt32 = 0
        for c in hex {
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            default:
                throw CryptoError(.invalidKeyID, "a key id is 8 lowercase hex digits, and this one has another character")
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// The signature type of key material `decoded` (a type byte, then `keyBytes` bytes) of
    /// `what` (e.g. `vkey "name"`), checked.
    static func signatureType(of decoded: [UInt8], of what: String, keyBytes: Int, keyKind: String) throws(CryptoError) -> SignatureType {
        guard let first = decoded.first else {
            throw CryptoError(.invalidLength, "\(what) has no key material")
        }
        guard let type = SignatureType(rawValue: first) else {
            throw CryptoError(
                .unsupportedKeyType,
                "\(what) has signature type 0x\(Hex.encode([first])); supported are 0x01 (Ed25519) and 0x04 (cosignature/v1)")
        }
        guard decoded.count == 1 + keyBytes else {
            throw CryptoError(.invalidLength, "\(what) has \(decoded.count - 1) bytes of key material; \(keyKind) is \(keyBytes)")
        }
        return type
    }

    /// The 8-digit lowercase hex form of a key id.
    static func hex(_ keyID: UInt32) -> String {
        Hex.encode(ByteUtil.bigEndian(keyID))
    }
}

/// A C2SP signed-note verifier key ("vkey"): `<name>+<8 hex key id>+<base64(type || public key)>`.
///
/// Verifies note signatures of type ``SignatureType/ed25519`` (Ed25519 over the note text) and
/// ``SignatureType/cosignatureV1`` (c2sp.org/tlog-cosignature v1: an 8-byte big-endian
/// timestamp followed by an Ed25519 signature over `"cosignature/v1\ntime <ts>\n"` + note text).
///
/// ```swift
/// let key = try VerifierKey(parsing: "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
/// key.hint          // "example.com/foo+530d903a"
/// "\(key)"          // the vkey string again
/// ```
public struct VerifierKey: Hashable, Sendable, CustomStringConvertible {
    /// The key name (for example a unit id, a log origin or a witness name).
    public let name: String
    /// The key id: the first four bytes, big-endian, of SHA-256(name || 0x0A || type || key).
    public let keyID: UInt32
    /// The signature type.
    public let type: SignatureType
    /// The Ed25519 public key.
    public let publicKey: Ed25519PublicKey

    /// Computes a key id as signed-note recommends and tlog-cosignature requires: the first four
    /// bytes, read big-endian, of SHA-256(name || 0x0A || type || public key).
    public static func keyID(name: String, type: SignatureType, publicKey: Ed25519PublicKey) -> UInt32 {
        var n = name
        let digest = n.withUTF8 { nameBytes in
            withUnsafeBytes(of: (UInt8(0x0A), type.rawValue)) { sep in
                publicKey.bytes.withUnsafeBytes { key in
                    SHA256Digest.hash(parts: [UnsafeRawBufferPointer(nameBytes), sep, key])
                }
            }
        }
        return digest.withUnsafeBytes { ByteUtil.readUInt32($0) }
    }

    /// Creates the verifier key for `publicKey` under `name`, computing its key id.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/invalidKeyName`` when `name` is
    ///   empty or contains a Unicode space, a `+` or a control character.
    public init(name: String, type: SignatureType, publicKey: Ed25519PublicKey) throws(CryptoError) {
        try KeyName.validate(name)
        self.name = name
        self.type = type
        self.publicKey = publicKey
        self.keyID = Self.keyID(name: name, type: type, publicKey: publicKey)
    }

    /// Parses a vkey string.
    ///
    /// The base64 part may itself contain `+`; the string is split at the first two `+` only.
    /// Base64 must be standard, padded and canonical.
    ///
    /// - Throws: ``CryptoError`` with code
    ///   - ``CryptoError/Code/malformedKey`` when there are not three `+`-separated parts,
    ///   - ``CryptoError/Code/invalidKeyName`` for a bad name,
    ///   - ``CryptoError/Code/invalidKeyID`` when the key id is not 8 lowercase hex digits,
    ///   - ``CryptoError/Code/invalidEncoding`` when the key is not valid base64,
    ///   - ``CryptoError/Code/unsupportedKeyType`` when the type byte is not 0x01 or 0x04,
    ///   - ``CryptoError/Code/invalidLength`` when the key material is not 32 bytes,
    ///   - ``CryptoError/Code/keyIDMismatch`` when the key id is not the one computed from the
    ///     name, type and key.
    public init(parsing text: String) throws(CryptoError) {
        // Nothing of a text that does not parse is quoted: it could be a secret given by mistake.
        if PrivateKeyText.appears(in: text) {
            throw CryptoError(.malformedKey, "this is a private key, not a vkey (nothing of it is shown); give the public key, and keep the private one to its owner")
        }
        let parts = KeyName.splitPlus(text[...], parts: 3)
        guard parts.count == 3 else {
            throw CryptoError(.malformedKey, "a vkey has the form <name>+<8 hex key id>+<base64 key>")
        }
        let name = String(parts[0])
        try KeyName.validate(name, quoting: false)
        let claimedID = try KeyName.parseKeyID(parts[1].utf8)
        guard let decoded = StrictBase64.decode(parts[2]) else {
            throw CryptoError(.invalidEncoding, "the key part of vkey \(quoted(name)) is not valid base64")
        }
        let (type, publicKey) = try Self.typeAndKey(decoded, name: name)
        try self.init(name: name, type: type, publicKey: publicKey)
        guard keyID == claimedID else {
            throw CryptoError(
                .keyIDMismatch,
                "vkey \(cut(name))+\(KeyName.hex(claimedID)) has the wrong key id; its key gives \(keyIDHex)")
        }
    }

    /// Splits decoded key material into its type byte and 32-byte key.
    static func typeAndKey(_ decoded: [UInt8], name: String) throws(CryptoError) -> (SignatureType, Ed25519PublicKey) {
        let type = try KeyName.signatureType(of: decoded, of: "vkey \(quoted(name))", keyBytes: Ed25519PublicKey.byteCount,
                                             keyKind: "an Ed25519 key")
        return (type, try Ed25519PublicKey(bytes: decoded[1...]))
    }

    /// Equal when name (as UTF-8 bytes), key id, type and public key are equal.
    public static func == (a: VerifierKey, b: VerifierKey) -> Bool {
        a.keyID == b.keyID && a.type == b.type && a.publicKey == b.publicKey && a.name.sameBytes(as: b.name)
    }

    /// The key id as 8 lowercase hex digits.
    public var keyIDHex: String { KeyName.hex(keyID) }

    /// `<name>+<8 hex key id>`: names the key without its key material. Used as the DSSE `keyid`.
    public var hint: String { name + "+" + keyIDHex }

    /// The vkey string, `<name>+<8 hex key id>+<base64(type || key)>`.
    public var description: String {
        var material = [type.rawValue]
        material.append(contentsOf: publicKey.bytes)
        return hint + "+" + StrictBase64.encode(material)
    }

    /// The header of a cosignature/v1 signed message for `timestamp`:
    /// `"cosignature/v1\ntime <timestamp>\n"`.
    static func cosignatureHeader(_ timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8)
    }

    /// The largest timestamp tlog-cosignature allows: 2^63 − 1.
    static let maxCosignatureTimestamp = UInt64(Int64.max)

    /// Whether `signature` (the bytes after the 4-byte key id of a note signature line) is a
    /// valid signature by this key over `noteText`.
    ///
    /// For ``SignatureType/ed25519`` the signature is 64 bytes of Ed25519 over the note text;
    /// for ``SignatureType/cosignatureV1`` it is an 8-byte big-endian timestamp (at most
    /// 2^63 − 1) and 64 bytes of Ed25519 over `"cosignature/v1\ntime <ts>\n"` + note text.
    /// A signature of the wrong length is not valid. Whether the name and key id match is the
    /// caller's concern (see ``SignedNote/verify(_:)``).
    public func verify(noteText: some Collection<UInt8>, signature: [UInt8]) -> Bool {
        signature.withUnsafeBytes { sig in
            ByteUtil.withContiguous(noteText) { text in verify(noteText: text, signature: sig) }
        }
    }

    /// Whether `signature` is a valid signature by this key over the UTF-8 bytes of `noteText`
    /// (see ``verify(noteText:signature:)``).
    public func verify(noteText: String, signature: [UInt8]) -> Bool {
        verify(noteText: noteText.utf8, signature: signature)
    }

    /// The allocation-free form of ``verify(noteText:signature:)``
    /// for Ed25519 keys (cosignatures need one copy to prepend the header).
    public func verify(noteText: UnsafeRawBufferPointer, signature: UnsafeRawBufferPointer) -> Bool {
        switch type {
        case .ed25519:
            return publicKey.isValidSignature(signature, for: noteText)
        case .cosignatureV1:
            guard signature.count == 8 + Ed25519PublicKey.signatureByteCount else { return false }
            let timestamp = ByteUtil.readUInt64(signature.prefix(8))
            guard timestamp <= Self.maxCosignatureTimestamp else { return false }
            var message = Self.cosignatureHeader(timestamp)
            message.reserveCapacity(message.count + noteText.count)
            message.append(contentsOf: noteText)
            return message.withUnsafeBytes { m in
                publicKey.isValidSignature(UnsafeRawBufferPointer(rebasing: signature[8...]), for: m)
            }
        }
    }

    /// The timestamp of a cosignature/v1 signature, or `nil` when this is not a cosignature key,
    /// the signature is not 72 bytes, or the timestamp exceeds 2^63 − 1.
    ///
    /// The timestamp is only meaningful once ``verify(noteText:signature:)``
    /// has accepted the signature.
    public func cosignatureTimestamp(_ signature: [UInt8]) -> UInt64? {
        guard type == .cosignatureV1, signature.count == 8 + Ed25519PublicKey.signatureByteCount else { return nil }
        let timestamp = ByteUtil.readUInt64(signature.prefix(8))
        return timestamp <= Self.maxCosignatureTimestamp ? timestamp : nil
    }
}

/// A key name quoted for an error message, cut to 100 characters: names come from untrusted
/// input (notes, policies, vkeys) and are not length-limited, and a message stays one short line.
func quoted(_ name: String) -> String {
    name.count > 100 ? String(reflecting: String(name.prefix(100))) + "…" : String(reflecting: name)
}

/// A key name cut to 100 characters for an error message (see ``quoted(_:)``).
func cut(_ name: String) -> String {
    name.count > 100 ? String(name.prefix(100)) + "…" : name
}
