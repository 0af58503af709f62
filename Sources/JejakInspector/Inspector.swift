import Dispatch
import Foundation
import Jejak
import JejakBase
import JejakDomain
import JejakCrypto
import JejakJSON
import JejakProjections
import JejakTlog
import JejakVerification

/// The integrity audit of a ledger: proves, with pinpointed findings, that its history is
/// intact — or says where it is not.
///
/// A full audit replays the log from genesis: every leaf hashed and the root of each stored
/// checkpoint recomputed; each checkpoint's log signature and witness cosignatures checked
/// against the policy; every event signature checked against the key the registry (replayed
/// under the pinned authority key) had active at that entry; every event re-validated (schemas
/// and domain rules, decided again from the log); ids unique, appended times in order; the
/// derived indexes, Merkle nodes and registry records compared with the entries; a checkpoint
/// held outside the ledger checked for consistency (rollback, truncation, fork); and the read
/// models rebuilt and compared. It streams in chunks on all cores; memory stays bounded.
///
/// An incremental audit (``Options/since``) proves the log consistent with an earlier audited
/// checkpoint and replays only the entries after it.
///
/// ```swift
/// var options = Inspector.Options()
/// options.validator = try DomainValidator.bundled()
/// options.readModels = "/var/lib/jejak/read-models.sqlite"
/// let report = try await Inspector(ledger: ledger, options: options).audit()
/// print(report.verdict, report.findings.count)
/// ```
public struct Inspector: Sendable {
    /// What to audit and how.
    public struct Options: Sendable {
        /// The trust policy (log key, witnesses, quorum); the ledger's own `policy` file if `nil`.
        public var policy: TlogPolicy?
        /// A signed checkpoint held outside the ledger (e.g. the last one the Inspektorat
        /// cosigned, as `Witness.lastCosigned(origin:)` gives it), which the log must extend. It
        /// must verify with the policy's log key; when its cosignatures meet the quorum, the log
        /// is witnessed up to its size even if the stored checkpoints lost their cosignatures.
        public var trusted: SignedCheckpoint?
        /// An earlier audited checkpoint: audit only the entries after it (incremental).
        public var since: SignedCheckpoint?
        /// The validation hook whose rules are re-decided (the domain's, for KPU ledgers).
        public var validator: any EventValidator = AcceptAllValidator()
        /// A live read-model database to rebuild and compare, if any.
        public var readModels: String?
        /// The projections that built it.
        public var projections: [any Projection] = ReadModels.builtIn()
        /// Threads for the parallel checks (default: every core).
        public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        /// Entries read and checked per chunk. Two chunks are in flight, decoded; 1,024 keeps
        /// the audit of 1,000,000 entries near 100 MiB (measured: 2,048 took 136–156 MiB at the
        /// same speed).
        public var chunkSize = 1024
        /// Called after each chunk with the entries audited so far and the total.
        public var progress: (@Sendable (_ done: UInt64, _ total: UInt64) -> Void)?
        /// The auditor's unit and identities (the Inspektorat's): every sealed member sealed to
        /// it is opened and checked against its schema and commitment (rule `sealed-content`).
        public var sealedReader: SealedContentReader?

        /// A full audit under the ledger's own policy, without domain rules or read models.
        public init() {}
    }

    /// The ledger audited.
    public let ledger: Ledger
    /// The options.
    public let options: Options

    /// An inspector of `ledger` (open it read-only to audit while another process writes).
    public init(ledger: Ledger, options: Options = Options()) {
        self.ledger = ledger
        self.options = options
    }

