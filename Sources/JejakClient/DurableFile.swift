#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JejakAPI

/// Small file operations that survive a crash: a whole file replaced atomically, and records
/// appended and synced before the call returns.
enum DurableFile {
    /// Replaces the file at `path` with `bytes`: written to a temporary file beside it, synced
    /// (unless `durable` is false), renamed into place, and the folder synced.
    static func replace(_ path: String, with bytes: [UInt8], mode: mode_t = 0o644, durable: Bool = true) throws(APIError) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else { throw failure("create", temporary) }
        do throws(APIError) {
            try write(fd, bytes, path: temporary)
            guard !durable || fsync(fd) == 0 else { throw failure("sync", temporary) }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let e = failure("rename a temporary file to", path)
            unlink(temporary)
            throw e
        }
        if durable { syncFolder(of: path) }
    }

    /// Appends `bytes` to the file open as `fd` and syncs it.
    static func append(_ fd: Int32, _ bytes: [UInt8], path: String) throws(APIError) {
        try write(fd, bytes, path: path)
        guard fsync(fd) == 0 else { throw failure("sync", path) }
    }

    /// Syncs the folder holding `path`, so a new or renamed file's name is durable too.
    static func syncFolder(of path: String) {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = open(folder.isEmpty ? "/" : folder, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }

    private static func write(_ fd: Int32, _ bytes: [UInt8], path: String) throws(APIError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure("write", path) }
            offset += n
        }
    }

    private static func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, buffer, count)
        #else
        Darwin.write(fd, buffer, count)
        #endif
    }

    static func failure(_ what: String, _ path: String) -> APIError {
        APIError(.localFile, "cannot \(what) \(path): \(String(cString: strerror(errno)))")
    }
}
