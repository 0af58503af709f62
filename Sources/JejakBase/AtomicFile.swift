#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that could not be read or written: the path and the system's reason are in the message.
public typealias FileError = CodedError<FileErrors>

/// The kind of ``FileError``.
public enum FileErrors: ErrorKind {}

extension ErrorCode where Kind == FileErrors {
    /// The system refused an operation on the file (the message names it and says why).
    public static var io: Self { Self("io") }
}

// MARK: - Atomic file replacement

/// Replaces small files atomically: the new content goes to a temporary file in the same
/// directory, which is flushed (`fsync`) and renamed over the target, and the directory is
/// flushed. A reader sees the old file or the new one, never a mix; a crash leaves one of them.
public enum AtomicFile {
    /// Writes `bytes` to `path`, replacing any file there, with permissions `mode`.
    ///
    /// - Throws: ``FileError`` with code ``FileError/Code/io`` when the file can't be written;
    ///   the old file is then left as it was.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(FileError) {
        func failure(_ what: String) -> FileError {
            FileError(.io, "cannot \(what) \(path): \(String(cString: strerror(errno)))")
        }
        // A unique temporary name (mkstemp), so concurrent writers never share one.
        var template = Array((path + ".tmp-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkstemp($0) } ?? -1
        }
        guard fd >= 0 else { throw failure("write") }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var failed: FileError?
        if fchmod(fd, mode) != 0 { failed = failure("set the mode of") }
        var offset = 0
        bytes.withUnsafeBytes { raw in
            while failed == nil, offset < raw.count {
                let n = posixWrite(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failed = failure("write")
                    return
                }
                offset += n
            }
        }
        if failed == nil, fsync(fd) != 0 { failed = failure("flush") }
        if close(fd) != 0, failed == nil { failed = failure("close") }
        if failed == nil, rename(temporary, path) != 0 { failed = failure("replace") }
        if let failed {
            _ = unlink(temporary)
            throw failed
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let dirFD = open(directory, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            _ = close(dirFD)
        }
    }
}

extension AtomicFile {
    /// The whole text of the small file at `path` (a file replaced by ``write(_:to:mode:)`` is
    /// read as its old or its new content, never a mix).
    ///
    /// - Throws: ``FileError`` with code ``FileError/Code/io`` naming the path and the reason.
    public static func read(_ path: String) throws(FileError) -> String {
        guard let text = try readIfPresent(path) else {
            throw FileError(.io, "cannot read \(path): \(String(cString: strerror(ENOENT)))")
        }
        return text
    }

    /// The whole text of the small file at `path`, or `nil` when there is no file there.
    ///
    /// - Throws: ``FileError`` with code ``FileError/Code/io`` naming the path and the reason.
    public static func readIfPresent(_ path: String) throws(FileError) -> String? {
        guard let f = fopen(path, "r") else {
            if errno == ENOENT { return nil }
            throw FileError(.io, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n > 0 { out += buffer[0..<n] }
            if n < buffer.count { break }
        }
        guard ferror(f) == 0 else { throw FileError(.io, "cannot read \(path): \(String(cString: strerror(errno)))") }
        return String(decoding: out, as: UTF8.self)
    }
}

// `write` is shadowed inside `AtomicFile` by its own static method.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
