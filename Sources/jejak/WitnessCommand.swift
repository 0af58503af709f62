import ArgumentParser
import Foundation
import Jejak
import JejakBase
import JejakCommands
import JejakCrypto
import JejakInspector
import JejakWitness
import JejakJSON
import JejakOfflineCommands
import JejakTlog
import JejakServer
import JejakWitnessServer
import Logging
import ServiceLifecycle

struct WitnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Witness the ledger as the Inspektorat: cosign checkpoints that extend the ones cosigned before.",
        discussion: """
            The witness keeps its key and the last checkpoint it cosigned in a state directory of \
            its own (--state), apart from the ledger. It refuses a checkpoint smaller than the last \
            one it cosigned (a rollback), one of the same size with another root (a fork), and one \
            without a valid consistency proof (c2sp.org/tlog-witness).

            It cosigns only for the logs it was told to trust (init --ledger, trust), and never \
            forgets silently: a trusted log with no record of the last cosignature is refused \
            (stateMissing) unless you say it is a first use (cosign --first-use), and its own \
            cosignature on a checkpoint beyond its record means the record was restored from an \
            old copy (stateRolledBack). Back up witness.key once; never restore logs/ from a \
            backup: recover a lost or old record with `witness restore` from the newest \
            checkpoint it cosigned.

            `witness serve` runs it as a service apart from the ledger (c2sp.org/tlog-witness over \
            HTTP): `jejak serve` submits each new checkpoint to the witnesses its policy lists with \
            a URL (`witness init --ledger DIR --url URL`).
            """,
        subcommands: [Init.self, Trust.self, Cosign.self, Restore.self, Serve.self, Push.self])

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

        @Option(help: ArgumentHelp("With --ledger: the witness's URL (where `jejak witness serve` listens), so `jejak serve` submits each checkpoint to it.", valueName: "url"))
        var url: String?

        func run() throws {
            let opened = try ledger.map { path in try openForCosigning(path) }
            let witness = try witnessing { try Witness.initialize(stateDirectory: stateOption.state, name: name) }
            print(witness.key)
            print("witness \(name) \(witness.key)\(url.map { " " + $0 } ?? "")")
            if let opened {
                let policy = try attempt { try opened.addWitness(name: name, key: witness.key, url: url) }
                // Trusting the log here is telling the witness it has cosigned nothing for it yet.
                if let log = policy.logs.first(where: { $0.key.name.sameBytes(as: opened.origin) }) {
                    try witnessing { try witness.trust(log: log.key) }
                }
                print("Added to \(opened.directory.policy) with quorum \(name).")
            }
        }
    }

    struct Trust: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Trust a log's key: the witness will cosign its checkpoints, starting with a first use.",
            discussion: """
                Examples:
                  jejak witness trust --state /var/lib/inspektorat --vkey "$(cat /var/lib/jejak/log.vkey)"
                  jejak witness trust --state /var/lib/inspektorat --ledger /var/lib/jejak

                With --ledger, the key is the one the ledger's policy lists for its origin. Trusting \
                a new log records that the witness has cosigned nothing for it; trusting the key \
                already trusted changes nothing (a lost record stays refused: see `witness restore`).
                """)

        @OptionGroup var stateOption: StateOption
        @Option(help: ArgumentHelp("The log's vkey (its name is the log's origin).", valueName: "vkey"))
        var vkey: String?
        @Option(help: ArgumentHelp("Trust the log key this ledger's policy lists for its origin.", valueName: "dir"))
        var ledger: String?

        func run() throws {
            let witness = try witnessing { try Witness(stateDirectory: stateOption.state) }
            let key: VerifierKey
            switch (vkey, ledger) {
            case (let text?, nil): key = try parseVerifierKey(text)
            case (nil, let path?):
                let opened = try openForCosigning(path)
                let policy = try attempt { try opened.policy() }
                guard let log = policy.logs.first(where: { $0.key.name.sameBytes(as: opened.origin) }) else {
                    throw CLIFailure(description: "the policy of \(path) lists no log key for its origin \(opened.origin)")
                }
                key = log.key
            default:
                throw ValidationError("Give the log's key: --vkey VKEY or --ledger DIR.")
            }
            try witnessing { try witness.trust(log: key) }
            print("The witness trusts \(key.hint) for \(key.name).")
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recover the witness's record of a log from a checkpoint it cosigned (after a loss or an old backup).",
            discussion: """
                Example:
                  jejak checkpoint --ledger /var/lib/jejak > latest.checkpoint
                  jejak witness restore --state /var/lib/inspektorat --checkpoint latest.checkpoint

                The checkpoint must carry the trusted log key's signature and this witness's own \
                cosignature, and be at least the record's size: the witness made that cosignature, \
                so it was consistent with all it cosigned before. Give the newest one you can find \
                (the ledger's, a receipt's, a relying party's copy).
                """)

        @OptionGroup var stateOption: StateOption
        @Option(help: ArgumentHelp("A checkpoint cosigned by this witness.", valueName: "file"))
        var checkpoint: String

        func run() throws {
            let witness = try witnessing { try Witness(stateDirectory: stateOption.state) }
            let cp = try readCheckpoint(checkpoint)
            try witnessing { try witness.restore(from: cp) }
            print("The witness's record of \(cp.checkpoint.origin) is now the checkpoint of size \(cp.checkpoint.size).")
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
        @Flag(help: "The witness has never cosigned this log: take its first checkpoint although no record of it exists.")
        var firstUse = false

        func run() throws {
            let witness = try witnessing { try Witness(stateDirectory: stateOption.state) }
            let ledger = try openForCosigning(try ledgerOption.path())
            let cosigned = try witnessing { try witness.cosign(ledger: ledger, firstUse: firstUse) }
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
                // The cosignature's time (c2sp.org/tlog-cosignature: seconds since the epoch), as a date.
                let date = Date(timeIntervalSince1970: TimeInterval(timestamp))
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withInternetDateTime]
                print("Cosigned \(cp.origin) at size \(cp.size), root \(cp.rootHash.base64), at \(formatter.string(from: date)).")
            }
        }
    }
}

