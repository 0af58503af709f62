import ArgumentParser
import Foundation
import JejakDomain
import JejakOfflineCommands

/// `jejak types`: the event types and what their data must hold.
struct TypesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "types",
        abstract: localized("List the event types, their streams and the members their data must have.",
                            id: "Menampilkan daftar jenis peristiwa, aliran (stream)-nya, dan anggota yang wajib ada dalam datanya."),
        discussion: localized("""
            From the schemas shipped with jejak (or $JEJAK_SCHEMAS). "unless sealed" members are \
            required in the clear and forbidden when the content is sealed (they are then inside \
            the sealed member). The schemas themselves, with descriptions in Bahasa Indonesia and \
            English, are in Schemas/.
            """, id: """
            Diambil dari skema yang disertakan bersama jejak (atau $JEJAK_SCHEMAS). Anggota "wajib kecuali tersegel" \
            wajib ada dalam bentuk terbuka dan dilarang ketika isinya tersegel (anggota itu kemudian berada \
            di dalam anggota yang tersegel). Skema itu sendiri, dengan deskripsi dalam Bahasa Indonesia dan \
            bahasa Inggris, ada di Schemas/.
            """) + "\n\n" + helpExamples("jejak types", "jejak types --area exchange --json"))

    @Option(help: localizedHelp("Only the types of this area: ledger, registry, exchange or audit.", id: "Hanya jenis dari area ini: ledger, registry, exchange atau audit.", valueName: "area"))
    var area: String?
    @Flag(help: localizedHelp("Print JSON: an array of {type, title, stream, required, requiredUnlessSealed, optional}.",
                              id: "Cetak JSON: larik {type, title, stream, required, requiredUnlessSealed, optional}."))
    var json = false

    func validate() throws {
        if let area, !DomainEventType.allCases.contains(where: { $0.area == area }) {
            throw ValidationError(localized("--area must be ledger, registry, exchange or audit, not \"\(area)\".",
                                            id: "--area harus ledger, registry, exchange atau audit, bukan \"\(area)\"."))
        }
    }

    func run() throws {
        let catalog = try attempt { try SchemaCatalog.bundled() }
        let summaries = catalog.summaries.filter { area == nil || $0.type.area == area }
        if json {
            let rows = summaries.map { s in
                Row(type: s.type.rawValue, title: s.title, stream: s.stream, required: s.required,
                    requiredUnlessSealed: s.requiredUnlessSealed, optional: s.optional)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        for s in summaries {
            print(localized("\(s.type.rawValue)  (\(s.title); stream \(s.stream))", id: "\(s.type.rawValue)  (\(s.title); aliran \(s.stream))"))
            let required = s.required.isEmpty ? localized("nothing", id: "tidak ada") : s.required.joined(separator: ", ")
            print(localized("  required: \(required)", id: "  wajib: \(required)"))
            if !s.requiredUnlessSealed.isEmpty {
                let members = s.requiredUnlessSealed.joined(separator: ", ")
                print(localized("  required unless sealed: \(members)", id: "  wajib kecuali tersegel: \(members)"))
            }
            if !s.optional.isEmpty {
                let members = s.optional.joined(separator: ", ")
                print(localized("  optional: \(members)", id: "  opsional: \(members)"))
            }
        }
    }
}

/// One type in `types --json`.
private struct Row: Encodable {
    let type, title, stream: String
    let required, requiredUnlessSealed, optional: [String]
}
