#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JejakBase
import JejakCrypto
import JejakJSON
import JejakStorage
import JejakTlog
import Logging
import Synchronization

/// A Jejak ledger: the append-only log of signed events, its Merkle tree, checkpoints, indexes
/// and unit registry, in one directory.
///
/// One process opens a ledger for writing (it holds `writer.lock`); any number of processes may
/// open it read-only at the same time and see each commit as it lands.
///
/// ```swift
/// // The registry authority's key is made and kept offline, never in the ledger directory.
/// let authorityKey = try KeyFile.read(from: "/media/authority/authority.key")
/// let ledger = try await Ledger.create(at: "/var/lib/jejak", origin: "jejak.kpu.go.id/ledger",
///                                      authorityKey: authorityKey)
/// let authority = RegistryAuthority(key: authorityKey)
/// _ = try await ledger.append(try authority.registerUnit("biro-keuangan", name: "Biro Keuangan", role: .biro))
/// let unitKey = try SignerKey.generate(name: "biro-keuangan")
/// _ = try await ledger.append(try authority.addKey(unitKey.verifierKey))
///
/// let publisher = UnitPublisher(key: unitKey, ledger: ledger)
/// let signed = try publisher.sign(type: "id.go.kpu.jejak.exchange.requested.v1",
///                                 subject: "exchange/2026-000123", data: ["title": "…"])
/// let receipt = try await ledger.append(signed, expecting: .noStream)
/// try receipt.verify(signed, policy: ledger.policy())
/// ```
public final class Ledger: Sendable {
    /// How a ledger is opened.
    public struct Options: Sendable {
        /// Open without writing (no writer lock, no log key needed).
        public var readOnly = false
        /// With ``readOnly``: open the store writable only to attach witness cosignatures
        /// (``Ledger/addCosignatures(_:)``) and edit the policy (``Ledger/addWitness(name:key:)``),
        /// while another process may hold the writer lock. Takes no writer lock, needs no log
        /// key, and still refuses appends.
        public var cosigning = false
        /// Wait for each commit to reach the disk before returning receipts. Default `true`;
        /// turn off only for throwaway ledgers.
        public var durable = true
        /// The validation hook (schemas and domain rules).
        public var validator: any EventValidator = AcceptAllValidator()
        /// The largest number of events the writer sequences in one commit.
        public var maxBatchEvents = 8192
        /// The most events that may wait in the writer's queue; an append that would go past it
        /// is refused at once with ``LedgerError/Code/writerQueueFull`` (backpressure: a server
        /// answers 503 and the client retries) instead of holding memory without bound.
        public var maxQueuedEvents = 65_536
        /// How long opening for writing waits for another process to release the writer lock
        /// before refusing with ``LedgerError/Code/ledgerBusy`` (default: not at all). A
        /// command-line publisher waits its turn this way. The wait blocks the calling thread
        /// (it polls the lock): from async code, open the ledger off the cooperative pool or
        /// keep the timeout short.
        public var writerLockTimeout: Duration = .zero
        /// How often a subscriber of a read-only ledger looks for commits of the writing process.
        public var pollInterval: Duration = .milliseconds(50)
        /// The logger.
        public var logger = Logger(label: "jejak.ledger")
        /// The ledger's clock, which stamps each entry's `appended` time (never going backwards:
        /// an entry is stamped no earlier than the one before it). The wall clock by default; a
        /// replay of a historical scenario, or a test, may supply its own.
        public var clock: @Sendable () -> LedgerTime = { LedgerTime.now() }

        /// The defaults: read-write, durable, no validation hook.
        public init() {}
    }

    /// The ledger's directory.
    public let directory: LedgerDirectory
    /// The log's origin (the first line of its checkpoints).
    public let origin: String
    /// The log's public key, which signs checkpoints.
    public let logKey: VerifierKey
    /// The registry authority's public key, pinned in the genesis entry.
    public let authority: VerifierKey
    /// The options the ledger was opened with.
    public let options: Options

    let store: LedgerStore
    let writer: LedgerWriter?
    let signal: CommitSignal
    private let lock: Mutex<WriterLock?>

    // MARK: Creating and opening

