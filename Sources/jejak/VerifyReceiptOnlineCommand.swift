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
        discussion: VerifyReceiptCommand.configuration.discussion + """


            With --server URL, it then asks that server for its latest checkpoint (verified \
            against the same policy) and a consistency proof from the receipt's checkpoint to \
            it: the event is still in the log the server serves, and the server's view has not \
            forked from the one the receipt was issued in.

            Example:
              jejak verify-receipt req.tlog-proof --event req.dsse.json --policy jejak.policy --server http://127.0.0.1:8080
            """)

    @Argument(help: ArgumentHelp("The receipt file (a tlog-proof).", valueName: "receipt"))
    var receipt: String
    @Option(help: ArgumentHelp("The signed event (DSSE envelope JSON) file.", valueName: "file"))
    var event: String
    @Option(help: ArgumentHelp("The ledger's tlog-policy file.", valueName: "file"))
    var policy: String
    @Option(help: ArgumentHelp("Also check the receipt against this `jejak serve` server's latest checkpoint.", valueName: "url"))
    var server: String?
    @Flag(help: "With --server: accept the server's checkpoint signed by the log without the witness quorum yet.")
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
        print(offline.sentence.dropLast() + "; the server's log of \(latest.checkpoint.size) entries is consistent with it.")
    }
}
