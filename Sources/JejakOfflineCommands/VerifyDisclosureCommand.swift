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
        abstract: "Check offline that a disclosure's content is what a signed, logged event sealed (no ledger, no identity needed).",
        discussion: """
            FILE is a disclosure as `jejak disclose` writes it; --policy is the ledger's C2SP \
            tlog-policy file, obtained out of band. The command checks that the receipt proves \
            the disclosed entry in a checkpoint signed by the policy's log (and cosigned by a \
            quorum of its witnesses), and that the content matches the commitment the event \
            signed. It prints the content; exit code 0 means valid, 1 invalid (the sentence says why).

            Example:
              jejak verify-disclosure 812.disclosure.json --policy jejak.policy
            """)

    @Argument(help: ArgumentHelp("The disclosure file.", valueName: "file"))
    var disclosure: String
    @Option(help: ArgumentHelp("The ledger's tlog-policy file.", valueName: "file"))
    var policy: String

    public init() {}

    public func run() throws {
        let parsed = try attempt { try Disclosure(parsing: try readBytes(disclosure)) }
        let policy = try readPolicy(policy)
        let verified: Disclosure.Verified
        do { verified = try parsed.verify(policy: policy) } catch {
            throw CLIFailure(description: "invalid: \(error.message) [\(error.code)]")
        }
        let cp = verified.checkpoint.checkpoint
        note("valid: entry \(parsed.index) (\(verified.event.type), from \(verified.event.source)) is in \(cp.origin) at size \(cp.size), and the disclosed content is what it sealed.")
        print(JSONWriter.string(parsed.content))
    }
}
