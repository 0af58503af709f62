#if canImport(Glibc)
import JejakBase
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JejakCrypto
import JejakJSON

/// The files of a ledger directory.
///
/// ```
/// DIR/
///   store/          the LMDB environment (data.mdb, lock.mdb)
///   log.key         the log's private key (mode 0600); its name is the origin
///   log.vkey        the log's public key
///   authority.vkey  the registry authority's public key, pinned in the genesis entry
///   policy          a C2SP tlog-policy file for verifiers (log key, witnesses, quorum)
///   writer.lock     held (flock) by the one process that writes
///   init.incomplete present only while `jejak init` creates the ledger
/// ```
///
/// The registry authority's private key is never here: whoever holds it can register a key
/// for any unit and publish as that unit, so it stays with the authority, offline.
public struct LedgerDirectory: Hashable, Sendable {
    /// The directory.
    public let path: String

    /// A ledger directory at `path` (nothing is checked or created).
    public init(path: String) {
        self.path = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
    }

    /// The LMDB environment directory.
    public var store: String { path + "/store" }
    /// The log key file.
    public var logKey: String { path + "/log.key" }
    /// The log's vkey file.
    public var logVerifierKey: String { path + "/log.vkey" }
    /// Where ledgers made before the authority's key moved out kept it. Nothing writes it; a
    /// key found here is a key online, which `jejak` warns about.
    public var legacyAuthorityKey: String { path + "/authority.key" }
    /// The authority's vkey file.
    public var authorityVerifierKey: String { path + "/authority.vkey" }
    /// The tlog-policy file.
    public var policy: String { path + "/policy" }
    /// The writer lock file.
    public var writerLock: String { path + "/writer.lock" }

    /// The marker that `Ledger.create` writes first and removes last: while it is present, the
    /// directory holds a ledger whose creation did not finish (a crash or a kill during `init`).
    public var incompleteMarker: String { path + "/init.incomplete" }

    /// Whether the directory holds a ledger store whose creation finished.
    public var exists: Bool { hasStore && !isHalfCreated }

    /// Whether the directory holds a store, finished or not.
    var hasStore: Bool { access(store + "/data.mdb", F_OK) == 0 }

    /// Whether a creation of a ledger here was interrupted (the marker is still present).
    public var isHalfCreated: Bool { access(incompleteMarker, F_OK) == 0 }

    /// The files `Ledger.create` writes, in the order it writes them (the store directory
    /// before the files in it).
    var createdFiles: [String] {
        [incompleteMarker, logKey, logVerifierKey, authorityVerifierKey, policy,
         store, store + "/lock.mdb", store + "/data.mdb", writerLock]
    }

    /// Whether `file` lies inside this directory (both resolved, symbolic links followed, so
    /// `DIR/../DIR/x` is inside too). A path that does not exist yet is judged by the part of it
    /// that does.
    public func contains(_ file: String) -> Bool {
        guard let root = Self.resolved(path), let target = Self.resolved(file) else { return false }
        return target.sameBytes(as: root) || target.hasBytePrefix(root.utf8.last == UInt8(ascii: "/") ? root : root + "/")
    }

    /// `path` made absolute with symbolic links followed, as far as it exists; the rest is
    /// appended as written, with `.` and `..` applied.
    ///
    /// Worked on the path's bytes, as the kernel reads it: a `/` followed by a combining mark is
    /// one `Character` to Swift but still a separator to `open`.
    static func resolved(_ path: String) -> String? {
        func real(_ p: [UInt8]) -> [UInt8]? {
            guard let r = realpath(String(decoding: p, as: UTF8.self), nil) else { return nil }
            defer { free(r) }
            return Array(String(cString: r).utf8)
        }
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        var existing = path.isEmpty ? [dot] : Array(path.utf8)
        var rest: [ArraySlice<UInt8>] = []
        while real(existing) == nil {
            guard let at = existing.lastIndex(of: slash) else {
                rest.insert(existing[...], at: 0)
                existing = [dot]
                break
            }
            rest.insert(existing[(at + 1)...], at: 0)
            existing = at == 0 ? [slash] : Array(existing[..<at])
        }
        guard let base = real(existing) else { return nil }
        var parts = base.split(separator: slash)
        for part in rest {
            if part.isEmpty || part.elementsEqual([dot]) { continue }
            if part.elementsEqual([dot, dot]) {
                if !parts.isEmpty { parts.removeLast() }
            } else {
                parts.append(part)
            }
        }
        return String(decoding: [slash] + Array(parts.joined(separator: [slash])), as: UTF8.self)
    }

    /// Removes `files` (among ``createdFiles``), the last first: the store's files before the
    /// store directory. A file that is not there is skipped.
    func remove(_ files: [String]) {
        for file in files.reversed() { _ = file == store ? rmdir(file) : unlink(file) }
    }

    /// Flushes the directory's entries (a created or removed file's name) to the disk.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    static func writeText(_ text: String, to path: String, mode: mode_t = 0o644) throws(LedgerError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard fd >= 0 else {
            throw LedgerError(.ledgerDirectory, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw LedgerError(.ledgerDirectory, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func readText(_ path: String) throws(LedgerError) -> String {
        guard let f = fopen(path, "r") else {
            throw LedgerError(.ledgerDirectory, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// An exclusive `flock` on a file, held until released or the process ends.
final class WriterLock: Sendable {
    private let fd: Int32

    /// Takes the lock, waiting up to `timeout` for another process to release it.
    init(path: String, timeout: Duration = .zero) throws(LedgerError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LedgerError(.ledgerDirectory, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        let deadline = ContinuousClock.now + timeout
        var pause = Duration.milliseconds(2)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR, ContinuousClock.now < deadline else {
                close(fd)
                throw LedgerError(.ledgerBusy, timeout > .zero
                    ? "another process kept this ledger open for writing for \(timeout) (the longest this one waits for its turn); stop it, or open the ledger read-only"
                    : "another process has this ledger open for writing; stop it, or open the ledger read-only")
            }
            // A short wait that grows, so a turn that comes soon is taken soon.
            let (seconds, attoseconds) = pause.components
            var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            nanosleep(&request, nil)
            pause = min(pause * 2, .milliseconds(100))
        }
        self.fd = fd
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
