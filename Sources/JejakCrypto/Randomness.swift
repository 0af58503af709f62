import CSodium

/// Random bytes from the operating system's generator (libsodium's `randombytes_buf`).
public enum Randomness {
    /// `count` random bytes, for keys and nonces.
    public static func bytes(_ count: Int) -> [UInt8] {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { randombytes_buf(base, raw.count) }
        }
        return out
    }
}
