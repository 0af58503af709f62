import Foundation
import JejakBase
import JejakCrypto
import JejakJSON
import JejakStorage
import JejakTlog
import Logging
import Synchronization

/// An event checked in the publisher's task, ready to be sequenced.
struct PreparedEvent: Sendable {
    let signed: SignedEvent
    /// The envelope as stored in the leaf; the same bytes again are "the same event" for
    /// idempotency.
    let envelopeJSON: [UInt8]
    /// The key the signature verified with before sequencing, if the key was known then.
    let verifiedKey: VerifierKey?
}

/// The state readers see of the writer's last commit.
struct PublishedState: Sendable {
    var size: UInt64
    var checkpoint: SignedCheckpoint
    var registry: Registry
}

/// The single writer of a ledger: a dedicated thread that sequences batches of appends.
///
/// Publishers check their events in their own tasks (in parallel), then hand them to the writer
/// and wait. The writer takes every request queued at that moment (group commit), decides each
/// one whole (all its events or none), writes all accepted events, their Merkle nodes, indexes
/// and one new signed checkpoint in one LMDB transaction (one fsync), and only then resumes the
/// publishers. LMDB write transactions therefore only ever run on this one thread, and never
/// across an `await`.
///
/// `@unchecked Sendable`: the sequencing state (`size`, `frontier`, `lastAppended`,
/// `registry`) is read and written only on the writer thread once it has started (before that,
/// only by `init`, which happens-before `Thread.start`). The queue is guarded by `condition`.
/// Everything else is immutable or itself `Sendable`.
final class LedgerWriter: @unchecked Sendable {
    struct Job {
        let events: [PreparedEvent]
        let expected: ExpectedVersion
        let continuation: CheckedContinuation<Admitted, any Error>
    }

    let store: LedgerStore
    let logKey: SignerKey
    let origin: String
    let validator: any EventValidator
    let published: Mutex<PublishedState>
    let signal: CommitSignal
    let maxBatchEvents: Int
    let maxQueuedEvents: Int
    let logger: Logger
    let clock: @Sendable () -> LedgerTime

    // Writer-thread state.
    private var size: UInt64
    private var frontier: MerkleFrontier
    private var lastAppended: LedgerTime
    private var registry: Registry

    // The queue.
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var queuedEvents = 0
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    init(store: LedgerStore, logKey: SignerKey, origin: String, validator: any EventValidator,
         state: PublishedState, frontier: MerkleFrontier, lastAppended: LedgerTime,
         signal: CommitSignal, clock: @escaping @Sendable () -> LedgerTime, maxBatchEvents: Int, maxQueuedEvents: Int,
         logger: Logger) {
        self.store = store
        self.logKey = logKey
        self.origin = origin
        self.validator = validator
        self.published = Mutex(state)
        self.signal = signal
        self.maxBatchEvents = maxBatchEvents
        self.maxQueuedEvents = maxQueuedEvents
        self.logger = logger
        self.clock = clock
        self.size = state.size
        self.frontier = frontier
        self.lastAppended = lastAppended
        self.registry = state.registry
    }

    func start() {
        let thread = Thread { [self] in
            self.run()
            self.finished.signal()
        }
        thread.name = "jejak-writer"
        thread.start()
    }

