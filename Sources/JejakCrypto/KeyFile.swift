#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Private key files: one `PRIVATE+KEY+…` line, mode 0600.
///
/// ``write(_:to:)`` creates the file exclusively with mode 0600 from the first system call, so
/// there is no moment at which it exists with wider permissions, and it never replaces an
/// existing file. ``read(from:)`` refuses a file that group or others may access. Buffers that
/// held the key text are wiped with `sodium_memzero`; no `String` of the secret is made.
public enum KeyFile {
    /// The largest key file accepted by ``read(from:)``; a key line is under 200 bytes.
    public static let maximumSize = 4096

    /// Writes `key` to a new file at `path`: the private key string and a newline, mode 0600,
    /// flushed to disk (`fsync`) before returning.
    ///
    /// The key is written to a new file beside `path` (`O_CREAT | O_EXCL`, mode 0600, further
    /// narrowed by the umask, never widened), flushed, then hard-linked to `path`, which fails
    /// if anything exists there: `path` holds the whole key or nothing, even if the process is
    /// killed meanwhile (which can leave a `.<name>.partial-…` file beside it, mode 0600). On a
    /// file system without hard links (`link` fails with `EPERM` or `EOPNOTSUPP`) the key is
    /// written at `path` directly, still with `O_EXCL`.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/keyFileExists`` when something
    ///   (a file, a directory, a symbolic link) already exists at `path`, or
    ///   ``CryptoError/Code/keyFileIO`` when the file cannot be created, written or flushed.
    public static func write(_ key: SignerKey, to path: String) throws(CryptoError) {
        var content = key.privateKeyUTF8()
        defer { Secret.wipe(&content) }
        content.append(0x0A)  // reserved by privateKeyUTF8, so no reallocation

        try SecretFile.create(content, at: path, what: "key file")
    }

    /// Reads the key in the file at `path`.
    ///
    /// The file must be a regular file of at most ``maximumSize`` bytes holding one private key
    /// string; trailing newlines, carriage returns, spaces and tabs are ignored. Its permissions
    /// are checked on the open file (`fstat`), so a swap between check and read is not possible.
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/insecureKeyFile`` when the file's
    ///   mode has any group or other bit set (the message says to run `chmod 600`),
    ///   ``CryptoError/Code/keyFileIO`` when it cannot be opened or read, is not a regular file
    ///   or is too large, or any error of ``SignerKey/init(parsing:)``.
    public static func read(from path: String) throws(CryptoError) -> SignerKey {
        var buffer = try SecretFile.read(from: path, maximumSize: maximumSize, what: "key file")
        defer { Secret.wipe(&buffer) }
        let count = buffer.count
        var end = count
        while end > 0, [0x0A, 0x0D, 0x20, 0x09].contains(buffer[end - 1]) { end -= 1 }
        let final = end
        return try buffer.withUnsafeBufferPointer { all in
            Result { () throws(CryptoError) -> SignerKey in
                try SignerKey.parse(utf8: UnsafeBufferPointer(rebasing: all[..<final]))
            }
        }.get()
    }
}
