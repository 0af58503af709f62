import CSodium

/// A signed-note signature type identifier byte (c2sp.org/signed-note, "Signature types").
///
/// The byte is part of the key id and of the vkey encoding, so the same Ed25519 key used for two
/// types has two different key ids.
public enum SignatureType: UInt8, Sendable {
    /// `0x01`: Ed25519 over the note text. Used by unit keys, the registry authority and the log key.
    case ed25519 = 0x01
    /// `0x04`: timestamped Ed25519 checkpoint cosignatures (c2sp.org/tlog-cosignature, v1).
    /// Used by witness keys.
    case cosignatureV1 = 0x04
}

/// An Ed25519 public key (RFC 8032 encoding, 32 bytes).
///
/// Verification goes through libsodium's `crypto_sign_verify_detached`, which also refuses
/// non-canonical signatures and small-order keys.
public struct Ed25519PublicKey: Hashable, Sendable {
    /// The length of an encoded public key: 32 bytes.
    public static let byteCount = 32
    /// The length of an Ed25519 signature: 64 bytes.
    public static let signatureByteCount = 64

    /// The 32 key bytes.
    public let bytes: [UInt8]

    /// Creates a key from its 32-byte encoding.
    ///
    /// Only the length is checked here; a key that is not a valid curve point simply never
    /// verifies a signature.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/invalidLength`` when `bytes` is not
    ///   32 bytes long.
    public init(bytes: some Collection<UInt8>) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw CryptoError(.invalidLength, "an Ed25519 public key is 32 bytes, got \(bytes.count)")
        }
        self.bytes = Array(bytes)
    }

    /// Whether `signature` is a valid Ed25519 signature by this key over `message`.
    ///
    /// A signature that is not 64 bytes long is simply not valid (`false`).
    public func isValidSignature(_ signature: [UInt8], for message: some Collection<UInt8>) -> Bool {
        signature.withUnsafeBytes { sig in
            ByteUtil.withContiguous(message) { msg in isValidSignature(sig, for: msg) }
        }
    }

    /// Whether `signature` is a valid Ed25519 signature by this key over `message`; the
    /// allocation-free form for hot paths.
    ///
    /// A signature that is not 64 bytes long is simply not valid (`false`).
    public func isValidSignature(_ signature: UnsafeRawBufferPointer, for message: UnsafeRawBufferPointer) -> Bool {
        guard signature.count == Self.signatureByteCount, let sig = signature.baseAddress else { return false }
        Sodium.ensureInitialized()
        return bytes.withUnsafeBufferPointer { pk in
            guard let pkBase = pk.baseAddress else { return false }
            return ByteUtil.pointer(message) { msg in
                crypto_sign_verify_detached(
                    sig.assumingMemoryBound(to: UInt8.self), msg, UInt64(message.count), pkBase) == 0
            }
        }
    }
}

/// An Ed25519 private key, held in memory that this object allocates, locks and write-protects
/// itself, and wipes when it is released.
///
/// The 64 bytes are libsodium's secret key form (32-byte seed || 32-byte public key). They live
/// in a `sodium_malloc` allocation (guard pages, `mlock` where permitted), are made read-only
/// right after key generation, and are zeroed with `sodium_memzero` in `deinit`. There is no
/// property that exposes the secret bytes; ``withSeed(_:)`` lends the seed to a closure (for
/// writing key files), and `description` is redacted.
public final class Ed25519PrivateKey: @unchecked Sendable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable
{
    // Why `@unchecked Sendable` is sound: the only non-Sendable stored property is `secretKey`,
    // a `let` pointer to memory that this object allocated in `init` and alone owns. `init`
    // writes the 64 bytes exactly once (libsodium key generation), before `self` is published,
    // and then makes the pages read-only with `sodium_mprotect_readonly`. After `init` returns
    // the memory is never written again — it is only read by `crypto_sign_detached` and
    // `withSeed` — until `deinit`, which runs when no other reference exists. Concurrent reads of
    // immutable memory are race-free. The pointer never escapes except to `withSeed`'s closure,
    // which receives an immutable `UnsafeRawBufferPointer`.
    private let secretKey: UnsafeMutablePointer<UInt8>

    /// The matching public key.
    public let publicKey: Ed25519PublicKey

    /// The length of a seed: 32 bytes.
    public static let seedByteCount = 32
    private static let secretKeyByteCount = 64

