import ArgumentParser
import Foundation
import Jejak
import JejakCrypto
import JejakInspector
import JejakTlog
import Synchronization

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Audit the ledger's integrity and report findings, each naming the entry and the rule.",
        discussion: """
            A full audit replays the whole log on all cores: every leaf hashed and each stored \
            checkpoint's root recomputed, its log signature and witness cosignatures checked \
            against the policy; every event's signature checked against the key the registry \
            had active at that entry (the registry replayed from genesis under the pinned \
            authority key); every event re-validated against its schema and the domain rules; \
            event ids unique, appended times in order; the ids and streams indexes, the stored \
            Merkle nodes and the registry records compared with the entries. With --trusted, a \
            checkpoint held outside the ledger (the last one the Inspektorat cosigned) must be \
            extended by the log: this catches rollback, truncation and forks. With --db, the \
            read models are rebuilt from the log into a temporary file and compared row by row.

            With --since FILE (a checkpoint saved by an earlier audit, see --save-checkpoint), \
            the audit proves the log consistent with it and replays only the entries after it.

            When the policy requires witnesses, the verdict is INTACT only if the latest \
            checkpoint meets the quorum; otherwise, findings or not, it is not the clean verdict: \
            NOT WITNESSED says how far the quorum is met (an operator holding the log key could \
            have rewritten the rest, re-signing every checkpoint). --witness DIR reads the last \
            checkpoint a witness on this machine cosigned (its state directory) and audits \
            against it as --trusted does: a rewritten history is then found even if the store's \
            checkpoints lost their cosignatures.

            The ledger is opened read-only: audit while another process appends.

            Examples:
              jejak inspect
              jejak inspect --trusted witnessed.checkpoint --db read-models.sqlite --report audit.html
              jejak inspect --save-checkpoint audited.checkpoint
              jejak inspect --since audited.checkpoint --save-checkpoint audited.checkpoint --json
              jejak inspect --witness /var/lib/inspektorat

            Exit codes: 0 intact and witnessed as the policy requires; 1 findings; 2 the audit \
            could not run; 3 no findings, but not witnessed as the policy requires.
            """)

    @OptionGroup var ledgerOption: LedgerOption
    @Option(help: ArgumentHelp("The trust policy (c2sp.org/tlog-policy; default: the ledger's policy file).", valueName: "file"))
    var policy: String?
    @Option(help: ArgumentHelp("A signed checkpoint held outside the ledger, which the log must extend.", valueName: "file"))
    var trusted: String?
    @Option(help: ArgumentHelp("A witness's state directory: its last cosigned checkpoint of this log is the trusted one.", valueName: "dir"))
    var witness: String?
    @Option(help: ArgumentHelp("An earlier audited checkpoint: audit only the entries after it.", valueName: "file"))
    var since: String?
    @Option(help: ArgumentHelp("A read-model SQLite file to rebuild and compare.", valueName: "file"))
    var db: String?
    @Option(help: ArgumentHelp("Write an HTML report to this file.", valueName: "file"))
    var report: String?
    @Option(help: ArgumentHelp("Write the audited checkpoint to this file (for the next --since).", valueName: "file"))
    var saveCheckpoint: String?
    @Flag(help: "Print the report as JSON.")
    var json = false
    @Flag(help: "No progress bar.")
    var quiet = false

    func run() async throws {
        let report: AuditReport
        do {
            report = try await audit()
        } catch {
            FileHandle.standardError.write(Data("Error: \(describe(error))\n".utf8))
            throw ExitCode(2)
        }
        try emit(report, json: json, summary: report.summary(), html: self.report)
        if let path = saveCheckpoint, let text = report.checkpoint {
            try writeFile(text, to: path)
            if !json { print("Audited checkpoint saved to \(path) (use it with --since next time).") }
        }
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    private func audit() async throws -> AuditReport {
        let ledger = try ledgerOption.open(readOnly: true)
        var options = Inspector.Options()
        options.validator = try domainValidator()
        options.readModels = db
        if let policy {
            let text = try readPublicText(policy, what: "a tlog-policy")
            do { options.policy = try TlogPolicy(parsing: text) } catch {
                throw CLIFailure(description: "\(policy) is not a tlog-policy: \(error.message)")
            }
        }
        if let trusted { options.trusted = try readCheckpoint(trusted) }
        if let witness {
            guard trusted == nil else { throw ValidationError("Give --trusted or --witness, not both.") }
            let last: SignedCheckpoint?
            do throws(WitnessError) {
                last = try Witness(stateDirectory: witness).lastCosigned(origin: ledger.origin)
            } catch {
                throw CLIFailure(description: error.description)
            }
            guard let last else {
                throw CLIFailure(description: "the witness in \(witness) has cosigned no checkpoint of \(ledger.origin)")
            }
            options.trusted = last
        }
        if let since { options.since = try readCheckpoint(since) }
        let bar = ProgressBar(enabled: !quiet && !json && isatty(2) == 1)
        options.progress = { done, total in bar.update(done, total) }
        defer { bar.finish() }
        do {
            return try await Inspector(ledger: ledger, options: options).audit()
        } catch {
            throw CLIFailure(description: error.description)
        }
    }
}

/// Prints an audit report (as JSON, or as `summary`) and writes its HTML page to `html`.
func emit(_ report: AuditReport, json: Bool, summary: String, html: String?) throws {
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
        print(summary)
    }
    if let html {
        try writeFile(report.html, to: html)
        if !json { print("Report: \(html)") }
    }
}

func readText(_ path: String) throws -> String {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CLIFailure(description: "cannot read \(path)")
    }
    return String(decoding: data, as: UTF8.self)
}

/// Reads a file that should hold public text (a policy, a checkpoint, a receipt, an event):
/// one holding a private key is refused as such, and nothing of it is shown.
func readPublicText(_ path: String, what: String) throws -> String {
    let text = try readText(path)
    if PrivateKeyText.appears(in: text) {
        throw CLIFailure(description: "\(path) holds a private key, not \(what) (nothing of it is shown); give the right file, and keep the key to its owner")
    }
    return text
}

func readCheckpoint(_ path: String) throws -> SignedCheckpoint {
    let text = try readPublicText(path, what: "a signed checkpoint")
    do { return try SignedCheckpoint(parsing: text) } catch {
        throw CLIFailure(description: "\(path) is not a signed checkpoint: \(error.message)")
    }
}

/// A one-line progress bar on standard error, redrawn at most ten times a second.
final class ProgressBar: Sendable {
    private let enabled: Bool
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ done: UInt64, _ total: UInt64) {
        guard enabled, total > 0 else { return }
        let due = last.withLock { last in
            if let l = last, ContinuousClock.now - l < .milliseconds(100), done < total { return false }
            last = ContinuousClock.now
            return true
        }
        guard due else { return }
        let width = 40
        let filled = Int(Double(width) * Double(done) / Double(total))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) entries".utf8))
    }

    func finish() {
        guard enabled, last.withLock({ $0 }) != nil else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
