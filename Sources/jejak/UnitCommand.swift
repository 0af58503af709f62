import ArgumentParser
import Foundation
import Jejak
import JejakBase
import JejakCommands
import JejakCrypto
import JejakJSON
import JejakOfflineCommands

struct UnitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unit",
        abstract: localized("Register units and manage their keys and encryption recipients (registry events signed by the authority).",
                            id: "Mendaftarkan unit serta mengelola kunci dan penerima enkripsinya (peristiwa registri yang ditandatangani otoritas)."),
        subcommands: [Register.self, AddKey.self, RevokeKey.self, AddRecipient.self, RevokeRecipient.self, List.self])

    /// The arguments of a key change: the unit, the key, and where to write the receipt.
    struct KeyChange: ParsableArguments {
        @OptionGroup var ledgerOption: LedgerOption
        @OptionGroup var authorityOption: AuthorityOption
        @Argument(help: localizedHelp("The unit id.", id: "ID unit.", valueName: "unit"))
        var unit: String
        @Option(help: localizedHelp("The key as a vkey string, or @FILE holding one.", id: "Kunci sebagai teks vkey, atau @FILE yang memuatnya.", valueName: "vkey"))
        var vkey: String
        @Option(help: localizedHelp("Write the receipt (tlog-proof) to this file.", id: "Tulis tanda terima (tlog-proof) ke berkas ini.", valueName: "file"))
        var receipt: String?

        /// Signs the registry event `make` builds for the key, and appends it.
        func append(_ make: (RegistryAuthority, VerifierKey) throws -> SignedEvent) async throws {
            let key = try parseVerifierKey(vkey)
            guard key.name.sameBytes(as: unit) else {
                throw CLIFailure(description: localized("the key is named \"\(key.name)\", not after the unit \"\(unit)\"",
                                                       id: "kunci bernama \"\(key.name)\", tidak sesuai dengan nama unit \"\(unit)\""))
            }
            let ledger = try ledgerOption.open(readOnly: false)
            defer { ledger.close() }
            let authority = try authorityOption.authority(for: ledger)
            let event = try attempt { try make(authority, key) }
            try await UnitCommand.append(event, to: ledger, receiptPath: receipt)
        }
    }

    static func append(_ event: SignedEvent, to ledger: Ledger, receiptPath: String?) async throws {
        let receipt = try await attempt { try await ledger.append(event) }
        if let receiptPath { try writeFile(receipt.serialized, to: receiptPath) }
        print(localized("Appended \(event.event.type) as entry \(receipt.index).", id: "\(event.event.type) ditambahkan sebagai entri \(receipt.index)."))
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("Register a unit.", id: "Mendaftarkan unit."),
            discussion: localized("""
                Example:
                  jejak unit register biro-keuangan --name "Biro Keuangan" --role biro
                Roles: \(UnitRole.allCases.map(\.rawValue).joined(separator: ", ")).
                """, id: """
                Contoh:
                  jejak unit register biro-keuangan --name "Biro Keuangan" --role biro
                Peran: \(UnitRole.allCases.map(\.rawValue).joined(separator: ", ")).
                """))
        @OptionGroup var ledgerOption: LedgerOption
        @OptionGroup var authorityOption: AuthorityOption
        @Argument(help: localizedHelp("The unit id (a-z 0-9 . _ / -).", id: "ID unit (a-z 0-9 . _ / -).", valueName: "unit"))
        var unit: String
        @Option(help: localizedHelp("The unit's display name.", id: "Nama tampilan unit."))
        var name: String
        @Option(help: localizedHelp("The unit's role.", id: "Peran unit.", valueName: "role"))
        var role: String
        @Option(help: localizedHelp("Write the receipt (tlog-proof) to this file.", id: "Tulis tanda terima (tlog-proof) ke berkas ini.", valueName: "file"))
        var receipt: String?

        func run() async throws {
            guard let role = UnitRole(rawValue: role) else {
                let roles = UnitRole.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError(localized("Unknown role \"\(role)\"; use one of \(roles).",
                                                id: "Peran \"\(role)\" tidak dikenal; gunakan salah satu dari \(roles)."))
            }
            let ledger = try ledgerOption.open(readOnly: false)
            defer { ledger.close() }
            let authority = try authorityOption.authority(for: ledger)
            let event = try attempt { try authority.registerUnit(unit, name: name, role: role) }
            try await UnitCommand.append(event, to: ledger, receiptPath: receipt)
        }
    }

    struct AddKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-key",
            abstract: localized("Add a key (a vkey named after the unit) to a unit.", id: "Menambahkan kunci (vkey yang namanya sama dengan ID unit) ke sebuah unit."),
            discussion: helpExamples("jejak unit add-key biro-keuangan --vkey \"$(jejak key generate biro-keuangan --out bk.key)\""))
        @OptionGroup var change: KeyChange

        func run() async throws {
            try await change.append { authority, key in try authority.addKey(key) }
        }
    }

    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-key",
            abstract: localized("Revoke a unit's key; events it signed earlier stay valid.",
                                id: "Mencabut kunci sebuah unit; peristiwa yang ditandatanganinya sebelumnya tetap sah."),
            discussion: helpExamples("jejak unit revoke-key biro-keuangan --vkey @bk.vkey --reason \"laptop lost\""))
        @OptionGroup var change: KeyChange
        @Option(help: localizedHelp("Why the key is revoked.", id: "Alasan kunci dicabut."))
        var reason: String

        func run() async throws {
            try await change.append { authority, key in try authority.revokeKey(key, reason: reason) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: localized("List the registered units, their keys and their encryption recipients.",
                                id: "Menampilkan daftar unit terdaftar beserta kunci dan penerima enkripsinya."),
            discussion: localized("Example:\n  jejak unit list --json", id: "Contoh:\n  jejak unit list --json"))
        @OptionGroup var ledgerOption: LedgerOption
        @Flag(help: localizedHelp("Print JSON Lines, one unit per line.", id: "Cetak JSON Lines, satu unit per baris."))
        var json = false

        func run() throws {
            let ledger = try ledgerOption.open(readOnly: true)
            let registry = try attempt { try ledger.registry() }
            for unit in registry.units.sorted(by: { $0.key < $1.key }).map(\.value) {
                let keys = registry.keys(of: unit.id), recipients = registry.recipients(of: unit.id)
                if json {
                    func validity(_ name: String, _ text: String, _ added: UInt64, _ revoked: UInt64?) -> JSONValue {
                        var o: JSONObject = [name: .string(text), "addedAt": .number(JSONNumber(Int64(added)))]
                        if let r = revoked { o["revokedAt"] = .number(JSONNumber(Int64(r))) }
                        return .object(o)
                    }
                    let keyValues = keys.map { validity("vkey", $0.vkey.description, $0.addedAt, $0.revokedAt) }
                    let recipientValues = recipients.map { validity("recipient", $0.recipient.description, $0.addedAt, $0.revokedAt) }
                    print(jsonLine(["id": .string(unit.id), "name": .string(unit.name), "role": .string(unit.role.rawValue),
                                    "registeredAt": .number(JSONNumber(Int64(unit.registeredAt))), "keys": .array(keyValues),
                                    "recipients": .array(recipientValues)]))
                } else {
                    print(localized("\(unit.id)  \(unit.role.rawValue)  \(unit.name)  (registered at entry \(unit.registeredAt))",
                                    id: "\(unit.id)  \(unit.role.rawValue)  \(unit.name)  (terdaftar pada entri \(unit.registeredAt))"))
                    let recipientWord = localized("recipient", id: "penerima")
                    for (text, added, revoked) in keys.map({ ("\($0.vkey)", $0.addedAt, $0.revokedAt) })
                        + recipients.map({ ("\($0.recipient) (\(recipientWord))", $0.addedAt, $0.revokedAt) }) {
                        let status = revoked.map { localized("revoked at entry \($0)", id: "dicabut pada entri \($0)") } ?? localized("active", id: "aktif")
                        print(localized("    \(text)  added at entry \(added), \(status)", id: "    \(text)  ditambahkan pada entri \(added), \(status)"))
                    }
                }
            }
        }
    }
}
