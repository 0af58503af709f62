import CSodium

/// The primitives age is built from, on libsodium: HMAC-SHA-256 and HKDF-SHA-256 (RFC 5869),
/// ChaCha20-Poly1305 (RFC 7539, the IETF variant), X25519 (RFC 7748) and the CSPRNG.
enum Primitives {
    /// The result of the one call to `sodium_init()` (0 first time, 1 if already done, -1 on
    /// failure).
    private static let initResult: Int32 = sodium_init()

    /// Makes sure `sodium_init()` ran. Failure means the process has no usable random source,
    /// which nothing here can work around, so it stops the process with a clear message.
    @inline(__always)
    static func ensureInitialized() {
        precondition(initResult >= 0, "libsodium could not initialise (sodium_init() failed): no entropy source")
    }

    /// `count` bytes from the CSPRNG.
    static func random(_ count: Int) -> [UInt8] {
        ensureInitialized()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { randombytes_buf(base, raw.count) }
        }
        return out
    }

    /// Overwrites `bytes` with zeros (`sodium_memzero`, which the compiler cannot remove) and
    /// empties it.
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { sodium_memzero(base, raw.count) }
        }
        bytes.removeAll()
    }

    /// Calls `body` with a base address that is never `nil` (libsodium wants a valid pointer
    /// even for an empty buffer).
    @inline(__always)
    static func pointer<R>(_ buffer: UnsafeRawBufferPointer, _ body: (UnsafePointer<UInt8>) -> R) -> R {
        if let base = buffer.baseAddress, buffer.count > 0 {
            return body(base.assumingMemoryBound(to: UInt8.self))
        }
        var zero: UInt8 = 0
        return withUnsafePointer(to: &zero) { body($0) }
    }

    /// Runs `body` over the contiguous bytes of `collection`, copying only when it has no
    /// contiguous storage.
    @inline(__always)
    static func withContiguous<C: Collection<UInt8>, R, E: Error>(
        _ collection: C, _ body: (UnsafeRawBufferPointer) throws(E) -> R
    ) throws(E) -> R {
        let direct = collection.withContiguousStorageIfAvailable { buffer in
            Result { () throws(E) -> R in try body(UnsafeRawBufferPointer(buffer)) }
        }
        if let direct { return try direct.get() }
        let copy = Array(collection)
        return try copy.withUnsafeBytes { raw in
            Result { () throws(E) -> R in try body(raw) }
        }.get()
    }

    // MARK: HMAC and HKDF

    /// HMAC-SHA-256 of the concatenation of `parts` under `key`.
    static func hmacSHA256(key: UnsafeRawBufferPointer, _ parts: [UnsafeRawBufferPointer]) -> [UInt8] {
        ensureInitialized()
        var state = crypto_auth_hmacsha256_state()
        var out = [UInt8](repeating: 0, count: Int(crypto_auth_hmacsha256_BYTES))
        pointer(key) { k in _ = crypto_auth_hmacsha256_init(&state, k, key.count) }
        for part in parts {
            pointer(part) { p in _ = crypto_auth_hmacsha256_update(&state, p, UInt64(part.count)) }
        }
        out.withUnsafeMutableBufferPointer { o in
            if let base = o.baseAddress { _ = crypto_auth_hmacsha256_final(&state, base) }
        }
        withUnsafeMutableBytes(of: &state) { raw in
            if let base = raw.baseAddress { sodium_memzero(base, raw.count) }
        }
        return out
    }

    /// HKDF-SHA-256 (RFC 5869) with 32 bytes of output: HKDF-Extract with `salt`, then
    /// HKDF-Expand with `info`. An empty salt is the same as RFC 5869's default of 32 zeros
    /// (HMAC pads its key with zeros). The caller wipes the result.
    static func hkdf(ikm: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer, info: String) -> [UInt8] {
        var prk = hmacSHA256(key: salt, [ikm])
        defer { wipe(&prk) }
        let infoBytes = Array(info.utf8) + [0x01]
        return prk.withUnsafeBytes { key in
            infoBytes.withUnsafeBytes { hmacSHA256(key: key, [$0]) }
        }
    }

    /// ``hkdf(ikm:salt:info:)`` over arrays.
    static func hkdf(ikm: [UInt8], salt: [UInt8], info: String) -> [UInt8] {
        ikm.withUnsafeBytes { i in salt.withUnsafeBytes { s in hkdf(ikm: i, salt: s, info: info) } }
    }

    /// Compares two equal-length byte strings in constant time.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        ensureInitialized()
        return a.withUnsafeBytes { x in
            b.withUnsafeBytes { y in
                pointer(x) { px in pointer(y) { py in sodium_memcmp(px, py, a.count) == 0 } }
            }
        }
    }

    // MARK: ChaCha20-Poly1305

    /// The size of a ChaCha20-Poly1305 tag.
    static let tagSize = Int(crypto_aead_chacha20poly1305_ietf_ABYTES)

    /// Seals `plaintext` under the 32-byte `key` and the 12-byte `nonce`, appending the
    /// ciphertext and its tag to `out`.
    static func seal(_ plaintext: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer,
                     nonce: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        ensureInitialized()
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: plaintext.count + tagSize))
        out.withUnsafeMutableBufferPointer { o in
            guard let base = o.baseAddress else { return }
            var written: UInt64 = 0
            pointer(plaintext) { m in
                pointer(nonce) { n in
                    pointer(key) { k in
                        _ = crypto_aead_chacha20poly1305_ietf_encrypt(
                            base + start, &written, m, UInt64(plaintext.count), nil, 0, nil, n, k)
                    }
                }
            }
        }
    }

    /// Opens `ciphertext` (ending in its tag) under `key` and `nonce`; `nil` when it is
    /// shorter than a tag or fails authentication.
    static func open(_ ciphertext: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer,
                     nonce: UnsafeRawBufferPointer) -> [UInt8]? {
        ensureInitialized()
        guard ciphertext.count >= tagSize else { return nil }
        let count = ciphertext.count - tagSize
        // At least one byte, so the buffer always has an address.
        var out = [UInt8](repeating: 0, count: max(count, 1))
        let ok = out.withUnsafeMutableBufferPointer { o -> Bool in
            guard let m = o.baseAddress else { return false }
            var written: UInt64 = 0
            return pointer(ciphertext) { c in
                pointer(nonce) { n in
                    pointer(key) { k in
                        crypto_aead_chacha20poly1305_ietf_decrypt(
                            m, &written, nil, c, UInt64(ciphertext.count), nil, 0, n, k) == 0
                    }
                }
            }
        }
        guard ok else { return nil }
        out.removeLast(out.count - count)
        return out
    }

    // MARK: X25519

    /// X25519(`scalar`, base point): the public key of a 32-byte secret.
    static func x25519Base(_ scalar: UnsafeRawBufferPointer) -> [UInt8] {
        ensureInitialized()
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { o in
            pointer(scalar) { s in
                if let base = o.baseAddress { _ = crypto_scalarmult_base(base, s) }
            }
        }
        return out
    }

    /// X25519(`scalar`, `point`), or `nil` when the result is all zeros (a low-order point),
    /// which age requires to abort on.
    static func x25519(_ scalar: UnsafeRawBufferPointer, _ point: UnsafeRawBufferPointer) -> [UInt8]? {
        ensureInitialized()
        var out = [UInt8](repeating: 0, count: 32)
        let status = out.withUnsafeMutableBufferPointer { o in
            pointer(scalar) { s in
                pointer(point) { p in o.baseAddress.map { crypto_scalarmult($0, s, p) } ?? -1 }
            }
        }
        // libsodium already refuses an all-zero result; the explicit check keeps the rule
        // visible and independent of the library version.
        let zero = out.withUnsafeBufferPointer { o in o.baseAddress.map { sodium_is_zero($0, 32) } ?? 1 }
        guard status == 0, zero == 0 else {
            wipe(&out)
            return nil
        }
        return out
    }
}
