import ArgumentParser
import Foundation
import JejakClient
import JejakOfflineCommands

/// `jejak verify-receipt`: the offline check of `jejak-verify verify-receipt`, and with
/// `--server` also that the log the server serves today still holds the receipt's checkpoint.
struct VerifyReceiptOnlineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-receipt",
        abstract: VerifyReceiptCommand.configuration.abstract,
        discussion: VerifyReceiptCommand.configuration.discussion + localized("""


            With --server URL, it then asks that server for its latest checkpoint (verified \
            against the same policy) and a consistency proof from the receipt's checkpoint to \
            it: the event is still in the log the server serves, and the server's view has not \
            forked from the one the receipt was issued in.
            """, id: """


            Dengan --server URL, perintah ini kemudian meminta checkpoint terbaru server tersebut \
            (diverifikasi terhadap kebijakan yang sama) dan bukti konsistensi dari checkpoint tanda \
            terima ke checkpoint itu: peristiwa masih ada di log yang dilayani server, dan pandangan \
            server tidak bercabang dari pandangan saat tanda terima diterbitkan.
            """) + "\n\n" + helpExamples("jejak verify-receipt req.tlog-proof --event req.dsse.json --policy jejak.policy --server http://127.0.0.1:8080"))

    @Argument(help: localizedHelp("The receipt file (a tlog-proof).", id: "Berkas tanda terima (tlog-proof).", valueName: "receipt"))
    var receipt: String
    @Option(help: localizedHelp("The signed event (DSSE envelope JSON) file.", id: "Berkas peristiwa bertanda tangan (JSON amplop DSSE).", valueName: "file"))
    var event: String
    @Option(help: localizedHelp("The ledger's tlog-policy file.", id: "Berkas tlog-policy ledger.", valueName: "file"))
    var policy: String
    @Option(help: localizedHelp("Also check the receipt against this `jejak serve` server's latest checkpoint.",
                                id: "Periksa juga tanda terima terhadap checkpoint terbaru server `jejak serve` ini.", valueName: "url"))
    var server: String?
    @Flag(help: localizedHelp("With --server: accept the server's checkpoint signed by the log without the witness quorum yet.",
                              id: "Dengan --server: terima checkpoint server yang ditandatangani log walaupun belum memenuhi kuorum saksi."))
    var unwitnessed = false

    func run() async throws {
        let offline = try VerifyReceiptCommand.verify(receipt: receipt, event: event, policy: policy)
        guard let server else {
            print(offline.sentence)
            return
        }
        let remote = RemoteSettings(url: server, policy: policy, unwitnessed: unwitnessed)
        let latest = try await withClient(remote) { client in
            let latest = try await client.latestCheckpoint()
            try await client.verify(offline.receipt, of: offline.event)
            return latest
        }
        let size = latest.checkpoint.size
        print(offline.sentence.dropLast() + localized("; the server's log of \(size) entries is consistent with it.",
                                                      id: "; log server sebanyak \(size) entri konsisten dengannya."))
    }
}
