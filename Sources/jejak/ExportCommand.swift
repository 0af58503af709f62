import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakJSON
import JejakOfflineCommands

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the log as a C2SP tlog-tiles tree (checkpoint, hash tiles, entry bundles) for auditors and static serving.",
        discussion: """
            The tree is the one of the latest checkpoint, or of the stored checkpoint of --size N. \
            The checkpoint file is the signed note as stored, with its witness cosignatures; the \
            entry bundles carry the leaves byte for byte. Exporting again into the same directory \
            writes only the new tiles and then the new checkpoint; a directory holding another \
            log's export, or a larger or inconsistent one, is refused and left as it is. Any \
            static web server can serve DIR; any tlog-tiles client can read it.

            Example:
              jejak export --out /srv/www/jejak
              jejak export --out audit-2026-q1 --size 120000 --json
              jejak export --from http://127.0.0.1:8080 --server-policy kpu.policy --out mirror

            With --from URL, it mirrors a `jejak serve` server's tiles instead: the server's \
            latest checkpoint, verified against --server-policy, and every tile the directory \
            lacks, each entry checked against its leaf hash and the tiles against the root before \
            the checkpoint is written.
            """)

    @OptionGroup var ledgerOption: LedgerOption
    @Option(help: ArgumentHelp("Mirror this `jejak serve` server's tiles instead of exporting a ledger directory.", valueName: "url"))
    var from: String?
    @OptionGroup var remote: RemoteOption
    @Option(help: ArgumentHelp("The export directory (created if missing).", valueName: "dir"))
    var out: String
    @Option(help: ArgumentHelp("The tree size of a stored checkpoint (default: the latest).", valueName: "n"))
    var size: UInt64?
    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() async throws {
        if let from {
            guard size == nil else { throw ValidationError("--size is not available with --from: a server serves its latest checkpoint.") }
            let summary = try await withClient(remote.settings(url: from)) { client in try await client.mirror(to: out) }
            if json {
                print(jsonLine(["out": .string(out), "size": .number(JSONNumber(Int64(summary.size))),
                                "filesWritten": .number(JSONNumber(Int64(summary.fetched))),
                                "bytes": .number(JSONNumber(Int64(summary.bytes))), "kept": .number(JSONNumber(Int64(summary.kept)))]))
            } else {
                print("Mirrored the checkpoint of size \(summary.size) from \(from) to \(out): \(summary.fetched) tiles fetched, "
                      + "\(summary.bytes) bytes, \(summary.kept) kept.")
            }
            return
        }
        let ledger = try ledgerOption.open(readOnly: true)
        let summary = try attempt { try ledger.export(to: out, size: size) }
        if json {
            print(jsonLine(["out": .string(out), "size": .number(JSONNumber(Int64(summary.size))),
                            "previousSize": summary.previousSize.map { .number(JSONNumber(Int64($0))) } ?? .null,
                            "filesWritten": .number(JSONNumber(Int64(summary.filesWritten))),
                            "bytes": .number(JSONNumber(Int64(summary.bytes))), "kept": .number(JSONNumber(Int64(summary.kept)))]))
            return
        }
        let since = summary.previousSize.map { $0 == summary.size ? " (already exported)" : " (from size \($0))" } ?? ""
        print("Exported the checkpoint of size \(summary.size) to \(out)\(since): \(summary.filesWritten) files written, "
              + "\(summary.bytes) bytes, \(summary.kept) kept.")
    }
}
