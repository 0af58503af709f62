import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakJSON
import JejakOfflineCommands

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: localized("Write the log as a C2SP tlog-tiles tree (checkpoint, hash tiles, entry bundles) for auditors and static serving.",
                            id: "Menulis log sebagai pohon tlog-tiles C2SP (checkpoint, tile hash, bundel entri) untuk auditor dan penyajian statis."),
        discussion: localized("""
            The tree is the one of the latest checkpoint, or of the stored checkpoint of --size N. \
            The checkpoint file is the signed note as stored, with its witness cosignatures; the \
            entry bundles carry the leaves byte for byte. Exporting again into the same directory \
            writes only the new tiles and then the new checkpoint; a directory holding another \
            log's export, or a larger or inconsistent one, is refused and left as it is. Any \
            static web server can serve DIR; any tlog-tiles client can read it.
            """, id: """
            Pohon yang ditulis adalah pohon checkpoint terbaru, atau checkpoint tersimpan untuk --size N. \
            Berkas checkpoint adalah catatan bertanda tangan (signed note) sebagaimana tersimpan, beserta \
            tanda tangan bersama (cosignature) saksinya; bundel entri memuat daun-daun persis bait demi \
            bait. Mengekspor lagi ke direktori yang sama hanya menulis tile baru lalu checkpoint baru; \
            direktori yang memuat ekspor log lain, atau ekspor yang lebih besar atau tidak konsisten, \
            ditolak dan dibiarkan apa adanya. Server web statis apa pun dapat menyajikan DIR; klien \
            tlog-tiles apa pun dapat membacanya.
            """) + "\n\n" + helpExamples("jejak export --out /srv/www/jejak", "jejak export --out audit-2026-q1 --size 120000 --json", "jejak export --from http://127.0.0.1:8080 --server-policy kpu.policy --out mirror", heading: localized("Example:", id: "Contoh:")) + "\n\n" + localized("""
            With --from URL, it mirrors a `jejak serve` server's tiles instead: the server's \
            latest checkpoint, verified against --server-policy, and every tile the directory \
            lacks, each entry checked against its leaf hash and the tiles against the root before \
            the checkpoint is written.
            """, id: """
            Dengan --from URL, perintah ini mencerminkan (mirror) tile server `jejak serve` sebagai \
            gantinya: checkpoint terbaru server, diverifikasi terhadap --server-policy, dan setiap tile \
            yang belum ada di direktori, dengan setiap entri diperiksa terhadap hash daunnya dan tile \
            diperiksa terhadap akarnya sebelum checkpoint ditulis.
            """))

    @OptionGroup var ledgerOption: LedgerOption
    @Option(help: localizedHelp("Mirror this `jejak serve` server's tiles instead of exporting a ledger directory.",
                                id: "Cerminkan (mirror) tile server `jejak serve` ini alih-alih mengekspor direktori ledger.", valueName: "url"))
    var from: String?
    @OptionGroup var remote: RemoteOption
    @Option(help: localizedHelp("The export directory (created if missing).", id: "Direktori ekspor (dibuat jika belum ada).", valueName: "dir"))
    var out: String
    @Option(help: localizedHelp("The tree size of a stored checkpoint (default: the latest).", id: "Ukuran pohon checkpoint tersimpan (bawaan: yang terbaru).", valueName: "n"))
    var size: UInt64?
    @Flag(help: localizedHelp("Print the summary as JSON.", id: "Cetak ringkasan sebagai JSON."))
    var json = false

    func run() async throws {
        if let from {
            guard size == nil else { throw ValidationError(localized("--size is not available with --from: a server serves its latest checkpoint.",
                                                                id: "--size tidak tersedia bersama --from: server hanya menyajikan checkpoint terbarunya.")) }
            let summary = try await withClient(remote.settings(url: from)) { client in try await client.mirror(to: out) }
            if json {
                print(jsonLine(["out": .string(out), "size": .number(JSONNumber(Int64(summary.size))),
                                "filesWritten": .number(JSONNumber(Int64(summary.fetched))),
                                "bytes": .number(JSONNumber(Int64(summary.bytes))), "kept": .number(JSONNumber(Int64(summary.kept)))]))
            } else {
                print(localized("Mirrored the checkpoint of size \(summary.size) from \(from) to \(out): \(summary.fetched) tiles fetched, "
                                + "\(summary.bytes) bytes, \(summary.kept) kept.",
                                id: "Checkpoint berukuran \(summary.size) dicerminkan dari \(from) ke \(out): \(summary.fetched) tile diambil, "
                                + "\(summary.bytes) bait, \(summary.kept) dipertahankan."))
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
        let since = summary.previousSize.map {
            $0 == summary.size ? localized(" (already exported)", id: " (sudah diekspor)") : localized(" (from size \($0))", id: " (dari ukuran \($0))")
        } ?? ""
        print(localized("Exported the checkpoint of size \(summary.size) to \(out)\(since): \(summary.filesWritten) files written, "
                        + "\(summary.bytes) bytes, \(summary.kept) kept.",
                        id: "Checkpoint berukuran \(summary.size) diekspor ke \(out)\(since): \(summary.filesWritten) berkas ditulis, "
                        + "\(summary.bytes) bait, \(summary.kept) dipertahankan."))
    }
}
