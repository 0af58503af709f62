import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakOfflineCommands

/// `jejak receipt INDEX|EVENT-ID`: a fresh receipt, against the latest witnessed checkpoint.
struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract: localized("Write the receipt of an entry (by index or event id) against the latest witnessed checkpoint.",
                            id: "Menulis tanda terima sebuah entri (menurut indeks atau ID peristiwa) terhadap checkpoint tersaksikan terbaru."),
        discussion: localized("""
            A receipt proves an entry against one checkpoint. One made before the policy's \
            witnesses cosigned (for example before the Inspektorat was added to the policy) stops \
            verifying once the policy requires them; this writes a new one, against the newest \
            checkpoint that meets the policy's quorum, for the holder to keep instead. Exit code 1 \
            when no such checkpoint holds the entry yet (the witness cosigns with `jejak witness \
            cosign`, or `jejak serve` submits to it).
            """, id: """
            Tanda terima membuktikan sebuah entri terhadap satu checkpoint. Tanda terima yang dibuat \
            sebelum saksi-saksi kebijakan memberikan tanda tangan bersama (cosignature) (misalnya sebelum \
            Inspektorat ditambahkan ke kebijakan) tidak lagi terverifikasi begitu kebijakan mewajibkan \
            mereka; perintah ini menulis tanda terima baru, terhadap checkpoint terbaru yang memenuhi \
            kuorum kebijakan, untuk disimpan pemegangnya sebagai pengganti. Kode keluar 1 jika belum ada \
            checkpoint seperti itu yang memuat entri tersebut (saksi memberikan tanda tangan bersama \
            dengan `jejak witness cosign`, atau `jejak serve` mengirimkannya kepada saksi).
            """) + "\n\n" + helpExamples("jejak receipt 812 --out 812.tlog-proof", "jejak receipt req-2026-000123", "jejak verify-receipt 812.tlog-proof --event req.dsse.json --policy $JEJAK_LEDGER/policy"))

    @OptionGroup var ledgerOption: LedgerOption
    @Argument(help: localizedHelp("The entry's index, or its event's id.", id: "Indeks entri, atau ID peristiwanya.", valueName: "index|event-id"))
    var entry: String
    @Option(help: localizedHelp("Also write the receipt to this file.", id: "Tulis juga tanda terima ke berkas ini.", valueName: "file"))
    var out: String?

    func run() async throws {
        let ledger = try ledgerOption.open(readOnly: true)
        let index: UInt64
        if let number = UInt64(entry) {
            index = number
        } else if let found = try attempt({ try ledger.entry(eventID: entry) }) {
            index = found.index
        } else {
            throw CLIFailure(description: localized("no entry \(entry) and no event with id \"\(entry)\" is in the log [notFound]",
                                                   id: "tidak ada entri \(entry) dan tidak ada peristiwa dengan ID \"\(entry)\" di log [notFound]"))
        }
        let receipt = try attempt { try ledger.witnessedReceipt(index: index) }
        if let out { try writeFile(receipt.serialized, to: out) }
        print(receipt.serialized, terminator: "")
        let cosigners = (try? ledger.policy().verify(receipt.checkpoint).cosigners) ?? []
        let size = receipt.checkpoint.checkpoint.size
        if cosigners.isEmpty {
            note(localized("Receipt of entry \(index) against the checkpoint of size \(size).",
                           id: "Tanda terima entri \(index) terhadap checkpoint berukuran \(size)."))
        } else {
            let names = cosigners.joined(separator: ", ")
            note(localized("Receipt of entry \(index) against the checkpoint of size \(size), cosigned by \(names).",
                           id: "Tanda terima entri \(index) terhadap checkpoint berukuran \(size), dengan tanda tangan bersama (cosignature) dari \(names)."))
        }
    }
}
