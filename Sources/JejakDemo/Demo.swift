import Foundation
import JejakAge
import Jejak
import JejakBase
import JejakCrypto
import JejakDomain
import JejakInspector
import JejakWitness
import JejakProjections
import JejakTlog
import JejakVerification
import Synchronization

/// A whole Jejak deployment in one directory, made from the seeds (`jejak demo`): a durable
/// ledger with generated log and authority keys, the Inspektorat as its witness, the seed units
/// registered with generated keys, the scenario published by the units themselves (concurrently,
/// on the scenario's calendar), the read models, a cosigned checkpoint, a full integrity audit
/// with its HTML report, and a tlog-tiles export.
///
/// The read models are checked against the counts the scenario states (`expected`); a
/// difference fails the demo, as does an audit with findings.
///
/// ```swift
/// var options = Demo.Options(directory: "jejak-demo", seedsDirectory: "seeds")
/// options.progress = { print($0) }
/// let summary = try await Demo(options: options).run()
/// print(summary.auditVerdict, summary.files.report)
/// ```
public struct Demo: Sendable {
    /// The name of the file that marks a directory as made by the demo (which may replace it).
    public static let markerName = ".jejak-demo"

    /// What to make, and where.
    public struct Options: Sendable {
        /// The demo's directory: created; replaced if it holds a previous demo (its marker file);
        /// refused if it holds anything else.
        public var directory: String
        /// The seeds directory (`units.json`, `scenario.json`).
        public var seedsDirectory: String
        /// The log's origin.
        public var origin = "demo.jejak.kpu.go.id/ledger"
        /// The witness's name.
        public var witnessName = "inspektorat.kpu.go.id/witness"
        /// The bureau whose view of the sealed content the summary shows beside the public's
        /// and the Inspektorat's.
        public var bureau = "biro-keuangan"
        /// How the Inspektorat cosigns the final checkpoint: by default in this process
        /// (`Witness.cosign(ledger:)`); `jejak demo` runs the witness as a separate process on
        /// loopback and submits the checkpoint over c2sp.org/tlog-witness. It returns the
        /// checkpoint as stored with the cosignature, and a phrase for the progress line.
        public var cosign: (@Sendable (Ledger, Witness) async throws(DemoError) -> (SignedCheckpoint, String))?
        /// Called as the demo goes, on the task running ``Demo/run()``.
        public var progress: (@Sendable (Progress) -> Void)?

        /// The demo in `directory` from the seeds in `seedsDirectory`.
        public init(directory: String, seedsDirectory: String) {
            self.directory = directory
            self.seedsDirectory = seedsDirectory
        }
    }

    /// The demo's steps, in order.
    public enum Step: Int, CaseIterable, Sendable, Codable {
        case ledger, witness, units, publish, project, cosign, audit, export

        /// What the step does, in a few words.
        public var title: String {
            switch self {
            case .ledger: "create the ledger: log and authority keys, policy, genesis"
            case .witness: "make the Inspektorat's witness key; the policy requires its cosignature"
            case .units: "register the units and their keys (signed by the registry authority)"
            case .publish: "publish the scenario: each unit with its own key, concurrently"
            case .project: "build the read models (SQLite) and check them against the scenario"
            case .cosign: "the Inspektorat cosigns the latest checkpoint"
            case .audit: "full integrity audit, read models compared; HTML report"
            case .export: "export the cosigned checkpoint (C2SP tlog-tiles)"
            }
        }
    }

    /// What the demo reports as it goes.
    public enum Progress: Sendable {
        /// A step begins.
        case started(Step)
        /// Scenario events published so far, of the total.
        case published(Int, Int)
        /// A step ended: what it did, and how long it took.
        case finished(Step, String, Duration)
    }

