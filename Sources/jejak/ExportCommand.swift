import ArgumentParser
import Foundation
import Jejak
import JejakAPI
import JejakClient
import JejakCommands
import JejakJSON
import JejakOfflineCommands
import Logging
import ServiceLifecycle

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
            """) + "\n\n" + helpExamples("jejak export --out /srv/www/jejak", "jejak export --out /srv/www/jejak --follow", "jejak export --out audit-2026-q1 --size 120000 --json", "jejak export --from http://127.0.0.1:8080 --server-policy kpu.policy --out mirror", heading: localized("Example:", id: "Contoh:")) + "\n\n" + localized("""
            With --from URL, it mirrors a `jejak serve` server's tiles instead: the server's \
            latest checkpoint, verified against --server-policy, and every tile the directory \
            lacks, each entry checked against its leaf hash and the tiles against the root before \
            the checkpoint is written.
            """, id: """
            Dengan --from URL, perintah ini mencerminkan (mirror) tile server `jejak serve` sebagai \
            gantinya: checkpoint terbaru server, diverifikasi terhadap --server-policy, dan setiap tile \
            yang belum ada di direktori, dengan setiap entri diperiksa terhadap hash daunnya dan tile \
            diperiksa terhadap akarnya sebelum checkpoint ditulis.
            """) + "\n\n" + localized("""
            With --follow, it keeps DIR current as the log grows: it exports again every \
            --interval milliseconds (only what is new; each file written to a temporary name and \
            renamed, the checkpoint last, so a web server over DIR never shows a checkpoint whose \
            tiles are missing), prints a line for each new checkpoint, and runs until SIGTERM or \
            SIGINT. With --from, it follows the server the same way, each round proven consistent \
            with the last. Tools/nginx/jejak-tiles.conf serves DIR with nginx.
            """, id: """
            Dengan --follow, perintah ini menjaga DIR tetap mutakhir selama log bertambah: mengekspor \
            lagi setiap --interval milidetik (hanya yang baru; setiap berkas ditulis ke nama sementara \
            lalu diganti namanya, checkpoint paling akhir, sehingga server web di atas DIR tidak pernah \
            menampilkan checkpoint yang tile-nya belum ada), mencetak satu baris untuk setiap \
            checkpoint baru, dan berjalan hingga SIGTERM atau SIGINT. Dengan --from, perintah ini \
            mengikuti server dengan cara yang sama, setiap putaran dibuktikan konsisten dengan yang \
            sebelumnya. Tools/nginx/jejak-tiles.conf menyajikan DIR dengan nginx.
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
    @Flag(help: localizedHelp("Keep exporting as the log grows, until SIGTERM or SIGINT.",
                              id: "Terus mengekspor selama log bertambah, hingga SIGTERM atau SIGINT."))
    var follow = false
    @Option(help: localizedHelp("With --follow: how often to look for a new checkpoint, in milliseconds.",
                                id: "Dengan --follow: seberapa sering mencari checkpoint baru, dalam milidetik.", valueName: "ms"))
    var interval = 1000
    @Flag(help: localizedHelp("Print the summary as JSON.", id: "Cetak ringkasan sebagai JSON."))
    var json = false

    func validate() throws {
        guard interval > 0 else { throw ValidationError(localized("--interval must be positive.", id: "--interval harus positif.")) }
        guard !(follow && size != nil) else {
            throw ValidationError(localized("--size is not available with --follow: following exports each new checkpoint.",
                                            id: "--size tidak tersedia bersama --follow: mengikuti berarti mengekspor setiap checkpoint baru."))
        }
    }

    func run() async throws {
        if let from {
            guard size == nil else { throw ValidationError(localized("--size is not available with --from: a server serves its latest checkpoint.",
                                                                id: "--size tidak tersedia bersama --from: server hanya menyajikan checkpoint terbarunya.")) }
            let printer = SummaryPrinter(out: out, json: json), out = self.out
            try await withClient(remote.settings(url: from)) { client in
                guard follow else {
                    printer.mirrored(try await client.mirror(to: out), from: from)
                    return
                }
                try await following(every: interval) { previous in
                    let summary: MirrorSummary
                    do { summary = try await client.mirror(to: out) } catch let error as APIError where error.code == .unreachable {
                        // The server may come back: say so and try again next round.
                        FileHandle.standardError.write(Data("\(describe(error))\n".utf8))
                        return previous
                    }
                    if summary.size != previous { printer.mirrored(summary, from: from) }
                    return summary.size
                }
            }
            return
        }
        let ledger = try ledgerOption.open(readOnly: true)
        defer { ledger.close() }
        let printer = SummaryPrinter(out: out, json: json), out = self.out
        guard follow else {
            printer.exported(try attempt { try ledger.export(to: out, size: size) })
            return
        }
        try await following(every: interval) { previous in
            let summary = try attempt { try ledger.export(to: out) }
            if summary.size != previous { printer.exported(summary) }
            return summary.size
        }
    }

    /// Runs `round` now and every --interval until SIGTERM or SIGINT; each round is given the
    /// size the last one reached and returns the size it reached.
    private func following(every interval: Int, _ round: @escaping @Sendable (UInt64?) async throws -> UInt64?) async throws {
        var logger = Logger(label: "jejak.export.follow")
        logger.logLevel = .notice
        let follower = ExportFollower(interval: .milliseconds(interval), round: round)
        let group = ServiceGroup(configuration: .init(services: [follower], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await attempt { try await group.run() }
    }

}

/// The line `jejak export` prints for what a round did.
private struct SummaryPrinter: Sendable {
    let out: String
    let json: Bool

    func mirrored(_ summary: MirrorSummary, from: String) {
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
        fflush(nil)
    }

    func exported(_ summary: ExportSummary) {
        defer { fflush(nil) }
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

/// `jejak export --follow`: a round of export (or mirror) now and every `interval`, until the
/// service group's graceful shutdown (SIGTERM, SIGINT) ends the wait between two rounds.
struct ExportFollower: Service {
    let interval: Duration
    let round: @Sendable (UInt64?) async throws -> UInt64?

    func run() async throws {
        var reached: UInt64?
        while !Task.isShuttingDownGracefully {
            reached = try await round(reached)
            do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) } } catch is CancellationError { return }
        }
    }
}
