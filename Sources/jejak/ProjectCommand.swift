import ArgumentParser
import Foundation
import Jejak
import JejakCommands
import JejakOfflineCommands
import JejakProjections
import Logging
import ServiceLifecycle
import Synchronization

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "project",
        abstract: "Build or update the read models (SQLite) from the log; --follow keeps them up to date.",
        discussion: """
            Applies every entry not yet applied to the built-in read models (exchanges and their \
            timelines, units and keys, activity per unit per month, audits) in the SQLite file, \
            in batches, each batch in one transaction with the projections' checkpoints. A \
            projection whose version changed is rebuilt from the first entry. With --follow, it \
            then applies each new commit as it lands, until SIGINT or SIGTERM. The ledger is \
            opened read-only, so this may run beside the writing process.

            Examples:
              jejak project --db read-models.sqlite
              jejak project --db read-models.sqlite --follow
              jejak project --db exchanges.sqlite --only exchanges
              jejak project --db inspektorat.sqlite --identity inspektorat.age

            Sealed content (of `terbatas` and `rahasia` exchanges) fills the content columns \
            only for a unit it is sealed to, with --identity; otherwise they are NULL, `sealed` \
            is 1 and `sealed_to` names who can read them. A file holds one reader's view: \
            project each unit's into a file of its own, kept as its identity is kept.

            Progress (each projection's position and lag, the entries it is behind the log) goes \
            to standard error at most once a second; the final positions go to standard output.
            """)

    @OptionGroup var ledgerOption: LedgerOption
    @Option(help: ArgumentHelp("The read models' SQLite file (created if missing).", valueName: "file"))
    var db: String
    @Flag(help: "After catching up, keep applying new commits until SIGINT or SIGTERM.")
    var follow = false
    @Option(help: ArgumentHelp("The most entries per transaction.", valueName: "n"))
    var batchSize = 4096
    @Option(name: .customLong("only"), parsing: .singleValue, help: ArgumentHelp(
        "Build only this read model (repeatable): exchanges, units, activity or audits. The others in the file are left as they are.",
        valueName: "name"))
    var only: [String] = []
    @OptionGroup var identity: IdentityOption

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive.") }
        let names = ReadModels.builtIn().map(\.name)
        for name in only where !names.contains(name) {
            throw ValidationError("There is no read model \"\(name)\"; choose from \(names.joined(separator: ", ")).")
        }
    }

    func run() async throws {
        let ledger = try ledgerOption.open(readOnly: true)
        let database = try attempt { try ReadModelDatabase.openForWriting(path: db) }
        var options = ProjectionRunner.Options()
        options.batchSize = batchSize
        // At most one progress line a second: the position and lag of each projection.
        let lastReport = Mutex(ContinuousClock.now)
        options.progress = { statuses in
            let due = lastReport.withLock { last in
                guard ContinuousClock.now - last >= .seconds(1) else { return false }
                last = ContinuousClock.now
                return true
            }
            if due { note(statuses.map { "\($0.name) at \($0.position), lag \($0.lag)" }.joined(separator: "; ")) }
        }
        let reader = try identity.reader(registry: try attempt { try ledger.registry() })
        let runner = try attempt {
            try ProjectionRunner(ledger: ledger, database: database,
                                 projections: ReadModels.builtIn(reader: reader).filter { only.isEmpty || only.contains($0.name) },
                                 options: options)
        }
        if let reader { note("Opening the content sealed to \(reader.unit).") }
        for s in try attempt({ try runner.status() }) {
            note("\(s.name) v\(s.version): at \(s.position), \(s.lag) behind")
        }
        let start = ContinuousClock.now
        if follow {
            var logger = Logger(label: "jejak.project")
            logger.logLevel = .notice
            let group = ServiceGroup(configuration: .init(
                services: [runner], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await attempt { try await group.run() }
        } else {
            _ = try await attempt { try await runner.catchUp() }
        }
        let elapsed = ContinuousClock.now - start
        for s in try attempt({ try runner.status() }) {
            print("\(s.name) v\(s.version): applied through \(s.position), lag \(s.lag)")
        }
        note("took \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds], width: .abbreviated)))")
    }
}

/// Writes a line to standard error (progress and timings, kept out of the output proper).

