import CSodium

/// One-time initialisation of libsodium.
///
/// Every entry point of this module that calls into libsodium goes through
/// ``Sodium/ensureInitialized()`` first. `sodium_init()` is itself thread-safe and idempotent;
/// the lazily initialised global makes the call once per process.
enum Sodium {
    /// The result of the one call to `sodium_init()`: 0 on first success, 1 if already
    /// initialised, -1 if libsodium could not initialise (no entropy source).
    private static let initResult: Int32 = sodium_init()

    /// Makes sure `sodium_init()` ran. A failure means the process has no usable random source,
    /// which nothing in Jejak can work around, so it stops the process with a clear message.
    @inline(__always)
    static func ensureInitialized() {
        precondition(initResult >= 0, "libsodium could not initialise (sodium_init() failed): no entropy source")
    }
}
