import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakCrypto
import JejakOfflineCommands

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: localized("Create a new ledger: store, log key, policy and genesis entry, under a registry authority's key.",
                            id: "Membuat ledger baru: penyimpanan, kunci log, kebijakan, dan entri genesis, di bawah kunci otoritas registri."),
        discussion: helpExamples("jejak init /var/lib/jejak --origin jejak.kpu.go.id/ledger --authority-key /media/offline/authority.key") + "\n\n" + localized("""
            The registry authority's key signs the genesis entry and, later, every unit and key \
            registration (`jejak unit ... --authority-key FILE`). Whoever holds it can register a \
            key for any unit and publish as that unit, so it never goes in the ledger directory: \
            --authority-key names a file outside it, which is used if it exists and generated \
            there (mode 0600) if not. Keep it offline, with the authority.
            """, id: """
            Kunci otoritas registri menandatangani entri genesis dan, selanjutnya, setiap pendaftaran \
            unit dan kunci (`jejak unit ... --authority-key FILE`). Siapa pun yang memegangnya dapat \
            mendaftarkan kunci untuk unit mana pun dan menerbitkan atas nama unit tersebut, sehingga \
            kunci ini tidak pernah disimpan di direktori ledger: --authority-key menunjuk berkas di \
            luar direktori itu, yang dipakai jika sudah ada dan dibuat di sana (mode 0600) jika belum. \
            Simpan kunci ini secara luring, di tangan otoritas.
            """))

    @Argument(help: localizedHelp("The ledger directory to create.", id: "Direktori ledger yang akan dibuat.", valueName: "dir"))
    var directory: String

    @Option(help: localizedHelp("The log's origin, e.g. jejak.kpu.go.id/ledger.", id: "Origin log, misalnya jejak.kpu.go.id/ledger.", valueName: "origin"))
    var origin: String

    @Option(help: localizedHelp("Use this log key file (its name must be the origin) instead of generating one.",
                                id: "Gunakan berkas kunci log ini (namanya harus sama dengan origin) alih-alih membuat kunci baru.", valueName: "file"))
    var logKey: String?

    @Option(help: localizedHelp("The registry authority's key file, outside the ledger directory: used if it exists, generated there if not (default: $JEJAK_AUTHORITY_KEY).",
                                id: "Berkas kunci otoritas registri, di luar direktori ledger: dipakai jika sudah ada, dibuat di sana jika belum (bawaan: $JEJAK_AUTHORITY_KEY).",
                                valueName: "file"))
    var authorityKey: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment["JEJAK_AUTHORITY_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        guard let authorityKey = authorityKey ?? environment else {
            throw CLIFailure(description: localized(
                "say where the registry authority's key is, or is to be made: --authority-key FILE (outside the ledger directory, kept offline) or JEJAK_AUTHORITY_KEY",
                id: "sebutkan letak kunci otoritas registri, atau tempat kunci itu akan dibuat: --authority-key FILE (di luar direktori ledger, disimpan secara luring) atau JEJAK_AUTHORITY_KEY"))
        }
        let ledgerDirectory = LedgerDirectory(path: directory)
        guard !ledgerDirectory.contains(authorityKey) else {
            throw CLIFailure(description: localized(
                "the registry authority's key \(authorityKey) would be inside the ledger directory \(directory), where whoever runs the ledger could use it; put it outside (and offline)",
                id: "kunci otoritas registri \(authorityKey) akan berada di dalam direktori ledger \(directory), tempat siapa pun yang menjalankan ledger dapat memakainya; letakkan di luar direktori itu (dan secara luring)"))
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
        print(localized("Created the ledger \(origin) in \(directory).", id: "Ledger \(origin) dibuat di \(directory)."))
        print(localized("  log key        \(ledger.logKey)", id: "  kunci log       \(ledger.logKey)"))
        print(localized("  authority key  \(ledger.authority)", id: "  kunci otoritas  \(ledger.authority)"))
        print(localized("  policy         \(dir.policy)", id: "  kebijakan       \(dir.policy)"))
        let made = generated ? localized(" (generated)", id: " (baru dibuat)") : ""
        print(localized("The registry authority's private key is in \(authorityKey)\(made): keep it offline; `jejak unit` commands ask for it with --authority-key.",
                        id: "Kunci privat otoritas registri ada di \(authorityKey)\(made): simpan secara luring; perintah `jejak unit` memintanya melalui --authority-key."))
    }
}

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key", abstract: localized("Manage key files.", id: "Mengelola berkas kunci."), subcommands: [Generate.self, Identity.self])

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("Generate an Ed25519 key pair: the private key into a 0600 file, the vkey on stdout.",
                                id: "Membuat pasangan kunci Ed25519: kunci privat ke berkas bermode 0600, vkey ke stdout."),
            discussion: helpExamples("jejak key generate biro-keuangan --out biro-keuangan.key"))

        @Argument(help: localizedHelp("The key name: a unit id, the log origin, or a witness name.", id: "Nama kunci: ID unit, origin log, atau nama saksi.", valueName: "name"))
        var name: String

        @Option(help: localizedHelp("The private key file to create (refused if it exists).", id: "Berkas kunci privat yang akan dibuat (ditolak jika sudah ada).", valueName: "file"))
        var out: String

        @Flag(help: localizedHelp("Make a witness cosigning key (signature type 0x04) instead of a signing key.",
                                  id: "Buat kunci tanda tangan bersama (cosignature) saksi (jenis tanda tangan 0x04) alih-alih kunci penanda tangan."))
        var witness = false

        func run() throws {
            let key = try attempt { try SignerKey.generate(name: name, type: witness ? .cosignatureV1 : .ed25519) }
            try attempt { try KeyFile.write(key, to: out) }
            print(key.verifierKey)
        }
    }
}
