#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import Jejak
import JejakAPI
import JejakBase
import JejakClient
import JejakCommands
import JejakCrypto
import JejakDomain
import JejakJSON
import JejakOfflineCommands
import JejakTlog

/// Hidden helpers for `Tools/crash-test.sh`: a publisher with many concurrent appenders that
/// journals what it was told, and a checker that holds a ledger to that journal after a crash.
struct StressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress",
        abstract: "Crash-test helpers (used by Tools/crash-test.sh).",
        shouldDisplay: false,
        subcommands: [Setup.self, Publish.self, Check.self, Remote.self, CheckRemote.self])

    static let requesterName = "biro-perencanaan"
    static let providerName = "biro-keuangan"

    /// `--keys DIR`: where the two stress units' private keys live.
    struct KeysOption: ParsableArguments {
        @Option(help: ArgumentHelp("The directory of the stress units' key files.", valueName: "dir"))
        var keys: String

        var requesterPath: String { keys + "/" + StressCommand.requesterName + ".key" }
        var providerPath: String { keys + "/" + StressCommand.providerName + ".key" }
    }

    /// Registers the two units and their keys (generated into `--keys`), whatever is missing.
    struct Setup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register the stress units and their keys (idempotent).")

        @OptionGroup var ledgerOption: LedgerOption
        @OptionGroup var keysOption: KeysOption
        @OptionGroup var authorityOption: AuthorityOption

        func run() async throws {
            if mkdir(keysOption.keys, 0o700) != 0 && errno != EEXIST {
                throw CLIFailure(description: "cannot create \(keysOption.keys): \(String(cString: strerror(errno)))")
            }
            let ledger = try ledgerOption.open(readOnly: false)
            defer { ledger.close() }
            let authority = try authorityOption.authority(for: ledger)
            for (name, path) in [(StressCommand.requesterName, keysOption.requesterPath),
                                 (StressCommand.providerName, keysOption.providerPath)] {
                let key: SignerKey
                if access(path, F_OK) == 0 {
                    key = try readKey(path)
                } else {
                    key = try attempt { try SignerKey.generate(name: name) }
                    try attempt { try KeyFile.write(key, to: path) }
                }
                let registry = try attempt { try ledger.registry() }
                if registry.unit(name) == nil {
                    _ = try await attempt { try await ledger.append(try authority.registerUnit(name, name: name, role: .biro)) }
                }
                if !(try attempt { try ledger.registry() }).keys(of: name).contains(where: { $0.vkey == key.verifierKey }) {
                    _ = try await attempt { try await ledger.append(try authority.addKey(key.verifierKey)) }
                }
            }
            print("The stress units are registered.")
        }
    }

    /// Appends whole exchanges (3 or 5 events each, one append each) from many tasks, and
    /// journals each batch before its append and each receipt as soon as its append returns.
    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Append exchanges from concurrent tasks, journaling intents and receipts.",
            discussion: """
                Journal lines (one write(2) each, so a SIGKILL loses none that were written):
                  S <run>                       the ledger is open and appending starts
                  B <batch> <n>                 about to append batch <batch>: the n events with \
                ids exchange/stress-<batch>/0 … /<n-1>
                  R <event id> <index>          the append returned this receipt
                  F <batch> <message>           the append was refused
                """)

        @OptionGroup var ledgerOption: LedgerOption
        @OptionGroup var keysOption: KeysOption
        @Option(help: ArgumentHelp("The journal file (appended to).", valueName: "file"))
        var journal: String
        @Option(help: ArgumentHelp("A name for this run, unique within the ledger.", valueName: "run"))
        var run: String
        @Option(help: ArgumentHelp("Concurrent appending tasks.", valueName: "n"))
        var tasks = 16
        @Option(help: ArgumentHelp("Exchanges per task (0: until killed).", valueName: "n"))
        var exchanges = 0

        func validate() throws {
            guard tasks > 0, exchanges >= 0 else { throw ValidationError("--tasks must be positive, --exchanges not negative.") }
        }

        func run() async throws {
            let requester = try readKey(keysOption.requesterPath)
            let provider = try readKey(keysOption.providerPath)
            let ledger = try ledgerOption.open(readOnly: false)
            defer { ledger.close() }
            let out = try Journal(path: journal)
            try out.line("S \(run)")
            let run = self.run, exchanges = self.exchanges
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        var seq = 0
                        while exchanges == 0 || seq < exchanges {
                            let batch = "\(run)-\(task)-\(seq)"
                            let events = try StressCommand.exchange(batch, steps: seq % 5 == 4 ? 5 : 3,
                                                                    requester: requester, provider: provider)
                            // The intent first: a batch is appended only once it is announced.
                            try out.line("B \(batch) \(events.count)")
                            let receipts: [Receipt]
                            do throws(LedgerError) {
                                receipts = try await ledger.append(events, expecting: .noStream)
                            } catch {
                                try? out.line("F \(batch) \(error.message)")
                                throw describe(error)
                            }
                            try out.line(receipts.map { "R \($0.eventID) \($0.index)" }.joined(separator: "\n"))
                            seq += 1
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Holds the ledger to journals: each receipt's event is at its index, each batch is all
    /// in the log (at consecutive indexes) or all absent, and no stress event is there that
    /// no journal announced.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a ledger against stress journals after a crash (exit 1 on a violation).")

        @OptionGroup var ledgerOption: LedgerOption
        @Argument(help: ArgumentHelp("The journal files.", valueName: "journal"))
        var journals: [String]

        func run() async throws {
            let ledger = try ledgerOption.open(readOnly: true)
            var problems: [String] = []
            var batches: [String: Int] = [:]
            var receipts: [(String, UInt64)] = []
            for path in journals {
                // A damaged line is named by its number, never quoted: the file could be anything.
                for (number, line) in try readText(path).split(separator: "\n").enumerated() {
                    let f = line.split(separator: " ", maxSplits: 2)
                    switch f.first {
                    case "B" where f.count == 3:
                        if let n = Int(f[2]), n >= 0 { batches[String(f[1])] = n } else {
                            problems.append("\(path) line \(number + 1) is a damaged journal line")
                        }
                    case "R" where f.count == 3:
                        if let i = UInt64(f[2]) { receipts.append((String(f[1]), i)) } else {
                            problems.append("\(path) line \(number + 1) is a damaged journal line")
                        }
                    case "S", "F": continue
                    default:
                        // A SIGKILL can cut no line short (one write each), so any other line is damage.
                        problems.append("\(path) line \(number + 1) is a damaged journal line")
                    }
                }
            }
            var committed = 0, absent = 0, committedEvents = 0
            for (batch, n) in batches.sorted(by: { $0.key < $1.key }) {
                var indexes: [UInt64?] = []
                for step in 0..<n {
                    indexes.append(try attempt { try ledger.entry(eventID: "exchange/stress-\(batch)/\(step)") }?.index)
                }
                let present = indexes.compactMap { $0 }
                if present.isEmpty {
                    absent += 1
                } else if present.count < n {
                    problems.append("batch \(batch) is partial: \(present.count) of its \(n) events are in the log")
                } else if zip(present, present.dropFirst()).contains(where: { $1 != $0 + 1 }) {
                    problems.append("batch \(batch) is not at consecutive indexes: \(present)")
                } else {
                    committed += 1
                    committedEvents += n
                }
            }
            for (id, index) in receipts {
                guard let entry = try? ledger.entry(at: index) else {
                    problems.append("receipt for \(id) names entry \(index), which the log does not have: an acknowledged event was lost")
                    continue
                }
                if entry.event.id != id {
                    problems.append("receipt for \(id) names entry \(index), which holds \(entry.event.id)")
                }
            }
            // Every stress event in the log was announced by a journal.
            let size = try attempt { try ledger.size() }
            var stray = 0
            var from: UInt64 = 0
            while from < size {
                let entries = try attempt { try ledger.entries(from: from, limit: 4096) }
                guard let last = entries.last else { break }
                for e in entries where e.event.subject.hasPrefix("exchange/stress-") {
                    let batch = e.event.subject.dropFirst("exchange/stress-".count)
                    if batches[String(batch)] == nil { stray += 1 }
                }
                from = last.index + 1
            }
            if stray > 0 { problems.append("\(stray) stress events in the log were never announced in a journal") }
            print("log \(size) entries; batches \(batches.count) (committed \(committed), absent \(absent)); "
                  + "receipts \(receipts.count); events committed \(committedEvents); problems \(problems.count)")
            for p in problems.prefix(20) { print("PROBLEM: \(p)") }
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }

    /// Publishes whole exchanges through a `jejak serve` server from concurrent tasks, each
    /// with its own outbox, riding out a server that is killed and restarted; killed itself and
    /// restarted, it delivers what its outboxes hold before going on.
    struct Remote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish exchanges through a server with outboxes, until every task has delivered --exchanges.")

        @OptionGroup var keysOption: KeysOption
        @Option(help: ArgumentHelp("The server.", valueName: "url"))
        var server: String
        @Option(help: ArgumentHelp("The ledger's tlog-policy.", valueName: "file"))
        var policy: String
        @Option(help: ArgumentHelp("The directory of the tasks' outboxes (outbox-<task>.jsonl).", valueName: "dir"))
        var outboxes: String
        @Option(help: ArgumentHelp("A name for this run, unique within the ledger.", valueName: "run"))
        var run: String
        @Option(help: ArgumentHelp("Concurrent tasks.", valueName: "n"))
        var tasks = 8
        @Option(help: ArgumentHelp("Exchanges (of 3 events) per task.", valueName: "n"))
        var exchanges = 10

        func run() async throws {
            let requester = try readKey(keysOption.requesterPath)
            let provider = try readKey(keysOption.providerPath)
            if mkdir(outboxes, 0o700) != 0 && errno != EEXIST {
                throw CLIFailure(description: "cannot create \(outboxes): \(String(cString: strerror(errno)))")
            }
            var configuration = ClientConfiguration()
            configuration.maxAttempts = 1
            configuration.connectTimeout = .seconds(2)
            configuration.requestTimeout = .seconds(10)
            let client = try attempt { try JejakClient(url: server, policy: try readPolicy(policy), configuration: configuration) }
            let run = self.run, exchanges = self.exchanges, outboxes = self.outboxes
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        let outbox = try Outbox(path: "\(outboxes)/outbox-\(task).jsonl", client: client)
                        var held = await outbox.all.count
                        while held < exchanges * 3 {
                            // Finish the exchange a kill may have cut short, from the step it reached.
                            let seq = held / 3
                            let events = try StressCommand.exchange("\(run)-\(task)-\(seq)", steps: 3, requester: requester, provider: provider)
                            for step in (held % 3)..<3 {
                                try await outbox.enqueue(events[step], expecting: step == 0 ? .noStream : .exactly(UInt64(step)))
                                held += 1
                            }
                            try await StressCommand.drain(outbox)
                        }
                        try await StressCommand.drain(outbox)
                    }
                }
                try await group.waitForAll()
            }
            try await client.shutdown()
            print("delivered \(tasks * exchanges) exchanges")
        }
    }

    /// Delivers until the outbox is empty, waiting out an unreachable server; a refusal is a
    /// failure of the test (these events are valid).
    static func drain(_ outbox: Outbox) async throws {
        while true {
            let report = await outbox.deliver()
            if let refused = report.refused.first {
                throw CLIFailure(description: "event \(refused.number) of \(outbox.path) was refused: \(refused.refusal?.description ?? "")")
            }
            if report.pending == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Holds a ledger to the outboxes of `stress remote`: every event an outbox accepted is in
    /// the log exactly once, byte for byte, at the index of its receipt, and the receipt
    /// verifies against the policy; no stress event of these runs is there that no outbox holds.
    struct CheckRemote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a ledger against the outboxes of stress remote (exit 1 on a violation).")

        @OptionGroup var ledgerOption: LedgerOption
        @Option(help: ArgumentHelp("The directory of the outboxes.", valueName: "dir"))
        var outboxes: String
        @Option(help: ArgumentHelp("The run names whose events are checked (repeatable).", valueName: "run"))
        var run: [String] = []

        func run() async throws {
            let ledger = try ledgerOption.open(readOnly: true)
            let policy = try attempt { try ledger.policy() }
            let client = try JejakClient(url: "http://127.0.0.1:9", policy: policy)
            var problems: [String] = []
            var held: Set<ExactText> = []
            var events = 0
            let files = try FileManager.default.contentsOfDirectory(atPath: outboxes).filter { $0.hasSuffix(".jsonl") }.sorted()
            for file in files {
                let outbox = try Outbox(path: outboxes + "/" + file, client: client)
                for item in await outbox.all {
                    events += 1
                    held.insert(ExactText(item.event.event.id))
                    guard let receipt = item.receipt else {
                        problems.append("\(file) #\(item.number) (\(item.event.event.id)) was never delivered")
                        continue
                    }
                    do { try receipt.verify(item.event, policy: policy) } catch {
                        problems.append("the receipt of \(item.event.event.id) does not verify: \(error)")
                    }
                    let entry = try attempt { try ledger.entry(at: receipt.index) }
                    if entry.signedEvent.jsonBytes != item.event.jsonBytes {
                        problems.append("entry \(receipt.index) is not the outbox's \(item.event.event.id), byte for byte")
                    }
                }
            }
            try await client.shutdown()
            // Each stress event of these runs in the log is held by an outbox, and only once.
            var seen: [ExactText: Int] = [:]
            let size = try attempt { try ledger.size() }
            var from: UInt64 = 0
            while from < size {
                let entries = try attempt { try ledger.entries(from: from, limit: 4096) }
                guard let last = entries.last else { break }
                for e in entries where run.contains(where: { e.event.subject.hasBytePrefix("exchange/stress-\($0)-") }) {
                    seen[ExactText(e.event.id), default: 0] += 1
                }
                from = last.index + 1
            }
            for (id, n) in seen where n != 1 || !held.contains(id) {
                problems.append(n != 1 ? "\(id.string) is in the log \(n) times" : "\(id.string) is in the log but in no outbox")
            }
            let missing = held.subtracting(seen.keys).count
            if missing > 0 { problems.append("\(missing) events the outboxes accepted are not in the log") }
            print("outboxes \(files.count); events \(events), all in the log once: \(problems.isEmpty); problems \(problems.count)")
            for p in problems.prefix(20) { print("PROBLEM: \(p)") }
            if !problems.isEmpty { throw ExitCode(1) }
        }
    }

    /// One whole exchange as signed events: requested, delivered, acknowledged; with five
    /// steps, rejected and delivered again before the acknowledgement.
    static func exchange(_ batch: String, steps: Int, requester: SignerKey, provider: SignerKey) throws -> [SignedEvent] {
        let subject = "exchange/stress-\(batch)"
        let item: JSONValue = ["name": "rekap.pdf", "mediaType": "application/pdf", "size": 1024,
                               "sha256": .string(String(repeating: "ab", count: 32))]
        var out: [SignedEvent] = []
        for step in 0..<steps {
            let kind: (DomainEventType, SignerKey, JSONValue)
            switch (step, steps) {
            case (0, _):
                kind = (.exchangeRequested, requester, [
                    "provider": .string(providerName), "category": "anggaran", "title": .string("Stress \(batch)"),
                    "purpose": "Uji ketahanan", "legalBasis": "UU 7/2017", "dueDate": "2026-12-31",
                    "classification": "terbuka"])
            case (1, _), (3, 5): kind = (.exchangeDelivered, provider, ["items": [item]])
            case (2, 5): kind = (.exchangeRejected, requester, ["reason": "Berkas belum lengkap."])
            default: kind = (.exchangeAcknowledged, requester, [:])
            }
            let event = try attempt {
                try CloudEvent.make(id: "\(subject)/\(step)", source: kind.1.name, type: kind.0.rawValue,
                                    subject: subject, dataschema: kind.0.schemaID, data: kind.2)
            }
            out.append(SignedEvent.sign(event, with: kind.1))
        }
        return out
    }
}

/// An append-only text file written with one `write(2)` per line (no user-space buffer), so
/// every line written before a SIGKILL is in the file.
final class Journal: Sendable {
    private let fd: Int32

    init(path: String) throws {
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CLIFailure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Appends `text` and a newline.
    ///
    /// - Throws: ``CLIFailure`` when the line was not written whole (a full disk): a batch must
    ///   not be appended unless its intent is in the journal.
    func line(_ text: String) throws {
        let bytes = Array((text + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw CLIFailure(description: "the journal could not be written: \(String(cString: strerror(errno)))")
        }
    }
}
