import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakCrypto
import JejakOfflineCommands

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new ledger: store, log key, policy and genesis entry, under a registry authority's key.",
        discussion: """
            Example:
              jejak init /var/lib/jejak --origin jejak.kpu.go.id/ledger --authority-key /media/offline/authority.key

            The registry authority's key signs the genesis entry and, later, every unit and key \
            registration (`jejak unit ... --authority-key FILE`). Whoever holds it can register a \
            key for any unit and publish as that unit, so it never goes in the ledger directory: \
            --authority-key names a file outside it, which is used if it exists and generated \
            there (mode 0600) if not. Keep it offline, with the authority.
            """)

    @Argument(help: ArgumentHelp("The ledger directory to create.", valueName: "dir"))
    var directory: String

    @Option(help: ArgumentHelp("The log's origin, e.g. jejak.kpu.go.id/ledger.", valueName: "origin"))
    var origin: String

    @Option(help: ArgumentHelp("Use this log key file (its name must be the origin) instead of generating one.", valueName: "file"))
    var logKey: String?

    @Option(help: ArgumentHelp("The registry authority's key file, outside the ledger directory: used if it exists, generated there if not (default: $JEJAK_AUTHORITY_KEY).", valueName: "file"))
    var authorityKey: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment["JEJAK_AUTHORITY_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        guard let authorityKey = authorityKey ?? environment else {
            throw CLIFailure(description: "say where the registry authority's key is, or is to be made: --authority-key FILE (outside the ledger directory, kept offline) or JEJAK_AUTHORITY_KEY")
        }
        let ledgerDirectory = LedgerDirectory(path: directory)
        guard !ledgerDirectory.contains(authorityKey) else {
            throw CLIFailure(description: "the registry authority's key \(authorityKey) would be inside the ledger directory \(directory), where whoever runs the ledger could use it; put it outside (and offline)")
        }
        let log = try logKey.map(readKey)
        let generated = !FileManager.default.fileExists(atPath: authorityKey)
        let authority: SignerKey
        if generated {
            authority = try attempt { try SignerKey.generate(name: origin + "/authority") }
        } else {
            authority = try readKey(authorityKey)
        }
        var options = Ledger.Options()
        options.validator = try domainValidator()
        // The key is written first, so that a ledger never exists whose authority key is lost;
        // a refused init removes the key it generated.
        if generated { try attempt { try KeyFile.write(authority, to: authorityKey) } }
        let ledger: Ledger
        do {
            ledger = try await attempt {
                try await Ledger.create(at: directory, origin: origin, logKey: log, authorityKey: authority, options: options)
            }
        } catch {
            if generated { _ = unlink(authorityKey) }
            throw error
        }
        defer { ledger.close() }
        let dir = ledger.directory
        print("Created the ledger \(origin) in \(directory).")
        print("  log key        \(ledger.logKey)")
        print("  authority key  \(ledger.authority)")
        print("  policy         \(dir.policy)")
        print("The registry authority's private key is in \(authorityKey)\(generated ? " (generated)" : ""): keep it offline; `jejak unit` commands ask for it with --authority-key.")
    }
}

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage key files.", subcommands: [Generate.self, Identity.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate an Ed25519 key pair: the private key into a 0600 file, the vkey on stdout.",
            discussion: """
                Example:
                  jejak key generate biro-keuangan --out biro-keuangan.key
                """)

        @Argument(help: ArgumentHelp("The key name: a unit id, the log origin, or a witness name.", valueName: "name"))
        var name: String

        @Option(help: ArgumentHelp("The private key file to create (refused if it exists).", valueName: "file"))
        var out: String

        @Flag(help: "Make a witness cosigning key (signature type 0x04) instead of a signing key.")
        var witness = false

        func run() throws {
            let key = try attempt { try SignerKey.generate(name: name, type: witness ? .cosignatureV1 : .ed25519) }
            try attempt { try KeyFile.write(key, to: out) }
            print(key.verifierKey)
        }
    }
}