    /// Runs the audit.
    ///
    /// The log is audited up to its size when the audit starts; appends may go on meanwhile.
    ///
    /// - Returns: The report; findings do not throw.
    /// - Throws: ``InspectorError`` when the audit cannot run (unreadable ledger, unusable
    ///   policy or checkpoint, a read-model database that can't be rebuilt).
    public func audit() async throws(InspectorError) -> AuditReport {
        let started = Date()
        let ledger = self.ledger, options = self.options
        let (audited, _) = try await withCheckedContinuation { (k: CheckedContinuation<Result<(AuditReport, UInt64), InspectorError>, Never>) in
            // The log's replay is CPU-bound and synchronous: run it on a thread of its own, off
            // the cooperative pool.
            let thread = Thread {
                do throws(InspectorError) {
                    k.resume(returning: .success(try LogAudit(ledger: ledger, options: options).run()))
                } catch {
                    k.resume(returning: .failure(error))
                }
            }
            thread.start()
        }.get()
        var report = audited
        if let reader = options.sealedReader {
            let catalog = (options.validator as? DomainValidator)?.catalog, size = report.auditedTo
            let outcome = try await withCheckedContinuation { (k: CheckedContinuation<Result<SealedContentAudit.Outcome, InspectorError>, Never>) in
                let thread = Thread {
                    do throws(LedgerError) {
                        guard let catalog = catalog ?? (try? SchemaCatalog.bundled()) else {
                            k.resume(returning: .failure(InspectorError(.ledger, "the sealed content cannot be checked: the event schemas were not found")))
                            return
                        }
                        let audit = SealedContentAudit(ledger: ledger, reader: reader, catalog: catalog, workers: options.workers)
                        k.resume(returning: .success(try audit.run(to: size)))
                    } catch {
                        k.resume(returning: .failure(.ledger("the sealed content could not be read", error)))
                    }
                }
                thread.start()
            }.get()
            report.sealedReader = reader.unit
            report.sealedOpened = outcome.opened
            for f in outcome.findings {
                report.findingCount += 1
                if report.findings.count < AuditReport.maxFindings { report.findings.append(f) }
            }
        }
        if let path = options.readModels {
            let (tables, findings) = try await ReadModelAudit(ledger: ledger, live: path, projections: options.projections).compare()
            report.readModelTables = tables
            for f in findings {
                report.findingCount += 1
                if report.findings.count < AuditReport.maxFindings { report.findings.append(f) }
            }
        }
        report.verdict = .of(findings: report.findingCount, size: report.auditedTo, witnessed: report.witnessedSize,
                             witnessRequired: report.witnessRequired)
        report.seconds = Date().timeIntervalSince(started)
        report.startedAt = LedgerTime(millisecondsSinceEpoch: Int64(started.timeIntervalSince1970 * 1000)).rfc3339
        return report
    }
}

/// One run of the log part of an audit (everything but the read models).
struct LogAudit {
    /// The decoded entries kept for the stream histories the rules read (two generations of
    /// this many): an exchange's earlier events are recent, and each entry is a few KiB decoded.
    static let cachedEntries = 1024

    let ledger: Ledger
    let options: Inspector.Options

