import ArgumentParser
import Foundation
import JejakDomain
import JejakOfflineCommands

/// `jejak types`: the event types and what their data must hold.
struct TypesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "types",
        abstract: "List the event types, their streams and the members their data must have.",
        discussion: """
            From the schemas shipped with jejak (or $JEJAK_SCHEMAS). "unless sealed" members are \
            required in the clear and forbidden when the content is sealed (they are then inside \
            the sealed member). The schemas themselves, with descriptions in Bahasa Indonesia and \
            English, are in Schemas/.

            Examples:
              jejak types
              jejak types --area exchange --json
            """)

    @Option(help: ArgumentHelp("Only the types of this area: ledger, registry, exchange or audit.", valueName: "area"))
    var area: String?
    @Flag(help: "Print JSON: an array of {type, title, stream, required, requiredUnlessSealed, optional}.")
    var json = false

    func validate() throws {
        if let area, !DomainEventType.allCases.contains(where: { $0.area == area }) {
            throw ValidationError("--area must be ledger, registry, exchange or audit, not \"\(area)\".")
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
            print("\(s.type.rawValue)  (\(s.title); stream \(s.stream))")
            print("  required: \(s.required.isEmpty ? "nothing" : s.required.joined(separator: ", "))")
            if !s.requiredUnlessSealed.isEmpty { print("  required unless sealed: \(s.requiredUnlessSealed.joined(separator: ", "))") }
            if !s.optional.isEmpty { print("  optional: \(s.optional.joined(separator: ", "))") }
        }
    }
}

/// One type in `types --json`.
private struct Row: Encodable {
    let type, title, stream: String
    let required, requiredUnlessSealed, optional: [String]
}
