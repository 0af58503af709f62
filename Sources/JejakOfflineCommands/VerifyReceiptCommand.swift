import ArgumentParser
import Foundation
import JejakBase
import JejakDomain
import JejakModel
import JejakTlog

public struct VerifyReceiptCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify-receipt",
        abstract: localized("Check offline that a receipt proves a signed event is in the log (no ledger needed).",
                            id: "Memeriksa secara luring bahwa tanda terima membuktikan suatu peristiwa bertanda tangan ada di log (tanpa ledger)."),
        discussion: localized("""
            RECEIPT is a C2SP tlog-proof as `jejak publish --receipt` writes it; --event is the \
            signed event (the DSSE envelope JSON, byte for byte as `jejak publish --event-out` \
            writes it: the bytes given are checked, never a re-serialisation of them); \
            --policy is the ledger's C2SP tlog-policy file (DIR/policy), obtained out of band. \
            The command rebuilds the entry from the event file's bytes and the receipt's appended time, \
            checks that the checkpoint is signed by the policy's log and cosigned by a quorum of \
            its witnesses, and that the inclusion proof binds the entry to the checkpoint's root. \
            It prints one sentence; exit code 0 means valid, 1 invalid (the sentence says why).
            """, id: """
            RECEIPT adalah C2SP tlog-proof sebagaimana ditulis `jejak publish --receipt`; --event \
            adalah peristiwa bertanda tangan (JSON amplop DSSE, bait demi bait sebagaimana ditulis \
            `jejak publish --event-out`: bait yang diberikanlah yang diperiksa, tidak pernah hasil \
            serialisasi ulangnya); --policy adalah berkas C2SP tlog-policy milik ledger \
            (DIR/policy), yang diperoleh melalui jalur terpisah. Perintah ini menyusun ulang entri \
            dari bait berkas peristiwa dan waktu appended pada tanda terima, memeriksa bahwa \
            checkpoint ditandatangani oleh log kebijakan dan ditandatangani bersama oleh kuorum \
            saksinya, dan bahwa bukti inklusi mengikat entri itu ke root checkpoint. Perintah ini \
            mencetak satu kalimat; kode keluar 0 berarti sah, 1 tidak sah (kalimatnya menyebut \
            alasannya).
            """) + "\n\n" + helpExamples("jejak verify-receipt req.tlog-proof --event req.dsse.json --policy jejak.policy"))

    @Argument(help: localizedHelp("The receipt file (a tlog-proof).", id: "Berkas tanda terima (tlog-proof).", valueName: "receipt"))
    var receipt: String
    @Option(help: localizedHelp("The signed event (DSSE envelope JSON) file.", id: "Berkas peristiwa bertanda tangan (JSON amplop DSSE).", valueName: "file"))
    var event: String
    @Option(help: localizedHelp("The ledger's tlog-policy file.", id: "Berkas tlog-policy milik ledger.", valueName: "file"))
    var policy: String

    public init() {}

    public func run() throws {
        print(try Self.verify(receipt: receipt, event: event, policy: policy).sentence)
    }

    /// Checks the receipt file against the event file and the policy file, offline.
    ///
    /// - Returns: The sentence to print, and what was verified.
    /// - Throws: `CLIFailure` with the sentence saying why not.
    public static func verify(receipt receiptPath: String, event eventPath: String, policy policyPath: String) throws
        -> (sentence: String, receipt: Receipt, event: SignedEvent, checkpoint: VerifiedCheckpoint) {
        let receiptText = try readPublicText(receiptPath, what: localized("a receipt (tlog-proof)", id: "tanda terima (tlog-proof)"))
        _ = try attempt { try TlogProof(parsing: receiptText) }   // a bad receipt is named before the event
        let eventBytes = try readBytes(eventPath)
        let signed = try attempt { try SignedEvent(json: eventBytes) }
        let receipt = try attempt { try Receipt(parsing: receiptText, for: signed) }
        let policy = try readPolicy(policyPath)
        // The bytes given are what is checked: a receipt proves the envelope exactly as the log
        // stores it, and a file that says anything more (or the same, formatted otherwise) is
        // not what the log holds.
        guard eventBytes == signed.jsonBytes else {
            throw CLIFailure(description: localized("invalid: \(eventPath) is not byte for byte the signed event the log stores (compact JSON with payloadType, payload and signatures, as `jejak publish --event-out` writes it), so the receipt does not prove it",
                                                    id: "tidak sah: \(eventPath) tidak sama bait demi bait dengan peristiwa bertanda tangan yang disimpan log (JSON ringkas dengan payloadType, payload dan signatures, sebagaimana ditulis `jejak publish --event-out`), sehingga tanda terima tidak membuktikannya"))
        }
        let verified: VerifiedCheckpoint
        do { verified = try receipt.verify(envelopeJSON: eventBytes, policy: policy) } catch {
            throw CLIFailure(description: localized("invalid: the receipt does not prove the event \"\(signed.event.id)\": \(reason(error))",
                                                    id: "tidak sah: tanda terima tidak membuktikan peristiwa \"\(signed.event.id)\": \(reason(error))"))
        }
        let cp = verified.checkpoint
        let cosigners = verified.cosigners.joined(separator: ", ")
        let cosigned = verified.cosigners.isEmpty ? ""
            : localized(", cosigned by \(cosigners)", id: ", ditandatangani bersama oleh \(cosigners)")
        let appended = receipt.appended?.rfc3339 ?? "?"
        let sentence = localized("valid: the event \"\(signed.event.id)\" is entry \(receipt.index) of \(cp.origin), appended "
                                     + "\(appended), included in the checkpoint of size \(cp.size) signed by "
                                     + "\(verified.log.key.hint)\(cosigned).",
                                 id: "sah: peristiwa \"\(signed.event.id)\" adalah entri \(receipt.index) dari \(cp.origin), ditambahkan pada "
                                     + "\(appended), termasuk dalam checkpoint berukuran \(cp.size) yang ditandatangani oleh "
                                     + "\(verified.log.key.hint)\(cosigned).")
        return (sentence, receipt, signed, verified)
    }

    /// Why a receipt does not verify, in one sentence with its code.
    public static func reason(_ error: any Error) -> String {
        (error as? any JejakError).map { "\($0.message) [\($0.codeName)]" } ?? "\(error)"
    }
}