    func run() throws(InspectorError) -> (AuditReport, UInt64) {
        let policy = try resolvePolicy()
        if let trusted = options.trusted { try checkUsable(trusted, as: "trusted checkpoint", policy: policy) }
        var findings = FindingSink()

        // Checkpoint sizes first, then the log's size: a commit landing in between only adds
        // entries, so any stored checkpoint beyond the size really is beyond the log. Such a
        // commit stored its checkpoint with its entries: the sizes stored since the first read,
        // up to the log's size, are read again, so its last commit is not taken for one
        // without a checkpoint (an audit beside a writing process).
        let sizes: [UInt64], counts: StoredCounts
        do {
            let from = options.since?.checkpoint.size ?? 0
            let first = try ledger.checkpointSizes(from: from)
            counts = try ledger.storedCounts()
            sizes = first + (try ledger.checkpointSizes(from: first.last.map { $0 == .max ? $0 : $0 + 1 } ?? from))
                .filter { $0 <= UInt64(counts.entries) }
        } catch { throw .ledger("the ledger cannot be read", error) }
        let n = UInt64(counts.entries)
        for s in sizes where s > n {
            findings.add(.checkpointSize, "a checkpoint of size \(s) is stored, but the log holds only \(n) entries: entries were removed after it was signed",
                         checkpointSize: s)
        }

        var start: UInt64 = 0
        var mode = AuditReport.Mode.full
        var replay: LogReplay
        if let since = options.since {
            mode = .incremental
            start = since.checkpoint.size
            guard start <= n else {
                findings.add(.consistency, "the log holds \(n) entries, fewer than the \(start) of the earlier audited checkpoint: it was rolled back or truncated",
                             checkpointSize: start)
                // Nothing after the audited size exists to audit: the report covers no entries.
                return (report(mode: mode, from: n, to: n, replay: nil, findings: findings, policy: policy, checkpoint: nil,
                               checkpoints: 0, witnessed: nil), n)
            }
            guard let r = try incrementalStart(since: since, size: n, policy: policy, findings: &findings) else {
                return (report(mode: mode, from: start, to: n, replay: nil, findings: findings, policy: policy, checkpoint: nil,
                               checkpoints: 0, witnessed: nil), n)
            }
            replay = r
        } else {
            let ledger = self.ledger
            let cache = EntryCache(limit: Self.cachedEntries) { (i: UInt64) throws(LedgerError) -> LogEntry in try ledger.entry(at: i) }
            replay = LogReplay(origin: ledger.origin, logKey: ledger.logKey, registry: Registry(authority: ledger.authority),
                               frontier: MerkleFrontier(), lastAppended: nil, validator: options.validator, cache: cache,
                               trackIDs: false)
        }

        // Which sizes need the replayed root: stored checkpoints and the trusted one.
        var boundaries = sizes.filter { $0 > start && $0 <= n }
        let trusted = options.trusted
        if let t = trusted?.checkpoint.size, t > start, t <= n { boundaries.append(t) }
        boundaries.sort()
        let storedSizes = Set(sizes)
        if n > start && !storedSizes.contains(n) {
            findings.add(.checkpointSize, "the log's last commit (size \(n)) has no stored checkpoint", checkpointSize: n)
        }

        var checkpoints = 0
        var witnessed: UInt64?
        // The earlier audited checkpoint, proved consistent, counts if its cosignatures meet the quorum.
        if let since = options.since, (try? policy.verify(since)) != nil { witnessed = since.checkpoint.size }
        // Or the ledger's own checkpoint of that tree, cosigned after the earlier audit saved it.
        if witnessed == nil, let since = options.since, storedSizes.contains(start),
           let text = try? ledger.storedCheckpointText(size: start), let stored = try? policy.verify(signedCheckpoint: text),
           stored.checkpoint.rootHash == since.checkpoint.rootHash {
            witnessed = start
        }
        var trustedRoot: SHA256Digest?
        if let t = trusted?.checkpoint.size, t == start { trustedRoot = replay.frontier.root }
        var boundary = boundaries.startIndex

        do throws(LedgerError) {
            let checker = EntryChecker(validator: options.validator, workers: options.workers)
            let chunkSize = options.chunkSize
            let ledger = self.ledger, keys = replay.knownKeys
            func prefetch(_ from: UInt64) -> Prefetch {
                Prefetch { () throws(LedgerError) -> [CheckedEntry] in
                    let leaves = try ledger.leaves(from: from, to: n, limit: chunkSize)
                    return checker.check(leaves, keys: keys.snapshot)
                }
            }
            var position = start
            var next: Prefetch? = position < n ? prefetch(position) : nil
            while let pending = next {
                var chunk = try pending.value()
                guard !chunk.isEmpty else { break }
                // The entries must be consecutive from `position`: the first one missing ends
                // the replay (nothing after it can be placed in the tree).
                var missing: UInt64?
                if let gap = chunk.indices.first(where: { chunk[$0].index != position + UInt64($0) }) {
                    missing = position + UInt64(gap)
                    chunk.removeSubrange(gap...)
                }
                position += UInt64(chunk.count)
                next = missing == nil && position < n ? prefetch(position) : nil

                var done = chunk.startIndex
                var replayed = ReplayedChunk()
                while done < chunk.endIndex {
                    // Up to the next checkpoint boundary inside the chunk.
                    var end = chunk.endIndex
                    if boundary < boundaries.endIndex, boundaries[boundary] <= position {
                        end = Int(boundaries[boundary] - chunk[chunk.startIndex].index) + chunk.startIndex
                    }
                    let part = try replay.replay(chunk[done..<end])
                    replayed.nodes += part.nodes
                    replayed.ids += part.ids
                    replayed.streams += part.streams
                    done = end
                    while boundary < boundaries.endIndex, boundaries[boundary] == replay.size {
                        let s = boundaries[boundary]
                        if storedSizes.contains(s) {
                            checkpoints += 1
                            if replay.checkCheckpoint(text: try ledger.storedCheckpointText(size: s), policy: policy) {
                                witnessed = s
                            }
                        }
                        if trusted?.checkpoint.size == s { trustedRoot = replay.frontier.root }
                        boundary += 1
                    }
                }
                try checkIndexes(replayed, into: &replay)
                options.progress?(position - start, n - start)
            }
            if position < n {
                findings.add(.missingEntry, "the log has no entry \(position) although it holds \(n) entries: entries were deleted; nothing after entry \(position) was audited",
                             index: position)
            }
        } catch {
            throw .ledger("the ledger could not be read during the audit", error)
        }

        if let trusted, checkTrusted(trusted, root: trustedRoot, size: n, policy: policy, findings: &findings) {
            witnessed = max(witnessed ?? 0, trusted.checkpoint.size)
        }
        checkCounts(counts, size: n, findings: &findings)
        do {
            try checkRegistryRecords(replay.registry, size: n, findings: &findings)
        } catch { throw .ledger("the registry records cannot be read", error) }
        findings.merge(replay.findings)

        let latest = n == 0 ? nil : try? ledger.storedCheckpointText(size: n)
        return (report(mode: mode, from: start, to: n, replay: replay, findings: findings, policy: policy,
                       checkpoint: latest ?? nil, checkpoints: checkpoints, witnessed: witnessed), n)
    }

