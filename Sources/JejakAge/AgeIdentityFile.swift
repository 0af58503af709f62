#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import JejakCrypto

/// age identity files, as `age-keygen` writes them and `age -i` reads them:
///
///     # created: 2025-01-02T03:04:05Z
///     # public key: age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj
///     AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX
///
/// ``write(_:to:)`` creates the file exclusively with mode 0600 from the first system call,
/// so there is no moment at which it exists with wider permissions, and it never replaces an
/// existing file. ``read(from:)`` refuses a file that group or others may access. Buffers
/// that held the identity text are wiped with `sodium_memzero`; no `String` of the secret is
/// made.
public enum AgeIdentityFile {
    /// The largest identity file accepted by ``read(from:)``; one identity takes about 170 bytes.
    public static let maximumSize = 64 * 1024

    /// Writes `identity` to a new file at `path`: a `# created:` comment (UTC), a
    /// `# public key:` comment with its recipient, then the `AGE-SECRET-KEY-1…` line; mode
    /// 0600, flushed to disk (`fsync`) before returning.
    ///
    /// The text is written to a new file beside `path` (`O_CREAT | O_EXCL`, mode 0600, further
    /// narrowed by the umask, never widened), flushed, then hard-linked to `path`, which fails
    /// if anything exists there: `path` holds the whole identity or nothing, even if the
    /// process is killed meanwhile (which can leave a `.<name>.partial-…` file beside it, mode
    /// 0600). On a file system without hard links the file is written at `path` directly,
    /// still with `O_EXCL`.
    ///
    /// ```swift
    /// let identity = AgeIdentity.generate()
    /// try AgeIdentityFile.write(identity, to: "/etc/jejak/backup.agekey")
    /// ```
    ///
    /// - Throws: ``AgeError`` with code ``AgeError/Code/keyFileExists`` when something already
    ///   exists at `path`, or ``AgeError/Code/keyFileIO`` when the file cannot be created,
    ///   written or flushed.
    public static func write(_ identity: AgeIdentity, to path: String) throws(AgeError) {
        let head = Array("# created: \(timestamp())\n# public key: \(identity.recipient)\n".utf8)
        var secret = identity.secretKeyUTF8()
        defer { Primitives.wipe(&secret) }
        var content = [UInt8]()
        defer { Primitives.wipe(&content) }
        // Reserved up front so appending never reallocates and leaves a stray copy.
        content.reserveCapacity(head.count + secret.count + 1)
        content.append(contentsOf: head)
        content.append(contentsOf: secret)
        content.append(0x0A)

        do { try SecretFile.create(content, at: path, what: "identity file") } catch {
            throw AgeError(fileError: error)
        }
    }

    /// Reads the identities in the file at `path`: every line that is neither empty nor a
    /// `#` comment must be an `AGE-SECRET-KEY-1…` identity (trailing CR, spaces and tabs are
    /// ignored). Its permissions are checked on the open file (`fstat`), so a swap between
    /// check and read is not possible.
    ///
    /// ```swift
    /// let identities = try AgeIdentityFile.read(from: "key.txt")   // e.g. from age-keygen -o
    /// let plaintext = try Age.decrypt(file, identities: identities)
    /// ```
    ///
    /// - Returns: the identities in file order; at least one.
    /// - Throws: ``AgeError`` with code ``AgeError/Code/insecureKeyFile`` when the file's
    ///   mode has any group or other bit set (the message says to run `chmod 600`),
    ///   ``AgeError/Code/keyFileIO`` when it cannot be opened or read, is not a regular file
    ///   or is larger than ``maximumSize``, ``AgeError/Code/malformedKey`` when it holds no
    ///   identity or a line that is not one, and ``AgeError/Code/unsupportedRecipient`` for an
    ///   identity of a type this library does not implement (the message gives the line
    ///   number, never the line).
    public static func read(from path: String) throws(AgeError) -> [AgeIdentity] {
        var buffer: [UInt8]
        do { buffer = try SecretFile.read(from: path, maximumSize: maximumSize, what: "identity file") } catch {
            throw AgeError(fileError: error)
        }
        defer { Primitives.wipe(&buffer) }
        return try buffer.withUnsafeBufferPointer { all in
            Result { () throws(AgeError) -> [AgeIdentity] in try parse(all, path: path) }
        }.get()
    }

    /// The identities in the text of an identity file.
    private static func parse(_ text: UnsafeBufferPointer<UInt8>, path: String) throws(AgeError) -> [AgeIdentity] {
        var identities: [AgeIdentity] = []
        var lineNumber = 0
        var start = 0
        while start < text.count {
            lineNumber += 1
            let newline = text[start...].firstIndex(of: 0x0A) ?? text.count
            var end = newline
            while end > start, [0x0D, 0x20, 0x09].contains(text[end - 1]) { end -= 1 }
            let line = UnsafeBufferPointer(rebasing: text[start..<end])
            start = newline + 1
            if line.isEmpty || line[0] == UInt8(ascii: "#") { continue }
            do {
                identities.append(try AgeIdentity.parse(utf8: line))
            } catch {
                throw AgeError(error.code, "line \(lineNumber) of identity file \(path): \(error.message)")
            }
        }
        guard !identities.isEmpty else {
            throw AgeError(.malformedKey, "identity file \(path) holds no AGE-SECRET-KEY-1… identity")
        }
        return identities
    }

    /// Now, in UTC, as RFC 3339 (`2025-01-02T03:04:05Z`), as `age-keygen` writes it (which
    /// uses local time with an offset).
    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        guard gmtime_r(&now, &parts) != nil else { return "1970-01-01T00:00:00Z" }
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}

extension AgeError {
    /// An identity file's error, from the secret-file error `error` (the same code name).
    init(fileError error: CryptoError) {
        let code: AgeError.Code = switch error.code {
        case .keyFileExists: .keyFileExists
        case .insecureKeyFile: .insecureKeyFile
        case .notAKeyFile: .malformedKey   // no identity in it at all
        default: .keyFileIO
        }
        self.init(code, error.message, underlying: error)
    }
}
