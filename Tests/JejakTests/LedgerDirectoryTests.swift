import Foundation
import Jejak
import JejakTestSupport
import Testing

/// `LedgerDirectory.contains(_:)` keeps the authority key out of the ledger directory, so it
/// must judge paths as the kernel does.
@Suite struct LedgerDirectoryTests {
    @Test func aPathIsInsideByItsBytesWithSymbolicLinksFollowed() throws {
        let w = TemporaryDirectory("directory")
        let root = w.file("ledger")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: w.file("link"), withDestinationPath: root)
        let dir = LedgerDirectory(path: root)
        for inside in [root, root + "/", root + "/authority.key", root + "/../ledger/x.key", root + "/./a/../b",
                       w.file("link") + "/key", root + "/\u{301}key", root + "/new/dir/key"] {
            #expect(dir.contains(inside), "\(inside)")
        }
        for outside in [w.file("ledgerx/key"), w.file("key"), root + "/../key", root + "\u{301}/key", w.path] {
            #expect(!dir.contains(outside), "\(outside)")
        }
    }
}
