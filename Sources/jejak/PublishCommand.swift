import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakJSON
import JejakOfflineCommands

struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Sign an event with a unit's key (or take a signed one), append it, and print its receipt.",
        discussion: """
            The event's source is the key's name (the unit id). The receipt is a C2SP tlog-proof; \
            with the signed event (--event-out) it verifies offline. --event FILE appends an event \
            signed elsewhere (a DSSE envelope); sending the same file again returns the same receipt.

            Example:
              jejak publish --key biro-perencanaan.key --type id.go.kpu.jejak.exchange.requested.v1 \\
                --subject exchange/2026-000123 --data '{"title":"Rekap anggaran"}' \\
                --expected-version none --receipt req.tlog-proof --event-out req.dsse.json
              jejak publish --event req.dsse.json
            """)

    @OptionGroup var ledgerOption: LedgerOption
    @Option(help: ArgumentHelp("The unit's private key file.", valueName: "file"))
    var key: String?
    @Option(help: ArgumentHelp("The event type.", valueName: "type"))
    var type: String?
    @Option(help: ArgumentHelp("The stream, e.g. exchange/2026-000123.", valueName: "subject"))
    var subject: String?
    @Option(help: ArgumentHelp("The event data: JSON, or @FILE.", valueName: "json"))
    var data: String?
    @Option(help: ArgumentHelp("Append this signed event (DSSE envelope JSON) instead of building one.", valueName: "file"))
    var event: String?
    @Option(help: ArgumentHelp("The event id (the idempotency key; random if omitted).", valueName: "id"))
    var id: String?
    @Option(help: ArgumentHelp("The data's JSON Schema id (default derived from the type).", valueName: "uri"))
    var dataschema: String?
    @Option(help: ArgumentHelp("any, none (a new stream), exists (an existing stream) or N (the stream's current version).", valueName: "version"))
    var expectedVersion: String = "any"
    @Option(help: ArgumentHelp("Also write the receipt to this file.", valueName: "file"))
    var receipt: String?
    @Option(help: ArgumentHelp("Write the signed event (DSSE envelope JSON) to this file.", valueName: "file"))
    var eventOut: String?

    func validate() throws {
        if event == nil {
            guard key != nil, type != nil, subject != nil, data != nil else {
                throw ValidationError("Give --key, --type, --subject and --data, or --event FILE.")
            }
        } else if key != nil || type != nil || subject != nil || data != nil || id != nil || dataschema != nil {
            throw ValidationError("--event FILE takes a signed event as it is: leave out --key, --type, --subject, --data, --id and --dataschema.")
        }
    }

    func run() async throws {
        let expected = try attempt { try ExpectedVersion(parameter: expectedVersion) }
        let ledger = try ledgerOption.open(readOnly: false)
        defer { ledger.close() }
        let signed: SignedEvent
        if let event {
            guard let bytes = FileManager.default.contents(atPath: event) else {
                throw CLIFailure(description: "cannot read \(event)")
            }
            signed = try attempt { try SignedEvent(json: [UInt8](bytes)) }
        } else if let key, let type, let subject, let data {
            let json = try readJSONArgument(data)
            let publisher = UnitPublisher(key: try readKey(key), ledger: ledger)
            signed = try attempt { try publisher.sign(type: type, subject: subject, dataschema: dataschema, data: json, id: id) }
        } else {
            throw ValidationError("Give --key, --type, --subject and --data, or --event FILE.")
        }
        let result = try await attempt { try await ledger.append(signed, expecting: expected) }
        if let receipt { try writeFile(result.serialized, to: receipt) }
        if let eventOut { try writeFile(String(decoding: signed.jsonBytes, as: UTF8.self), to: eventOut) }
        print(result.serialized, terminator: "")
    }
}
