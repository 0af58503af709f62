import CSodium

/// HMAC-SHA-256 (RFC 2104 with SHA-256), on libsodium's `crypto_auth_hmacsha256`.
///
/// ```swift
/// let tag = HMACSHA256.authenticate([UInt8]("message".utf8), key: key)
/// HMACSHA256.isValid(tag, for: [UInt8]("message".utf8), key: key)  // true
/// ```
public enum HMACSHA256 {
    /// The length of a tag, in bytes.
    public static let tagLength = 32

    /// The tag of `message` under `key` (a key of any length; RFC 2104 hashes a longer one).
    public static func authenticate(_ message: some Collection<UInt8>, key: some Collection<UInt8>) -> [UInt8] {
        Sodium.ensureInitialized()
        var state = crypto_auth_hmacsha256_state()
        var tag = [UInt8](repeating: 0, count: tagLength)
        let k = Array(key), m = Array(message)
        _ = crypto_auth_hmacsha256_init(&state, k, k.count)
        _ = crypto_auth_hmacsha256_update(&state, m, UInt64(m.count))
        _ = crypto_auth_hmacsha256_final(&state, &tag)
        sodium_memzero(&state, MemoryLayout<crypto_auth_hmacsha256_state>.size)
        return tag
    }

    /// Whether `tag` is the tag of `message` under `key`, compared in constant time.
    public static func isValid(_ tag: some Collection<UInt8>, for message: some Collection<UInt8>, key: some Collection<UInt8>) -> Bool {
        let expected = authenticate(message, key: key), given = Array(tag)
        guard given.count == expected.count else { return false }
        return sodium_memcmp(given, expected, expected.count) == 0
    }
}
