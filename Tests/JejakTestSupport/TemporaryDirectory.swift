import Foundation

/// A fresh directory under the system's temporary directory, removed when the last reference
/// goes (or by ``cleanUp()``): the one place tests get a place for a real ledger, store or
/// work directory.
public final class TemporaryDirectory: Sendable {
    /// The directory.
    public let path: String

    /// A new directory named `jejak-<label>-<UUID>`; with `create` false only the path is
    /// chosen (for code that must create the directory itself).
    public init(_ label: String = "test", create: Bool = true) {
        path = NSTemporaryDirectory() + "jejak-\(label)-" + UUID().uuidString
        if create { try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Removes the directory and everything in it now.
    public func cleanUp() { try? FileManager.default.removeItem(atPath: path) }

    deinit { cleanUp() }
}
