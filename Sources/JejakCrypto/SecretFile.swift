#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Files that hold secrets (private keys, age identities): created exclusively with mode 0600,
/// read only when no group or other bit is set, their buffers wiped.
///
/// ``create(_:at:what:)`` writes the content to a new file beside `path` (`O_CREAT | O_EXCL`,
/// mode 0600, further narrowed by the umask, never widened), flushes it, then hard-links it to
/// `path`, which fails if anything exists there: `path` holds the whole secret or nothing,
/// even if the process is killed meanwhile (which can leave a `.<name>.partial-…` file beside
/// it, mode 0600). On a file system without hard links (`link` fails with `EPERM` or
/// `EOPNOTSUPP`) the file is written at `path` directly, still with `O_EXCL`. ``read(from:maximumSize:what:)``
/// checks the permissions on the open file (`fstat`), so a swap between check and read is not
/// possible.
public enum SecretFile {
    /// Creates the file at `path` holding `content`, mode 0600, flushed to disk. `what` names
    /// the file in messages (`key file`, `identity file`).
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/keyFileExists`` when something
    ///   (a file, a directory, a symbolic link) already exists at `path`, or
    ///   ``CryptoError/Code/keyFileIO`` when the file cannot be created, written or flushed.
    public static func create(_ content: [UInt8], at path: String, what: String) throws(CryptoError) {
        if access(path, F_OK) == 0 {
            throw CryptoError(.keyFileExists, "will not overwrite \(path): a file already exists there")
        }
        let temporary = temporaryName(for: path)
        try writeNew(content, to: temporary, naming: path, what: what)
        defer { _ = unlink(temporary) }
        guard link(temporary, path) == 0 else {
            let err = errno
            if err == EEXIST {
                throw CryptoError(.keyFileExists, "will not overwrite \(path): a file already exists there")
            }
            // A file system without hard links (some FUSE and FAT mounts): the file is written
            // in place, still never over an existing file, and a partial one removed on failure.
            guard err == EPERM || err == EOPNOTSUPP || err == ENOTSUP else {
                throw CryptoError(.keyFileIO, "cannot create \(what) \(path): \(describe(err))")
            }
            try writeNew(content, to: path, naming: path, what: what)
            syncParentDirectory(of: path)
            return
        }
        syncParentDirectory(of: path)
    }

    /// The bytes of the file at `path`, a regular file of at most `maximumSize` bytes that
    /// neither group nor others may access. The caller wipes them (``Secret/wipe(_:)``).
    ///
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/keyFileIO`` when it cannot be
    ///   opened or read, is not a regular file or is too large,
    ///   ``CryptoError/Code/notAKeyFile`` when no line of it starts like a private key (see
    ///   ``PrivateKeyText``), or ``CryptoError/Code/insecureKeyFile`` when the file's mode has
    ///   any group or other bit set (the message says to run `chmod 600`).
    public static func read(from path: String, maximumSize: Int, what: String) throws(CryptoError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CryptoError(.keyFileIO, "cannot open \(what) \(path): \(describe(errno))")
        }
        defer { _ = close(fd) }

        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw CryptoError(.keyFileIO, "cannot stat \(what) \(path): \(describe(errno))")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw CryptoError(.keyFileIO, "\(what) \(path) is not a regular file")
        }
        let mode = st.st_mode & 0o7777
        let shared = mode & 0o077 != 0

        var buffer = [UInt8](repeating: 0, count: maximumSize + 1)
        defer { Secret.wipe(&buffer) }
        var count = 0
        var readError: Int32 = 0
        buffer.withUnsafeMutableBytes { raw in
            while count < raw.count {
                let n = posixRead(fd, raw.baseAddress.map { $0 + count }, raw.count - count)
                if n < 0 {
                    if errno == EINTR { continue }
                    readError = errno
                    return
                }
                if n == 0 { return }
                count += n
            }
        }
        guard readError == 0 else {
            throw CryptoError(.keyFileIO, "cannot read \(what) \(path): \(describe(readError))")
        }
        guard count <= maximumSize else {
            throw CryptoError(.keyFileIO, "\(what) \(path) is larger than \(maximumSize) bytes")
        }
        // A file that holds no key at all was given by mistake (an event file as --key): say
        // that, not "chmod 600", which would send the user the wrong way.
        let content = buffer[..<count]
        guard PrivateKeyText.appears(in: content) else {
            throw CryptoError(.notAKeyFile, "\(path) holds no private key, so it is not a \(what)\(looksLike(content)); give the file `jejak key generate` wrote")
        }
        guard !shared else {
            throw CryptoError(
                .insecureKeyFile,
                "\(what) \(path) has mode \(String(mode, radix: 8)), so group or others can access it; run `chmod 600 \(path)`")
        }
        return Array(buffer[..<count])
    }

    /// Creates `file` (`O_EXCL`, mode 0600) holding `content`, flushed; on failure, removes it.
    /// Errors name `path`, the file being made.
    private static func writeNew(_ content: [UInt8], to file: String, naming path: String, what: String) throws(CryptoError) {
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(0o600))
        guard fd >= 0 else {
            let err = errno
            if err == EEXIST {
                throw CryptoError(.keyFileExists, "will not overwrite \(path): a file already exists there")
            }
            throw CryptoError(.keyFileIO, "cannot create \(what) \(path): \(describe(err))")
        }
        var failure: CryptoError?
        content.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = posixWrite(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = CryptoError(.keyFileIO, "cannot write \(what) \(path): \(describe(errno))")
                    return
                }
                offset += n
            }
        }
        if failure == nil, fsync(fd) != 0 {
            failure = CryptoError(.keyFileIO, "cannot flush \(what) \(path): \(describe(errno))")
        }
        if close(fd) != 0, failure == nil {
            failure = CryptoError(.keyFileIO, "cannot close \(what) \(path): \(describe(errno))")
        }
        if let failure {
            _ = unlink(file)
            throw failure
        }
    }

    /// A name beside `path` for the file while it is written: `.<name>.partial-<pid>-<random>`.
    private static func temporaryName(for path: String) -> String {
        let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return directory + "." + name + ".partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    private static func describe(_ err: Int32) -> String {
        String(cString: strerror(err))
    }

    /// Best effort: makes the new directory entry durable. Failure here is not an error — the
    /// file itself is flushed, and some file systems cannot sync a directory.
    private static func syncParentDirectory(of path: String) {
        let dir: String
        if let slash = path.lastIndex(of: "/") {
            dir = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            dir = "."
        }
        let fd = open(dir, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = close(fd)
    }
}

// `read` and `write` are shadowed inside `SecretFile` by its own static method of that name.
@inline(__always)
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buf, count)
}

@inline(__always)
private func posixRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buf, count)
}

/// What a file that holds no key looks like, for the message (never its text: it names a kind).
private func looksLike(_ bytes: ArraySlice<UInt8>) -> String {
    guard let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return " (it is empty)" }
    switch first {
    case UInt8(ascii: "{"), UInt8(ascii: "["): return " (it is JSON: a signed event or an envelope?)"
    case UInt8(ascii: "#"): return " (it is a text file of comments, such as a policy or a public key list)"
    default:
        let line = String(decoding: bytes.drop { $0 == 0x20 || $0 == 0x09 }.prefix { ![0x0A, 0x0D, 0x20, 0x09].contains($0) }, as: UTF8.self)
        if (try? VerifierKey(parsing: line)) != nil { return " (it is a public key, a vkey)" }
        if line.hasPrefix("age1") { return " (it is an age recipient, a public key)" }
        return ""
    }
}
