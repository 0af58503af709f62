import CSodium

/// An age X25519 recipient: the public key a file is encrypted to, written `age1…` (Bech32,
/// lowercase, human-readable part `age`).
///
/// ```swift
/// let recipient = try AgeRecipient(parsing: "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj")
/// let file = try Age.encrypt(Array("hello".utf8), to: [recipient])
/// ```
public struct AgeRecipient: Sendable, Hashable, CustomStringConvertible {
    /// The 32-byte X25519 public key.
    public let publicKey: [UInt8]

    /// The recipient with the 32-byte X25519 public key `publicKey`.
    ///
    /// - Throws: ``AgeError`` with code ``AgeError/Code/malformedKey`` when `publicKey` is not
    ///   32 bytes.
    public init(publicKey: some Collection<UInt8>) throws(AgeError) {
        guard publicKey.count == 32 else {
            throw AgeError(.malformedKey, "an X25519 recipient is a 32-byte public key, not \(publicKey.count) bytes")
        }
        self.publicKey = Array(publicKey)
    }

    /// A recipient from a public key known to be 32 bytes.
    init(validated publicKey: [UInt8]) {
        self.publicKey = publicKey
    }

    /// Parses an `age1…` recipient string.
    ///
    /// - Throws: ``AgeError`` with code
    ///   - ``AgeError/Code/unsupportedRecipient`` for a recipient type this library does not
    ///     implement (post-quantum `age1pq1…`, tagged `age1tag1…`/`age1tagpq1…`, plugin
    ///     `age1<name>1…`, SSH `ssh-ed25519 …`/`ssh-rsa …`),
    ///   - ``AgeError/Code/malformedKey`` for anything else that is not lowercase Bech32 with
    ///     the human-readable part `age`, a valid checksum and 32 bytes of data.
    public init(parsing text: String) throws(AgeError) {
        if text.hasPrefix("ssh-ed25519 ") || text.hasPrefix("ssh-rsa ") {
            throw AgeError(.unsupportedRecipient, "SSH recipients are not supported; use an age1… X25519 recipient")
        }
        var text = text
        let decoded = text.withUTF8 { Bech32.decode($0) }
        let upper = text.uppercased()
        if upper.hasPrefix("AGE-SECRET-KEY-") || upper.hasPrefix("AGE-PLUGIN-") {
            // Never quoted: it is (or is meant to be) a secret.
            throw AgeError(.malformedKey, "this is an age identity (a secret key), not a recipient; a recipient starts with age1")
        }
        guard let decoded else {
            throw AgeError(.malformedKey, "\(Self.quoted(text)) is not a valid Bech32 age recipient")
        }
        let hrp = String(decoding: decoded.hrp, as: UTF8.self)
        guard hrp == "age" else {
            if hrp.hasPrefix("age1") {
                let kind = hrp == "age1pq" ? "post-quantum (mlkem768x25519)"
                    : hrp == "age1tag" || hrp == "age1tagpq" ? "tagged (\(hrp.dropFirst(4)))"
                    : "plugin (\(hrp.dropFirst(4)))"
                throw AgeError(.unsupportedRecipient, "\(kind) recipients are not supported; use an age1… X25519 recipient")
            }
            if hrp == "AGE" {
                throw AgeError(.malformedKey, "an age recipient must be lowercase")
            }
            throw AgeError(.malformedKey, "\(Self.quoted(text)) is not an age recipient (its prefix is \(Self.quoted(hrp)), not \"age\")")
        }
        try self.init(publicKey: decoded.data)
    }

    /// The recipient string, `age1…`.
    public var description: String {
        String(decoding: Bech32.encode(hrp: "age", data: publicKey, uppercase: false), as: UTF8.self)
    }

    /// `text` quoted for a message, cut to 80 characters.
    static func quoted(_ text: some StringProtocol) -> String {
        let cut = text.count > 80 ? String(text.prefix(77)) + "…" : String(text)
        return "\"" + cut + "\""
    }
}

