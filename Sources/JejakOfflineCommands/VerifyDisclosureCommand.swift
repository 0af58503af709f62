import ArgumentParser
import Foundation
import JejakBase
import JejakDomain
import JejakJSON
import JejakModel
import JejakTlog

/// `verify-disclosure FILE --policy FILE`: checks offline that disclosed content is what a
/// signed, logged event sealed.
public struct VerifyDisclosureCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify-disclosure",
        abstract: localized("Check offline that a disclosure's content is what a signed, logged event sealed (no ledger, no identity needed).",
                            id: "Memeriksa secara luring bahwa konten suatu pengungkapan adalah yang disegel oleh peristiwa bertanda tangan yang tercatat di log (tanpa ledger, tanpa identitas)."),
        discussion: localized("""
            FILE is a disclosure as `jejak disclose` writes it; --policy is the ledger's C2SP \
            tlog-policy file, obtained out of band. The command checks that the receipt proves \
            the disclosed entry in a checkpoint signed by the policy's log (and cosigned by a \
            quorum of its witnesses), and that the content matches the commitment the event \
            signed. It prints the content; exit code 0 means valid, 1 invalid (the sentence says why).
            """, id: """
            FILE adalah pengungkapan sebagaimana ditulis `jejak disclose`; --policy adalah berkas \
            C2SP tlog-policy milik ledger, yang diperoleh melalui jalur terpisah. Perintah ini \
            memeriksa bahwa tanda terima membuktikan entri yang diungkapkan berada dalam checkpoint \
            yang ditandatangani oleh log kebijakan (dan ditandatangani bersama oleh kuorum saksinya), \
            dan bahwa konten cocok dengan komitmen yang ditandatangani peristiwa itu. Perintah ini \
            mencetak kontennya; kode keluar 0 berarti sah, 1 tidak sah (kalimatnya menyebut alasannya).
            """) + "\n\n" + helpExamples("jejak verify-disclosure 812.disclosure.json --policy jejak.policy"))

    @Argument(help: localizedHelp("The disclosure file.", id: "Berkas pengungkapan.", valueName: "file"))
    var disclosure: String
    @Option(help: localizedHelp("The ledger's tlog-policy file.", id: "Berkas tlog-policy milik ledger.", valueName: "file"))
    var policy: String

    public init() {}

    public func run() throws {
        let parsed = try attempt { try Disclosure(parsing: try readBytes(disclosure)) }
        let policy = try readPolicy(policy)
        let verified: Disclosure.Verified
        do { verified = try parsed.verify(policy: policy) } catch {
            throw CLIFailure(description: localized("invalid: \(error.message) [\(error.code)]", id: "tidak sah: \(error.message) [\(error.code)]"))
        }
        let cp = verified.checkpoint.checkpoint
        note(localized("valid: entry \(parsed.index) (\(verified.event.type), from \(verified.event.source)) is in \(cp.origin) at size \(cp.size), and the disclosed content is what it sealed.",
                       id: "sah: entri \(parsed.index) (\(verified.event.type), dari \(verified.event.source)) ada di \(cp.origin) pada ukuran \(cp.size), dan konten yang diungkapkan adalah yang disegelnya."))
        print(JSONWriter.string(parsed.content))
    }
}
