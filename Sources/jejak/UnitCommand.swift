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
        abstract: "Register units and manage their keys and encryption recipients (registry events signed by the authority).",
        subcommands: [Register.self, AddKey.self, RevokeKey.self, AddRecipient.self, RevokeRecipient.self, List.self])

    /// The arguments of a key change: the unit, the key, and where to write the receipt.
    struct KeyChange: ParsableArguments {
        @OptionGroup var ledgerOption: LedgerOption
        @OptionGroup var authorityOption: AuthorityOption
        @Argument(help: ArgumentHelp("The unit id.", valueName: "unit"))
        var unit: String
        @Option(help: ArgumentHelp("The key as a vkey string, or @FILE holding one.", valueName: "vkey"))
        var vkey: String
        @Option(help: ArgumentHelp("Write the receipt (tlog-proof) to this file.", valueName: "file"))
        var receipt: String?

        /// Signs the registry event `make` builds for the key, and appends it.
        func append(_ make: (RegistryAuthority, VerifierKey) throws -> SignedEvent) async throws {
            let key = try parseVerifierKey(vkey)
            guard key.name.sameBytes(as: unit) else {
                throw CLIFailure(description: "the key is named \"\(key.name)\", not after the unit \"\(unit)\"")
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
        print("Appended \(event.event.type) as entry \(receipt.index).")
    }

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register a unit.",
            discussion: """
                Example:
                  jejak unit register biro-keuangan --name "Biro Keuangan" --role biro
                Roles: \(UnitRole.allCases.map(\.rawValue).joined(separator: ", ")).
                """)
        @OptionGroup var ledgerOption: LedgerOption
        @OptionGroup var authorityOption: AuthorityOption
        @Argument(help: ArgumentHelp("The unit id (a-z 0-9 . _ / -).", valueName: "unit"))
        var unit: String
        @Option(help: "The unit's display name.")
        var name: String
        @Option(help: ArgumentHelp("The unit's role.", valueName: "role"))
        var role: String
        @Option(help: ArgumentHelp("Write the receipt (tlog-proof) to this file.", valueName: "file"))
        var receipt: String?

        func run() async throws {
            guard let role = UnitRole(rawValue: role) else {
                throw ValidationError("Unknown role \"\(role)\"; use one of \(UnitRole.allCases.map(\.rawValue).joined(separator: ", ")).")
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
            abstract: "Add a key (a vkey named after the unit) to a unit.",
            discussion: """
                Example:
                  jejak unit add-key biro-keuangan --vkey "$(jejak key generate biro-keuangan --out bk.key)"
                """)
        @OptionGroup var change: KeyChange

        func run() async throws {
            try await change.append { authority, key in try authority.addKey(key) }
        }
    }

    struct RevokeKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke-key",
            abstract: "Revoke a unit's key; events it signed earlier stay valid.",
            discussion: """
                Example:
                  jejak unit revoke-key biro-keuangan --vkey @bk.vkey --reason "laptop lost"
                """)
        @OptionGroup var change: KeyChange
        @Option(help: "Why the key is revoked.")
        var reason: String

        func run() async throws {
            try await change.append { authority, key in try authority.revokeKey(key, reason: reason) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the registered units, their keys and their encryption recipients.",
            discussion: "Example:\n  jejak unit list --json")
        @OptionGroup var ledgerOption: LedgerOption
        @Flag(help: "Print JSON Lines, one unit per line.")
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
                    print("\(unit.id)  \(unit.role.rawValue)  \(unit.name)  (registered at entry \(unit.registeredAt))")
                    for (text, added, revoked) in keys.map({ ("\($0.vkey)", $0.addedAt, $0.revokedAt) })
                        + recipients.map({ ("\($0.recipient) (recipient)", $0.addedAt, $0.revokedAt) }) {
                        print("    \(text)  added at entry \(added), \(revoked.map { "revoked at entry \($0)" } ?? "active")")
                    }
                }
            }
        }
    }
}