    /// Where the demo's files are.
    public struct Files: Hashable, Sendable, Codable {
        /// The demo's directory.
        public var directory: String
        /// The ledger directory.
        public var ledger: String
        /// The registry authority's private key, outside the ledger directory (a real
        /// authority keeps it offline); `jejak unit … --authority-key` takes it.
        public var authorityKey: String
        /// The ledger's trust policy (log key, the Inspektorat as witness and quorum).
        public var policy: String
        /// The registry authority's vkey.
        public var authority: String
        /// The witness's state directory (its key and the last checkpoint it cosigned).
        public var witness: String
        /// The units' private keys, one `<unit>.key` each.
        public var unitKeys: String
        /// The read models (public: no identity, sealed content left sealed).
        public var readModels: String
        /// The read models of the Inspektorat (built with its identity).
        public var inspektoratReadModels: String
        /// The read models of one bureau (built with its identity).
        public var bureauReadModels: String
        /// The audit's HTML report.
        public var report: String
        /// The checkpoint the Inspektorat cosigned.
        public var witnessedCheckpoint: String
        /// The tlog-tiles export.
        public var export: String

        init(_ directory: String) {
            let d = URL(fileURLWithPath: directory).standardizedFileURL.path
            self.directory = d
            ledger = d + "/ledger"
            policy = ledger + "/policy"
            authority = ledger + "/authority.vkey"
            authorityKey = d + "/authority.key"
            witness = d + "/inspektorat"
            unitKeys = d + "/unit-keys"
            readModels = d + "/read-models.sqlite"
            inspektoratReadModels = d + "/read-models-inspektorat.sqlite"
            bureauReadModels = d + "/read-models-bureau.sqlite"
            report = d + "/audit.html"
            witnessedCheckpoint = d + "/witnessed.checkpoint"
            export = d + "/export"
        }
    }

    /// What the demo made.
    public struct Summary: Hashable, Sendable, Codable {
        /// The log's origin.
        public var origin: String
        /// The scenario's fiscal year.
        public var fiscalYear: Int
        /// The date overdue is judged on (the scenario's `asOf`).
        public var asOf: String
        /// Units registered.
        public var units: Int
        /// Entries in the log: genesis, registry events and scenario events.
        public var logSize: UInt64
        /// Registry events (a registration and a key per unit).
        public var registryEvents: Int
        /// Scenario events published.
        public var scenarioEvents: Int
        /// Commits (signed checkpoints) the writer needed for them.
        public var commits: Int
        /// Requested exchanges.
        public var exchanges: Int
        /// Distributions (data shared without a request).
        public var distributions: Int
        /// Exchanges by status (`requested`, `delivered`, `rejected`, `acknowledged`, …).
        public var exchangesByStatus: [String: Int]
        /// Acknowledged exchanges delivered after their due date.
        public var late: Int
        /// The exchanges overdue on ``asOf``, by id.
        public var overdue: [String]
        /// Audits opened by the Inspektorat.
        public var audits: Int
        /// Audit findings recorded.
        public var findings: Int
        /// Findings without a follow-up.
        public var openFindings: Int
        /// The counts checked against the scenario's `expected`, by name (all matched).
        public var checked: [String: Int]
        /// The tree size the Inspektorat cosigned.
        public var witnessedSize: UInt64
        /// The Inspektorat's cosignature line on that checkpoint (c2sp.org/tlog-cosignature).
        public var cosignature: String
        /// The integrity audit's verdict (`clean` or `findings`).
        public var auditVerdict: String
        /// The integrity audit's findings.
        public var auditFindings: Int
        /// Signatures the audit verified.
        public var signaturesVerified: Int
        /// Checkpoints the audit checked.
        public var checkpointsChecked: Int
        /// Read-model tables the audit compared with a rebuild.
        public var readModelTables: Int
        /// What three stakeholders can read of the exchanges: the public (no identity), the
        /// Inspektorat, and a bureau — each from read models built with its own identity.
        public var readers: [ReaderView]
        /// The sealed events the Inspektorat's audit opened and checked.
        public var sealedOpenedByAudit: Int
        /// Files the export wrote.
        public var exportFiles: Int
        /// Bytes the export wrote.
        public var exportBytes: Int
        /// Each step's time in seconds, by step.
        public var stepSeconds: [String: Double]
        /// The whole run's time in seconds.
        public var seconds: Double
        /// Where everything is.
        public var files: Files
    }

    /// What one stakeholder's read models hold of the exchanges.
    public struct ReaderView: Hashable, Sendable, Codable {
        /// Who reads: a unit id, or `publik` for anyone without an identity.
        public var reader: String
        /// The read-model file built for it.
        public var readModels: String
        /// Exchanges in all.
        public var exchanges: Int
        /// Exchanges whose content is sealed (`terbatas`, `rahasia`).
        public var sealedExchanges: Int
        /// Of those, the ones this reader can read (it is a party, or the Inspektorat).
        public var readable: Int
    }