    private func report(mode: AuditReport.Mode, from: UInt64, to: UInt64, replay: LogReplay?, findings: FindingSink,
                        policy: TlogPolicy, checkpoint: String?, checkpoints: Int, witnessed: UInt64?) -> AuditReport {
        let witnessRequired = !policy.isQuorumSatisfied(byWitnessesNamed: [String]())
        return AuditReport(verdict: .of(findings: findings.count, size: to, witnessed: witnessed, witnessRequired: witnessRequired),
                    mode: mode, origin: ledger.origin,
                    auditedFrom: from, auditedTo: to, checkpoint: checkpoint, checkpointsChecked: checkpoints,
                    witnessedSize: witnessed, quorum: policy.quorum, witnessRequired: witnessRequired, signaturesVerified: replay?.signaturesVerified ?? 0,
                    trustedSize: options.trusted?.checkpoint.size, readModelTables: nil, findings: findings.findings,
                    findingCount: findings.count, units: replay?.unitStatistics ?? [], startedAt: "", seconds: 0)
    }

    /// Refuses a checkpoint given from outside that is not this log's: another origin, or no
    /// valid signature by the policy's log key (missing cosignatures only limit what it proves).
    private func checkUsable(_ checkpoint: SignedCheckpoint, as what: String, policy: TlogPolicy) throws(InspectorError) {
        guard checkpoint.checkpoint.origin.sameBytes(as: ledger.origin) else {
            throw InspectorError(.input, "the \(what) is for \(checkpoint.checkpoint.origin), not \(ledger.origin)")
        }
        do { _ = try policy.verify(checkpoint) } catch where error.code == .quorumNotMet {
            // Signed by the log: it can still catch a rollback or a fork.
        } catch {
            throw InspectorError(.input, "the \(what) does not verify: \(error.message)")
        }
    }

