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

        // Written whole under a temporary name, then linked to `path` (which, like O_EXCL, fails
        // if anything is there): a process killed meanwhile never leaves a short key at `path`.
        if access(path, F_OK) == 0 {
            throw CryptoError(.keyFileExists, "will not overwrite \(path): a file already exists there")
        }
        let temporary = temporaryName(for: path)
        try writeNew(content, to: temporary, naming: path)
        defer { _ = unlink(temporary) }
        guard link(temporary, path) == 0 else {
            let err = errno
            if err == EEXIST {
                throw CryptoError(.keyFileExists, "will not overwrite \(path): a file already exists there")
            }
            // A file system without hard links (some FUSE and FAT mounts): the key is written
            // in place, still never over an existing file, and a partial one removed on failure.
            guard err == EPERM || err == EOPNOTSUPP || err == ENOTSUP else {
                throw CryptoError(.keyFileIO, "cannot create key file \(path): \(describe(err))")
            }
            try writeNew(content, to: path, naming: path)
            syncParentDirectory(of: path)
            return
        }
        syncParentDirectory(of: path)
    }

    /// Creates `file` (`O_EXCL`, mode 0600) holding `content`, flushed; on failure, removes it.
    /// Errors name `path`, the key file being made.
    private static func writeNew(_ content: [UInt8], to file: String, naming path: String) throws(CryptoError) {
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(0o600))
        guard fd >= 0 else {
            let err = errno
            if err == EEXIST {
                throw CryptoError(.keyFileExists, "will not overwrite \(path): a file already exists there")
            }
            throw CryptoError(.keyFileIO, "cannot create key file \(path): \(describe(err))")
        }
        var failure: CryptoError?
        content.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = posixWrite(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = CryptoError(.keyFileIO, "cannot write key file \(path): \(describe(errno))")
                    return
                }
                offset += n
            }
        }
        if failure == nil, fsync(fd) != 0 {
            failure = CryptoError(.keyFileIO, "cannot flush key file \(path): \(describe(errno))")
        }
        if close(fd) != 0, failure == nil {
            failure = CryptoError(.keyFileIO, "cannot close key file \(path): \(describe(errno))")
        }
        if let failure {
            _ = unlink(file)
            throw failure
        }
    }

    /// A name beside `path` for the key while it is written: `.<name>.partial-<pid>-<random>`.
    private static func temporaryName(for path: String) -> String {
        let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return directory + "." + name + ".partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
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
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CryptoError(.keyFileIO, "cannot open key file \(path): \(describe(errno))")
        }
        defer { _ = close(fd) }

        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw CryptoError(.keyFileIO, "cannot stat key file \(path): \(describe(errno))")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw CryptoError(.keyFileIO, "key file \(path) is not a regular file")
        }
        let mode = st.st_mode & 0o7777
        guard mode & 0o077 == 0 else {
            throw CryptoError(
                .insecureKeyFile,
                "key file \(path) has mode \(String(mode, radix: 8)), so group or others can access it; run `chmod 600 \(path)`")
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
            throw CryptoError(.keyFileIO, "cannot read key file \(path): \(describe(readError))")
        }
        guard count <= maximumSize else {
            throw CryptoError(.keyFileIO, "key file \(path) is larger than \(maximumSize) bytes")
        }
        var end = count
        while end > 0, [0x0A, 0x0D, 0x20, 0x09].contains(buffer[end - 1]) { end -= 1 }
        let final = end
        return try buffer.withUnsafeBufferPointer { all in
            Result { () throws(CryptoError) -> SignerKey in
                try SignerKey.parse(utf8: UnsafeBufferPointer(rebasing: all[..<final]))
            }
        }.get()
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

// `read` and `write` are shadowed inside `KeyFile` by its own static methods of those names.
@inline(__always)
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buf, count)
}

@inline(__always)
private func posixRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buf, count)
}
