import Foundation

/// Finds the resource directories SwiftPM copies beside an executable (`<Package>_<Target>.resources`),
/// without `Bundle.module`, which stops the process when the bundle is missing.
public enum BundledResources {
    /// The directory `subdirectory` of the resource bundle `bundle` (e.g. `"Jejak_JejakDomain"`),
    /// looked for beside the running program — the program's own directory, also when it was
    /// started through a symbolic link (a `jejak` linked into a `bin` directory on `PATH`) — or
    /// `nil` when there is none.
    ///
    /// ```swift
    /// let schemas = BundledResources.directory("Schemas", inBundle: "Jejak_JejakDomain")
    /// ```
    public static func directory(_ subdirectory: String, inBundle bundle: String) -> String? {
        var places = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        if let executable = Bundle.main.executableURL {
            places.append(executable.deletingLastPathComponent())
            places.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        if let argument = CommandLine.arguments.first {
            let invoked = URL(fileURLWithPath: argument)
            places.append(invoked.deletingLastPathComponent())
            places.append(invoked.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        if let real = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            places.append(URL(fileURLWithPath: real).deletingLastPathComponent())
        }
        for place in places {
            let candidate = place.appendingPathComponent("\(bundle).resources/\(subdirectory)")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate.path
            }
        }
        return nil
    }
}