    private func resolvePolicy() throws(InspectorError) -> TlogPolicy {
        let policy: TlogPolicy
        if let p = options.policy { policy = p } else {
            do { policy = try ledger.policy() } catch { throw .ledger("the ledger's policy cannot be read", error) }
        }
        guard policy.logs.contains(where: { $0.key == ledger.logKey }) else {
            throw InspectorError(.input, "the policy does not list this ledger's log key \(ledger.logKey.hint); audit with the policy of \(ledger.origin)")
        }
        return policy
    }

    // MARK: Incremental start

    /// The replay state as of an earlier audited checkpoint: its consistency with the latest
    /// checkpoint proved, the registry replayed from the registry's own entries, the Merkle
    /// frontier read from the stored nodes (and checked against the audited root). `nil` when
    /// the stored state contradicts the audited checkpoint (a finding says so; only a full audit
    /// can then locate the damage).
    private func incrementalStart(since: SignedCheckpoint, size n: UInt64, policy: TlogPolicy,
                                  findings: inout FindingSink) throws(InspectorError) -> LogReplay? {
        let m = since.checkpoint.size
        // An audited checkpoint needs the log's signature, not the witnesses'.
        try checkUsable(since, as: "earlier audited checkpoint", policy: policy)
        let ledger = self.ledger
        let cache = EntryCache(limit: Self.cachedEntries) { (i: UInt64) throws(LedgerError) -> LogEntry in try ledger.entry(at: i) }
        do throws(LedgerError) {
            // Append-only since the audited checkpoint.
            if let latestText = try ledger.storedCheckpointText(size: n), let latest = try? SignedCheckpoint(parsing: latestText) {
                do {
                    if m == 0 {
                        // Everything extends the empty tree.
                    } else if m == n {
                        guard latest.checkpoint.rootHash == since.checkpoint.rootHash else {
                            throw ProofError(.rootMismatch, "the roots differ at the same size")
                        }
                    } else {
                        let proof = try ledger.consistencyProof(from: m, to: n)
                        try ConsistencyProof.verify(oldSize: m, newSize: n, oldRoot: since.checkpoint.rootHash,
                                                    newRoot: latest.checkpoint.rootHash, proof: proof)
                    }
                } catch {
                    findings.add(.consistency, "the latest checkpoint (size \(n)) is not consistent with the earlier audited checkpoint of size \(m): \(error)",
                                 checkpointSize: n)
                }
            }
            // The Merkle frontier at m, from the stored nodes.
            var coordinates: [(level: Int, index: UInt64)] = []
            var position: UInt64 = 0
            for level in stride(from: 63, through: 0, by: -1) where m & (UInt64(1) << UInt64(level)) != 0 {
                coordinates.append((level, position >> UInt64(level)))
                position += UInt64(1) << UInt64(level)
            }
            let hashes = try ledger.storedNodes(coordinates)
            var frontier = MerkleFrontier()
            if hashes.allSatisfy({ $0 != nil }), let f = try? MerkleFrontier(size: m, hashes: hashes.compactMap { $0 }) {
                frontier = f
            }
            if frontier.size != m || frontier.root != since.checkpoint.rootHash {
                findings.add(.consistency, "the stored Merkle nodes of the first \(m) entries do not give the root \(since.checkpoint.rootHash.base64) of the earlier audited checkpoint: entries before \(m) were changed; run a full audit to locate them",
                             checkpointSize: m)
                return nil
            }
            // The registry as of m, replayed from its own entries.
            var registry = Registry(authority: ledger.authority)
            let stored = try ledger.storedRegistry()
            var registryIndexes: Set<UInt64> = m > 0 ? [0] : []
            for u in stored.units.values where u.registeredAt < m { registryIndexes.insert(u.registeredAt) }
            for k in stored.keys.values {
                if k.addedAt < m { registryIndexes.insert(k.addedAt) }
                if let r = k.revokedAt, r < m { registryIndexes.insert(r) }
            }
            for r in stored.recipients.values {
                if r.addedAt < m { registryIndexes.insert(r.addedAt) }
                if let at = r.revokedAt, at < m { registryIndexes.insert(at) }
            }
            for i in registryIndexes.sorted() {
                let e = try ledger.entry(at: i)
                guard e.signedEvent.envelope.verifySignature(at: 0, with: ledger.authority) else {
                    findings.add(.registryRecords, "the registry record names entry \(i), which is not signed by the registry authority",
                                 index: i, eventID: e.event.id)
                    continue
                }
                do { try registry.apply(e.event, at: i) } catch {
                    findings.add(.registryRecords, "the registry entry \(i) does not replay: \(error.message)", index: i, eventID: e.event.id)
                }
            }
            let lastAppended = m > 0 ? try ledger.entry(at: m - 1).appended : nil
            let priorStream = { (subject: String) throws(LedgerError) -> [UInt64] in
                var out: [UInt64] = []
                for (_, e) in try ledger.stream(subject, limit: .max) where e.index < m {
                    cache.put(e)
                    out.append(e.index)
                }
                return out
            }
            return LogReplay(origin: ledger.origin, logKey: ledger.logKey, registry: registry, frontier: frontier,
                             lastAppended: lastAppended, validator: options.validator, cache: cache, trackIDs: false,
                             priorStream: priorStream)
        } catch {
            throw .ledger("the incremental audit cannot start from size \(m)", error)
        }
    }

