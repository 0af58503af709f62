import ArgumentParser
import Foundation
import Jejak
import JejakCrypto
import JejakDomain
import JejakOfflineCommands

/// How long a command that writes waits for the writer lock (`JEJAK_WRITER_WAIT` seconds, 30 by default).
public var writerWait: Duration {
    let seconds = ProcessInfo.processInfo.environment["JEJAK_WRITER_WAIT"].flatMap(Double.init) ?? 30
    return .milliseconds(Int64(max(0, min(seconds, 86_400)) * 1000))
}

/// `--ledger DIR`, defaulting to `$JEJAK_LEDGER`.
public struct LedgerOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger directory (default: $JEJAK_LEDGER).", valueName: "dir"))
    public var ledger: String?

    public init() {}

    /// The ledger directory given.
    ///
    /// - Throws: `ValidationError` when neither `--ledger` nor `$JEJAK_LEDGER` names one.
    public func path() throws -> String {
        if let ledger { return ledger }
        if let env = ProcessInfo.processInfo.environment["JEJAK_LEDGER"], !env.isEmpty { return env }
        throw ValidationError("No ledger given: pass --ledger DIR or set JEJAK_LEDGER.")
    }

    /// Opens the ledger; a writable one enforces the KPU domain's schemas and rules, and waits
    /// up to ``writerWait`` for another writing process to finish (two `jejak publish` in a row
    /// take turns); `configure` may change the other options. A registry authority key left in the directory (`authority.key`, where older
    /// ledgers kept it) is warned about on standard error.
    public func open(readOnly: Bool, configure: (inout Ledger.Options) -> Void = { _ in }) throws -> Ledger {
        var options = Ledger.Options()
        options.readOnly = readOnly
        configure(&options)
        if !readOnly {
            options.validator = try domainValidator()
            options.writerLockTimeout = writerWait
        }
        let ledger = try attempt { try Ledger(opening: try path(), options: options) }
        let legacy = ledger.directory.legacyAuthorityKey
        if access(legacy, F_OK) == 0 {
            note("Warning: \(legacy) is a registry authority key kept in the ledger directory, online: whoever runs the ledger can register keys for any unit. Move it offline and pass it with --authority-key or JEJAK_AUTHORITY_KEY.")
        }
        return ledger
    }
}

/// `--authority-key FILE`, defaulting to `$JEJAK_AUTHORITY_KEY`: the registry authority's
/// private key, which lives with the authority, never in the ledger directory.
public struct AuthorityOption: ParsableArguments {
    @Option(help: ArgumentHelp("The registry authority's key file, kept offline (default: $JEJAK_AUTHORITY_KEY).", valueName: "file"))
    public var authorityKey: String?

    public init() {}

    /// The authority, with the key read from the file given.
    public func authority(for ledger: Ledger) throws -> RegistryAuthority {
        RegistryAuthority(key: try readAuthorityKey(authorityKey, ledger: ledger.directory))
    }
}

/// The private key in the file at `path`.
public func readKey(_ path: String) throws -> SignerKey {
    try attempt { try KeyFile.read(from: path) }
}

/// The registry authority's key, from `path` or `$JEJAK_AUTHORITY_KEY`. It signs every registry
/// event, so it is asked for each time and never looked for in the ledger directory; one found
/// there (an older ledger's, or put there by hand) is used, with a warning, since whoever runs
/// the ledger could then register a key for any unit and publish as it.
public func readAuthorityKey(_ path: String?, ledger: LedgerDirectory) throws -> SignerKey {
    let environment = ProcessInfo.processInfo.environment["JEJAK_AUTHORITY_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    guard let file = path ?? environment else {
        throw CLIFailure(description: "this registry event is signed by the registry authority: pass --authority-key FILE (its key, kept offline and never in the ledger directory) or set JEJAK_AUTHORITY_KEY")
    }
    if ledger.contains(file) {
        note("Warning: the registry authority's key \(file) is inside the ledger directory \(ledger.path): whoever runs the ledger can register keys for any unit. Move it offline.")
    }
    return try readKey(file)
}

/// A vkey given as text or as `@FILE`.
public func parseVerifierKey(_ text: String) throws -> VerifierKey {
    var t = text
    if t.hasPrefix("@") {
        t = try readPublicText(String(t.dropFirst()), what: "a vkey")
    }
    let trimmed = t.trimmingCharacters(in: .whitespacesAndNewlines)
    return try attempt { try VerifierKey(parsing: trimmed) }
}
