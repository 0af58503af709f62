import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakOfflineCommands

/// `jejak receipt INDEX|EVENT-ID`: a fresh receipt, against the latest witnessed checkpoint.
struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt",
        abstract: "Write the receipt of an entry (by index or event id) against the latest witnessed checkpoint.",
        discussion: """
            A receipt proves an entry against one checkpoint. One made before the policy's \
            witnesses cosigned (for example before the Inspektorat was added to the policy) stops \
            verifying once the policy requires them; this writes a new one, against the newest \
            checkpoint that meets the policy's quorum, for the holder to keep instead. Exit code 1 \
            when no such checkpoint holds the entry yet (the witness cosigns with `jejak witness \
            cosign`, or `jejak serve` submits to it).

            Examples:
              jejak receipt 812 --out 812.tlog-proof
              jejak receipt req-2026-000123
              jejak verify-receipt 812.tlog-proof --event req.dsse.json --policy $JEJAK_LEDGER/policy
            """)

    @OptionGroup var ledgerOption: LedgerOption
    @Argument(help: ArgumentHelp("The entry's index, or its event's id.", valueName: "index|event-id"))
    var entry: String
    @Option(help: ArgumentHelp("Also write the receipt to this file.", valueName: "file"))
    var out: String?

    func run() async throws {
        let ledger = try ledgerOption.open(readOnly: true)
        let index: UInt64
        if let number = UInt64(entry) {
            index = number
        } else if let found = try attempt({ try ledger.entry(eventID: entry) }) {
            index = found.index
        } else {
            throw CLIFailure(description: "no entry \(entry) and no event with id \"\(entry)\" is in the log [notFound]")
        }
        let receipt = try attempt { try ledger.witnessedReceipt(index: index) }
        if let out { try writeFile(receipt.serialized, to: out) }
        print(receipt.serialized, terminator: "")
        let cosigners = (try? ledger.policy().verify(receipt.checkpoint).cosigners) ?? []
        note("Receipt of entry \(index) against the checkpoint of size \(receipt.checkpoint.checkpoint.size)"
             + (cosigners.isEmpty ? "" : ", cosigned by \(cosigners.joined(separator: ", "))") + ".")
    }
}
