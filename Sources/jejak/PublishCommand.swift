import ArgumentParser
import Foundation
import Jejak
import JejakJSON

struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Sign an event with a unit's key, append it, and print its receipt.",
        discussion: """
            The event's source is the key's name (the unit id). The receipt is a C2SP tlog-proof; \
            with the signed event (--event-out) it verifies offline.

            Example:
              jejak publish --key biro-perencanaan.key --type id.go.kpu.jejak.exchange.requested.v1 \\
                --subject exchange/2026-000123 --data '{"title":"Rekap anggaran"}' \\
                --expected-version none --receipt req.tlog-proof --event-out req.dsse.json
            """)

    @OptionGroup var ledgerOption: LedgerOption
    @Option(help: ArgumentHelp("The unit's private key file.", valueName: "file"))
    var key: String
    @Option(help: ArgumentHelp("The event type.", valueName: "type"))
    var type: String
    @Option(help: ArgumentHelp("The stream, e.g. exchange/2026-000123.", valueName: "subject"))
    var subject: String
    @Option(help: ArgumentHelp("The event data: JSON, or @FILE.", valueName: "json"))
    var data: String
    @Option(help: ArgumentHelp("The event id (the idempotency key; random if omitted).", valueName: "id"))
    var id: String?
    @Option(help: ArgumentHelp("The data's JSON Schema id (default derived from the type).", valueName: "uri"))
    var dataschema: String?
    @Option(help: ArgumentHelp("any, none (a new stream) or N (the stream's current version).", valueName: "version"))
    var expectedVersion: String = "any"
    @Option(help: ArgumentHelp("Also write the receipt to this file.", valueName: "file"))
    var receipt: String?
    @Option(help: ArgumentHelp("Write the signed event (DSSE envelope JSON) to this file.", valueName: "file"))
    var eventOut: String?

    func run() async throws {
        let expected = try parseExpectedVersion(expectedVersion)
        let data = try readJSONArgument(self.data)
        let signer = try readKey(key)
        let ledger = try ledgerOption.open(readOnly: false)
        defer { ledger.close() }
        let publisher = UnitPublisher(key: signer, ledger: ledger)
        let signed = try attempt { try publisher.sign(type: type, subject: subject, dataschema: dataschema, data: data, id: id) }
        let result = try await attempt { try await ledger.append(signed, expecting: expected) }
        if let receipt { try writeFile(result.serialized, to: receipt) }
        if let eventOut { try writeFile(String(decoding: signed.jsonBytes, as: UTF8.self), to: eventOut) }
        print(result.serialized, terminator: "")
    }
}

func parseExpectedVersion(_ text: String) throws -> ExpectedVersion {
    switch text {
    case "any": return .any
    case "none": return .noStream
    default:
        guard let n = UInt64(text) else {
            throw ValidationError("--expected-version takes any, none or a number, not \"\(text)\".")
        }
        return .exactly(n)
    }
}
