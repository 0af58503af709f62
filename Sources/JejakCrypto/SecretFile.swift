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
    /// - Throws: ``CryptoError`` with code ``CryptoError/Code/insecureKeyFile`` when the file's
    ///   mode has any group or other bit set (the message says to run `chmod 600`), or
    ///   ``CryptoError/Code/keyFileIO`` when it cannot be opened or read, is not a regular file
    ///   or is too large.
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
        guard mode & 0o077 == 0 else {
            throw CryptoError(
                .insecureKeyFile,
                "\(what) \(path) has mode \(String(mode, radix: 8)), so group or others can access it; run `chmod 600 \(path)`")
        }

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