    /// The options.
    public let options: Options
    /// Where the files go.
    public let files: Files

    /// A demo.
    public init(options: Options) {
        self.options = options
        self.files = Files(options.directory)
    }

    /// Makes the demo, step by step (see ``Step``).
    ///
    /// - Throws: ``DemoError`` naming the step that failed and why: a directory that is not a
    ///   previous demo (``DemoError/Code/input``), seeds that don't load, a refusal by the
    ///   ledger, counts that differ from the scenario's, an audit with findings (the report is
    ///   written first), a failed export.
    public func run() async throws(DemoError) -> Summary {
        let started = ContinuousClock.now
        let runner: ScenarioRunner
        do { runner = try ScenarioRunner(seedsDirectory: options.seedsDirectory) } catch {
            throw DemoError(.input, "the seeds in \(options.seedsDirectory) do not load: \(error.message)")
        }
        let scenario = runner.scenario
        try prepareDirectory()
        var times: [String: Double] = [:]
        func timed<R>(_ step: Step, _ body: () async throws(DemoError) -> (R, String)) async throws(DemoError) -> R {
            options.progress?(.started(step))
            let t0 = ContinuousClock.now
            let (result, detail) = try await body()
            let elapsed = ContinuousClock.now - t0
            times["\(step)"] = Self.seconds(elapsed)
            options.progress?(.finished(step, detail, elapsed))
            return result
        }

        // 1. The ledger, on the scenario's calendar.
        let validator: DomainValidator
        do { validator = try DomainValidator.bundled() } catch {
            throw DemoError(.input, "the event schemas could not be loaded: \(error.message)")
        }
        guard let start = ScenarioClock.instant(of: "\(scenario.fiscalYear)-01-01T00:00:00+07:00") else {
            throw DemoError(.input, "the scenario's fiscal year \(scenario.fiscalYear) is not a year")
        }
        let clock = ScenarioClock(start: start)
        let ledger: Ledger = try await timed(.ledger) { () throws(DemoError) in
            var ledgerOptions = Ledger.Options()
            ledgerOptions.validator = validator
            ledgerOptions.clock = clock.ledgerClock
            do throws(LedgerError) {
                let authorityKey: SignerKey
                do throws(CryptoError) {
                    authorityKey = try SignerKey.generate(name: options.origin + "/authority")
                    try KeyFile.write(authorityKey, to: files.authorityKey)
                } catch {
                    throw LedgerError(.keyFile, "the registry authority's key could not be made in \(files.authorityKey): \(error.message)")
                }
                let ledger = try await Ledger.create(at: files.ledger, origin: options.origin, authorityKey: authorityKey,
                                                     options: ledgerOptions)
                return (ledger, "\(options.origin), log key \(ledger.logKey.hint), authority \(ledger.authority.hint)")
            } catch {
                throw DemoError(.ledger, "the ledger could not be created in \(files.ledger): \(error.message)")
            }
        }
        defer { ledger.close() }

        // 2. The Inspektorat's witness, required by the policy.
        let witness: Witness = try await timed(.witness) { () throws(DemoError) in
            do {
                let witness = try Witness.initialize(stateDirectory: files.witness, name: options.witnessName)
                try ledger.addWitness(name: options.witnessName, key: witness.key)
                try witness.trust(log: ledger.logKey)
                return (witness, "\(witness.key.hint); quorum \(options.witnessName)")
            } catch let error as WitnessError {
                throw DemoError(.witness, "the witness could not be made: \(error.description)")
            } catch {
                throw DemoError(.ledger, "the witness could not be added to the policy: \(error)")
            }
        }

        // 3 and 4. The units and their keys, then the scenario, published by the units.
        let authority: RegistryAuthority
        do { authority = RegistryAuthority(key: try KeyFile.read(from: files.authorityKey)) } catch {
            throw DemoError(.ledger, "the registry authority's key could not be read: \(error.message)")
        }
        let commitsBefore = try checkpointCount(ledger)
        options.progress?(.started(.units))
        // The registration's time, and when publishing began (the runner does both in one run).
        let registration = Mutex<(seconds: Double, publishing: ContinuousClock.Instant)>((0, ContinuousClock.now))
        var runOptions = ScenarioRunner.Options()
        runOptions.concurrentUnits = true
        runOptions.clock = clock
        let progress = options.progress
        let unitCount = runner.units.units.count
        runOptions.registered = { n in
            let now = ContinuousClock.now
            let elapsed = registration.withLock { r in
                defer { r = (Self.seconds(now - r.publishing), now) }
                return now - r.publishing
            }
            progress?(.finished(.units, "\(unitCount) units, \(n) registry events", elapsed))
            progress?(.started(.publish))
        }
        runOptions.progress = { done, total in progress?(.published(done, total)) }
        let report: ScenarioReport
        do { report = try await runner.run(ledger: ledger, authority: authority, options: runOptions) } catch {
            throw DemoError(.ledger, "the scenario could not be published: \(error.message)")
        }
        let (unitsSeconds, publishStarted) = registration.withLock { $0 }
        let published = ContinuousClock.now - publishStarted
        let commits = try checkpointCount(ledger) - commitsBefore - 1
        times["\(Step.units)"] = unitsSeconds
        times["\(Step.publish)"] = Self.seconds(published)
        let publishers = Set(scenario.events.map(\.source)).count
        progress?(.finished(.publish, "\(report.events) events in \(report.streams) streams by \(publishers) units, \(commits) commits", published))
        try writeUnitKeys(report.keys)
        try writeIdentities(report.identities)
        let inspektorat = runner.units.units.first { $0.role == .inspektorat }?.id ?? "inspektorat"
        func reader(_ unit: String) -> SealedContentReader? {
            report.identities[unit].map { SealedContentReader(unit: unit, identities: [$0]) }
        }

        // 5. The read models, checked against the scenario: the public's, the Inspektorat's
        // and a bureau's, each opening what is sealed to it.
        let (counts, checked, readers): (Counts, [String: Int], [ReaderView]) = try await timed(.project) { () throws(DemoError) in
            let counts: Counts
            var readers: [ReaderView] = []
            do throws(ProjectionError) {
                for (name, path, r) in [("publik", files.readModels, nil as SealedContentReader?),
                                        (inspektorat, files.inspektoratReadModels, reader(inspektorat)),
                                        (options.bureau, files.bureauReadModels, reader(options.bureau))] {
                    let database = try ReadModelDatabase.openForWriting(path: path)
                    let projections = try ProjectionRunner(ledger: ledger, database: database, projections: ReadModels.builtIn(reader: r))
                    _ = try await projections.catchUp()
                    let exchanges = try ReadModels(reader: database).exchanges()
                    let sealed = exchanges.filter { $0.sealedTo != nil }
                    readers.append(ReaderView(reader: name, readModels: path, exchanges: exchanges.count, sealedExchanges: sealed.count,
                                              readable: sealed.filter { !$0.sealed }.count))
                }
                counts = try Counts(ReadModels(reader: try ReadModelDatabase.openReadOnly(path: files.readModels)), asOf: scenario.asOf)
            } catch {
                throw DemoError(.readModels, "the read models could not be built: \(error.message)")
            }
            var named = counts.named
            named["events"] = report.events
            let checked = try check(named, scenario: scenario)
            let views = readers.map { "\($0.reader) reads \($0.readable) of \($0.sealedExchanges) sealed" }.joined(separator: ", ")
            return ((counts, checked, readers), "\(checked.count) counts match the scenario's expected numbers; \(views)")
        }

        // 6. The Inspektorat cosigns.
        let cosigned: SignedCheckpoint = try await timed(.cosign) { () throws(DemoError) in
            let cosigned: SignedCheckpoint
            var how = "in this process"
            if let cosign = options.cosign {
                (cosigned, how) = try await cosign(ledger, witness)
            } else {
                do throws(WitnessError) { cosigned = try witness.cosign(ledger: ledger) } catch {
                    throw DemoError(.witness, "the Inspektorat did not cosign: \(error.description)")
                }
            }
            try write(cosigned.serialized, to: files.witnessedCheckpoint)
            return (cosigned, "size \(cosigned.checkpoint.size), root \(cosigned.checkpoint.rootHash.base64), \(how)")
        }

        // 7. The full audit.
        let audit: AuditReport = try await timed(.audit) { () throws(DemoError) in
            var auditOptions = Inspector.Options()
            auditOptions.validator = validator
            auditOptions.readModels = files.readModels
            auditOptions.trusted = cosigned
            auditOptions.sealedReader = reader(inspektorat)
            let audit: AuditReport
            do throws(InspectorError) { audit = try await Inspector(ledger: ledger, options: auditOptions).audit() } catch {
                throw DemoError(.ledger, "the audit could not run: \(error.message)", underlying: error)
            }
            try write(audit.html, to: files.report)
            guard audit.verdict == .clean else {
                let first = audit.findings.first.map { " The first: [\($0.rule)] \($0.message)." } ?? ""
                throw DemoError(.findings, "the audit found \(audit.findingCount) problems; see \(files.report).\(first)")
            }
            return (audit, "\(audit.verdict.rawValue): \(audit.signaturesVerified) signatures, \(audit.checkpointsChecked) checkpoints, \(audit.readModelTables ?? 0) tables compared, \(audit.sealedOpened ?? 0) sealed events opened by \(inspektorat)")
        }

        // 8. The export of the cosigned checkpoint.
        let exported: ExportSummary = try await timed(.export) { () throws(DemoError) in
            do throws(LedgerError) {
                let summary = try ledger.export(to: files.export, size: cosigned.checkpoint.size)
                return (summary, "size \(summary.size): \(summary.filesWritten) files, \(summary.bytes) bytes")
            } catch {
                throw DemoError(.export, "the export to \(files.export) failed: \(error.message)")
            }
        }

        let logSize: UInt64
        do { logSize = try ledger.size() } catch {
            throw DemoError(.ledger, "the ledger's size could not be read: \(error.message)")
        }
        let c = counts
        return Summary(
            origin: options.origin, fiscalYear: scenario.fiscalYear, asOf: scenario.asOf, units: unitCount,
            logSize: logSize, registryEvents: report.registryEvents, scenarioEvents: report.events, commits: commits,
            exchanges: c.requests, distributions: c.distributions, exchangesByStatus: c.byStatus, late: c.late,
            overdue: c.overdue, audits: c.audits, findings: c.findings, openFindings: c.openFindings,
            checked: checked,
            witnessedSize: cosigned.checkpoint.size,
            cosignature: cosigned.note.signatures.first { $0.matches(witness.key) }?.line ?? "",
            auditVerdict: audit.verdict.rawValue,
            auditFindings: audit.findingCount, signaturesVerified: audit.signaturesVerified,
            checkpointsChecked: audit.checkpointsChecked, readModelTables: audit.readModelTables ?? 0,
            readers: readers, sealedOpenedByAudit: audit.sealedOpened ?? 0,
            exportFiles: exported.filesWritten, exportBytes: exported.bytes, stepSeconds: times,
            seconds: Self.seconds(ContinuousClock.now - started), files: files)
    }

