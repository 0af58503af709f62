import ArgumentParser
import Foundation
import JejakVerification
import Synchronization

/// The language the command-line tools speak: their messages, progress, hints and refusals, the
/// commands' descriptions in `--help`, and the audit reports they print.
///
/// Every command takes `--lang id|en`; without it the language comes from the environment
/// (`JEJAK_LANG`, `LC_ALL`, `LC_MESSAGES`, `LANG`). What stays English in either language: the
/// codes in brackets (`[unknownSource]`, the names a script matches on), the libraries' detail
/// sentences that follow a translated refusal, the findings' sentences, and ArgumentParser's own
/// words (`USAGE`, `OPTIONS`, its parse errors).
public enum CLILanguage {
    private static let selected = Mutex<ReportLanguage?>(nil)

    /// The language of this run: the one `--lang` selected, else the environment's.
    public static var current: ReportLanguage {
        selected.withLock { $0 } ?? .fromEnvironment()
    }

    /// Makes `language` the language of this run.
    public static func select(_ language: ReportLanguage) {
        selected.withLock { $0 = language }
    }

    /// `arguments` without `--lang VALUE` or `--lang=VALUE` (wherever it stands before a `--`),
    /// and the language it names, if any.
    ///
    /// - Throws: `ValidationError` when the value is missing or neither `id` nor `en`.
    public static func takeOption(from arguments: [String]) throws -> (arguments: [String], language: ReportLanguage?) {
        var rest: [String] = []
        var language: ReportLanguage?
        var i = arguments.startIndex
        while i < arguments.endIndex {
            let argument = arguments[i]
            if argument == "--" {
                rest.append(contentsOf: arguments[i...])
                break
            }
            var value: String?
            if argument == "--lang" {
                i += 1
                guard i < arguments.endIndex else { throw ValidationError("--lang needs a value: id or en") }
                value = arguments[i]
            } else if argument.hasPrefix("--lang=") {
                value = String(argument.dropFirst("--lang=".count))
            }
            if let value {
                guard let parsed = ReportLanguage(rawValue: value.lowercased()) else {
                    throw ValidationError("--lang must be id (Bahasa Indonesia) or en (English), not \(value)")
                }
                language = parsed
            } else {
                rest.append(argument)
            }
            i += 1
        }
        return (rest, language)
    }
}

/// The English or the Indonesian text, as the run's language (``CLILanguage/current``) says.
///
/// ```swift
/// print(localized("Created the ledger \(origin).", id: "Buku besar \(origin) dibuat."))
/// ```
public func localized(_ english: String, id indonesian: String) -> String {
    CLILanguage.current == .id ? indonesian : english
}

/// Runs a command-line tool: takes `--lang` out of the arguments, parses the rest, runs the
/// command, and reports a failure as one line on standard error (`Error: …`, `Galat: …` in
/// Indonesian) with exit code 1 — or as ArgumentParser does for help, usage errors and
/// explicit exit codes.
public func runCommandLine<Root: ParsableCommand>(_ root: Root.Type, arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
    let remaining: [String]
    do {
        let taken = try CLILanguage.takeOption(from: arguments)
        if let language = taken.language { CLILanguage.select(language) }
        remaining = taken.arguments
    } catch {
        root.exit(withError: error)
    }
    do {
        var command = try root.parseAsRoot(remaining)
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
        root.exit()
    } catch {
        if let failure = describe(error) as? CLIFailure {
            note("\(localized("Error", id: "Galat")): \(failure.description)")
            root.exit(withError: ExitCode.failure)
        }
        root.exit(withError: error)
    }
}

/// A `--help` text in the run's language (``CLILanguage/current``), for `@Option`, `@Flag` and
/// `@Argument`: their help is built when ArgumentParser makes the command, after `--lang` was taken.
///
/// ```swift
/// @Option(help: localizedHelp("The ledger directory.", id: "Direktori ledger.", valueName: "dir"))
/// var ledger: String
/// ```
public func localizedHelp(_ english: String, id indonesian: String, valueName: String? = nil) -> ArgumentHelp {
    ArgumentHelp(localized(english, id: indonesian), valueName: valueName)
}

/// The examples of a command's `--help` discussion under their heading in the run's language
/// (`Examples:` or `Contoh:`, unless `heading` is given), each command line indented by two
/// spaces, written once for both languages (command lines are not translated).
///
/// ```swift
/// discussion: helpExamples("jejak query units --db rm.sqlite", "jejak query audits --db rm.sqlite")
/// ```
public func helpExamples(_ lines: String..., heading: String? = nil) -> String {
    let heading = heading ?? localized(lines.count == 1 ? "Example:" : "Examples:", id: "Contoh:")
    return ([heading] + lines.map { "  " + $0 }).joined(separator: "\n")
}