    private init(generate: (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt8>) -> Int32) throws(CryptoError) {
        Sodium.ensureInitialized()
        guard let raw = sodium_malloc(Self.secretKeyByteCount) else {
            throw CryptoError(.sodiumFailure, "sodium_malloc could not allocate memory for a private key")
        }
        let sk = raw.bindMemory(to: UInt8.self, capacity: Self.secretKeyByteCount)
        var pk = [UInt8](repeating: 0, count: Ed25519PublicKey.byteCount)
        let rc: Int32 = pk.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return -1 }
            return generate(base, sk)
        }
        guard rc == 0 else {
            sodium_free(raw)
            throw CryptoError(.sodiumFailure, "libsodium could not generate an Ed25519 key pair")
        }
        // Best effort: read-only pages turn any stray write into a crash instead of a silent change.
        _ = sodium_mprotect_readonly(raw)
        self.secretKey = sk
        // 32 bytes by construction, so this cannot throw; keep the typed path anyway.
        self.publicKey = try Ed25519PublicKey(bytes: pk)
    }

    deinit {
        _ = sodium_mprotect_readwrite(secretKey)
        sodium_memzero(secretKey, Self.secretKeyByteCount)
        sodium_free(secretKey)
    }

    /// Generates a new random key (`crypto_sign_keypair`).
    ///
    /// Stops the process if libsodium cannot allocate protected memory, which only happens when
    /// the process is out of memory or address space.
    public static func generate() -> Ed25519PrivateKey {
        do {
            return try Ed25519PrivateKey(generate: { pk, sk in crypto_sign_keypair(pk, sk) })
        } catch {
            preconditionFailure("Ed25519 key generation failed: \(error.message)")
        }
    }

    /// Derives the key from a 32-byte seed (`crypto_sign_seed_keypair`), as stored in
    /// `PRIVATE+KEY+…` strings.
    ///
    /// The caller still owns `seed` and should wipe it when done.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/invalidLength`` when `seed` is not
    ///   32 bytes, or ``CryptoError/Code/sodiumFailure`` when protected memory cannot be allocated.
    public convenience init(seed: [UInt8]) throws(CryptoError) {
        guard seed.count == Self.seedByteCount else {
            throw CryptoError(.invalidLength, "an Ed25519 seed is 32 bytes, got \(seed.count)")
        }
        try self.init(generate: { pk, sk in
            seed.withUnsafeBufferPointer { s in
                guard let base = s.baseAddress else { return -1 }
                return crypto_sign_seed_keypair(pk, sk, base)
            }
        })
    }

    /// Derives the key from a 32-byte seed without copying it into a Swift array.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/invalidLength`` when `seed` is not
    ///   32 bytes, or ``CryptoError/Code/sodiumFailure`` when protected memory cannot be allocated.
    public convenience init(seed: UnsafeRawBufferPointer) throws(CryptoError) {
        guard seed.count == Self.seedByteCount, let s = seed.baseAddress else {
            throw CryptoError(.invalidLength, "an Ed25519 seed is 32 bytes, got \(seed.count)")
        }
        let seedPtr = s.assumingMemoryBound(to: UInt8.self)
        try self.init(generate: { pk, sk in crypto_sign_seed_keypair(pk, sk, seedPtr) })
    }

    /// Signs `message` with Ed25519 (`crypto_sign_detached`); returns the 64-byte signature.
    ///
    /// Ed25519 is deterministic: the same key and message always give the same signature.
    public func signature(for message: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Ed25519PublicKey.signatureByteCount) { out, count in
            guard let base = out.baseAddress else { return }
            ByteUtil.pointer(message) { msg in
                _ = crypto_sign_detached(base, nil, msg, UInt64(message.count), secretKey)
            }
            count = Ed25519PublicKey.signatureByteCount
        }
    }

    /// Signs the bytes of `message` with Ed25519; returns the 64-byte signature.
    public func signature(for message: some Collection<UInt8>) -> [UInt8] {
        ByteUtil.withContiguous(message) { signature(for: $0) }
    }

    /// Lends the 32-byte seed to `body`, for writing it to a key file.
    ///
    /// The buffer is valid only during the call and is read-only. Do not copy it anywhere that is
    /// not wiped afterwards.
    ///
    /// - Throws: whatever `body` throws.
    public func withSeed<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: secretKey, count: Self.seedByteCount))
    }

    /// A redacted description that names only the public key.
    public var description: String {
        "Ed25519PrivateKey(public: \(Hex.encode(publicKey.bytes)), private: redacted)"
    }

    /// The same redacted text as ``description``.
    public var debugDescription: String { description }

    /// A mirror with no children, so `dump` and debuggers show no key material.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .class) }
}