/// An age X25519 identity: the secret key that opens files encrypted to its ``recipient``,
/// written `AGE-SECRET-KEY-1…` (Bech32, uppercase, human-readable part `AGE-SECRET-KEY-`).
///
/// The secret is held in memory of its own, zeroed (`sodium_memzero`) when the identity is
/// freed. `description`, `debugDescription` and the reflection mirror show only the
/// recipient, so interpolating an identity into a log line never leaks it; the secret string
/// is produced only on request (``secretKeyString()``, ``AgeIdentityFile/write(_:to:)``).
///
/// ```swift
/// let identity = AgeIdentity.generate()
/// let file = try Age.encrypt(Array("hello".utf8), to: [identity.recipient])
/// let plaintext = try Age.decrypt(file, identities: [identity])
/// ```
public final class AgeIdentity: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    // @unchecked Sendable: the only stored properties are `recipient` (Sendable) and `secret`,
    // a buffer allocated and filled in `init` and never written again until `deinit`, which
    // runs when no other reference exists. Every other access only reads it, so sharing an
    // identity between threads cannot race.

    /// The public half: the recipient files for this identity are encrypted to.
    public let recipient: AgeRecipient
    /// The 32-byte X25519 secret key; immutable after `init`, zeroed in `deinit`.
    private let secret: UnsafeMutableRawBufferPointer

    private static let hrp = "AGE-SECRET-KEY-"

    /// An identity with the 32-byte X25519 secret `secretKey` (copied; the caller wipes its
    /// own copy).
    init(secretKey: [UInt8]) {
        precondition(secretKey.count == 32, "an X25519 secret key is 32 bytes")
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 8)
        secretKey.withUnsafeBytes { storage.copyMemory(from: $0) }
        secret = storage
        recipient = AgeRecipient(validated: Primitives.x25519Base(UnsafeRawBufferPointer(storage)))
    }

    deinit {
        if let base = secret.baseAddress { sodium_memzero(base, secret.count) }
        secret.deallocate()
    }

    /// A new identity from 32 bytes of CSPRNG output.
    public static func generate() -> AgeIdentity {
        var bytes = Primitives.random(32)
        defer { Primitives.wipe(&bytes) }
        return AgeIdentity(secretKey: bytes)
    }

    /// Parses an `AGE-SECRET-KEY-1…` identity string.
    ///
    /// The decoded secret is wiped once the identity is built; the caller's string cannot be.
    /// Messages never quote the string.
    ///
    /// - Throws: ``AgeError`` with code
    ///   - ``AgeError/Code/unsupportedRecipient`` for an identity type this library does not
    ///     implement (post-quantum `AGE-SECRET-KEY-PQ-1…`, plugin `AGE-PLUGIN-…`),
    ///   - ``AgeError/Code/malformedKey`` for anything else that is not uppercase Bech32 with
    ///     the human-readable part `AGE-SECRET-KEY-`, a valid checksum and 32 bytes of data.
    public convenience init(parsing text: String) throws(AgeError) {
        var text = text
        var secretKey = try text.withUTF8 { buffer in
            Result { () throws(AgeError) -> [UInt8] in try AgeIdentity.decodeSecret(utf8: buffer) }
        }.get()
        defer { Primitives.wipe(&secretKey) }
        self.init(secretKey: secretKey)
    }

    /// Parses the UTF-8 bytes of an identity string without making a `String` of the secret.
    static func parse(utf8 input: UnsafeBufferPointer<UInt8>) throws(AgeError) -> AgeIdentity {
        var secretKey = try decodeSecret(utf8: input)
        defer { Primitives.wipe(&secretKey) }
        return AgeIdentity(secretKey: secretKey)
    }

    /// The 32-byte secret of an identity string's UTF-8 bytes. The caller wipes it.
    private static func decodeSecret(utf8 input: UnsafeBufferPointer<UInt8>) throws(AgeError) -> [UInt8] {
        guard var decoded = Bech32.decode(input) else {
            throw AgeError(.malformedKey, "an age identity is a Bech32 AGE-SECRET-KEY-1… string with a valid checksum")
        }
        let hrp = String(decoding: decoded.hrp, as: UTF8.self)
        let count = decoded.data.count
        guard hrp == Self.hrp, count == 32 else {
            // Wiped in place: `decoded` holds the only reference to its buffer.
            Primitives.wipe(&decoded.data)
            if hrp == Self.hrp {
                throw AgeError(.malformedKey, "an age X25519 identity holds 32 bytes, not \(count)")
            }
            if hrp == "AGE-SECRET-KEY-PQ-" {
                throw AgeError(.unsupportedRecipient, "post-quantum (mlkem768x25519) identities are not supported")
            }
            if hrp.hasPrefix("AGE-PLUGIN-") {
                throw AgeError(.unsupportedRecipient, "plugin identities (\(hrp.dropLast())) are not supported")
            }
            if hrp.uppercased() == Self.hrp {
                throw AgeError(.malformedKey, "an age identity must be uppercase")
            }
            throw AgeError(.malformedKey, "an age identity starts with AGE-SECRET-KEY-1, not \(AgeRecipient.quoted(hrp + "1"))")
        }
        return decoded.data
    }

    /// Calls `body` with the 32-byte secret key.
    func withSecret<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        body(UnsafeRawBufferPointer(secret))
    }

    /// The UTF-8 bytes of the identity string. The caller must wipe them.
    func secretKeyUTF8() -> [UInt8] {
        withSecret { Bech32.encode(hrp: Self.hrp, data: $0, uppercase: true) }
    }

    /// The identity string, `AGE-SECRET-KEY-1…`.
    ///
    /// This is the secret in clear text. A Swift `String` cannot be wiped, so prefer
    /// ``AgeIdentityFile/write(_:to:)``, which never makes one.
    public func secretKeyString() -> String {
        var bytes = secretKeyUTF8()
        defer { Primitives.wipe(&bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `AgeIdentity(age1…)`: names the recipient, never shows the secret.
    public var description: String { "AgeIdentity(\(recipient))" }

    /// The same redacted text as ``description``.
    public var debugDescription: String { description }

    /// A mirror showing only the recipient, so `dump` and debuggers show no key material.
    public var customMirror: Mirror {
        Mirror(self, children: ["recipient": recipient], displayStyle: .class)
    }
}

/// The X25519 recipient stanza: `-> X25519 <base64 ephemeral share>` and a 32-byte body, the
/// file key sealed under a key derived from the X25519 shared secret.
enum X25519Stanza {
    /// The stanza's first argument.
    static let type = "X25519"
    /// The HKDF info of the wrap key.
    static let info = "age-encryption.org/v1/X25519"

    /// Wraps `fileKey` for `recipient` with a fresh ephemeral secret.
    ///
    /// - Throws: ``AgeError/Code/malformedKey`` when the recipient is a low-order point (the
    ///   shared secret would be all zeros).
    static func wrap(fileKey: [UInt8], to recipient: AgeRecipient) throws(AgeError) -> Stanza {
        var ephemeral = Primitives.random(32)
        defer { Primitives.wipe(&ephemeral) }
        let share = ephemeral.withUnsafeBytes { Primitives.x25519Base($0) }
        let shared = ephemeral.withUnsafeBytes { e in
            recipient.publicKey.withUnsafeBytes { Primitives.x25519(e, $0) }
        }
        guard var shared else {
            throw AgeError(.malformedKey, "recipient \(recipient) is a low-order point; nothing can be encrypted to it")
        }
        defer { Primitives.wipe(&shared) }
        var wrapKey = Primitives.hkdf(ikm: shared, salt: share + recipient.publicKey, info: info)
        defer { Primitives.wipe(&wrapKey) }
        var body = [UInt8]()
        fileKey.withUnsafeBytes { key in
            wrapKey.withUnsafeBytes { k in
                zeroNonce.withUnsafeBytes { n in Primitives.seal(key, key: k, nonce: n, into: &body) }
            }
        }
        return Stanza(arguments: [type, AgeBase64.encodeUnpadded(share)], body: body)
    }

    /// Unwraps the file key from `stanza` (an X25519 stanza already checked by
    /// ``Stanza/validateShape()``) with `identity`: `nil` when the stanza is not for it.
    ///
    /// - Throws: ``AgeError/Code/malformedHeader`` when the ephemeral share is a low-order
    ///   point (the all-zero shared secret, on which the spec requires decryption to abort).
    static func unwrap(_ stanza: Stanza, with identity: AgeIdentity) throws(AgeError) -> [UInt8]? {
        guard let share = AgeBase64.decode(stanza.arguments[1].utf8, padded: false), share.count == 32,
              stanza.body.count == 32
        else { return nil }
        let shared = identity.withSecret { s in share.withUnsafeBytes { Primitives.x25519(s, $0) } }
        guard var shared else {
            throw AgeError(.malformedHeader, "an X25519 stanza's share is a low-order point (the shared secret is all zeros)")
        }
        defer { Primitives.wipe(&shared) }
        var wrapKey = Primitives.hkdf(ikm: shared, salt: share + identity.recipient.publicKey, info: info)
        defer { Primitives.wipe(&wrapKey) }
        return stanza.body.withUnsafeBytes { body in
            wrapKey.withUnsafeBytes { k in
                zeroNonce.withUnsafeBytes { n in Primitives.open(body, key: k, nonce: n) }
            }
        }
    }

    /// The fixed ChaCha20-Poly1305 nonce of a stanza body: 12 zero bytes.
    private static let zeroNonce = [UInt8](repeating: 0, count: 12)
}