    /// Creates a new ledger in `path`: the LMDB store, the log key (named `origin`), the registry
    /// authority's key (unless one is given), the policy file, and the genesis entry signed by
    /// the authority.
    ///
    /// - Parameters:
    ///   - path: The ledger directory; created if missing, refused if it already holds a ledger.
    ///   - origin: The log's origin, e.g. `jejak.kpu.go.id/ledger`.
    ///   - logKey: The log key to use (its name must be `origin`); generated if `nil`.
    ///   - authorityKey: The registry authority's key, which signs the genesis entry and every
    ///     registry event. It is never written to the directory (only its public key is, in
    ///     `authority.vkey`): whoever can read it can register a key for any unit and publish
    ///     as that unit, so it belongs offline, with the registry authority.
    ///   - options: See ``Options``.
    /// - Throws: ``LedgerError`` with ``LedgerError/Code/ledgerDirectory`` (exists, unwritable),
    ///   ``LedgerError/Code/keyFile`` (bad key names or types).
    public static func create(at path: String, origin: String, logKey: SignerKey? = nil,
                              authorityKey: SignerKey, options: Options = Options()) async throws(LedgerError) -> Ledger {
        let dir = LedgerDirectory(path: path)
        guard !dir.exists else {
            throw LedgerError(.ledgerDirectory, "\(path) already holds a ledger")
        }
        // A creation that was killed left its marker: what it wrote is removed and creation
        // starts over (only the files a creation writes; nothing else in the directory).
        if dir.isHalfCreated {
            dir.remove(dir.createdFiles)
        }
        let createdDirectory = mkdir(path, 0o700) == 0
        if !createdDirectory && errno != EEXIST {
            throw LedgerError(.ledgerDirectory, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        // A failure (a full disk, a read-only directory) removes what this call wrote, so that
        // nothing half-created is left behind to block the next attempt; a kill, which removes
        // nothing, leaves the marker, which the next attempt sees.
        var written: [String] = []
        do throws(LedgerError) {
            try LedgerDirectory.writeText("jejak init has not finished creating this ledger\n", to: dir.incompleteMarker)
            written.append(dir.incompleteMarker)
            LedgerDirectory.syncDirectory(path)
            let ledger = try await create(dir, origin: origin, logKey: logKey, authorityKey: authorityKey,
                                          options: options, written: &written)
            // The genesis entry is durable; the marker's removal makes the ledger whole. The
            // directory is synced so that the removal cannot be undone by a power loss.
            guard unlink(dir.incompleteMarker) == 0 else {
                let reason = String(cString: strerror(errno))
                ledger.close()
                throw LedgerError(.ledgerDirectory, "cannot remove \(dir.incompleteMarker): \(reason)")
            }
            LedgerDirectory.syncDirectory(path)
            return ledger
        } catch {
            dir.remove(written)
            if createdDirectory { _ = rmdir(path) }
            throw error
        }
    }

    private static func create(_ dir: LedgerDirectory, origin: String, logKey: SignerKey?, authorityKey auth: SignerKey,
                               options: Options, written: inout [String]) async throws(LedgerError) -> Ledger {
        let log: SignerKey
        do throws(CryptoError) {
            if let logKey { log = logKey } else { log = try SignerKey.generate(name: origin) }
        } catch {
            throw LedgerError(.keyFile, "the origin \"\(origin)\" is not a valid key name: \(error.message)")
        }
        guard log.name.sameBytes(as: origin), log.type == .ed25519 else {
            throw LedgerError(.keyFile, "the log key must be an Ed25519 key named after the origin \"\(origin)\", not \(log.verifierKey.hint)")
        }
        guard auth.type == .ed25519, !auth.name.sameBytes(as: origin) else {
            throw LedgerError(.keyFile, "the authority key must be an Ed25519 key with a name other than the origin")
        }
        do {
            try KeyFile.write(log, to: dir.logKey)
            written.append(dir.logKey)
        } catch {
            throw LedgerError(.keyFile, error.message)
        }
        for (text, file) in [(log.verifierKey.description + "\n", dir.logVerifierKey),
                             (auth.verifierKey.description + "\n", dir.authorityVerifierKey),
                             (Self.policyText(log: log.verifierKey, witnesses: []), dir.policy)] {
            written.append(file)
            try LedgerDirectory.writeText(text, to: file)
        }

        // The store did not exist (the caller checked), so its files are this call's.
        written += [dir.store, dir.store + "/lock.mdb", dir.store + "/data.mdb", dir.writerLock]
        try initializeStore(dir, origin: origin, log: log.verifierKey, authority: auth.verifierKey, durable: options.durable)
        let ledger = try Ledger(opening: dir.path, options: options, creating: true)
        do throws(LedgerError) {
            let genesis = try CloudEvent.make(
                id: "genesis", source: auth.name, type: RegistryEvent.genesis, subject: RegistryEvent.genesisSubject,
                dataschema: RegistryEvent.schema(of: RegistryEvent.genesis),
                data: ["origin": .string(origin), "log": .string(log.verifierKey.description),
                       "authority": .string(auth.verifierKey.description)])
            _ = try await ledger.append(SignedEvent.sign(genesis, with: auth), expecting: .noStream)
        } catch {
            ledger.close()
            throw error
        }
        return ledger
    }

    /// Writes the metadata of a new store (one small transaction, once per ledger).
    private static func initializeStore(_ dir: LedgerDirectory, origin: String, log: VerifierKey,
                                        authority: VerifierKey, durable: Bool) throws(LedgerError) {
        do {
            let store = try LedgerStore(path: dir.store, readOnly: false, durable: durable)
            try store.env.write { txn in
                for (k, v) in [("format", LedgerStore.format), ("origin", origin),
                               ("log-vkey", log.description), ("authority-vkey", authority.description)] {
                    try txn.put(store.meta, key: Array(k.utf8), value: Array(v.utf8))
                }
            }
        } catch {
            throw LedgerError.fromStore(error)
        }
    }

    /// Opens an existing ledger. Opening for writing takes `writer.lock`, waiting up to
    /// ``Options/writerLockTimeout`` on the calling thread for another process to release it.
    ///
    /// - Throws: ``LedgerError`` with ``LedgerError/Code/ledgerDirectory`` (no ledger there),
    ///   ``LedgerError/Code/ledgerBusy`` (another process writes), ``LedgerError/Code/keyFile``
    ///   (the log key is missing, insecure or not the ledger's), ``LedgerError/Code/corruptStore``.
    public convenience init(opening path: String, options: Options = Options()) throws(LedgerError) {
        try self.init(opening: path, options: options, creating: false)
    }

    /// Opens a ledger; `creating` opens the one `create` is making (its marker is present).
    init(opening path: String, options: Options, creating: Bool) throws(LedgerError) {
        let dir = LedgerDirectory(path: path)
        guard creating || !dir.isHalfCreated else {
            throw LedgerError(.ledgerDirectory, "\(path) holds a ledger whose creation was interrupted; run `jejak init \(path) --origin ORIGIN` again to start over")
        }
        guard dir.exists || (creating && dir.hasStore) else {
            throw LedgerError(.ledgerDirectory, "\(path) holds no ledger; create one with `jejak init \(path) --origin ORIGIN`")
        }
        self.directory = dir
        self.options = options
        self.lock = Mutex(options.readOnly ? nil : try WriterLock(path: dir.writerLock, timeout: options.writerLockTimeout))
        let store = try LedgerStore(path: dir.store, readOnly: options.readOnly && !options.cosigning, durable: options.durable)
        self.store = store
        guard let format = try store.metaValue("format"), LedgerStore.formats.contains(format),
              let origin = try store.metaValue("origin"),
              let logText = try store.metaValue("log-vkey"), let logKey = try? VerifierKey(parsing: logText),
              let authText = try store.metaValue("authority-vkey"), let authority = try? VerifierKey(parsing: authText)
        else {
            throw LedgerError(.corruptStore, "the ledger's metadata is missing or damaged")
        }
        self.origin = origin
        self.logKey = logKey
        self.authority = authority

        let size = try store.size()
        let registry = try store.loadRegistry(authority: authority)
        self.signal = CommitSignal(size: size)
        if options.readOnly {
            self.writer = nil
            return
        }
        let signer: SignerKey
        do { signer = try KeyFile.read(from: dir.logKey) } catch {
            throw LedgerError(.keyFile, error.message)
        }
        guard signer.verifierKey == logKey else {
            throw LedgerError(.keyFile, "\(dir.logKey) is not this ledger's log key (\(logKey.hint))")
        }
        let frontier = try store.withStoredNodes { nodes in try MerkleFrontier(size: size, from: nodes) }
        let checkpoint: SignedCheckpoint
        var lastAppended = LedgerTime(millisecondsSinceEpoch: 0)
        if size == 0 {
            do {
                checkpoint = try SignedCheckpoint.sign(Checkpoint(origin: origin, size: 0, rootHash: Merkle.emptyRoot), with: signer)
            } catch {
                throw LedgerError(.keyFile, "the empty checkpoint could not be signed: \(error)")
            }
        } else {
            checkpoint = try Self.latestStoredCheckpoint(store)
            guard checkpoint.checkpoint.size == size, checkpoint.checkpoint.rootHash == frontier.root else {
                throw LedgerError(.corruptStore,
                                  "the latest checkpoint (size \(checkpoint.checkpoint.size)) does not match the stored tree (size \(size))")
            }
            if let last = try store.entry(at: size - 1) { lastAppended = last.appended }
        }
        let writer = LedgerWriter(
            store: store, logKey: signer, origin: origin, validator: options.validator,
            state: PublishedState(size: size, checkpoint: checkpoint, registry: registry),
            frontier: frontier, lastAppended: lastAppended, signal: signal, clock: options.clock,
            maxBatchEvents: options.maxBatchEvents, maxQueuedEvents: options.maxQueuedEvents, logger: options.logger)
        writer.start()
        self.writer = writer
    }

    /// Finishes queued appends, stops the writer and releases the writer lock, so another
    /// process (or another `Ledger` of this one, once this one is released) may write. Reads
    /// keep working; appends are refused.
    public func close() {
        writer?.stop()
        lock.withLock { $0 = nil }
    }

    deinit {
        writer?.stop()
    }

    static func policyText(log: VerifierKey, witnesses: [(String, VerifierKey)], quorum: String? = nil) -> String {
        var text = "# Jejak trust policy (c2sp.org/tlog-policy) for the log \(log.name)\n"
        text += "log \(log)\n"
        for (name, key) in witnesses { text += "witness \(name) \(key)\n" }
        text += "quorum \(quorum ?? (witnesses.isEmpty ? "none" : witnesses[0].0))\n"
        return text
    }

    // MARK: Appending

    /// Appends one signed event and returns its receipt once the commit is durable.
    ///
    /// - Parameters:
    ///   - event: The signed event.
    ///   - expected: The version the event's stream must be at (optimistic concurrency).
    /// - Throws: ``LedgerError`` naming the rule broken; nothing is written then. Appending the
    ///   same bytes again returns the original receipt.
    public func append(_ event: SignedEvent, expecting expected: ExpectedVersion = .any) async throws(LedgerError) -> Receipt {
        let receipts = try await append([event], expecting: expected)
        guard let r = receipts.first else { throw LedgerError(.emptyAppend, "no receipt was produced") }
        return r
    }

    /// Appends several signed events atomically: all of them, in order, or none.
    ///
    /// Signatures, payloads and the validation hook's stateless checks run in the caller's task;
    /// then the writer sequences the events together with other concurrent appends in one
    /// commit. With an expected version, all events must belong to one stream.
    ///
    /// - Returns: One receipt per event, in order.
    /// - Throws: ``LedgerError`` naming the rule broken and the event (``LedgerError/position``);
    ///   nothing is written then.
    public func append(_ events: [SignedEvent], expecting expected: ExpectedVersion = .any) async throws(LedgerError) -> [Receipt] {
        guard let writer else {
            throw LedgerError(.notWritable, "the ledger was opened read-only")
        }
        guard !events.isEmpty else { throw LedgerError(.emptyAppend, "an append needs at least one event") }
        let (registry, size) = writer.published.withLock { ($0.registry, $0.size) }
        let prepared = try await prepare(events, registry: registry, firstIndex: size)
        let admitted: LedgerWriter.Admitted
        do { admitted = try await writer.submit(prepared, expected: expected) } catch {
            throw LedgerError.fromStore(error)
        }
        let checkpoint = writer.published.withLock { $0.checkpoint }
        var receipts: [Receipt] = []
        receipts.reserveCapacity(admitted.indexes.count)
        for (i, e) in zip(admitted.indexes, events) {
            receipts.append(try receipt(index: i, eventID: e.event.id, appended: admitted.appended, checkpoint: checkpoint))
        }
        return receipts
    }

    /// The events of an append checked and their signatures verified before sequencing: in
    /// the caller's task for a small append, split over the machine's cores for a large one
    /// (a batch's signatures verified in parallel).
    ///
    /// - Throws: The refusal of the first event, by position, that fails; as the same events
    ///   checked one by one would.
    private func prepare(_ events: [SignedEvent], registry: Registry, firstIndex: UInt64) async throws(LedgerError) -> [PreparedEvent] {
        let lanes = min(Self.cores, events.count / Self.eventsPerLane)
        guard lanes > 1 else { return try prepare(events[...], registry: registry, firstIndex: firstIndex) }
        let laneSize = (events.count + lanes - 1) / lanes
        let parts = await withTaskGroup(of: (Int, Result<[PreparedEvent], LedgerError>).self) { group in
            for start in stride(from: 0, to: events.count, by: laneSize) {
                let slice = events[start..<min(start + laneSize, events.count)]
                group.addTask {
                    do throws(LedgerError) {
                        return (start, .success(try self.prepare(slice, registry: registry, firstIndex: firstIndex)))
                    } catch {
                        return (start, .failure(error))
                    }
                }
            }
            var parts: [(Int, Result<[PreparedEvent], LedgerError>)] = []
            for await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }
        }
        var prepared: [PreparedEvent] = []
        prepared.reserveCapacity(events.count)
        for (_, part) in parts { prepared += try part.get() }
        return prepared
    }

    /// The fewest events a lane of a parallel ``prepare(_:registry:firstIndex:)`` takes: below
    /// that, a task's start costs more than the signatures it would verify.
    static let eventsPerLane = 8
    /// The cores the parallel checks of a batch spread over.
    static let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Checks the events of `slice` (positions in the append as in the original array).
    private func prepare(_ slice: ArraySlice<SignedEvent>, registry: Registry, firstIndex: UInt64) throws(LedgerError) -> [PreparedEvent] {
        var prepared: [PreparedEvent] = []
        prepared.reserveCapacity(slice.count)
        for (pos, e) in zip(slice.indices, slice) {
            do { prepared.append(try prepare(e, registry: registry, at: firstIndex + UInt64(pos))) } catch {
                throw error.at(pos, id: e.event.id)
            }
        }
        return prepared
    }

    private func prepare(_ e: SignedEvent, registry: Registry, at index: UInt64) throws(LedgerError) -> PreparedEvent {
        let json = e.jsonBytes
        guard json.count + Leaf.overhead <= Leaf.maxBytes else {
            throw LedgerError(.leafTooLarge,
                              "the entry would be \(json.count + Leaf.overhead) bytes, over the limit of \(Leaf.maxBytes); send large documents as attachments referenced by SHA-256")
        }
        do { try options.validator.validate(e.event) } catch {
            throw LedgerError(rejectedBy: error)
        }
        var verified: VerifierKey?
        if let key = try? registry.signingKey(source: e.event.source, hint: e.keyHint, at: index) {
            guard e.envelope.verifySignature(at: 0, with: key) else {
                throw LedgerError(.badSignature, "the signature does not verify with the key \(key.hint)")
            }
            verified = key
        }
        return PreparedEvent(signed: e, envelopeJSON: json, verifiedKey: verified)
    }

    /// The number of events waiting in the writer's queue (0 for a read-only ledger).
    public var queueDepth: Int { writer?.queueDepth ?? 0 }

    // MARK: Reading

    /// The number of entries in the log (the size of the latest checkpoint).
    ///
    /// - Throws: ``LedgerError/Code/storage``.
    public func size() throws(LedgerError) -> UInt64 {
        if let writer { return writer.published.withLock { $0.size } }
        return try store.size()
    }

    /// The entry at `index`.
    ///
    /// - Throws: ``LedgerError/Code/notFound`` past the end of the log; ``LedgerError/Code/corruptStore``.
    public func entry(at index: UInt64) throws(LedgerError) -> LogEntry {
        guard let e = try store.entry(at: index) else {
            throw LedgerError(.notFound, "there is no entry \(index); the log has \(try size()) entries")
        }
        return e
    }

    /// The entries with indexes in `[from, to)`, at most `limit` (clamped to the log).
    ///
    /// - Throws: ``LedgerError/Code/corruptStore``, ``LedgerError/Code/storage``.
    public func entries(from: UInt64, to: UInt64 = .max, limit: Int = 10_000) throws(LedgerError) -> [LogEntry] {
        try store.entries(from: from, to: to, limit: limit)
    }

    /// The entry holding the event with id `id`, or `nil`.
    ///
    /// - Throws: ``LedgerError/Code/corruptStore``, ``LedgerError/Code/storage``.
    public func entry(eventID id: String) throws(LedgerError) -> LogEntry? {
        guard let index = try store.index(ofEventID: id) else { return nil }
        return try entry(at: index)
    }

    /// The number of events in the stream `subject` (0 if it has none).
    ///
    /// - Throws: ``LedgerError/Code/storage``.
    public func streamVersion(_ subject: String) throws(LedgerError) -> UInt64 {
        try store.streamVersion(subject)
    }

    /// The events of stream `subject` from `fromVersion` (1-based) on, with their versions.
    ///
    /// - Throws: ``LedgerError/Code/corruptStore``, ``LedgerError/Code/storage``.
    public func stream(_ subject: String, fromVersion: UInt64 = 1, limit: Int = 10_000) throws(LedgerError) -> [(version: UInt64, entry: LogEntry)] {
        var out: [(version: UInt64, entry: LogEntry)] = []
        for (v, i) in try store.streamIndexes(subject, fromVersion: fromVersion, limit: limit) {
            out.append((v, try entry(at: i)))
        }
        return out
    }

    /// The version entry `index` has in its stream `subject` (1-based).
    ///
    /// - Throws: ``LedgerError/Code/notFound`` when the stream does not hold the entry;
    ///   ``LedgerError/Code/storage``.
    public func streamVersion(ofEntry index: UInt64, subject: String) throws(LedgerError) -> UInt64 {
        guard let version = try store.streamVersion(ofEntry: index, subject: subject) else {
            throw LedgerError(.notFound, "the stream \"\(subject)\" does not hold entry \(index)")
        }
        return version
    }

    /// The unit registry as it stands after the latest commit.
    ///
    /// - Throws: ``LedgerError/Code/corruptStore``, ``LedgerError/Code/storage``.
    public func registry() throws(LedgerError) -> Registry {
        if let writer { return writer.published.withLock { $0.registry } }
        return try store.loadRegistry(authority: authority)
    }

    /// The latest signed checkpoint, with the witness cosignatures stored with it so far.
    ///
    /// - Throws: ``LedgerError/Code/notFound`` for an empty read-only ledger; ``LedgerError/Code/corruptStore``.
    public func latestCheckpoint() throws(LedgerError) -> SignedCheckpoint {
        if let writer {
            let published = writer.published.withLock { $0.checkpoint }
            // Witnesses (of this process or another) add their cosignatures to the stored note.
            return try checkpoint(size: published.checkpoint.size) ?? published
        }
        return try Self.latestStoredCheckpoint(store)
    }

    static func latestStoredCheckpoint(_ store: LedgerStore) throws(LedgerError) -> SignedCheckpoint {
        guard let text = try store.latestCheckpointText() else {
            throw LedgerError(.notFound, "the ledger has no checkpoint yet")
        }
        return try parseCheckpoint(text)
    }

    static func parseCheckpoint(_ text: String) throws(LedgerError) -> SignedCheckpoint {
        do { return try SignedCheckpoint(parsing: text) } catch {
            throw LedgerError(.corruptStore, "a stored checkpoint does not parse: \(error.message)")
        }
    }

    /// The stored checkpoint of tree size `size`, or `nil` if the log signed none at that size.
    /// The ledger keeps every checkpoint it signs: one per commit.
    ///
    /// - Throws: ``LedgerError/Code/corruptStore``.
    public func checkpoint(size: UInt64) throws(LedgerError) -> SignedCheckpoint? {
        try store.checkpointText(size: size).map { text throws(LedgerError) in try Self.parseCheckpoint(text) }
    }

    /// The tree sizes of the stored checkpoints from `from` on, ascending, at most `limit`.
    ///
    /// - Throws: ``LedgerError/Code/storage``.
    public func checkpointSizes(from: UInt64 = 0, limit: Int = .max) throws(LedgerError) -> [UInt64] {
        try store.checkpointSizes(from: from, limit: limit)
    }

    // MARK: Proofs

    /// The Merkle root of the first `size` entries.
    ///
    /// - Throws: ``LedgerError/Code/invalidProofRequest`` past the log's size.
    public func rootHash(size: UInt64) throws(LedgerError) -> SHA256Digest {
        try checkSize(size)
        return try store.withStoredNodes { nodes in try Merkle.rootHash(size: size, from: nodes) }
    }

    /// The inclusion proof of entry `index` in the tree of size `size` (default: the latest).
    ///
    /// - Throws: ``LedgerError/Code/invalidProofRequest`` for `index >= size` or a size past the log.
    public func inclusionProof(index: UInt64, size: UInt64? = nil) throws(LedgerError) -> [SHA256Digest] {
        let size = size ?? currentSizeOrZero()
        try checkSize(size)
        guard index < size else {
            throw LedgerError(.invalidProofRequest, "entry \(index) is not in a tree of size \(size)")
        }
        return try store.withStoredNodes { nodes in try Merkle.inclusionProof(index: index, size: size, from: nodes) }
    }

    /// The consistency proof between the trees of sizes `oldSize` and `newSize`.
    ///
    /// - Throws: ``LedgerError/Code/invalidProofRequest`` when `oldSize` is 0 or above `newSize`,
    ///   or `newSize` is past the log.
    public func consistencyProof(from oldSize: UInt64, to newSize: UInt64) throws(LedgerError) -> [SHA256Digest] {
        try checkSize(newSize)
        guard oldSize > 0, oldSize <= newSize else {
            throw LedgerError(.invalidProofRequest, "a consistency proof needs 0 < old size ≤ new size, not \(oldSize) and \(newSize)")
        }
        return try store.withStoredNodes { nodes in try Merkle.consistencyProof(oldSize: oldSize, newSize: newSize, from: nodes) }
    }

    private func currentSizeOrZero() -> UInt64 { (try? size()) ?? 0 }

    private func checkSize(_ size: UInt64) throws(LedgerError) {
        let current = try self.size()
        guard size <= current else {
            throw LedgerError(.invalidProofRequest, "the log has \(current) entries, fewer than the size \(size) asked for")
        }
    }

    /// The receipt of entry `index`: a tlog-proof against the stored checkpoint of size
    /// `checkpointSize`, or against the latest checkpoint.
    ///
    /// - Throws: ``LedgerError/Code/notFound`` when no checkpoint of that size is stored;
    ///   ``LedgerError/Code/invalidProofRequest`` when the entry is not in it.
    public func receipt(index: UInt64, checkpointSize: UInt64? = nil) throws(LedgerError) -> Receipt {
        let checkpoint: SignedCheckpoint
        if let checkpointSize {
            guard let cp = try self.checkpoint(size: checkpointSize) else {
                throw LedgerError(.notFound, "the ledger signed no checkpoint of size \(checkpointSize)")
            }
            checkpoint = cp
        } else {
            checkpoint = try latestCheckpoint()
        }
        return try receipt(index: index, checkpoint: checkpoint)
    }

    /// The newest stored checkpoint whose signatures meet the ledger's policy — its log
    /// signature and the witness quorum — or `nil` when none does yet. With a policy that needs
    /// no witness, the latest checkpoint. The checkpoints after the last cosignature are
    /// skipped by their signature count, without verifying them.
    ///
    /// - Throws: ``LedgerError`` when the store or the policy cannot be read.
    public func latestWitnessedCheckpoint() throws(LedgerError) -> SignedCheckpoint? {
        let policy = try self.policy()
        let needsWitnesses = !policy.isQuorumSatisfied(byWitnessesNamed: [String]())
        for size in try checkpointSizes().reversed() {
            guard let checkpoint = try self.checkpoint(size: size) else { continue }
            if needsWitnesses && checkpoint.note.signatures.count < 2 { continue }
            if (try? policy.verify(checkpoint)) != nil { return checkpoint }
        }
        return nil
    }

    /// The receipt of entry `index` against ``latestWitnessedCheckpoint()``: what to hand out
    /// once the witnesses have cosigned (a receipt made before, against an uncosigned
    /// checkpoint, stops verifying when the policy requires them).
    ///
    /// ```swift
    /// let receipt = try ledger.witnessedReceipt(index: 812)
    /// try receipt.verify(event, policy: try ledger.policy())
    /// ```
    ///
    /// - Throws: ``LedgerError/Code/notWitnessed`` when no checkpoint that holds entry `index`
    ///   meets the witness quorum yet; otherwise as ``receipt(index:checkpointSize:)``.
    public func witnessedReceipt(index: UInt64) throws(LedgerError) -> Receipt {
        guard let checkpoint = try latestWitnessedCheckpoint(), index < checkpoint.checkpoint.size else {
            throw LedgerError(.notWitnessed, "no checkpoint that holds entry \(index) is cosigned by the policy's witnesses yet; "
                              + "the witness cosigns with `jejak witness cosign` (or `jejak serve` submits to it), then ask again")
        }
        return try receipt(index: index, checkpoint: checkpoint)
    }

    /// A receipt for entry `index` against `checkpoint`. A caller that knows the event id and
    /// the `appended` time saves reading and decoding the entry.
    func receipt(index: UInt64, eventID: String? = nil, appended known: LedgerTime? = nil,
                 checkpoint: SignedCheckpoint) throws(LedgerError) -> Receipt {
        let size = checkpoint.checkpoint.size
        guard index < size else {
            throw LedgerError(.invalidProofRequest, "entry \(index) is not in the checkpoint of size \(size)")
        }
        let appended: LedgerTime, id: String
        if let known, let eventID {
            appended = known
            id = eventID
        } else {
            let entry = try entry(at: index)
            appended = entry.appended
            id = entry.event.id
        }
        let proof = try store.withStoredNodes { nodes in try Merkle.inclusionProof(index: index, size: size, from: nodes) }
        return Receipt(eventID: id, proof: TlogProof(extra: Array(appended.rfc3339.utf8), index: index,
                                                     inclusionProof: proof, checkpoint: checkpoint))
    }

    /// The ledger's trust policy file (c2sp.org/tlog-policy), as verifiers should use it.
    ///
    /// - Throws: ``LedgerError/Code/ledgerDirectory`` when it can't be read or parsed.
    public func policy() throws(LedgerError) -> TlogPolicy {
        let text = try LedgerDirectory.readText(directory.policy)
        do { return try TlogPolicy(parsing: text) } catch {
            throw LedgerError(.ledgerDirectory, "\(directory.policy) is not a valid tlog-policy: \(error.message)")
        }
    }

    // MARK: Subscribing

    /// The log's entries from `index` on: first those already committed, then each new commit
    /// as it lands (also commits of another process, for a read-only ledger). The sequence never
    /// ends by itself; cancel the consuming task to stop.
    public func subscribe(from index: UInt64 = 0) -> LedgerSubscription {
        LedgerSubscription(ledger: self, start: index, isActive: { true })
    }

    /// The log's entries from `index` on, live, for as long as `isActive` returns `true`: it is
    /// asked before each wait for a commit and at least every ``Options/pollInterval`` while
    /// waiting, and the sequence ends once it returns `false` (a server stopping its followers
    /// on graceful shutdown).
    public func subscribe(from index: UInt64 = 0, while isActive: @escaping @Sendable () -> Bool) -> LedgerSubscription {
        LedgerSubscription(ledger: self, start: index, isActive: isActive)
    }
}

/// The entries of a ledger from a position on, live: an `AsyncSequence` that catches up in
/// batches, then waits for new commits. It reads on demand, so a slow consumer holds no
/// unbounded buffer.
public struct LedgerSubscription: AsyncSequence, Sendable {
    public typealias Element = LogEntry
    let ledger: Ledger
    let start: UInt64
    let isActive: @Sendable () -> Bool

    /// The iterator.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let ledger: Ledger
        let isActive: @Sendable () -> Bool
        var position: UInt64
        var buffer: [LogEntry] = []
        var next = 0

        /// The next entry; waits for a commit when caught up. `nil` once the task is cancelled
        /// or the subscription's condition no longer holds.
        ///
        /// - Throws: ``LedgerError`` when the log can't be read.
        public mutating func next() async throws(LedgerError) -> LogEntry? {
            while true {
                if next < buffer.count {
                    defer { next += 1 }
                    return buffer[next]
                }
                if Task.isCancelled || !isActive() { return nil }
                buffer = try ledger.entries(from: position, limit: 512)
                next = 0
                if let last = buffer.last {
                    position = last.index + 1
                    continue
                }
                await ledger.signal.wait(beyond: position, timeout: ledger.options.pollInterval)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(ledger: ledger, isActive: isActive, position: start)
    }
}


/// The embedded ledger is an ``EventLog``: code written against the protocol runs unchanged on
/// a remote log through `JejakClient`.
extension Ledger: EventLog {}