    // MARK: Checks against the ledger's own storage

    private func checkIndexes(_ chunk: ReplayedChunk, into replay: inout LogReplay) throws(LedgerError) {
        let ids = try ledger.storedIDRecords(chunk.ids.map(\.id))
        for (record, (id, index)) in zip(ids, chunk.ids) where record != .entry(index) {
            // The index names another entry: if that one holds the same id, the log repeats it.
            if case .entry(let other) = record, let e = try? ledger.entry(at: other), e.event.id.sameBytes(as: id) {
                replay.addFinding(Finding(rule: AuditRule.duplicateEventID.rawValue,
                                          message: "entries \(min(index, other)) and \(max(index, other)) hold the same event id \"\(id)\"",
                                          index: max(index, other), eventID: id))
                continue
            }
            let what = switch record {
            case .missing: "has no record"
            case .damaged: "has a damaged record"
            case .entry(let other): "points to entry \(other)"
            }
            replay.addFinding(Finding(rule: AuditRule.idIndex.rawValue,
                                      message: "the ids index for \"\(id)\" (entry \(index)) \(what)", index: index, eventID: id))
        }
        let streams = try ledger.storedStreamRecords(chunk.streams.map { ($0.subject, $0.version) })
        for (record, s) in zip(streams, chunk.streams) where record != .entry(s.index) {
            let what = switch record {
            case .missing: "is missing"
            case .damaged: "is damaged"
            case .entry(let other): "points to entry \(other)"
            }
            replay.addFinding(Finding(rule: AuditRule.streamIndex.rawValue,
                                      message: "version \(s.version) of the stream \(s.subject) is entry \(s.index), but its index record \(what)",
                                      index: s.index))
        }
        let stored = try ledger.storedNodes(chunk.nodes.map { ($0.level, $0.index) })
        for (hash, node) in zip(stored, chunk.nodes) where hash != node.hash {
            let first = node.index << UInt64(node.level), count = UInt64(1) << UInt64(node.level)
            let what = hash == nil ? "is missing" : "differs from the hash of the entries"
            replay.addFinding(Finding(rule: AuditRule.merkleNode.rawValue,
                                      message: node.level == 0
                                        ? "the stored leaf hash of entry \(first) \(what)"
                                        : "the stored Merkle node over entries \(first)..<\(first + count) (level \(node.level)) \(what)",
                                      index: first))
        }
    }