    // MARK: Steps' parts

    /// Creates the directory, or empties it if it holds a previous demo; refuses anything else.
    private func prepareDirectory() throws(DemoError) {
        let fm = FileManager.default
        let dir = files.directory
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: dir, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw DemoError(.input, "\(dir) is a file, not a directory; choose another --dir")
            }
            let contents = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
            if contents.contains(Self.markerName) {
                do { try fm.removeItem(atPath: dir) } catch {
                    throw DemoError(.input, "the previous demo in \(dir) could not be removed: \(error.localizedDescription)")
                }
            } else if !contents.isEmpty {
                throw DemoError(
                    .input, "\(dir) exists and was not made by `jejak demo` (it has no \(Self.markerName) file); choose another --dir or remove it")
            }
        }
        do {
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try fm.createDirectory(atPath: files.unitKeys, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw DemoError(.input, "\(dir) could not be created: \(error.localizedDescription)")
        }
        try write("Made by `jejak demo`, which replaces this directory when run again with the same --dir.\n",
                  to: dir + "/" + Self.markerName)
    }

    private func writeUnitKeys(_ keys: [String: SignerKey]) throws(DemoError) {
        for (unit, key) in keys.sorted(by: { $0.key < $1.key }) {
            let path = files.unitKeys + "/" + unit.replacingOccurrences(of: "/", with: "_") + ".key"
            do { try KeyFile.write(key, to: path) } catch {
                throw DemoError(.report, "the key of \(unit) could not be written to \(path): \(error.message)")
            }
        }
    }

    private func writeIdentities(_ identities: [String: AgeIdentity]) throws(DemoError) {
        for (unit, identity) in identities.sorted(by: { $0.key < $1.key }) {
            let path = files.unitKeys + "/" + unit.replacingOccurrences(of: "/", with: "_") + ".age"
            do { try AgeIdentityFile.write(identity, to: path) } catch {
                throw DemoError(.report, "the identity of \(unit) could not be written to \(path): \(error.message)")
            }
        }
    }

    private func write(_ text: String, to path: String) throws(DemoError) {
        do { try AtomicFile.write(Array(text.utf8), to: path) } catch {
            throw DemoError(.report, "\(path) could not be written: \(error.message)")
        }
    }

    private func checkpointCount(_ ledger: Ledger) throws(DemoError) -> Int {
        do { return try ledger.checkpointSizes().count } catch {
            throw DemoError(.ledger, "the ledger's checkpoints could not be read: \(error.message)")
        }
    }

    /// Compares the read models' counts with the scenario's `expected` ones; returns the counts
    /// compared, by name.
    private func check(_ actual: [String: Int], scenario: SeedScenario) throws(DemoError) -> [String: Int] {
        let expected = scenario.expected.counts
        var checked: [String: Int] = [:]
        var differences: [String] = []
        for (name, want) in expected.sorted(by: { $0.key < $1.key }) {
            guard let got = actual[name] else { continue }
            if got == want { checked[name] = got } else { differences.append("\(name) \(got) (expected \(want))") }
        }
        guard differences.isEmpty else {
            throw DemoError(.readModels, "the read models disagree with the scenario: \(differences.joined(separator: ", "))")
        }
        return checked
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// The read models' counts that the scenario states.
private struct Counts {
    var requests = 0, distributions = 0, late = 0, rejected = 0, rejections = 0, deliveries = 0, redelivered = 0
    var byStatus: [String: Int] = [:]
    var overdue: [String] = []
    var audits = 0, findings = 0, openFindings = 0, followUps = 0

    init(_ models: ReadModels, asOf: String) throws(ProjectionError) {
        for x in try models.exchanges() {
            byStatus[x.status, default: 0] += 1
            if x.kind == "distribution" { distributions += 1; continue }
            requests += 1
            if x.late { late += 1 }
            if x.rejections > 0 { rejected += 1 }
            rejections += x.rejections
            deliveries += x.deliveries
            // A second delivery can only follow a rejection of the first.
            if x.rejections > 0 && x.deliveries > 1 { redelivered += 1 }
        }
        var filter = ExchangeFilter()
        filter.overdueAsOf = asOf
        overdue = try models.exchanges(filter).map(\.id)
        let audits = try models.audits()
        self.audits = audits.count
        findings = audits.map(\.findingCount).reduce(0, +)
        openFindings = audits.map(\.openFindings).reduce(0, +)
        followUps = audits.map(\.followUpCount).reduce(0, +)
    }

    /// The counts under the names of the scenario's `expected`.
    var named: [String: Int] {
        let status = { (s: ExchangesProjection.Status) in self.byStatus[s.rawValue] ?? 0 }
        let unanswered = status(.requested), pending = status(.delivered), awaiting = status(.rejected)
        return [
            "exchanges": requests, "distributions": distributions, "rejectedThenRedelivered": redelivered,
            "acknowledged": status(.acknowledged), "declined": status(.declined), "withdrawn": status(.withdrawn),
            "open": unanswered + pending + awaiting, "unanswered": unanswered, "pendingAcknowledgement": pending,
            "awaitingRedelivery": awaiting, "late": late, "overdueAtEnd": overdue.count, "rejected": rejected,
            "rejections": rejections, "deliveries": deliveries, "audits": audits, "findings": findings,
            "openFindings": openFindings, "followUps": followUps,
        ]
    }
}
