import CSHA256
import CSodium

/// A SHA-256 digest: 32 bytes, stored inline (no heap allocation), comparable and hashable.
///
/// Used for Merkle tree hashes, key ids and content digests.
///
/// ```swift
/// let d = SHA256Digest.hash(Array("abc".utf8))
/// print(d.hex)   // ba7816bf…
/// ```
public struct SHA256Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The number of bytes in a digest.
    public static let byteCount = 32

    // Four big-endian words, so that `<` orders digests as their byte strings.
    private var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// Creates a digest from exactly 32 bytes.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/invalidLength`` when `bytes` is
    ///   not 32 bytes long.
    public init<Bytes: Collection<UInt8>>(bytes: Bytes) throws(CryptoError) {
        guard bytes.count == Self.byteCount else {
            throw CryptoError(.invalidLength, "a SHA-256 digest is 32 bytes, got \(bytes.count)")
        }
        if let d = bytes.withContiguousStorageIfAvailable({ SHA256Digest(exactly: UnsafeRawBufferPointer($0)) }) {
            self = d
            return
        }
        self = Array(bytes).withUnsafeBytes { SHA256Digest(exactly: $0) }
    }

    /// Creates a digest from exactly 32 bytes of memory (no length check beyond a precondition).
    private init(exactly raw: UnsafeRawBufferPointer) {
        precondition(raw.count == Self.byteCount)
        w0 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Creates a digest from exactly 32 bytes of memory, e.g. a value read from storage.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/invalidLength`` when `raw` is
    ///   not 32 bytes long.
    public init(raw: UnsafeRawBufferPointer) throws(CryptoError) {
        guard raw.count == Self.byteCount else {
            throw CryptoError(.invalidLength, "a SHA-256 digest is 32 bytes, got \(raw.count)")
        }
        self.init(exactly: raw)
    }

    /// Creates a digest from its standard base64 encoding (44 characters).
    ///
    /// - Throws: ``CryptoError`` (``CryptoError/Code/invalidEncoding`` or
    ///   ``CryptoError/Code/invalidLength``).
    public init(base64: some StringProtocol) throws(CryptoError) {
        guard let bytes = Base64.decode(base64) else {
            throw CryptoError(.invalidEncoding, "not valid base64: \(base64.prefix(60))")
        }
        try self.init(bytes: bytes)
    }

    /// The 32 digest bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes { Array($0) }
    }

    /// Calls `body` with the 32 digest bytes, without copying them to the heap.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        var words = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        return try Swift.withUnsafeBytes(of: &words) { (raw) throws(E) -> R in try body(raw) }
    }

    /// The standard base64 encoding of the digest (RFC 4648 §4, with padding).
    public var base64: String { Base64.encode(bytes) }

    /// The lowercase hexadecimal encoding of the digest.
    public var hex: String { Hex.encode(bytes) }

    /// The hex form, for logs and messages.
    public var description: String { hex }

    /// Orders digests as their byte strings (lexicographically, most significant byte first).
    public static func < (a: SHA256Digest, b: SHA256Digest) -> Bool {
        (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3)
    }

    /// Whether SHA-256 runs on the CPU's SHA extensions (x86 SHA-NI); otherwise libsodium's
    /// portable code (`crypto_hash_sha256`) computes it. Both give the same digests.
    public static let usesHardware: Bool = jejak_sha256_hardware_available() == 1

    /// Hashes a byte buffer with SHA-256.
    public static func hash(_ data: UnsafeRawBufferPointer) -> SHA256Digest {
        hash(parts: [data])
    }

    /// Hashes bytes with SHA-256.
    public static func hash<Bytes: Sequence<UInt8>>(_ data: Bytes) -> SHA256Digest {
        if let d = data.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) {
            return d
        }
        return Array(data).withUnsafeBytes { hash($0) }
    }

    /// Hashes the concatenation of several byte buffers with SHA-256, without concatenating them.
    public static func hash(parts: [UnsafeRawBufferPointer]) -> SHA256Digest {
        if usesHardware {
            var ctx = jejak_sha256_ctx()
            jejak_sha256_init(&ctx)
            for p in parts {
                guard let base = p.baseAddress, p.count > 0 else { continue }
                jejak_sha256_update(&ctx, base.assumingMemoryBound(to: UInt8.self), p.count)
            }
            var out = SHA256Digest.zero
            out.withUnsafeMutableBytes { o in
                guard let base = o.baseAddress else { return }
                jejak_sha256_final(&ctx, base.assumingMemoryBound(to: UInt8.self))
            }
            return out
        }
        return portableHash(parts: parts)
    }

    /// libsodium's SHA-256 of the concatenation of `parts` (the fallback, and the reference the
    /// hardware path is tested against).
    public static func portableHash(parts: [UnsafeRawBufferPointer]) -> SHA256Digest {
        Sodium.ensureInitialized()
        var state = crypto_hash_sha256_state()
        crypto_hash_sha256_init(&state)
        for p in parts {
            guard let base = p.baseAddress, p.count > 0 else { continue }
            crypto_hash_sha256_update(&state, base.assumingMemoryBound(to: UInt8.self), UInt64(p.count))
        }
        var out = SHA256Digest.zero
        out.withUnsafeMutableBytes { o in
            guard let base = o.baseAddress else { return }
            _ = crypto_hash_sha256_final(&state, base.assumingMemoryBound(to: UInt8.self))
        }
        return out
    }

    /// The all-zero digest (a placeholder, never the hash of anything in practice).
    public static let zero = SHA256Digest(words: 0, 0, 0, 0)

    private init(words a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) {
        w0 = a; w1 = b; w2 = c; w3 = d
    }

    private mutating func withUnsafeMutableBytes(_ body: (UnsafeMutableRawBufferPointer) -> Void) {
        var words = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        Swift.withUnsafeMutableBytes(of: &words) { body($0) }
        w0 = UInt64(bigEndian: words.0); w1 = UInt64(bigEndian: words.1)
        w2 = UInt64(bigEndian: words.2); w3 = UInt64(bigEndian: words.3)
    }
}
