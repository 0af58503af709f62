import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakOfflineCommands

struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Sign an event with a unit's key (or take a signed one), append it, and print its receipt.",
        discussion: """
            The event's source is the key's name (the unit id). The receipt is a C2SP tlog-proof; \
            with the signed event (--event-out) it verifies offline. --event FILE appends an event \
            signed elsewhere (a DSSE envelope); sending the same file again returns the same receipt. \
            With --server URL it publishes to a `jejak serve` server instead, and verifies the \
            receipt against --server-policy before printing it.

            Content of a `terbatas` or `rahasia` exchange is sealed before it is signed: the \
            event's content members (title, purpose, items, notes, reasons) become one age \
            file sealed to the exchange's parties, the Inspektorat and any --seal-to unit, each \
            at its newest recipient in the registry; the rest stays public. (With --server, \
            seal the data yourself: the server refuses restricted content in the clear.)

            Example (each line fits a terminal, so it can be copied as it is):
              jejak publish --key biro-perencanaan.key \\
                --type id.go.kpu.jejak.exchange.requested.v1 \\
                --subject exchange/2026-000123 --expected-version none \\
                --data '{"provider": "biro-keuangan", "category": "anggaran",
                  "title": "Rekap anggaran 2026", "purpose": "Laporan kinerja",
                  "legalBasis": "UU 7/2017", "dueDate": "2026-12-31",
                  "classification": "terbuka"}' \\
                --receipt req.tlog-proof --event-out req.dsse.json
              jejak publish --event req.dsse.json
            """)

    @OptionGroup var ledgerOption: LedgerOption
    @OptionGroup var remote: RemoteOption
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
    @Option(name: .customLong("seal-to"), help: ArgumentHelp("Also seal restricted content to this unit (repeatable).", valueName: "unit"))
    var sealTo: [String] = []

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
        if remote.url != nil {
            let signed = try signedEvent { key, type, subject, json in
                try attempt {
                    SignedEvent.sign(try CloudEvent.make(id: id ?? UnitPublisher.randomID(), source: key.name, type: type, subject: subject,
                                                         dataschema: dataschema ?? UnitPublisher.defaultSchema(for: type), data: json),
                                     with: key)
                }
            }
            let result = try await withClient(remote) { client in try await client.append(signed, expecting: expected) }
            try finish(signed, result)
            return
        }
        let ledger = try ledgerOption.open(readOnly: false)
        defer { ledger.close() }
        let signed = try signedEvent { key, type, subject, json in
            let data = try sealIfRestricted(json, type: type, source: key.name, subject: subject, ledger: ledger)
            return try attempt { try UnitPublisher(key: key, ledger: ledger).sign(type: type, subject: subject, dataschema: dataschema, data: data, id: id) }
        }
        let result = try await attempt { try await ledger.append(signed, expecting: expected) }
        try finish(signed, result)
    }

    /// `data` sealed as the exchange's classification asks (see the discussion), from the
    /// ledger's registry and the stream's earlier events.
    private func sealIfRestricted(_ data: JSONValue, type: String, source: String, subject: String, ledger: Ledger) throws -> JSONValue {
        guard let t = DomainEventType(rawValue: type), t.area == "exchange" else { return data }
        let catalog = try domainValidator().catalog
        let prior = ExchangeState.fold(try attempt { try ledger.stream(subject, limit: .max) }.map(\.entry.event))
        let registry = try attempt { try ledger.registry() }
        return try attempt {
            try SealedContent.sealIfRestricted(data, type: t, source: source, exchange: prior, extra: sealTo, registry: registry, catalog: catalog)
        }
    }

    /// The event to publish: the signed file given, or one built and signed by `sign`.
    private func signedEvent(_ sign: (SignerKey, String, String, JSONValue) throws -> SignedEvent) throws -> SignedEvent {
        if let event {
            guard let bytes = FileManager.default.contents(atPath: event) else {
                throw CLIFailure(description: "cannot read \(event)")
            }
            return try attempt { try SignedEvent(json: [UInt8](bytes)) }
        }
        guard let key, let type, let subject, let data else {
            throw ValidationError("Give --key, --type, --subject and --data, or --event FILE.")
        }
        return try sign(try readKey(key), type, subject, try readJSONArgument(data))
    }

    private func finish(_ signed: SignedEvent, _ result: Receipt) throws {
        if let receipt { try writeFile(result.serialized, to: receipt) }
        if let eventOut { try writeFile(String(decoding: signed.jsonBytes, as: UTF8.self), to: eventOut) }
        print(result.serialized, terminator: "")
    }
}
