#if canImport(Glibc)
import Glibc
#endif
import Foundation
import JejakBase
import JejakModel

extension Ledger {
    /// Writes a consistent copy of this ledger into `path` while it may still be appended to:
    /// the store compacted by LMDB's own copy (`mdb_env_copy2` with `MDB_CP_COMPACT`, in one
    /// read transaction, so the copy is the log at one commit), then the ledger's keys and policy
    /// (the private log key, when this directory holds it, stays mode 0600).
    ///
    /// The copy is built in `path` + `.partial`, synced to disk and renamed into place at the end, so `path`
    /// either holds a whole ledger or does not exist. A copy opens as a ledger of its own, for
    /// writing too (a standby).
    ///
    /// ```swift
    /// let copy = try ledger.backup(to: "/backups/kpu-2026-12-04")
    /// var options = Ledger.Options()
    /// options.readOnly = true
    /// let size = try Ledger(opening: copy.path, options: options).size()
    /// ```
    ///
    /// - Returns: The copy's directory.
    /// - Throws: ``LedgerError`` with `ledgerDirectory` when `path` (or its `.partial`)
    ///   already exists, or `storage` when the copy cannot be written; nothing is left at `path`.
    public func backup(to path: String) throws(LedgerError) -> LedgerDirectory {
        let target = LedgerDirectory(path: path)
        let partial = LedgerDirectory(path: path + ".partial")
        let files = FileManager.default
        for existing in [target.path, partial.path] where files.fileExists(atPath: existing) {
            throw LedgerError(.ledgerDirectory, "\(existing) already exists; a backup goes to a new directory")
        }
        do {
            try files.createDirectory(atPath: partial.path, withIntermediateDirectories: true,
                                      attributes: [.posixPermissions: 0o700])
        } catch {
            throw LedgerError(.storage, "the backup directory \(partial.path) could not be made: \(error.localizedDescription)")
        }
        do throws(LedgerError) {
            do { try store.env.backup(to: partial.store) } catch { throw LedgerError.fromStore(error) }
            for (from, to) in [(directory.logKey, partial.logKey), (directory.logVerifierKey, partial.logVerifierKey),
                               (directory.authorityVerifierKey, partial.authorityVerifierKey),
                               (directory.policy, partial.policy)] where files.fileExists(atPath: from) {
                do {
                    try files.copyItem(atPath: from, toPath: to)
                    let mode = (try files.attributesOfItem(atPath: from)[.posixPermissions] as? Int) ?? 0o600
                    try files.setAttributes([.posixPermissions: mode & 0o644], ofItemAtPath: to)
                } catch {
                    throw LedgerError(.storage, "\(from) could not be copied into the backup: \(error.localizedDescription)")
                }
            }
            sync()  // the copy on disk (LMDB writes it with O_DIRECT and no fsync) before it is named whole
            guard rename(partial.path, target.path) == 0 else {
                throw LedgerError(.storage, "the backup could not be renamed into \(target.path): errno \(errno)")
            }
            Self.syncParent(of: target.path)
        } catch {
            try? files.removeItem(atPath: partial.path)
            throw error
        }
        return target
    }

    /// Syncs the folder holding `path`, so that a rename into it survives a crash.
    private static func syncParent(of path: String) {
        let parent = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let fd = open(parent.isEmpty ? "/" : parent, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { return }
        fsync(fd)
        _ = Glibc.close(fd)
    }
}