extension WitnessCommand {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the witness as a service: c2sp.org/tlog-witness over HTTP, apart from the ledger.",
            discussion: """
                Example:
                  jejak witness serve --state /var/lib/inspektorat --logs /etc/jejak/witnessed-logs \
                --listen 127.0.0.1:7380

                --logs is a file of `log <vkey>` lines, the logs this witness cosigns for (read at \
                start; a new log awaits its first checkpoint). Routes: POST /add-checkpoint (200 \
                with the cosignature lines; 400, 403, 404, 409 with the witness's size as \
                text/x.tlog.size, 422), GET /<sha256(origin) hex>/checkpoint (the latest one \
                cosigned), GET /healthz. Each cosignature is recorded and synced before it is \
                answered. The first line on standard output is "listening on http://HOST:PORT"; \
                SIGTERM or SIGINT stops it after the requests in flight.
                """)

        @OptionGroup var stateOption: StateOption
        @Option(help: ArgumentHelp("The file of `log <vkey>` lines naming the logs to witness.", valueName: "file"))
        var logs: String
        @Option(help: ArgumentHelp("The address and port to listen on.", valueName: "host:port"))
        var listen = "127.0.0.1:7380"
        @Option(help: ArgumentHelp("The largest request body, in bytes.", valueName: "n"))
        var maxBodyBytes = WitnessServer.defaultMaxBodyBytes
        @Option(help: ArgumentHelp("trace, debug, info, notice, warning or error.", valueName: "level"))
        var logLevel = "notice"

        func validate() throws {
            _ = try listenAddress(listen)
            guard maxBodyBytes > 0 else { throw ValidationError("--max-body-bytes must be positive.") }
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level takes trace, debug, info, notice, warning or error.") }
        }

        func run() async throws {
            var logger = Logger(label: "jejak.witness")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
            let (host, port) = try listenAddress(listen)
            let witness = try witnessing { try Witness(stateDirectory: stateOption.state) }
            let configuration = try witnessing { try WitnessConfiguration(contentsOf: logs) }
            try witnessing { try witness.trust(configuration) }
            let server = WitnessServer(witness: witness, configuration: configuration, host: host, port: port,
                                       maxBodyBytes: maxBodyBytes, logger: logger) { port in
                print("listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
                fflush(nil)
            }
            let group = ServiceGroup(configuration: .init(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

extension WitnessCommand {
    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit each new checkpoint of a ledger to the witnesses its policy lists with a URL, beside its writer.",
            discussion: """
                Example:
                  jejak witness push --ledger /var/lib/jejak

                For an embedded ledger (one without `jejak serve`, which does this itself): opens \
                the ledger read-only for cosigning, looks for a new checkpoint every --interval \
                milliseconds, submits it to every witness of DIR/policy that has a URL \
                (c2sp.org/tlog-witness, with the consistency proof from the size the witness last \
                cosigned), and stores the cosignatures that verify with the checkpoint. Runs until \
                SIGTERM or SIGINT. The first line on standard output names the witnesses.
                """)

        @OptionGroup var ledgerOption: LedgerOption
        @Option(help: ArgumentHelp("How often to look for a new checkpoint, in milliseconds.", valueName: "ms"))
        var interval = 200
        @Option(help: ArgumentHelp("trace, debug, info, notice, warning or error.", valueName: "level"))
        var logLevel = "notice"

        func validate() throws {
            guard interval > 0 else { throw ValidationError("--interval must be positive.") }
            guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level takes trace, debug, info, notice, warning or error.") }
        }

        func run() async throws {
            var logger = Logger(label: "jejak.witness.push")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .notice
            let ledger = try openForCosigning(try ledgerOption.path())
            defer { ledger.close() }
            guard let pusher = try attempt({ try WitnessPusher(ledger: ledger, wakeInterval: .milliseconds(interval), logger: logger) }) else {
                throw CLIFailure(description: "the policy of \(ledger.directory.path) lists no witness with a URL (`jejak witness init --ledger DIR --url URL`)")
            }
            print("pushing to \(pusher.endpoints.map { "\($0.name) at \($0.url)" }.joined(separator: ", "))")
            fflush(nil)
            let group = ServiceGroup(configuration: .init(services: [pusher], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
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
