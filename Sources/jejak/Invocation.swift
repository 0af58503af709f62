import Foundation

/// How to type this program at a shell, for the commands it prints: `jejak` when that is what
/// `PATH` finds, otherwise the path to it (`.build/release/jejak` after the README's quick
/// start, relative to the current directory when it lies below it), so that each printed
/// command runs as printed.
struct Invocation {
    /// The command's first word.
    let command: String
    /// The directory to add to `PATH` to type `jejak`, when `PATH` does not find this program.
    let missingPathDirectory: String?

    /// The running program's invocation.
    static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> Invocation {
        guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return Invocation(command: "jejak", missingPathDirectory: nil)
        }
        let real = URL(fileURLWithPath: exe).resolvingSymlinksInPath().path
        let name = URL(fileURLWithPath: real).lastPathComponent
        let onPath = (environment["PATH"] ?? "").split(separator: ":").contains { dir in
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            return FileManager.default.isExecutableFile(atPath: candidate.path) && candidate.resolvingSymlinksInPath().path == real
        }
        if onPath { return Invocation(command: name, missingPathDirectory: nil) }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).standardizedFileURL.path
        // `swift build` links .build/release (and debug) to the triple's directory: the short name.
        for configuration in ["release", "debug"] {
            let short = ".build/\(configuration)/\(name)"
            if URL(fileURLWithPath: cwd + "/" + short).resolvingSymlinksInPath().path == real {
                return Invocation(command: short, missingPathDirectory: "$PWD/.build/\(configuration)")
            }
        }
        let directory = URL(fileURLWithPath: real).deletingLastPathComponent().path
        let shown = real.hasPrefix(cwd + "/") ? String(real.dropFirst(cwd.count + 1)) : real
        return Invocation(command: shown, missingPathDirectory: directory)
    }
}
