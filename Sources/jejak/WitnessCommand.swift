import ArgumentParser
import Foundation
import Jejak
import JejakCrypto
import JejakInspector
import JejakJSON
import JejakTlog

struct WitnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Witness the ledger as the Inspektorat: cosign checkpoints that extend the ones cosigned before.",
        discussion: """
            The witness keeps its key and the last checkpoint it cosigned in a state directory of \
            its own (--state), apart from the ledger. It refuses a checkpoint smaller than the last \
            one it cosigned (a rollback), one of the same size with another root (a fork), and one \
            without a valid consistency proof (c2sp.org/tlog-witness).
            """,
        subcommands: [Init.self, Cosign.self])

    /// `--state DIR`: the witness's state directory.
    struct StateOption: ParsableArguments {
        @Option(help: ArgumentHelp("The witness's state directory (its key and the last cosigned checkpoints).", valueName: "dir"))
        var state: String
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the witness's cosignature key; with --ledger, require its cosignature in the ledger's policy.",
            discussion: """
                Example:
                  jejak witness init --state /var/lib/inspektorat --name inspektorat.kpu.go.id/witness \
                --ledger /var/lib/jejak

                Prints the witness's vkey and its tlog-policy line. With --ledger, the line is added \
                to DIR/policy with the quorum set to this witness, and the witness trusts the log \
                key the policy lists for the ledger's origin.
                """)

        @OptionGroup var stateOption: StateOption

        @Option(help: ArgumentHelp("The witness's name: its key name and its name in the policy.", valueName: "name"))
        var name = "inspektorat.kpu.go.id/witness"

        @Option(help: ArgumentHelp("Add the witness to this ledger's policy and make it the quorum.", valueName: "dir"))
        var ledger: String?

        func run() throws {
            let opened = try ledger.map { path in try openForCosigning(path) }
            let witness = try witnessing { try Witness.initialize(stateDirectory: stateOption.state, name: name) }
            print(witness.key)
            print("witness \(name) \(witness.key)")
            if let opened {
                let policy = try attempt { try opened.addWitness(name: name, key: witness.key) }
                if let log = policy.logs.first(where: { $0.key.name.sameBytes(as: opened.origin) }) {
                    try witnessing { try witness.trust(log: log.key) }
                }
                print("Added to \(opened.directory.policy) with quorum \(name).")
            }
        }
    }

    struct Cosign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cosign the ledger's latest checkpoint and attach the cosignature to it.",
            discussion: """
                Examples:
                  jejak witness cosign --state /var/lib/inspektorat --ledger /var/lib/jejak
                  jejak witness cosign --state /var/lib/inspektorat --out witnessed.checkpoint

                With --out, the cosigned checkpoint is also written to a file: keep it outside the \
                ledger and audit with `jejak inspect --trusted FILE`, which catches a rollback, \
                truncation or fork of the ledger after it.

                Works while another process writes the ledger. Prints the size and root cosigned; \
                a refusal is one sentence naming the rule (exit code 1), and the witness's state is \
                left as it was.
                """)

        @OptionGroup var stateOption: StateOption
        @OptionGroup var ledgerOption: LedgerOption

        @Option(help: ArgumentHelp("Also write the cosigned checkpoint to this file (for `jejak inspect --trusted`).", valueName: "file"))
        var out: String?
        @Flag(help: "Print the result as one JSON object.")
        var json = false

        func run() throws {
            let witness = try witnessing { try Witness(stateDirectory: stateOption.state) }
            let ledger = try openForCosigning(try ledgerOption.path())
            let cosigned = try witnessing { try witness.cosign(ledger: ledger) }
            if let out { try writeFile(cosigned.serialized, to: out) }
            let cp = cosigned.checkpoint
            let timestamp = cosigned.note.signatures.first { $0.matches(witness.key) }
                .flatMap { witness.key.cosignatureTimestamp($0.signature) } ?? 0
            if json {
                print(jsonLine([
                    "origin": .string(cp.origin), "size": .number(JSONNumber(Int64(clamping: cp.size))),
                    "root": .string(cp.rootHash.base64), "witness": .string(witness.key.hint),
                    "timestamp": .number(JSONNumber(Int64(clamping: timestamp))),
                ]))
            } else {
                print("Cosigned \(cp.origin) at size \(cp.size), root \(cp.rootHash.base64) (time \(timestamp)).")
            }
        }
    }
}

/// Opens a ledger read-only but able to take cosignatures and policy changes, beside its writer.
private func openForCosigning(_ path: String) throws -> Ledger {
    var options = Ledger.Options()
    options.readOnly = true
    options.cosigning = true
    return try attempt { try Ledger(opening: path, options: options) }
}

/// Runs `body`, turning a witness error into one plain sentence naming the rule.
private func witnessing<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as WitnessError {
        throw CLIFailure(description: e.description)
    } catch {
        throw describe(error)
    }
}
