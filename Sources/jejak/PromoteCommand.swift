import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakJSON
import JejakOfflineCommands
import JejakTlog

/// `jejak promote`: failover to a standby made from a backup and the tail of the log.
struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: localized("Make a backup the writer: append the log's tail from a mirror, prove it against the last witnessed checkpoint.",
                            id: "Menjadikan cadangan sebagai penulis: menambahkan ekor log dari mirror, membuktikannya terhadap checkpoint terakhir yang disaksikan."),
        discussion: localized("""
            For when the primary is lost. DIR is a `jejak backup` copy. --tail names a mirror or \
            export of the primary (`jejak export --from URL` or `--follow`): its checkpoint must be \
            signed by the log's key, its tiles must verify, and its tree must be consistent with the \
            copy's; its entries past the copy are appended byte for byte, with the times the \
            primary gave them, so the copy's tree becomes the primary's. --witnessed names the last \
            checkpoint the witnesses cosigned (from a witness, a relying party, or `jejak \
            checkpoint` on the mirror): it must meet the ledger's policy and lie on the copy's \
            history, and the copy must hold at least its entries, or the promotion is refused — a \
            writer behind its witnesses would fork the log they vouched for. Everything is checked \
            before the first entry is appended: a refusal leaves DIR as it was. Then serve DIR \
            (`jejak serve --ledger DIR`).
            """, id: """
            Untuk saat ledger utama hilang. DIR adalah salinan `jejak backup`. --tail menyebut mirror \
            atau ekspor dari ledger utama (`jejak export --from URL` atau `--follow`): checkpoint-nya \
            harus ditandatangani kunci log, tile-nya harus terverifikasi, dan pohonnya harus konsisten \
            dengan pohon salinan; entri-entrinya setelah salinan ditambahkan persis bait demi bait, \
            dengan waktu yang diberikan ledger utama, sehingga pohon salinan menjadi pohon ledger \
            utama. --witnessed menyebut checkpoint terakhir yang ditandatangani bersama oleh para saksi \
            (dari saksi, pihak yang mengandalkan, atau `jejak checkpoint` pada mirror): checkpoint itu \
            harus memenuhi kebijakan ledger dan berada pada riwayat salinan, dan salinan harus memuat \
            setidaknya entri-entrinya, atau promosi ditolak — penulis yang tertinggal dari saksinya \
            akan mencabangkan log yang telah mereka jamin. Semuanya diperiksa sebelum entri pertama \
            ditambahkan: penolakan membiarkan DIR apa adanya. Lalu sajikan DIR (`jejak serve --ledger DIR`).
            """) + "\n\n" + helpExamples("jejak promote /backups/jejak-2026-12-04 --tail /srv/mirror --witnessed witnessed.checkpoint"))

    @Argument(help: localizedHelp("The standby: a `jejak backup` copy.", id: "Standby: salinan `jejak backup`.", valueName: "dir"))
    var standby: String
    @Option(help: localizedHelp("A mirror or export of the primary holding the entries past the backup.",
                                id: "Mirror atau ekspor ledger utama yang memuat entri setelah cadangan.", valueName: "dir"))
    var tail: String?
    @Option(help: localizedHelp("The last checkpoint the witnesses cosigned (a signed note file).",
                                id: "Checkpoint terakhir yang ditandatangani bersama oleh para saksi (berkas catatan bertanda tangan).", valueName: "file"))
    var witnessed: String?
    @Flag(help: localizedHelp("Print the summary as JSON.", id: "Cetak ringkasan sebagai JSON."))
    var json = false

    func run() async throws {
        let checkpoint = try witnessed.map(readCheckpoint)
        var options = Ledger.Options()
        options.validator = try domainValidator()
        let promotion = try await attempt {
            try await Ledger.promote(standby, tail: tail.map { TiledLog(directory: $0) }, witnessed: checkpoint, options: options)
        }
        if json {
            print(jsonLine(["ledger": .string(standby), "backedUpSize": .number(JSONNumber(Int64(promotion.backedUpSize))),
                            "restored": .number(JSONNumber(Int64(promotion.restored))), "size": .number(JSONNumber(Int64(promotion.size))),
                            "witnessedSize": promotion.witnessedSize.map { .number(JSONNumber(Int64($0))) } ?? .null]))
            return
        }
        let witnessedText = promotion.witnessedSize.map {
            localized("; consistent with the witnessed checkpoint of size \($0)", id: "; konsisten dengan checkpoint tersaksikan berukuran \($0)")
        } ?? localized("; no witnessed checkpoint was given", id: "; tidak ada checkpoint tersaksikan yang diberikan")
        print(localized("promoted \(standby): \(promotion.backedUpSize) entries backed up, \(promotion.restored) appended from the tail, "
                        + "\(promotion.size) in all\(witnessedText). It accepts writes.",
                        id: "\(standby) dipromosikan: \(promotion.backedUpSize) entri dari cadangan, \(promotion.restored) ditambahkan dari ekor, "
                        + "\(promotion.size) seluruhnya\(witnessedText). Ledger ini menerima penulisan."))
    }
}
