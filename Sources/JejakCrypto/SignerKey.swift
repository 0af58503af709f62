import CSodium
import Foundation

/// A named signing key in the C2SP signed-note family: a name, a signature type and an Ed25519
/// private key. Its text form is `PRIVATE+KEY+<name>+<8 hex key id>+<base64(type || 32-byte seed)>`.
///
/// The text form is only produced on request (``privateKeyString()``, ``KeyFile/write(_:to:)``);
/// `description`, `debugDescription` and the reflection mirror are redacted, so interpolating a
/// `SignerKey` into a log line never leaks it.
///
/// ```swift
/// let key = try SignerKey.generate(name: "kpu.go.id/biro-umum")
/// let sig = key.sign(noteText: "hello\n")           // 64 bytes
/// key.verifierKey.verify(noteText: "hello\n", signature: sig)   // true
/// ```
public struct SignerKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The public half: name, key id, type and public key.
    public let verifierKey: VerifierKey
    /// The Ed25519 private key.
    public let privateKey: Ed25519PrivateKey

    /// The key name.
    public var name: String { verifierKey.name }
    /// The key id (see ``VerifierKey/keyID(name:type:publicKey:)``).
    public var keyID: UInt32 { verifierKey.keyID }
    /// The signature type this key signs notes with.
    public var type: SignatureType { verifierKey.type }

    /// Wraps an existing private key under `name`.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/invalidKeyName`` for a bad name.
    public init(name: String, type: SignatureType = .ed25519, privateKey: Ed25519PrivateKey) throws(CryptoError) {
        self.verifierKey = try VerifierKey(name: name, type: type, publicKey: privateKey.publicKey)
        self.privateKey = privateKey
    }

    /// Generates a new random key named `name`.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/invalidKeyName`` when `name` is
    ///   empty or contains a Unicode space, a `+` or a control character.
    public static func generate(name: String, type: SignatureType = .ed25519) throws(CryptoError) -> SignerKey {
        try KeyName.validate(name)
        return try SignerKey(name: name, type: type, privateKey: Ed25519PrivateKey.generate())
    }

    /// Parses a `PRIVATE+KEY+<name>+<8 hex key id>+<base64(type || seed)>` string and checks its
    /// key id against the public key derived from the seed.
    ///
    /// The decoded seed is wiped once the key is built; the caller's string cannot be.
    ///
    /// - Throws: ``CryptoError`` with code
    ///   - ``CryptoError/Code/malformedKey`` without the `PRIVATE+KEY+` prefix or three parts after it,
    ///   - ``CryptoError/Code/invalidKeyName`` for a bad name,
    ///   - ``CryptoError/Code/invalidKeyID`` when the key id is not 8 lowercase hex digits,
    ///   - ``CryptoError/Code/invalidEncoding`` when the key is not valid base64,
    ///   - ``CryptoError/Code/unsupportedKeyType`` for a type byte other than 0x01 and 0x04,
    ///   - ``CryptoError/Code/invalidLength`` when the seed is not 32 bytes,
    ///   - ``CryptoError/Code/keyIDMismatch`` when the key id does not match the derived public key.
    public init(parsing text: String) throws(CryptoError) {
        var text = text
        self = try text.withUTF8 { buffer in
            Result { () throws(CryptoError) -> SignerKey in try SignerKey.parse(utf8: buffer) }
        }.get()
    }

    private static let prefix: [UInt8] = Array("PRIVATE+KEY+".utf8)

    /// Parses the UTF-8 bytes of a private key string without making a `String` of the secret.
    static func parse(utf8 input: UnsafeBufferPointer<UInt8>) throws(CryptoError) -> SignerKey {
        let malformed = CryptoError(.malformedKey, "a private key has the form PRIVATE+KEY+<name>+<8 hex key id>+<base64 key>")
        guard input.starts(with: prefix) else { throw malformed }
        let rest = input[prefix.count...]
        guard let plus1 = rest.firstIndex(of: UInt8(ascii: "+")),
              let plus2 = rest[(plus1 + 1)...].firstIndex(of: UInt8(ascii: "+"))
        else { throw malformed }

        let nameBytes = rest[..<plus1]
        let name = String(decoding: nameBytes, as: UTF8.self)
        guard name.utf8.elementsEqual(nameBytes) else {
            throw CryptoError(.invalidKeyName, "the key name of a private key is not valid UTF-8")
        }
        try KeyName.validate(name)
        let claimedID = try KeyName.parseKeyID(rest[(plus1 + 1)..<plus2])

        guard var decoded = StrictBase64.decode(UnsafeBufferPointer(rebasing: rest[(plus2 + 1)...])) else {
            throw CryptoError(.invalidEncoding, "the key part of private key \(quoted(name)) is not valid base64")
        }
        defer { Secret.wipe(&decoded) }
        let type = try KeyName.signatureType(of: decoded, of: "private key \(quoted(name))",
                                             keyBytes: Ed25519PrivateKey.seedByteCount, keyKind: "an Ed25519 seed")
        let privateKey = try decoded.withUnsafeBytes { raw in
            Result { () throws(CryptoError) -> Ed25519PrivateKey in
                try Ed25519PrivateKey(seed: UnsafeRawBufferPointer(rebasing: raw[1...]))
            }
        }.get()
        let key = try SignerKey(name: name, type: type, privateKey: privateKey)
        guard key.keyID == claimedID else {
            throw CryptoError(
                .keyIDMismatch,
                "private key \(cut(name))+\(KeyName.hex(claimedID)) has the wrong key id; its public key gives \(key.verifierKey.keyIDHex)")
        }
        return key
    }

    /// The UTF-8 bytes of the private key string. The caller must wipe them (``Secret/wipe(_:)``).
    func privateKeyUTF8() -> [UInt8] {
        var material = [UInt8]()
        material.reserveCapacity(1 + Ed25519PrivateKey.seedByteCount)
        material.append(type.rawValue)
        privateKey.withSeed { material.append(contentsOf: $0) }
        defer { Secret.wipe(&material) }

        let head = Array(("PRIVATE+KEY+" + verifierKey.hint + "+").utf8)
        var out = [UInt8]()
        // Reserve everything up front so appending never reallocates and leaves a stray copy.
        out.reserveCapacity(head.count + 44 + 1)
        out.append(contentsOf: head)
        material.withUnsafeBytes { StrictBase64.encode($0, into: &out) }
        return out
    }

    /// The private key string, `PRIVATE+KEY+<name>+<8 hex key id>+<base64(type || seed)>`.
    ///
    /// This is the secret in clear text. A Swift `String` cannot be wiped, so prefer
    /// ``KeyFile/write(_:to:)``, which never makes one.
    public func privateKeyString() -> String {
        var bytes = privateKeyUTF8()
        defer { Secret.wipe(&bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Signs a note text (its exact UTF-8 bytes, ending in a newline) for a signature line.
    ///
    /// For ``SignatureType/ed25519`` the result is the 64-byte Ed25519 signature over the text
    /// and `timestamp` is ignored. For ``SignatureType/cosignatureV1`` it is the 8-byte
    /// big-endian `timestamp` (default: now, in POSIX seconds) followed by the 64-byte signature
    /// over `"cosignature/v1\ntime <timestamp>\n"` + text.
    ///
    /// - Precondition: `timestamp` is at most 2^63 − 1, as tlog-cosignature requires.
    public func sign(noteText: UnsafeRawBufferPointer, timestamp: UInt64? = nil) -> [UInt8] {
        switch type {
        case .ed25519:
            return privateKey.signature(for: noteText)
        case .cosignatureV1:
            let ts = timestamp ?? Self.now()
            precondition(ts <= VerifierKey.maxCosignatureTimestamp, "a cosignature timestamp must not exceed 2^63 - 1")
            var message = VerifierKey.cosignatureHeader(ts)
            message.reserveCapacity(message.count + noteText.count)
            message.append(contentsOf: noteText)
            var out = withUnsafeBytes(of: ts.bigEndian) { Array($0) }
            out.append(contentsOf: privateKey.signature(for: message))
            return out
        }
    }

    /// Signs the bytes of a note text; see ``sign(noteText:timestamp:)``.
    public func sign(noteText: some Collection<UInt8>, timestamp: UInt64? = nil) -> [UInt8] {
        ByteUtil.withContiguous(noteText) { sign(noteText: $0, timestamp: timestamp) }
    }

    /// Signs the UTF-8 bytes of a note text; see ``sign(noteText:timestamp:)``.
    public func sign(noteText: String, timestamp: UInt64? = nil) -> [UInt8] {
        sign(noteText: noteText.utf8, timestamp: timestamp)
    }

    /// Signs a note text and wraps the result as a signature line for this key.
    ///
    /// - Precondition: as for ``sign(noteText:timestamp:)``.
    public func noteSignature(for noteText: String, timestamp: UInt64? = nil) -> NoteSignature {
        NoteSignature(validatedName: name, keyID: keyID, signature: sign(noteText: noteText, timestamp: timestamp))
    }

    /// A plain Ed25519 signature over `message`, whatever ``type`` is (used for DSSE, where the
    /// message is the PAE encoding).
    public func rawSignature(for message: some Collection<UInt8>) -> [UInt8] {
        privateKey.signature(for: message)
    }

    /// A plain Ed25519 signature over `message`; the allocation-free form.
    public func rawSignature(for message: UnsafeRawBufferPointer) -> [UInt8] {
        privateKey.signature(for: message)
    }

    /// `SignerKey(<name>+<key id>, private)`: names the key, never shows it.
    public var description: String { "SignerKey(\(verifierKey.hint), private)" }

    /// The same redacted text as ``description``.
    public var debugDescription: String { description }

    /// A mirror showing only the public half, so `dump` and debuggers show no key material.
    public var customMirror: Mirror {
        Mirror(self, children: ["verifierKey": verifierKey], displayStyle: .struct)
    }

    static func now() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970))
    }
}

/// Wiping of temporary buffers that held key material.
public enum Secret {
    /// Overwrites the bytes of `bytes` with zeros (`sodium_memzero`, which the compiler cannot
    /// optimise away) and empties it.
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { sodium_memzero(base, raw.count) }
        }
        bytes.removeAll()
    }
}
