import ArgumentParser
import Foundation
import Jejak
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakProjections

@main
struct JejakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jejak",
        abstract: "An append-only, signed, verifiable ledger of data exchanges between units.",
        discussion: """
            Every command that works on a ledger takes --ledger DIR, or reads the directory from \
            the JEJAK_LEDGER environment variable. The commands that sign as the registry \
            authority (init, unit register, add-key, revoke-key) take its key with --authority-key \
            FILE or JEJAK_AUTHORITY_KEY: it is kept offline, never in the ledger directory.

            Exit codes: 0 success; 1 the ledger refused the request or could not do it (the \
            message says why); 64 the command line was wrong. `inspect` and `verify` also use 2 \
            (the audit could not run) and `inspect` 3 (no findings, but not witnessed as the \
            policy requires).
            """,
        subcommands: [
            InitCommand.self, KeyCommand.self, UnitCommand.self, PublishCommand.self,
            LogCommand.self, ShowCommand.self, CheckpointCommand.self, ProveCommand.self, BenchCommand.self,
            ProjectCommand.self, QueryCommand.self,
            ExportCommand.self, VerifyReceiptCommand.self, HistoryCommand.self,
            WitnessCommand.self, InspectCommand.self, VerifyCommand.self, ReplayCommand.self,
            DemoCommand.self,
            StressCommand.self,
        ])

    /// Runs the command. A write past the file-size limit (`ulimit -f`) then fails with EFBIG,
    /// reported as a refused write, instead of SIGXFSZ killing the process mid-way.
    static func main() async {
        signal(SIGXFSZ, SIG_IGN)
        // Every SQLite connection here is GRDB's, used by one thread at a time.
        ReadModelDatabase.configureProcessForSerializedConnections()
        await main(nil)
    }
}

/// How long a command that writes waits for the writer lock (`JEJAK_WRITER_WAIT` seconds, 30 by default).
var writerWait: Duration {
    let seconds = ProcessInfo.processInfo.environment["JEJAK_WRITER_WAIT"].flatMap(Double.init) ?? 30
    return .milliseconds(Int64(max(0, min(seconds, 86_400)) * 1000))
}

/// `--ledger DIR`, defaulting to `$JEJAK_LEDGER`.
struct LedgerOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger directory (default: $JEJAK_LEDGER).", valueName: "dir"))
    var ledger: String?

    func path() throws -> String {
        if let ledger { return ledger }
        if let env = ProcessInfo.processInfo.environment["JEJAK_LEDGER"], !env.isEmpty { return env }
        throw ValidationError("No ledger given: pass --ledger DIR or set JEJAK_LEDGER.")
    }

    /// Opens the ledger; a writable one enforces the KPU domain's schemas and rules, and waits
    /// up to 30 seconds for another writing process to finish (two `jejak publish` in a row
    /// take turns).
    func open(readOnly: Bool) throws -> Ledger {
        var options = Ledger.Options()
        options.readOnly = readOnly
        if !readOnly {
            options.validator = try domainValidator()
            options.writerLockTimeout = writerWait
        }
        return try attempt { try Ledger(opening: try path(), options: options) }
    }
}

/// The KPU domain's validation hook (schemas and exchange and audit rules).
func domainValidator() throws -> DomainValidator {
    do { return try DomainValidator.bundled() } catch {
        throw CLIFailure(description: "the event schemas could not be loaded: \(error.message)")
    }
}

/// A failure to report as one sentence, with exit code 1.
struct CLIFailure: Error, CustomStringConvertible {
    let description: String
}

/// Runs `body`, turning library errors into one plain sentence.
func attempt<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch { throw describe(error) }
}

func attempt<R>(_ body: () async throws -> R) async throws -> R {
    do { return try await body() } catch { throw describe(error) }
}

func describe(_ error: any Error) -> any Error {
    switch error {
    case let e as LedgerError:
        var s = e.message
        if let field = e.field { s += " (field \(field)" + (e.keyword.map { ", keyword \($0)" } ?? "") + ")" }
        if let p = e.position { s += " (event \(p + 1)" + (e.eventID.map { ", id \"\($0)\"" } ?? "") + ")" }
        return CLIFailure(description: "\(s) [\(e.code)]")
    case let e as CryptoError:
        return CLIFailure(description: "\(e.message) [\(e.code)]")
    case let e as JSONError:
        return CLIFailure(description: "invalid JSON: \(e.message) at byte \(e.offset)")
    case let e as ProjectionError:
        return CLIFailure(description: e.description)
    default:
        return error
    }
}

/// Reads `JSON` or `@FILE`.
func readJSONArgument(_ text: String) throws -> JSONValue {
    let bytes: [UInt8]
    if text.hasPrefix("@") {
        let path = String(text.dropFirst())
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIFailure(description: "cannot read \(path)")
        }
        bytes = [UInt8](data)
    } else {
        bytes = Array(text.utf8)
    }
    return try attempt { try JSONParser.parse(bytes) }
}

func readKey(_ path: String) throws -> SignerKey {
    try attempt { try KeyFile.read(from: path) }
}

/// The registry authority's key, from `path` or `$JEJAK_AUTHORITY_KEY`. It signs every registry
/// event, so it is asked for each time and never looked for in the ledger directory; one found
/// there (an older ledger's, or put there by hand) is used, with a warning, since whoever runs
/// the ledger could then register a key for any unit and publish as it.
func readAuthorityKey(_ path: String?, ledger: LedgerDirectory) throws -> SignerKey {
    let environment = ProcessInfo.processInfo.environment["JEJAK_AUTHORITY_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    guard let file = path ?? environment else {
        throw CLIFailure(description: "this registry event is signed by the registry authority: pass --authority-key FILE (its key, kept offline and never in the ledger directory) or set JEJAK_AUTHORITY_KEY")
    }
    if ledger.contains(file) {
        FileHandle.standardError.write(Data(
            "Warning: the registry authority's key \(file) is inside the ledger directory \(ledger.path): whoever runs the ledger can register keys for any unit. Move it offline.\n".utf8))
    }
    return try readKey(file)
}

func writeFile(_ text: String, to path: String) throws {
    do { try text.write(toFile: path, atomically: true, encoding: .utf8) } catch {
        throw CLIFailure(description: "cannot write \(path): \(error.localizedDescription)")
    }
}

func jsonLine(_ value: JSONValue) -> String {
    JSONWriter.string(value)
}
