import ArgumentParser
import Foundation
import Jejak
import JejakTlog

struct VerifyReceiptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-receipt",
        abstract: "Check offline that a receipt proves a signed event is in the log (no ledger needed).",
        discussion: """
            RECEIPT is a C2SP tlog-proof as `jejak publish --receipt` writes it; --event is the \
            signed event (the DSSE envelope JSON, as `jejak publish --event-out` writes it); \
            --policy is the ledger's C2SP tlog-policy file (DIR/policy), obtained out of band. \
            The command rebuilds the entry from the event and the receipt's appended time, \
            checks that the checkpoint is signed by the policy's log and cosigned by a quorum of \
            its witnesses, and that the inclusion proof binds the entry to the checkpoint's root. \
            It prints one sentence; exit code 0 means valid, 1 invalid (the sentence says why).

            Example:
              jejak verify-receipt req.tlog-proof --event req.dsse.json --policy jejak.policy
            """)

    @Argument(help: ArgumentHelp("The receipt file (a tlog-proof).", valueName: "receipt"))
    var receipt: String
    @Option(help: ArgumentHelp("The signed event (DSSE envelope JSON) file.", valueName: "file"))
    var event: String
    @Option(help: ArgumentHelp("The ledger's tlog-policy file.", valueName: "file"))
    var policy: String

    func run() throws {
        let receipt = try attempt { try Receipt(parsing: try Self.text(self.receipt)) }
        let signed = try attempt { try SignedEvent(json: Array(try Self.text(event).utf8)) }
        let policy: TlogPolicy
        do { policy = try TlogPolicy(parsing: try Self.text(self.policy)) } catch let e as PolicyError {
            throw CLIFailure(description: "\(self.policy) is not a valid tlog-policy: \(e.message) [\(e.code)]")
        }
        let verified: VerifiedCheckpoint
        do { verified = try receipt.verify(signed, policy: policy) } catch {
            throw CLIFailure(description: "invalid: the receipt does not prove the event \"\(signed.event.id)\": \(Self.reason(error))")
        }
        let cp = verified.checkpoint
        let cosigned = verified.cosigners.isEmpty ? "" : ", cosigned by \(verified.cosigners.joined(separator: ", "))"
        print("valid: the event \"\(signed.event.id)\" is entry \(receipt.index) of \(cp.origin), appended "
              + "\(receipt.appended?.rfc3339 ?? "?"), included in the checkpoint of size \(cp.size) signed by "
              + "\(verified.log.key.hint)\(cosigned).")
    }

    /// Reads a text file given on the command line.
    static func text(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIFailure(description: "cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case let e as TlogProofError: "\(e.message) [\(e.code)]"
        case let e as LedgerError: "\(e.message) [\(e.code)]"
        default: "\(error)"
        }
    }
}