    /// The number of events queued and not yet taken into a commit.
    var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queuedEvents
    }

    /// Queues a request and waits for its entries' indexes (after the commit is durable).
    /// Refuses it at once, with ``LedgerError/Code/writerQueueFull``, when the queue already
    /// holds requests and this one would take it past ``maxQueuedEvents`` (a request alone in
    /// the queue is always taken, whatever its size).
    func submit(_ events: [PreparedEvent], expected: ExpectedVersion) async throws -> Admitted {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            if stopping {
                condition.unlock()
                continuation.resume(throwing: LedgerError(.notWritable, "the ledger is closed"))
                return
            }
            if queuedEvents > 0 && queuedEvents + events.count > maxQueuedEvents {
                let depth = queuedEvents
                condition.unlock()
                continuation.resume(throwing: LedgerError(
                    .writerQueueFull, "the writer's queue holds \(depth) events, its limit is \(maxQueuedEvents): try again shortly"))
                return
            }
            queuedEvents += events.count
            queue.append(Job(events: events, expected: expected, continuation: continuation))
            condition.signal()
            condition.unlock()
        }
    }

    /// Finishes the queued requests, then stops the thread and waits for it.
    func stop() {
        condition.lock()
        let wasStopping = stopping
        stopping = true
        condition.signal()
        condition.unlock()
        if !wasStopping { finished.wait() }
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty && stopping {
                condition.unlock()
                return
            }
            var jobs: [Job] = []
            var count = 0
            while let first = queue.first, jobs.isEmpty || count + first.events.count <= maxBatchEvents {
                jobs.append(queue.removeFirst())
                count += first.events.count
            }
            queuedEvents -= count
            condition.unlock()
            process(jobs)
        }
    }

    // MARK: Sequencing

    /// The state of a batch being decided: the last commit plus the requests admitted so far.
    ///
    /// Ids and subjects are keyed by their bytes (`ExactText`), as the `ids` and `streams`
    /// databases key them: two spellings that Swift's `String` deems equal are two events, or
    /// two streams.
    struct Pending {
        var size: UInt64
        var registry: Registry
        /// Admitted events with their stream versions, in log order.
        var accepted: [(event: PreparedEvent, version: UInt64)] = []
        /// Event ids admitted in this batch → position in ``accepted``.
        var ids: [ExactText: Int] = [:]
        /// Stream versions after the events admitted in this batch.
        var versions: [ExactText: UInt64] = [:]
        /// Positions in ``accepted`` of each stream's events admitted in this batch.
        var streams: [ExactText: [Int]] = [:]
        /// Whether a registry event was admitted (then the registry's records are rewritten);
        /// stays set if that request is later rolled back, which only costs a comparison.
        var registryTouched = false
    }

    /// What the last commit says about the ids and streams of a batch, read in one snapshot.
    struct Committed {
        var ids: [ExactText: UInt64]
        var versions: [ExactText: UInt64]
    }

    /// What a request got: its entries' indexes, and the `appended` time of new entries
    /// (`nil` when every event was already in the log).
    struct Admitted: Sendable {
        var indexes: [UInt64]
        var appended: LedgerTime?
    }

    private func process(_ jobs: [Job]) {
        let firstIndex = size
        var pending = Pending(size: size, registry: registry)
        var results: [Result<[UInt64], LedgerError>] = []
        results.reserveCapacity(jobs.count)
        let committed: Committed
        do {
            let events = jobs.flatMap(\.events).map(\.signed.event)
            let found = try store.lookup(ids: events.map(\.id), subjects: Set(events.map { ExactText($0.subject) }))
            committed = Committed(ids: found.ids, versions: found.versions)
        } catch {
            for job in jobs { job.continuation.resume(throwing: error) }
            return
        }
        for job in jobs {
            do {
                results.append(.success(try admit(job.events, expected: job.expected, committed: committed, into: &pending)))
            } catch {
                results.append(.failure(error))
            }
        }

        var appended: LedgerTime?
        if !pending.accepted.isEmpty {
            do {
                appended = try commit(pending, firstIndex: firstIndex)
            } catch {
                logger.error("commit failed; the batch is refused", metadata: ["error": "\(error)"])
                results = results.map { r in
                    if case .success(let idx) = r, idx.contains(where: { $0 >= firstIndex }) { return .failure(error) }
                    return r
                }
            }
        }
        for (job, result) in zip(jobs, results) {
            job.continuation.resume(with: result
                .map { Admitted(indexes: $0, appended: $0.contains { $0 >= firstIndex } ? appended : nil) }
                .mapError { $0 as any Error })
        }
    }

    /// Decides one request: either all its events are admitted into `pending`, or it throws and
    /// `pending` is left as it was.
    private func admit(_ events: [PreparedEvent], expected: ExpectedVersion, committed: Committed,
                       into pending: inout Pending) throws(LedgerError) -> [UInt64] {
        guard let first = events.first else {
            throw LedgerError(.emptyAppend, "an append needs at least one event")
        }
        if expected != .any, let other = events.first(where: { !$0.signed.event.subject.sameBytes(as: first.signed.event.subject) }) {
            throw LedgerError(.mixedStreams,
                              "an append with an expected version must stay in one stream, but it holds \"\(first.signed.event.subject)\" and \"\(other.signed.event.subject)\"")
        }

        // Idempotency: the same bytes again return the original entries.
        var seen = Set<ExactText>()
        var existing: [UInt64?] = []
        for (pos, e) in events.enumerated() {
            let id = e.signed.event.id
            guard seen.insert(ExactText(id)).inserted else {
                throw LedgerError(.duplicateInBatch, "the event id \"\(id)\" appears twice in this append").at(pos, id: id)
            }
            let stored: (index: UInt64, envelopeJSON: [UInt8])?
            if let p = pending.ids[ExactText(id)] {
                stored = (pending.size - UInt64(pending.accepted.count) + UInt64(p), pending.accepted[p].event.envelopeJSON)
            } else if let index = committed.ids[ExactText(id)] {
                stored = (index, try store.envelopeJSON(at: index) ?? [])
            } else {
                stored = nil
            }
            if let stored {
                guard stored.envelopeJSON == e.envelopeJSON else {
                    throw LedgerError(.eventIDConflict,
                                      "an event with id \"\(id)\" is already in the log at entry \(stored.index), with different content")
                        .at(pos, id: id)
                }
                existing.append(stored.index)
            } else {
                existing.append(nil)
            }
        }
        let known = existing.compactMap { $0 }
        if known.count == events.count { return known }
        if !known.isEmpty {
            let pos = existing.firstIndex { $0 != nil } ?? 0
            throw LedgerError(.partialRetry,
                              "\(known.count) of the \(events.count) events are already in the log; retry exactly the original append")
                .at(pos, id: events[pos].signed.event.id)
        }

        if expected != .any {
            let subject = first.signed.event.subject
            let current = pending.versions[ExactText(subject)] ?? committed.versions[ExactText(subject)] ?? 0
            let ok: Bool
            switch expected {
            case .any: ok = true
            case .noStream: ok = current == 0
            case .streamExists: ok = current > 0
            case .exactly(let n): ok = current == n
            }
            guard ok else {
                let wanted = switch expected {
                case .noStream: "no stream yet"
                case .streamExists: "an existing stream"
                case .exactly(let n): "version \(n)"
                case .any: "any version"
                }
                throw LedgerError(.streamVersionMismatch,
                                  "the stream \"\(subject)\" is at version \(current), but the append expected \(wanted)",
                                  actualVersion: current).at(0, id: first.signed.event.id)
            }
        }

        // Admit event by event into `pending`, remembering how to undo it.
        let registryBefore = pending.registry
        let sizeBefore = pending.size, acceptedBefore = pending.accepted.count
        var versionsBefore: [ExactText: UInt64?] = [:]
        var indexes: [UInt64] = []
        do throws(LedgerError) {
            for (pos, e) in events.enumerated() {
                let event = e.signed.event
                do throws(LedgerError) {
                    indexes.append(try admitOne(e, committed: committed, versionsBefore: &versionsBefore, into: &pending))
                } catch {
                    throw error.at(pos, id: event.id)
                }
            }
        } catch {
            for e in events { pending.ids.removeValue(forKey: ExactText(e.signed.event.id)) }
            for (subject, old) in versionsBefore {
                pending.versions[subject] = old
                pending.streams[subject]?.removeAll { $0 >= acceptedBefore }
            }
            pending.accepted.removeLast(pending.accepted.count - acceptedBefore)
            pending.size = sizeBefore
            pending.registry = registryBefore
            throw error
        }
        return indexes
    }

    private func admitOne(_ e: PreparedEvent, committed: Committed, versionsBefore: inout [ExactText: UInt64?],
                          into pending: inout Pending) throws(LedgerError) -> UInt64 {
        let event = e.signed.event
        let index = pending.size
        let key = try pending.registry.signingKey(source: event.source, hint: e.signed.keyHint, at: index)
        if e.verifiedKey != key {
            guard e.signed.envelope.verifySignature(at: 0, with: key) else {
                throw LedgerError(.badSignature, "the signature does not verify with the key \(key.hint)")
            }
        }
        if RegistryEvent.isRegistryType(event.type) || pending.registry.isAuthority(event.source) {
            try pending.registry.apply(event, at: index)
            pending.registryTouched = true
        }
        let subject = ExactText(event.subject)
        let current = pending.versions[subject] ?? committed.versions[subject] ?? 0
        try validate(event, version: current, pending: pending)
        if versionsBefore[subject] == nil { versionsBefore[subject] = .some(pending.versions[subject]) }
        pending.ids[ExactText(event.id)] = pending.accepted.count
        pending.versions[subject] = current + 1
        pending.streams[subject, default: []].append(pending.accepted.count)
        pending.accepted.append((e, current + 1))
        pending.size += 1
        return index
    }

    /// Runs the validation hook's stream rules for `event`, at stream version `version`.
    ///
    /// A separate function, so that the stream history's references to `pending` are gone
    /// before `pending` grows (otherwise every append would copy the batch).
    private func validate(_ event: CloudEvent, version: UInt64, pending: borrowing Pending) throws(LedgerError) {
        let subject = event.subject
        let store = self.store
        let accepted = pending.accepted, positions = pending.streams[ExactText(subject)] ?? []
        let batchStart = pending.size - UInt64(pending.accepted.count)
        let stream = StreamState(subject: subject, version: version) { () throws(LedgerError) -> [LogEntry] in
            var entries: [LogEntry] = []
            for (_, i) in try store.streamIndexes(subject) {
                guard let entry = try store.entry(at: i) else {
                    throw LedgerError(.corruptStore, "the stream index of \"\(subject)\" names a missing entry \(i)")
                }
                entries.append(entry)
            }
            for p in positions {
                entries.append(LogEntry(index: batchStart + UInt64(p), leaf: [], appended: LedgerTime.now(),
                                        signedEvent: accepted[p].event.signed))
            }
            return entries
        }
        do {
            try validator.validate(event, stream: stream, registry: pending.registry)
        } catch {
            throw LedgerError(rejectedBy: error)
        }
    }

    /// Writes the admitted events of a batch, their nodes and indexes, and a new checkpoint, in
    /// one transaction; then updates the writer's and the readers' state.
    @discardableResult
    private func commit(_ pending: Pending, firstIndex: UInt64) throws(LedgerError) -> LedgerTime {
        let appended = max(clock(), lastAppended)
        var frontier = self.frontier
        var leaves: [[UInt8]] = []
        var nodes: [MerkleNode] = []
        leaves.reserveCapacity(pending.accepted.count)
        for (e, _) in pending.accepted {
            let leaf = Leaf.encode(appended: appended, envelopeJSON: e.envelopeJSON)
            nodes += frontier.append(leafHash: Merkle.leafHash(leaf))
            leaves.append(leaf)
        }
        let checkpoint: SignedCheckpoint
        do {
            checkpoint = try SignedCheckpoint.sign(
                Checkpoint(origin: origin, size: pending.size, rootHash: frontier.root), with: logKey)
        } catch {
            throw LedgerError(.storage, "the checkpoint could not be signed: \(error)")
        }
        let registryRecords = pending.registryTouched
            ? LedgerStore.registryRecords(pending.registry, changedFrom: registry) : []
        let checkpointBytes = Array(checkpoint.serialized.utf8)
        let store = self.store
        do {
            try store.env.write { txn in
                if store.packs, let bundles = store.bundles {
                    try LedgerStore.writePacked(txn, store, bundles: bundles, leaves: leaves, firstIndex: firstIndex)
                } else {
                    for (offset, leaf) in leaves.enumerated() {
                        try txn.put(store.entries, key: BigEndian.bytes(firstIndex + UInt64(offset)), value: leaf, options: .append)
                    }
                }
                for (offset, (e, version)) in pending.accepted.enumerated() {
                    let index = firstIndex + UInt64(offset)
                    let event = e.signed.event
                    let indexBytes = BigEndian.bytes(index)
                    try txn.put(store.ids, key: Array(event.id.utf8), value: indexBytes, options: .noOverwrite)
                    try txn.put(store.streams, key: LedgerStore.streamKey(event.subject, version: version),
                                value: indexBytes, options: .noOverwrite)
                }
                for node in nodes {
                    try node.hash.withUnsafeBytes { raw in
                        try txn.put(store.nodes, key: store.nodeKey(level: node.level, index: node.index), value: raw,
                                    options: store.packs ? .append : [])
                    }
                }
                for r in registryRecords { try txn.put(store.registry, key: r.key, value: r.value) }
                try txn.put(store.checkpoints, key: BigEndian.bytes(pending.size), value: checkpointBytes, options: .append)
            }
        } catch {
            throw LedgerError.fromStore(error)
        }
        store.nodeCache.put(nodes.map { (NodeCoordinate(level: $0.level, index: $0.index), $0.hash) })
        size = pending.size
        self.frontier = frontier
        lastAppended = appended
        registry = pending.registry
        let newState = PublishedState(size: size, checkpoint: checkpoint, registry: registry)
        published.withLock { $0 = newState }
        signal.publish(size: size)
        return appended
    }
}

/// Wakes subscribers when a commit makes the log grow.
final class CommitSignal: Sendable {
    private struct State {
        var size: UInt64
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }
    private let state: Mutex<State>

    init(size: UInt64) {
        state = Mutex(State(size: size))
    }

    func publish(size: UInt64) {
        let waiters = state.withLock { s in
            s.size = size
            let w = s.waiters
            s.waiters = [:]
            return w
        }
        for (_, c) in waiters { c.resume() }
    }

    /// Returns when the log grows beyond `size`, or after `timeout` (the caller checks again:
    /// another process may have appended, which this signal can't see).
    func wait(beyond size: UInt64, timeout: Duration) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let id: Int? = state.withLock { s in
                if s.size > size { return nil }
                let id = s.nextID
                s.nextID += 1
                s.waiters[id] = c
                return id
            }
            guard let id else {
                c.resume()
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                self.fire(id)
            }
        }
    }

    private func fire(_ id: Int) {
        let c = state.withLock { $0.waiters.removeValue(forKey: id) }
        c?.resume()
    }
}