    private func checkCounts(_ counts: StoredCounts, size n: UInt64, findings: inout FindingSink) {
        if UInt64(counts.ids) != n {
            findings.add(.idIndex, "the ids index holds \(counts.ids) records for \(n) entries")
        }
        if UInt64(counts.streams) != n {
            findings.add(.streamIndex, "the streams index holds \(counts.streams) records for \(n) entries")
        }
        let nodes = 2 * n - UInt64(n.nonzeroBitCount)
        if UInt64(counts.nodes) != nodes {
            findings.add(.merkleNode, "\(counts.nodes) Merkle nodes are stored; a log of \(n) entries has \(nodes)")
        }
    }

    private func checkRegistryRecords(_ replayed: Registry, size n: UInt64, findings: inout FindingSink) throws(LedgerError) {
        let stored: Registry
        do { stored = try ledger.storedRegistry() } catch where error.code == .corruptStore {
            findings.add(.registryRecords, error.message)
            return
        }
        for (id, unit) in stored.units where unit.registeredAt < n && replayed.units[id] != unit {
            findings.add(.registryRecords, "the stored record of unit \(id) does not match the log", index: unit.registeredAt)
        }
        for (id, unit) in replayed.units where stored.units[id] != unit {
            findings.add(.registryRecords, "the unit \(id), registered at entry \(unit.registeredAt), has no matching stored record",
                         index: unit.registeredAt)
        }
        for (hint, key) in stored.keys where key.addedAt < n {
            var asOfN = key
            if let r = key.revokedAt, r >= n { asOfN.revokedAt = nil }
            if replayed.keys[hint] != asOfN {
                findings.add(.registryRecords, "the stored record of key \(hint) does not match the log", index: key.addedAt)
            }
        }
        for (hint, key) in replayed.keys {
            var s = stored.keys[hint]
            if let r = s?.revokedAt, r >= n { s?.revokedAt = nil }
            if s != key {
                findings.add(.registryRecords, "the key \(hint), added at entry \(key.addedAt), has no matching stored record",
                             index: key.addedAt)
            }
        }
        for (text, recipient) in stored.recipients where recipient.addedAt < n {
            var asOfN = recipient
            if let r = recipient.revokedAt, r >= n { asOfN.revokedAt = nil }
            if replayed.recipients[text] != asOfN {
                findings.add(.registryRecords, "the stored record of recipient \(text) does not match the log", index: recipient.addedAt)
            }
        }
        for (text, recipient) in replayed.recipients {
            var s = stored.recipients[text]
            if let r = s?.revokedAt, r >= n { s?.revokedAt = nil }
            if s != recipient {
                findings.add(.registryRecords, "the recipient \(text), added at entry \(recipient.addedAt), has no matching stored record",
                             index: recipient.addedAt)
            }
        }
    }

    /// Checks the log against the trusted checkpoint (checked against the policy before the
    /// audit began); returns whether the log extends it and its cosignatures meet the quorum.
    private func checkTrusted(_ trusted: SignedCheckpoint, root: SHA256Digest?, size n: UInt64, policy: TlogPolicy,
                              findings: inout FindingSink) -> Bool {
        let t = trusted.checkpoint
        if t.size > n {
            findings.add(.consistency, "the trusted checkpoint has \(t.size) entries but the log only \(n): the log was rolled back or truncated (entries \(n)..<\(t.size) are gone)",
                         index: n, checkpointSize: t.size)
            return false
        } else if let root, root != t.rootHash {
            findings.add(.consistency, "the log's first \(t.size) entries give root \(root.base64), not the root \(t.rootHash.base64) of the trusted checkpoint: history was rewritten or forked",
                         checkpointSize: t.size)
            return false
        }
        return root != nil && (try? policy.verify(trusted)) != nil
    }
}
