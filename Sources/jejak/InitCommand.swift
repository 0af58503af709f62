import ArgumentParser
import Foundation
import Jejak
import JejakCrypto

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a new ledger: store, log key, authority key, policy and genesis entry.",
        discussion: """
            Example:
              jejak init /var/lib/jejak --origin jejak.kpu.go.id/ledger

            Unless --authority-key is given, the registry authority's key is generated into \
            DIR/authority.key: move it off the ledger machine; the ledger never needs it.
            """)

    @Argument(help: ArgumentHelp("The ledger directory to create.", valueName: "dir"))
    var directory: String

    @Option(help: ArgumentHelp("The log's origin, e.g. jejak.kpu.go.id/ledger.", valueName: "origin"))
    var origin: String

    @Option(help: ArgumentHelp("Use this log key file (its name must be the origin) instead of generating one.", valueName: "file"))
    var logKey: String?

    @Option(help: ArgumentHelp("Use this registry authority key file instead of generating one.", valueName: "file"))
    var authorityKey: String?

    func run() async throws {
        let log = try logKey.map(readKey)
        let authority = try authorityKey.map(readKey)
        var options = Ledger.Options()
        options.validator = try domainValidator()
        let ledger = try await attempt {
            try await Ledger.create(at: directory, origin: origin, logKey: log, authorityKey: authority, options: options)
        }
        defer { ledger.close() }
        let dir = ledger.directory
        print("Created the ledger \(origin) in \(directory).")
        print("  log key        \(ledger.logKey)")
        print("  authority key  \(ledger.authority)")
        print("  policy         \(dir.policy)")
        if authority == nil {
            print("The authority's private key is in \(dir.authorityKey): move it offline after registering units.")
        }
    }
}

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: "Manage key files.", subcommands: [Generate.self])

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
