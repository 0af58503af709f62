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
        abstract: localized("Sign an event with a unit's key (or take a signed one), append it, and print its receipt.",
                            id: "Menandatangani peristiwa dengan kunci unit (atau menerima peristiwa yang sudah ditandatangani), menambahkannya, dan mencetak tanda terimanya."),
        discussion: localized("""
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
            """, id: """
            Sumber peristiwa adalah nama kunci (ID unit). Tanda terima berupa tlog-proof C2SP; \
            bersama peristiwa bertanda tangan (--event-out) tanda terima itu dapat diverifikasi \
            secara luring. --event FILE menambahkan peristiwa yang ditandatangani di tempat lain \
            (amplop DSSE); mengirim berkas yang sama sekali lagi menghasilkan tanda terima yang sama. \
            Dengan --server URL, peristiwa diterbitkan ke server `jejak serve` sebagai gantinya, dan tanda terimanya \
            diverifikasi terhadap --server-policy sebelum dicetak.

            Isi pertukaran `terbatas` atau `rahasia` disegel sebelum ditandatangani: anggota isi \
            peristiwa (title, purpose, items, notes, reasons) menjadi satu berkas age yang \
            disegel untuk para pihak pertukaran, Inspektorat, dan setiap unit --seal-to, masing-masing \
            pada penerima terbarunya di registri; selebihnya tetap publik. (Dengan --server, \
            segel sendiri datanya: server menolak isi terbatas yang tidak tersegel.)
            """) + "\n\n" + helpExamples(
                "jejak publish --key biro-perencanaan.key \\",
                "  --type id.go.kpu.jejak.exchange.requested.v1 \\",
                "  --subject exchange/2026-000123 --expected-version none \\",
                "  --data '{\"provider\": \"biro-keuangan\", \"category\": \"anggaran\",",
                "    \"title\": \"Rekap anggaran 2026\", \"purpose\": \"Laporan kinerja\",",
                "    \"legalBasis\": \"UU 7/2017\", \"dueDate\": \"2026-12-31\",",
                "    \"classification\": \"terbuka\"}' \\",
                "  --receipt req.tlog-proof --event-out req.dsse.json",
                "jejak publish --event req.dsse.json",
                heading: localized("Example (each line fits a terminal, so it can be copied as it is):", id: "Contoh (setiap baris muat di terminal, sehingga dapat disalin apa adanya):")))

    @OptionGroup var ledgerOption: LedgerOption
    @OptionGroup var remote: RemoteOption
    @Option(help: localizedHelp("The unit's private key file.", id: "Berkas kunci privat unit.", valueName: "file"))
    var key: String?
    @Option(help: localizedHelp("The event type.", id: "Jenis peristiwa.", valueName: "type"))
    var type: String?
    @Option(help: localizedHelp("The stream, e.g. exchange/2026-000123.", id: "Aliran (stream), misalnya exchange/2026-000123.", valueName: "subject"))
    var subject: String?
    @Option(help: localizedHelp("The event data: JSON, or @FILE.", id: "Data peristiwa: JSON, atau @FILE.", valueName: "json"))
    var data: String?
    @Option(help: localizedHelp("Append this signed event (DSSE envelope JSON) instead of building one.", id: "Tambahkan peristiwa bertanda tangan ini (JSON amplop DSSE) alih-alih membuat peristiwa baru.", valueName: "file"))
    var event: String?
    @Option(help: localizedHelp("The event id (the idempotency key; random if omitted).", id: "ID peristiwa (kunci idempotensi; acak jika tidak diberikan).", valueName: "id"))
    var id: String?
    @Option(help: localizedHelp("The data's JSON Schema id (default derived from the type).", id: "ID JSON Schema data (bawaan diturunkan dari jenis peristiwa).", valueName: "uri"))
    var dataschema: String?
    @Option(help: localizedHelp("any, none (a new stream), exists (an existing stream) or N (the stream's current version).", id: "any, none (aliran baru), exists (aliran yang sudah ada) atau N (versi aliran saat ini).", valueName: "version"))
    var expectedVersion: String = "any"
    @Option(help: localizedHelp("Also write the receipt to this file.", id: "Tulis juga tanda terima ke berkas ini.", valueName: "file"))
    var receipt: String?
    @Option(help: localizedHelp("Write the signed event (DSSE envelope JSON) to this file.", id: "Tulis peristiwa bertanda tangan (JSON amplop DSSE) ke berkas ini.", valueName: "file"))
    var eventOut: String?
    @Option(name: .customLong("seal-to"), help: localizedHelp("Also seal restricted content to this unit (repeatable).", id: "Segel juga isi terbatas untuk unit ini (dapat diulang).", valueName: "unit"))
    var sealTo: [String] = []

    func validate() throws {
        if event == nil {
            guard key != nil, type != nil, subject != nil, data != nil else {
                throw ValidationError(localized("Give --key, --type, --subject and --data, or --event FILE.", id: "Berikan --key, --type, --subject dan --data, atau --event FILE."))
            }
        } else if key != nil || type != nil || subject != nil || data != nil || id != nil || dataschema != nil {
            throw ValidationError(localized("--event FILE takes a signed event as it is: leave out --key, --type, --subject, --data, --id and --dataschema.",
                                            id: "--event FILE menerima peristiwa bertanda tangan apa adanya: jangan sertakan --key, --type, --subject, --data, --id dan --dataschema."))
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
                throw CLIFailure(description: localized("cannot read \(event)", id: "tidak dapat membaca \(event)"))
            }
            return try attempt { try SignedEvent(json: [UInt8](bytes)) }
        }
        guard let key, let type, let subject, let data else {
            throw ValidationError(localized("Give --key, --type, --subject and --data, or --event FILE.", id: "Berikan --key, --type, --subject dan --data, atau --event FILE."))
        }
        return try sign(try readKey(key), type, subject, try readJSONArgument(data))
    }

    private func finish(_ signed: SignedEvent, _ result: Receipt) throws {
        if let receipt { try writeFile(result.serialized, to: receipt) }
        if let eventOut { try writeFile(String(decoding: signed.jsonBytes, as: UTF8.self), to: eventOut) }
        print(result.serialized, terminator: "")
    }
}
