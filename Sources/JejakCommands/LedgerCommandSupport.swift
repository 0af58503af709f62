import ArgumentParser
import Foundation
import Jejak
import JejakAge
import JejakBase
import JejakCrypto
import JejakDomain
import JejakOfflineCommands
import JejakProjections

/// How long a command that writes waits for the writer lock (`JEJAK_WRITER_WAIT` seconds, 30 by default).
public var writerWait: Duration {
    let seconds = ProcessInfo.processInfo.environment["JEJAK_WRITER_WAIT"].flatMap(Double.init) ?? 30
    return .milliseconds(Int64(max(0, min(seconds, 86_400)) * 1000))
}

/// `--ledger DIR`, defaulting to `$JEJAK_LEDGER`.
public struct LedgerOption: ParsableArguments {
    @Option(name: .long, help: localizedHelp("The ledger directory (default: $JEJAK_LEDGER).", id: "Direktori ledger (bawaan: $JEJAK_LEDGER).", valueName: "dir"))
    public var ledger: String?

    public init() {}

    /// The ledger directory given.
    ///
    /// - Throws: `ValidationError` when neither `--ledger` nor `$JEJAK_LEDGER` names one.
    public func path() throws -> String {
        if let ledger { return ledger }
        if let env = ProcessInfo.processInfo.environment["JEJAK_LEDGER"], !env.isEmpty { return env }
        throw ValidationError(localized("No ledger given: pass --ledger DIR or set JEJAK_LEDGER.",
                                        id: "Ledger tidak diberikan: berikan --ledger DIR atau atur JEJAK_LEDGER."))
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
            note(localized("Warning: \(legacy) is a registry authority key kept in the ledger directory, online: whoever runs the ledger can register keys for any unit. Move it offline and pass it with --authority-key or JEJAK_AUTHORITY_KEY.",
                           id: "Peringatan: \(legacy) adalah kunci otoritas registri yang disimpan di direktori ledger, dalam keadaan daring: siapa pun yang menjalankan ledger dapat mendaftarkan kunci untuk unit mana pun. Pindahkan kunci itu ke tempat luring dan berikan dengan --authority-key atau JEJAK_AUTHORITY_KEY."))
        }
        return ledger
    }
}

/// `--authority-key FILE`, defaulting to `$JEJAK_AUTHORITY_KEY`: the registry authority's
/// private key, which lives with the authority, never in the ledger directory.
public struct AuthorityOption: ParsableArguments {
    @Option(help: localizedHelp("The registry authority's key file, kept offline (default: $JEJAK_AUTHORITY_KEY).",
                                id: "Berkas kunci otoritas registri, disimpan luring (bawaan: $JEJAK_AUTHORITY_KEY).", valueName: "file"))
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
        throw CLIFailure(description: localized("this registry event is signed by the registry authority: pass --authority-key FILE (its key, kept offline and never in the ledger directory) or set JEJAK_AUTHORITY_KEY",
                                                id: "peristiwa registri ini ditandatangani oleh otoritas registri: berikan --authority-key FILE (kuncinya, yang disimpan luring dan tidak pernah di direktori ledger) atau atur JEJAK_AUTHORITY_KEY"))
    }
    if ledger.contains(file) {
        note(localized("Warning: the registry authority's key \(file) is inside the ledger directory \(ledger.path): whoever runs the ledger can register keys for any unit. Move it offline.",
                       id: "Peringatan: kunci otoritas registri \(file) berada di dalam direktori ledger \(ledger.path): siapa pun yang menjalankan ledger dapat mendaftarkan kunci untuk unit mana pun. Pindahkan kunci itu ke tempat luring."))
    }
    return try readKey(file)
}

/// A vkey given as text or as `@FILE`.
public func parseVerifierKey(_ text: String) throws -> VerifierKey {
    var t = text
    if t.hasPrefix("@") {
        t = try readPublicText(String(t.dropFirst()), what: localized("a vkey", id: "vkey"))
    }
    let trimmed = t.trimmingCharacters(in: .whitespacesAndNewlines)
    return try attempt { try VerifierKey(parsing: trimmed) }
}

/// `--identity FILE [--unit UNIT]`: a unit's age identities (an `age-keygen` file, 0600), which
/// open the sealed content sealed to that unit. The unit is read from the registry (whose
/// recipient the identity's is) unless `--unit` names it.
public struct IdentityOption: ParsableArguments {
    @Option(help: localizedHelp("An age identity file (AGE-SECRET-KEY-1…, mode 0600) that opens content sealed to its unit.",
                                id: "Berkas identitas age (AGE-SECRET-KEY-1…, mode 0600) yang membuka konten yang tersegel untuk unitnya.", valueName: "file"))
    public var identity: String?
    @Option(help: localizedHelp("The unit the identity belongs to (default: the unit the registry gives its recipient).",
                                id: "Unit pemilik identitas itu (bawaan: unit yang menurut registri memiliki penerimanya).", valueName: "unit"))
    public var unit: String?

    public init() {}

    /// The reader for `ledger`'s registry, or `nil` when no `--identity` was given.
    ///
    /// - Throws: `CLIFailure` when the file can't be read or none of its identities is a
    ///   recipient in the registry (and `--unit` was not given).
    public func reader(registry: Registry) throws -> SealedContentReader? {
        guard let identity else { return nil }
        let identities = try attempt { try AgeIdentityFile.read(from: identity) }
        if let unit { return SealedContentReader(unit: unit, identities: identities) }
        for id in identities {
            if let r = registry.recipients[ExactText(id.recipient.description)] {
                return SealedContentReader(unit: r.unit, identities: identities)
            }
        }
        throw CLIFailure(description: localized("none of the identities in \(identity) is a unit's recipient in the registry; name the unit with --unit, or have the authority add the recipient (jejak unit add-recipient UNIT --recipient age1…)",
                                                id: "tidak satu pun identitas dalam \(identity) merupakan penerima milik suatu unit di registri; sebutkan unitnya dengan --unit, atau mintalah otoritas menambahkan penerima itu (jejak unit add-recipient UNIT --recipient age1…)"))
    }
}
